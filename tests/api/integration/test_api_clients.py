"""API clients of township systems: scopes from the route table, secrets shown once, rotated and
revoked, last use, and township scope."""

import pytest
from sqlalchemy import text

TOWNSHIP_01, TOWNSHIP_02 = "230199100000", "230199101000"

VILLAGE_01 = "230199100200"  # township 01
VILLAGE_02 = "230199101200"  # township 02


async def _token(client, client_id, secret):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


async def test_secret_is_shown_once_and_stored_hashed(client, token_for, db):
    admin = await token_for("admin")
    r = await client.post("/api/v1/api-clients", headers=admin, json={
        "client_id": "once-sys", "name": "一次", "division_code": TOWNSHIP_01, "scopes": ["villages:read"]})
    assert r.status_code == 201, r.text
    secret = r.json()["client_secret"]
    assert len(secret) >= 32
    stored = (await db.execute(text("SELECT secret_hash FROM api_clients WHERE client_id = 'once-sys'"))).scalar()
    assert secret not in stored and stored.startswith("$argon2")
    listed = (await client.get("/api/v1/api-clients", headers=admin)).json()
    one = next(c for c in listed if c["client_id"] == "once-sys")
    assert "client_secret" not in one and one["scopes"] == ["villages:read"]
    got = await client.get("/api/v1/api-clients/once-sys", headers=admin)
    assert got.status_code == 200 and "client_secret" not in got.json()
    assert secret not in got.text and secret not in (await client.get("/api/v1/api-clients", headers=admin)).text


