import asyncio

import pytest

T01 = "230199100000"
T02 = "230199101000"
V_T01 = "230199100200"  # first village of township 01 (weak)
V_T02 = "230199101200"


async def test_list_filters_sort_and_total(client, token_for):
    h = await token_for("admin")
    r = await client.get("/api/v1/villages", params={"limit": 200}, headers=h)
    assert r.json()["total"] == 82 and len(r.json()["items"]) == 82
    r = await client.get("/api/v1/villages", params={"township_code": T02, "limit": 5}, headers=h)
    body = r.json()
    assert body["total"] == 11 and len(body["items"]) == 5 and body["limit"] == 5
    assert all(v["township_code"] == T02 for v in body["items"])
    weak = (await client.get("/api/v1/villages", params={"status": "weak", "limit": 200}, headers=h)).json()
    assert weak["total"] == 17 and all(v["status"] == "weak" for v in weak["items"])
    cat = weak["items"][0]["problem_categories"][0]
    by_cat = (await client.get("/api/v1/villages", params={"category": cat, "limit": 200}, headers=h)).json()
    assert by_cat["total"] >= 1 and all(cat in v["problem_categories"] for v in by_cat["items"])
    name = weak["items"][0]["name"]
    found = (await client.get("/api/v1/villages", params={"q": name[:2]}, headers=h)).json()
    assert any(v["name"] == name for v in found["items"])
    assert all(name[:2] in v["name"] or v["code"].startswith(name[:2]) for v in found["items"])
    by_code = (await client.get("/api/v1/villages", params={"q": "2301991012"}, headers=h)).json()
    assert by_code["total"] == 11
    pops = [v["population"] for v in (await client.get(
        "/api/v1/villages", params={"sort": "-population", "limit": 200}, headers=h)).json()["items"]]
    assert pops == sorted(pops, reverse=True)
    page2 = (await client.get("/api/v1/villages", params={"limit": 10, "offset": 80}, headers=h)).json()
    assert len(page2["items"]) == 2


async def test_search_escapes_like_wildcards(client, token_for):
    r = await client.get("/api/v1/villages", params={"q": "%"}, headers=await token_for("admin"))
    assert r.status_code == 200 and r.json()["total"] == 0


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 201}, {"offset": -1}, {"status": "broken"}, {"category": "aliens"},
    {"township_code": "123"}, {"sort": "password"}, {"q": "x" * 51},
])
async def test_bad_list_parameters_are_422(client, token_for, params):
    r = await client.get("/api/v1/villages", params=params, headers=await token_for("admin"))
    assert r.status_code == 422, params
    body = r.json()
    assert body["code"] == "validation_error" and body["errors"][0]["loc"][0] == "query"


async def test_get_with_etag_and_patch_with_if_match(client, token_for):
    h = await token_for("township01")
    r = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    version = r.json()["version"]
    assert etag == f'W/"{version}"'
    r = await client.patch(f"/api/v1/villages/{V_T01}", json={"population": 2000, "secretary_name": "李建国"},
                           headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["population"] == 2000 and r.json()["version"] == version + 1
    assert r.headers["ETag"] == f'W/"{version + 1}"'
    # The old ETag is now stale.
    r = await client.patch(f"/api/v1/villages/{V_T01}", json={"population": 1}, headers={**h, "If-Match": etag})
    assert r.status_code == 412 and r.json()["code"] == "precondition_failed"
    r = await client.patch(f"/api/v1/villages/{V_T01}", json={"population": 1}, headers=h)
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers=h)).json()["population"] == 2000


@pytest.mark.parametrize("body", [
    {"population": -1}, {"population": "many"}, {"status": "accepted"}, {"name": ""}, {"unknown": 1},
    {"households": 1.5}, {"name": None},
])
async def test_bad_patch_is_422_and_changes_nothing(client, token_for, body):
    h = await token_for("admin")
    before = (await client.get(f"/api/v1/villages/{V_T02}", headers=h)).json()
    r = await client.patch(f"/api/v1/villages/{V_T02}", json=body, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 422, (body, r.text)
    assert (await client.get(f"/api/v1/villages/{V_T02}", headers=h)).json() == before


async def test_create_village(client, token_for):
    h = await token_for("admin")
    body = {"code": "230199101299", "name": "新建村", "township_code": T02, "population": 900, "households": 300,
            "party_member_count": 20, "problem_categories": ["weak_economy"]}
    r = await client.post("/api/v1/villages", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == "/api/v1/villages/230199101299"
    assert r.json()["status"] == "normal" and r.json()["version"] == 1
    r = await client.post("/api/v1/villages", json=body, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "village_exists"


@pytest.mark.parametrize("change,code", [
    ({"code": "23019910129"}, "validation_error"),
    ({"code": "2301991012990"}, "validation_error"),
    ({"code": "23019910129x"}, "validation_error"),
    ({"code": "230199100299"}, "code_outside_township"),
    ({"township_code": "230199000000"}, "unknown_township"),
    ({"problem_categories": ["weak_economy", "weak_economy"]}, "validation_error"),
    ({"problem_categories": ["bad_luck"]}, "validation_error"),
    ({"status": "weak"}, "validation_error"),
])
async def test_create_village_bad_input(client, token_for, change, code):
    body = {"code": "230199101298", "name": "坏村", "township_code": T02, **change}
    r = await client.post("/api/v1/villages", json=body, headers=await token_for("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code


async def test_concurrent_patches_same_version_one_wins(app, engine, token_for):
    """Two PATCHes with the same If-Match at the same instant, each in its own committed
    transaction: exactly one succeeds, the other is 412."""
    import httpx

    from cunzhi.db import SESSION_SCOPES

    # Real transactions for this test: undo the per-test savepoint override.
    for scope in SESSION_SCOPES:
        app.dependency_overrides.pop(scope)
    app.state.engine_getter = lambda: engine
    import cunzhi.db as dbmod

    dbmod.get_engine.cache_clear()
    dbmod.get_sessionmaker.cache_clear()
    h = await token_for("admin")
    transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1))
    code = "230199107201"
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        cur = (await c.get(f"/api/v1/villages/{code}", headers=h))
        etag, original = cur.headers["ETag"], cur.json()
        results = await asyncio.gather(*[
            c.patch(f"/api/v1/villages/{code}", json={"households": 100 + i}, headers={**h, "If-Match": etag})
            for i in range(2)
        ])
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 412], [r.text for r in results]
        # Put it back for other tests (committed data).
        now = await c.get(f"/api/v1/villages/{code}", headers=h)
        assert now.json()["version"] == original["version"] + 1
        r = await c.patch(f"/api/v1/villages/{code}", json={"households": original["households"]},
                          headers={**h, "If-Match": now.headers["ETag"]})
        assert r.status_code == 200
    await dbmod.dispose_engine()
