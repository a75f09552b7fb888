"""Bulk upserts of villages, cadres and tasks by township systems, by external id: per-item results
(created, updated, unchanged, error with the single write's code and fields), the same request again
changes nothing, the township's scope, the scopes of the client, and the batch bound."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from cunzhi.kit import bulk, clock

TOWNSHIP_01, TOWNSHIP_02 = "230199100000", "230199101000"
VILLAGE_01 = "230199100200"  # township 01
VILLAGE_02 = "230199101200"  # township 02
ALL = ["villages:read", "villages:write", "cadres:read", "cadres:write", "tasks:read", "tasks:write"]


def _results(r):  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    return [i["result"] for i in r.json()["items"]]


async def test_villages_by_code_idempotent_with_per_item_results(client, new_client, db):
    _, h = await new_client("bulk-v", scopes=ALL)
    before = (await client.get(f"/api/v1/villages/{VILLAGE_01}", headers=h)).json()
    items = [
        {"code": "230199100901", "name": "新村", "population": 800, "lat": 45.1, "lng": 126.5},
        {"code": VILLAGE_01, "name": before["name"], "population": before["population"] + 1},
        {"code": "230199100902", "name": "新二村"},
        {"code": VILLAGE_02, "name": "别镇的村"},  # township 02's village
        {"code": "230199100903", "name": "半个位置", "lat": 45.0},
    ]
    r = await client.post("/api/v1/villages/bulk", json={"items": items}, headers=h)
    assert _results(r) == ["created", "updated", "created", "error", "error"]
    body = r.json()
    assert body["summary"] == {"created": 2, "updated": 1, "unchanged": 0, "errors": 2}
    assert body["items"][0]["id"] == "230199100901" and body["items"][0]["version"] == 1
    assert body["items"][1]["version"] == before["version"] + 1
    assert body["items"][3]["error"]["code"] == "code_outside_township"
    assert body["items"][3]["error"]["errors"][0]["loc"] == ["code"]
    assert body["items"][4]["error"]["code"] == "incomplete_position"
    assert body["items"][4]["error"]["status"] == 422
    got = (await client.get("/api/v1/villages/230199100901", headers=h)).json()
    assert got["township_code"] == TOWNSHIP_01 and got["population"] == 800 and got["status"] == "normal"
    # The same request again: nothing written, nothing duplicated.
    audit_count = "SELECT count(*) FROM audit_events WHERE entity = 'village'"
    n_audit = (await db.execute(text(audit_count))).scalar()
    again = await client.post("/api/v1/villages/bulk", json={"items": items}, headers=h)
    assert _results(again) == ["unchanged", "unchanged", "unchanged", "error", "error"]
    assert [i["version"] for i in again.json()["items"][:3]] == [1, before["version"] + 1, 1]
    assert (await db.execute(text(audit_count))).scalar() == n_audit
    assert (await db.execute(text("SELECT count(*) FROM villages WHERE code = '230199100901'"))).scalar() == 1
    # A single change by the same client, with If-Match, as a township official would.
    got = await client.get("/api/v1/villages/230199100901", headers=h)
    r = await client.patch("/api/v1/villages/230199100901", json={"households": 250},
                           headers={**h, "If-Match": got.headers["ETag"]})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    # What a person reads of township 02 is untouched.
    assert (await db.execute(text("SELECT name FROM villages WHERE code = :c"), {"c": VILLAGE_02})).scalar() != "别镇的村"


async def test_scopes_roles_and_bounds(client, new_client, token_for):
    _, reader = await new_client("bulk-ro", scopes=["villages:read", "cadres:read", "tasks:read"])
    for path in ("/api/v1/villages/bulk", "/api/v1/cadres/bulk", "/api/v1/tasks/bulk"):
        r = await client.post(path, json={"items": []}, headers=reader)
        assert r.status_code == 403 and r.json()["code"] == "scope_missing", path
        assert r.json()["required_scope"] == path.split("/")[3] + ":write"
    _, villages_only = await new_client("bulk-vo", scopes=["villages:write"])
    r = await client.post("/api/v1/cadres/bulk", json={"items": [{"external_id": "a", "name": "x", "home_unit": "y"}]},
                          headers=villages_only)
    assert r.status_code == 403 and r.json()["required_scope"] == "cadres:write"
    # People use the single writes and the file imports.
    r = await client.post("/api/v1/villages/bulk", json={"items": [{"code": "230199100904", "name": "x"}]},
                          headers=await token_for("admin"))
    assert r.status_code == 403
    _, h = await new_client("bulk-bounds", scopes=ALL)
    too_many = [{"code": f"2301991{i:05d}", "name": "x"} for i in range(bulk.MAX_ITEMS + 1)]
    r = await client.post("/api/v1/villages/bulk", json={"items": too_many}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "items"]
    twice = [{"code": "230199100905", "name": "x"}, {"code": "230199100905", "name": "y"}]
    r = await client.post("/api/v1/villages/bulk", json={"items": twice}, headers=h)
    assert r.status_code == 422 and "more than once" in r.text
    r = await client.post("/api/v1/villages/bulk", json={"items": []}, headers=h)
    assert r.status_code == 422
    r = await client.post("/api/v1/cadres/bulk", json={"items": [{"external_id": "bad id!", "name": "x",
                                                                  "home_unit": "y"}]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:4] == ["body", "items", "0", "external_id"]


async def test_cadres_by_external_id_per_township(client, new_client, db):
    _, h1 = await new_client("bulk-c1", scopes=ALL)
    _, h2 = await new_client("bulk-c2", township=TOWNSHIP_02, scopes=ALL)
    items = [{"external_id": "HR-001", "name": "张三", "home_unit": "县农业局", "expertise": ["technical"]},
             {"external_id": "HR-002", "name": "李四", "home_unit": "县公安局", "expertise": ["astrology"]},
             {"external_id": "HR-003", "name": "王五", "home_unit": "县委组织部", "phone": "13800000000"}]
    r = await client.post("/api/v1/cadres/bulk", json={"items": items}, headers=h1)
    assert _results(r) == ["created", "error", "created"]
    assert r.json()["items"][1]["error"]["code"] == "unknown_expertise"
    assert r.json()["items"][1]["error"]["errors"][0]["loc"] == ["expertise"]
    first_id = r.json()["items"][0]["id"]
    row = (await db.execute(text("SELECT county_code, external_source, external_id, created_by FROM cadres "
                                 "WHERE id = :i"), {"i": int(first_id)})).one()
    assert tuple(row) == ("230199000000", TOWNSHIP_01, "HR-001", "bulk-c1")
    again = await client.post("/api/v1/cadres/bulk", json={"items": items}, headers=h1)
    assert _results(again) == ["unchanged", "error", "unchanged"]
    changed = [{**items[0], "active": False}, {**items[2]}]
    r = await client.post("/api/v1/cadres/bulk", json={"items": changed}, headers=h1)
    assert _results(r) == ["updated", "unchanged"] and r.json()["items"][0]["version"] == 2
    # Another township's system with the same id has its own cadre.
    r = await client.post("/api/v1/cadres/bulk", json={"items": [items[0]]}, headers=h2)
    assert _results(r) == ["created"] and r.json()["items"][0]["id"] != first_id
    assert (await db.execute(text("SELECT count(*) FROM cadres WHERE external_id = 'HR-001'"))).scalar() == 2


async def _catalogue(db):  # type: ignore[no-untyped-def]
    item_id = (await db.execute(text("SELECT id FROM task_items WHERE county_code = '230199000000' AND active "
                                     "ORDER BY id LIMIT 1"))).scalar()
    unit = (await db.execute(text("SELECT code FROM task_units WHERE county_code = '230199000000' "
                                  "ORDER BY code LIMIT 1"))).scalar()
    return item_id, unit


async def test_tasks_by_external_id(client, new_client, db):
    _, h = await new_client("bulk-t", scopes=ALL)
    item_id, unit = await _catalogue(db)
    due = (clock.local_today() + timedelta(days=60)).isoformat()
    base = {"village_code": VILLAGE_01, "item_id": item_id, "title": "修村道", "target": "3.5", "unit": unit,
            "due_date": due, "responsible_kind": "village_committee"}
    items = [{**base, "external_id": "T-1"},
             {**base, "external_id": "T-2", "village_code": VILLAGE_02, "title": "别镇"},
             {**base, "external_id": "T-3", "title": "过期", "due_date": (clock.local_today() - timedelta(days=1)).isoformat()},
             {**base, "external_id": "T-4", "title": "修水渠", "responsible_kind": "cadre"}]
    r = await client.post("/api/v1/tasks/bulk", json={"items": items}, headers=h)
    assert _results(r) == ["created", "error", "error", "error"], r.text
    errs = [i["error"] for i in r.json()["items"][1:]]
    assert [e["code"] for e in errs] == ["village_not_found", "due_date_past", "responsible_invalid"]
    assert errs[0]["status"] == 404
    tid = r.json()["items"][0]["id"]
    task = (await client.get(f"/api/v1/tasks/{tid}", headers=h)).json()
    assert task["assigned_level"] == "township" and task["target"] == "3.50"
    again = await client.post("/api/v1/tasks/bulk", json={"items": items[:1]}, headers=h)
    assert _results(again) == ["unchanged"]
    r = await client.post("/api/v1/tasks/bulk", json={"items": [{**items[0], "target": "4.00", "note": "加长"}]},
                          headers=h)
    assert _results(r) == ["updated"]
    task = (await client.get(f"/api/v1/tasks/{tid}", headers=h)).json()
    assert task["target"] == "4.00" and task["note"] == "加长" and task["version"] == r.json()["items"][0]["version"]
    assert [x["kind"] for x in task["history"]] == ["create", "edit"]
    other_village = (await db.execute(text("SELECT code FROM villages WHERE township_code = :t AND code <> :c "
                                           "ORDER BY code LIMIT 1"), {"t": TOWNSHIP_01, "c": VILLAGE_01})).scalar()
    r = await client.post("/api/v1/tasks/bulk", json={"items": [{**items[0], "village_code": other_village}]},
                          headers=h)
    assert _results(r) == ["error"] and r.json()["items"][0]["error"]["code"] == "task_village_fixed"
    assert (await db.execute(text("SELECT count(*) FROM tasks WHERE external_id = 'T-1'"))).scalar() == 1


@pytest.mark.parametrize("path", ["/api/v1/villages/bulk", "/api/v1/cadres/bulk", "/api/v1/tasks/bulk"])
async def test_contract_names_the_scope(client, path):
    contract = (await client.get("/api/v1/openapi.json")).json()
    assert contract["paths"][path]["post"]["x-required-scope"] == path.split("/")[3] + ":write"
