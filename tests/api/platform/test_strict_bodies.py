"""Request bodies are strict in every domain: no "0" for false, no "3" or 4.0 for an integer, no JSON
number for money or other decimals, no repeated items where the contract says uniqueItems. Each bad
body is a 422 naming the field with a stable error type, before anything is looked up or changed."""

import pytest

V01 = "230199100200"  # a village of township 01 (demo)

CASES = [
    # (who, method, path, body, field, error type)
    ("admin", "PATCH", f"/api/v1/villages/{V01}", {"population": "5"}, "population", "int_type"),
    ("admin", "PATCH", f"/api/v1/villages/{V01}", {"households": 4.0}, "households", "int_type"),
    ("admin", "POST", "/api/v1/villages",
     {"code": "230199100299", "name": "x", "township_code": "230199100000",
      "problem_categories": ["weak_branch", "weak_branch"]}, "problem_categories", "unique_items"),
    ("admin", "PATCH", "/api/v1/users/1", {"is_active": "0"}, "is_active", "bool_type"),
    ("admin", "PATCH", "/api/v1/users/1", {"is_active": 0}, "is_active", "bool_type"),
    ("admin", "POST", "/api/v1/criteria",
     {"code": "abc", "name": "x", "category": "weak_branch", "min_score": "0"}, "min_score", "int_type"),
    ("admin", "PATCH", "/api/v1/criteria/1", {"max_score": 4.0}, "max_score", "int_type"),
    ("admin", "PATCH", "/api/v1/criteria/1", {"weight": 2}, "weight", "decimal_format"),
    ("admin", "POST", "/api/v1/screening-rounds", {"title": "x", "weak_index": 60}, "weak_index", "decimal_format"),
    ("admin", "POST", "/api/v1/screening-rounds", {"title": "x", "weak_index": "abc"}, "weak_index",
     "decimal_format"),
    ("admin", "PATCH", "/api/v1/rectification-cases/1/measures/1", {"done": "true"}, "done", "bool_type"),
    ("admin", "POST", "/api/v1/rectification-cases/1/notes",
     {"on_date": "2026-01-02", "text": "x", "measure_id": "1"}, "measure_id", "int_type"),
    ("admin", "PATCH", "/api/v1/partner-units/1", {"capacity": "3"}, "capacity", "int_type"),
    ("admin", "POST", "/api/v1/partner-units", {"code": "u1", "name": "x", "strengths": ["legal_aid", "legal_aid"]},
     "strengths", "unique_items"),
    ("admin", "PUT", "/api/v1/cadres/settings",
     {"cadres_per_village": 2.0, "expertise": [{"code": "mass_work", "label": "x"}], "weights": {}},
     "cadres_per_village", "int_type"),
    ("admin", "PATCH", "/api/v1/cadres/1", {"active": 1}, "active", "bool_type"),
    ("cadre01", "POST", "/api/v1/cadres/logs",
     {"written_at": "2026-01-02T08:00:00+08:00", "text": "x", "roles": ["propagandist"], "activities_held": 4.0},
     "activities_held", "int_type"),
    ("cadre01", "POST", "/api/v1/cadres/checkins",
     {"checked_at": "2026-01-02T08:00:00+08:00", "lat": "30.1", "lng": 120, "accuracy_m": 5}, "lat", "float_type"),
    ("secretary01", "POST", f"/api/v1/funds/villages/{V01}/claims",
     {"line_id": 1, "amount": 3, "purpose": "x", "payee": "y"}, "amount", "money_format"),
    ("secretary01", "POST", f"/api/v1/funds/villages/{V01}/claims",
     {"line_id": 1, "amount": "0.00", "purpose": "x", "payee": "y"}, "amount", "money_range"),
    ("secretary01", "POST", f"/api/v1/funds/villages/{V01}/claims",
     {"line_id": "1", "amount": "3.00", "purpose": "x", "payee": "y"}, "line_id", "int_type"),
    ("secretary01", "POST", f"/api/v1/funds/villages/{V01}/budgets",
     {"year": 2026.0, "lines": [{"category": "office", "name": "x", "amount": "10.00"}]}, "year", "int_type"),
    ("admin", "POST", "/api/v1/resources",
     {"village_code": V01, "name": "x", "kind": "land", "area": 1.5}, "area", "decimal_format"),
]


@pytest.mark.parametrize("who,method,path,body,field,kind", CASES, ids=[f"{c[2]}:{c[4]}:{c[5]}" for c in CASES])
async def test_lax_values_are_refused_with_a_stable_type(client, token_for, who, method, path, body, field, kind):
    r = await client.request(method, path, json=body, headers={**await token_for(who), "If-Match": 'W/"1"'})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_error"
    mine = [e for e in problem["errors"] if e["loc"][:2] == ["body", field]]
    assert mine and mine[0]["type"] == kind, problem["errors"]


async def test_the_same_bodies_written_strictly_pass_validation(client, token_for):
    """Not a blanket refusal: the proper JSON types get past validation (to the route's own answer)."""
    h = await token_for("admin")
    r = await client.patch(f"/api/v1/villages/{V01}", json={"population": 5}, headers=h)
    assert r.status_code == 428  # validated; now only If-Match is missing
    h = await token_for("secretary01")
    r = await client.post(f"/api/v1/funds/villages/{V01}/claims", headers=h,
                          json={"line_id": 2_000_000_000, "amount": "3.00", "purpose": "x", "payee": "y"})
    assert r.status_code != 422 or all(e["loc"][:2] != ["body", "amount"] for e in r.json().get("errors", []))


async def test_money_error_carries_no_raw_text_for_the_spa_to_show(client, token_for):
    h = await token_for("secretary01")
    r = await client.post(f"/api/v1/funds/villages/{V01}/claims", headers=h,
                          json={"line_id": 1, "amount": "abc", "purpose": "x", "payee": "y"})
    err = next(e for e in r.json()["errors"] if e["loc"] == ["body", "amount"])
    assert err["type"] == "money_format" and not err["msg"].startswith("Value error")


@pytest.mark.parametrize("month", ["0000-00", "2026-00", "2026-13"])
async def test_attendance_month_refuses_month_zero(client, token_for, month):
    r = await client.get("/api/v1/cadres/attendance", params={"month": month}, headers=await token_for("admin"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "month"]


FULL_WIDTH = "２３０１９９１００２００"  # V01 in full-width digits: Unicode's \d matches them, a code must not


@pytest.mark.parametrize("method,path,params,body,loc", [
    ("GET", f"/api/v1/villages/{FULL_WIDTH}", None, None, ["path", "code"]),
    ("GET", "/api/v1/villages", {"township_code": "２３０１９９１０００００"}, None, ["query", "township_code"]),
    ("GET", "/api/v1/dashboards/rectification", {"month": "２０２６-０１"}, None, ["query", "month"]),
    ("POST", "/api/v1/villages", None,
     {"code": "２３０１９９１００２９９", "name": "x", "township_code": "230199100000"}, ["body", "code"]),
])
async def test_codes_and_months_take_ascii_digits_only(client, token_for, method, path, params, body, loc):
    r = await client.request(method, path, params=params, json=body, headers=await token_for("admin"))
    assert r.status_code == 422, r.text
    assert any(e["loc"][: len(loc)] == loc for e in r.json()["errors"]), r.json()
