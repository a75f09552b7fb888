"""The county's task catalogue: read by everyone in the county, kept by the county."""

import httpx
from tasks_helpers import COUNTY


async def test_the_catalogue_has_the_four_categories_and_units(client: httpx.AsyncClient, auth) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/api/v1/tasks/catalogue", headers=await auth("cadre01"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["county_code"] == COUNTY
    assert {i["category"] for i in body["items"]} == {"seven_helps", "construction", "poverty_relief", "industry"}
    assert len([i for i in body["items"] if i["category"] == "seven_helps"]) == 7
    # The seed's county keeps 19 poverty-relief policy measures (扶贫解困政策措施).
    assert len([i for i in body["items"] if i["category"] == "poverty_relief"]) == 19
    assert {"km", "household", "duck", "bag", "mu"} <= {u["code"] for u in body["units"]}
    assert body["allowed_actions"] == []
    admin = (await client.get("/api/v1/tasks/catalogue", headers=await auth("admin"))).json()
    assert admin["allowed_actions"] == ["edit_catalogue"]


async def test_the_county_adds_and_edits_an_item(client: httpx.AsyncClient, auth) -> None:  # type: ignore[no-untyped-def]
    h = await auth("admin")
    r = await client.post("/api/v1/tasks/catalogue/items", headers=h, json={
        "category": "industry", "code": "ind-kiwi", "name": "软枣猕猴桃种植", "default_unit": "mu"})
    assert r.status_code == 201, r.text
    item = r.json()
    again = await client.post("/api/v1/tasks/catalogue/items", headers=h, json={
        "category": "industry", "code": "ind-kiwi", "name": "重复"})
    assert again.status_code == 409 and again.json()["code"] == "item_code_taken"
    stale = await client.patch(f"/api/v1/tasks/catalogue/items/{item['id']}", headers={**h, "If-Match": 'W/"9"'},
                               json={"name": "猕猴桃"})
    assert stale.status_code == 412
    ok = await client.patch(f"/api/v1/tasks/catalogue/items/{item['id']}", headers={**h, "If-Match": r.headers["ETag"]},
                            json={"name": "猕猴桃", "active": False})
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "猕猴桃" and ok.json()["active"] is False and ok.json()["version"] == item["version"] + 1


async def test_bad_catalogue_input(client: httpx.AsyncClient, auth) -> None:  # type: ignore[no-untyped-def]
    h = await auth("admin")
    r = await client.post("/api/v1/tasks/catalogue/items", headers=h, json={
        "category": "nonsense", "code": "x1", "name": "x"})
    assert r.status_code == 422 and any(e["loc"][-1] == "category" for e in r.json()["errors"])
    r = await client.post("/api/v1/tasks/catalogue/items", headers=h, json={
        "category": "industry", "code": "x2", "name": "x", "default_unit": "furlong"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"
    r = await client.post("/api/v1/tasks/catalogue/units", headers=h, json={"code": "km", "name": "公里"})
    assert r.status_code == 409 and r.json()["code"] == "unit_code_taken"


async def test_only_the_county_keeps_the_catalogue(client: httpx.AsyncClient, auth) -> None:  # type: ignore[no-untyped-def]
    for user in ("township01", "cadre01", "partner01"):
        r = await client.post("/api/v1/tasks/catalogue/items", headers=await auth(user), json={
            "category": "industry", "code": "ind-x", "name": "x"})
        assert r.status_code == 403, (user, r.text)


async def test_the_county_renames_and_retires_a_unit(client: httpx.AsyncClient, auth, items, new_task, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from tasks_helpers import VILLAGE, due, task_body
    from test_tasks_import import _post, csv_bytes

    h = await auth("admin")
    r = await client.post("/api/v1/tasks/catalogue/units", headers=h, json={"code": "lamp", "name": "盏"})
    assert r.status_code == 201, r.text
    unit = r.json()
    url = f"/api/v1/tasks/catalogue/units/{unit['id']}"
    t = await new_task(title="安装路灯", unit="lamp")
    for user in ("township01", "cadre01"):
        refused = await client.patch(url, headers=await auth(user, **{"If-Match": r.headers["ETag"]}),
                                     json={"name": "x"})
        assert refused.status_code == 403, (user, refused.text)
    assert (await client.patch(url, headers=h, json={"name": "座"})).status_code == 428
    assert (await client.patch(url, headers={**h, "If-Match": 'W/"9"'}, json={"name": "座"})).status_code == 412
    taken = await client.patch(url, headers={**h, "If-Match": r.headers["ETag"]}, json={"name": "公里"})
    assert taken.status_code == 409 and taken.json()["code"] == "unit_name_taken"
    bad = await client.patch(url, headers={**h, "If-Match": r.headers["ETag"]}, json={"name": ""})
    assert bad.status_code == 422
    renamed = await client.patch(url, headers={**h, "If-Match": r.headers["ETag"]}, json={"name": "座"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "座" and renamed.json()["version"] == unit["version"] + 1
    assert (await client.get(f"/api/v1/tasks/{t['id']}", headers=h)).json()["unit_name"] == "座"
    retired = await client.patch(url, headers={**h, "If-Match": renamed.headers["ETag"]}, json={"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    actions = (await db.execute(text("SELECT action FROM audit_events WHERE entity = 'task_unit' AND entity_id = :i "
                                     "ORDER BY id"), {"i": str(unit["id"])})).scalars().all()
    assert actions == ["task_unit.create", "task_unit.update", "task_unit.retire"]
    # refused for a new task, an edit picking it and an import; the task counted in it keeps it
    r = await client.post("/api/v1/tasks", json=task_body(items["road"], title="再装路灯", unit="lamp"),
                          headers=await auth("township01"))
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit", r.text
    other = await new_task(title="另一条路")
    r = await client.patch(f"/api/v1/tasks/{other['id']}", headers=await auth("township01", **{"If-Match": other["etag"]}),
                           json={"unit": "lamp"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit"
    row = [VILLAGE, "road", "导入路灯", "", "3", "座", due(30), "村委会", "", ""]
    report = (await _post(client, await auth("township01"), csv_bytes([row]), "t.csv", True)).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "单位")]
    kept = await client.patch(f"/api/v1/tasks/{t['id']}", headers=await auth("township01", **{"If-Match": t["etag"]}),
                              json={"title": "安装太阳能路灯"})
    assert kept.status_code == 200 and kept.json()["unit"] == "lamp", kept.text
