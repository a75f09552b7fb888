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
