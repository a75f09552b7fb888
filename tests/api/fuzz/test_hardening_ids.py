"""Ids beyond the int4 range of the keys are a 422 for the field (found by the API fuzzing: they
reached asyncpg and came back as 500); ids in range that do not exist stay 404."""

import pytest

BIG = 2**31
C = "/api/v1/rectification-cases"
R = "/api/v1/screening-rounds"
V = "230199101200"

PATH_IDS = [
    ("GET", f"{C}/{BIG}", None, "case_id"),
    ("POST", f"{C}/{BIG}/problems", {"category": "weak_branch", "description": "x"}, "case_id"),
    ("POST", f"{C}/{BIG}/measures", {"description": "x", "owner": "y", "deadline": "2030-12-31"}, "case_id"),
    ("PATCH", f"{C}/1/measures/{BIG}", {"done": True}, "measure_id"),
    ("POST", f"{C}/{BIG}/notes", {"on_date": "2026-01-01", "text": "x"}, "case_id"),
    ("POST", f"{C}/{BIG}/submit", None, "case_id"),
    ("POST", f"{C}/{BIG}/accept", None, "case_id"),
    ("POST", f"{C}/{BIG}/return", {"reason": "x"}, "case_id"),
    ("PATCH", f"/api/v1/criteria/{BIG}", {"name": "x"}, "criterion_id"),
    ("GET", f"{R}/{BIG}", None, "round_id"),
    ("POST", f"{R}/{BIG}/close", {"reason": "x"}, "round_id"),
    ("GET", f"{R}/{BIG}/scores", None, "round_id"),
    ("POST", f"{R}/{BIG}/scores", {"sheets": [{"village_code": V, "scores": {}}]}, "round_id"),
    ("GET", f"{R}/{BIG}/scores/{V}", None, "round_id"),
    ("PUT", f"{R}/{BIG}/scores/{V}", {"scores": {}}, "round_id"),
    ("POST", f"{R}/{BIG}/townships/230199101000/proposal", None, "round_id"),
    ("GET", f"{R}/{BIG}/proposals", None, "round_id"),
    ("POST", f"{R}/{BIG}/confirm", None, "round_id"),
    ("GET", f"{R}/{BIG}/export.xlsx", None, "round_id"),
]


@pytest.mark.parametrize("method,url,body,name", PATH_IDS, ids=[f"{m} {u}" for m, u, _, _ in PATH_IDS])
async def test_rectification_path_ids_beyond_int4_are_422(client, token_for, method, url, body, name):
    r = await client.request(method, url, json=body, headers=await token_for("admin"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert ["path", name] in [e["loc"] for e in r.json()["errors"]]


async def test_rectification_query_and_body_ids_beyond_int4_are_422(client, token_for):
    h = await token_for("admin")
    r = await client.get(f"{C}?round_id={BIG}", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "round_id"]
    r = await client.post(f"{C}/1/notes", json={"on_date": "2026-01-01", "text": "x", "measure_id": BIG}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "measure_id"]
    r = await client.post(f"{C}/1/measures", json={"description": "x", "owner": "y", "deadline": "2030-12-31",
                                                    "problem_id": BIG}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "problem_id"]


async def test_ids_in_range_that_do_not_exist_stay_404(client, token_for):
    h = await token_for("admin")
    assert (await client.get(f"{C}/{BIG - 1}", headers=h)).status_code == 404
    assert (await client.get(f"{R}/{BIG - 1}", headers=h)).status_code == 404