async def test_scopes_listed_from_the_route_table(client, token_for):
    r = await client.get("/api/v1/api-clients/scopes", headers=await token_for("admin"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert {"villages:read", "villages:write", "funds:read", "divisions:read"} <= set(items)
    contract = (await client.get("/api/v1/openapi.json")).json()
    assert contract["paths"]["/api/v1/villages"]["get"]["x-required-scope"] == "villages:read"
    assert contract["paths"]["/api/v1/villages/{code}"]["patch"]["x-required-scope"] == "villages:write"
    # Every scope the contract names can be given, and every operation says what it needs.
    named = {op.get("x-required-scope") for p in contract["paths"].values() for op in p.values()}
    assert set(items) <= named


async def test_unknown_scope_refused(client, token_for):
    r = await client.post("/api/v1/api-clients", headers=await token_for("admin"), json={
        "client_id": "bad-scope", "name": "x", "division_code": TOWNSHIP_01, "scopes": ["villages:read", "moon:write"]})
    assert r.status_code == 422 and r.json()["code"] == "unknown_scope"
    assert r.json()["errors"][0]["loc"] == ["body", "scopes", 1]


async def test_scope_missing_is_403_and_people_are_unaffected(client, new_client, token_for):
    _, h = await new_client("reader-sys", scopes=["villages:read"])
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 200
    r = await client.get(f"/api/v1/villages/{VILLAGE_01}", headers=h)
    assert r.status_code == 200
    tag = r.headers["ETag"]
    r = await client.patch(f"/api/v1/villages/{VILLAGE_01}", json={"population": 1234},
                           headers={**h, "If-Match": tag})
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"
    assert r.json()["required_scope"] == "villages:write"
    r = await client.get("/api/v1/partner-units", headers=h)
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"
    # Closed to every client: accounts and jobs.
    for path in ("/api/v1/users", "/api/v1/api-clients", "/api/v1/jobs"):
        r = await client.get(path, headers=h)
        assert r.status_code == 403 and r.json()["code"] == "scope_missing", path
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 200
    # A person with the same role-free path is decided by role and scope alone.
    assert (await client.get("/api/v1/partner-units", headers=await token_for("township01"))).status_code == 200


@pytest.mark.parametrize("scope,method,path", [
    ("villages:read", "get", "/api/v1/villages"),
    ("partners:read", "get", "/api/v1/partner-units"),
    ("cadres:read", "get", "/api/v1/cadres"),
    ("divisions:read", "get", "/api/v1/divisions"),
    ("rectification:read", "get", "/api/v1/screening-rounds"),
])
async def test_each_read_scope_opens_only_its_area(client, new_client, scope, method, path):
    _, without = await new_client("without-sys", scopes=[s for s in ("villages:read", "partners:read", "cadres:read",
                                                                     "divisions:read", "rectification:read") if s != scope])
    r = await client.request(method, path, headers=without)
    assert r.status_code == 403 and r.json()["code"] == "scope_missing", r.text
    _, with_ = await new_client("with-sys", scopes=[scope])
    r = await client.request(method, path, headers=with_)
    assert r.status_code == 200, r.text


async def test_township_01_client_cannot_touch_township_02(client, new_client):
    _, h = await new_client("t01-sys", scopes=["villages:read", "villages:write"])
    listed = (await client.get("/api/v1/villages", params={"limit": 200}, headers=h)).json()
    assert listed["total"] > 0 and {v["township_code"] for v in listed["items"]} == {TOWNSHIP_01}
    assert (await client.get(f"/api/v1/villages/{VILLAGE_02}", headers=h)).status_code == 404
    r = await client.patch(f"/api/v1/villages/{VILLAGE_02}", json={"population": 1}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 404
    r = await client.get("/api/v1/villages", params={"township_code": TOWNSHIP_02}, headers=h)
    assert r.json()["total"] == 0


async def test_rotate_and_revoke_the_secret(client, token_for, new_client):
    admin = await token_for("admin")
    created, h = await new_client("rot-sys", scopes=["villages:read"])
    old = created["client_secret"]
    r = await client.post("/api/v1/api-clients/rot-sys/rotate-secret", headers=admin)
    assert r.status_code == 200, r.text
    new = r.json()["client_secret"]
    assert new != old and r.json()["secret_rotated_at"]
    # The old secret and the token issued with it are refused; the new secret works.
    assert (await _token(client, "rot-sys", old)).status_code == 401
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 401
    tok = await _token(client, "rot-sys", new)
    assert tok.status_code == 200
    h2 = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    assert (await client.get("/api/v1/villages", headers=h2)).status_code == 200
    # Revoked: the secret and its tokens are refused at once, until a rotation.
    r = await client.post("/api/v1/api-clients/rot-sys/revoke-secret", headers=admin)
    assert r.status_code == 200 and r.json()["secret_revoked_at"] and "revoke_secret" not in r.json()["allowed_actions"]
    assert (await client.get("/api/v1/villages", headers=h2)).status_code == 401
    assert (await _token(client, "rot-sys", new)).status_code == 401
    assert (await client.post("/api/v1/api-clients/rot-sys/revoke-secret", headers=admin)).status_code == 409
    newest = (await client.post("/api/v1/api-clients/rot-sys/rotate-secret", headers=admin)).json()["client_secret"]
    assert (await _token(client, "rot-sys", newest)).status_code == 200


async def test_last_used_and_scope_changes_take_if_match(client, token_for, new_client):
    admin = await token_for("admin")
    await new_client("edit-sys", scopes=["villages:read"])
    r = await client.get("/api/v1/api-clients/edit-sys", headers=admin)
    assert r.json()["last_used_at"] is not None  # its token was issued
    tag = r.headers["ETag"]
    r = await client.patch("/api/v1/api-clients/edit-sys", json={"scopes": ["funds:read"]}, headers=admin)
    assert r.status_code == 428
    r = await client.patch("/api/v1/api-clients/edit-sys", json={"scopes": ["funds:read", "villages:read"]},
                           headers={**admin, "If-Match": tag})
    assert r.status_code == 200 and r.json()["scopes"] == ["funds:read", "villages:read"]
    r = await client.patch("/api/v1/api-clients/edit-sys", json={"name": "x"}, headers={**admin, "If-Match": tag})
    assert r.status_code == 412


async def test_only_the_county_admin_manages_clients_of_its_county(client, token_for, new_client):
    await new_client("mine-sys")
    for who in ("township01", "inspector"):
        r = await client.post("/api/v1/api-clients/mine-sys/rotate-secret", headers=await token_for(who))
        assert r.status_code == 403, who
    r = await client.post("/api/v1/api-clients/nobody/rotate-secret", headers=await token_for("admin"))
    assert r.status_code == 404 and r.json()["code"] == "api_client_not_found"
