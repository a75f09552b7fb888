import pytest

PW = "a-strong-password"


async def test_admin_creates_lists_and_disables_users(client, token_for):
    h = await token_for("admin")
    r = await client.post("/api/v1/users", headers=h, json={
        "username": "newcadre", "password": PW, "display_name": "新驻村干部", "role": "cadre",
        "village_code": "230199102200", "phone": "13900000000"})
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["scope_kind"] == "village" and user["scope_code"] == "230199102200"
    listed = (await client.get("/api/v1/users", params={"role": "cadre"}, headers=h)).json()
    assert "newcadre" in [u["username"] for u in listed["items"]]
    login = await client.post("/api/v1/auth/token", data={"username": "NewCadre", "password": PW})
    assert login.status_code == 200
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/api/v1/villages", headers=token)).json()["total"] == 1
    r = await client.patch(f"/api/v1/users/{user['id']}", json={"is_active": False},
                           headers={**h, "If-Match": f'W/"{user["version"]}"'})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert (await client.get("/api/v1/villages", headers=token)).status_code == 401


@pytest.mark.parametrize("body,code", [
    ({"role": "cadre", "division_code": "230199100000"}, "scope_mismatch"),
    ({"role": "township_official", "division_code": "230199000000"}, "scope_mismatch"),
    ({"role": "county_admin", "division_code": "230199100000"}, "scope_mismatch"),
    ({"role": "cadre", "village_code": "999999999999"}, "unknown_village"),
    ({"role": "partner_unit", "partner_unit_code": "PU-NONE"}, "unknown_partner_unit"),
    ({"role": "cadre"}, "scope_mismatch"),
    ({"role": "wizard", "village_code": "230199102200"}, "validation_error"),
    ({"role": "cadre", "village_code": "230199102200", "password": "short"}, "validation_error"),
    ({"role": "cadre", "village_code": "230199102200", "username": "bad name!"}, "validation_error"),
    ({"role": "cadre", "village_code": "230199102200", "username": "ADMIN"}, "username_taken"),
])
async def test_bad_user_input(client, token_for, body, code):
    payload = {"username": "someone", "password": PW, "display_name": "某人", **body}
    r = await client.post("/api/v1/users", json=payload, headers=await token_for("admin"))
    assert r.status_code in (409, 422), r.text
    assert r.json()["code"] == code


async def test_admin_cannot_disable_self(client, token_for, db):
    from sqlalchemy import text

    admin_id = (await db.execute(text("SELECT id FROM users WHERE username = 'admin'"))).scalar()
    h = await token_for("admin")
    tag = (await client.get(f"/api/v1/users/{admin_id}", headers=h)).headers["ETag"]
    r = await client.patch(f"/api/v1/users/{admin_id}", json={"is_active": False}, headers={**h, "If-Match": tag})
    assert r.status_code == 409


async def _new_user(client, h, username="pwuser"):
    r = await client.post("/api/v1/users", headers=h, json={
        "username": username, "password": PW, "display_name": "改密码", "role": "cadre",
        "village_code": "230199102200"})
    assert r.status_code == 201, r.text
    return r.json()


async def _login(client, username, password=PW):
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def test_update_user_needs_if_match_and_get_carries_etag(client, token_for):
    h = await token_for("admin")
    user = await _new_user(client, h)
    r = await client.get(f"/api/v1/users/{user['id']}", headers=h)
    assert r.headers["ETag"] == 'W/"1"'
    r = await client.patch(f"/api/v1/users/{user['id']}", json={"display_name": "甲"}, headers=h)
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"
    r = await client.patch(f"/api/v1/users/{user['id']}", json={"display_name": "甲"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == 'W/"2"' and r.json()["version"] == 2
    r = await client.patch(f"/api/v1/users/{user['id']}", json={"display_name": "乙"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 412


async def test_password_reset_revokes_every_refresh_token(client, token_for):
    h = await token_for("admin")
    user = await _new_user(client, h)
    phone, desk = await _login(client, "pwuser"), await _login(client, "pwuser")
    r = await client.patch(f"/api/v1/users/{user['id']}", json={"password": "another-password"},
                           headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200, r.text
    for pair in (phone, desk):
        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert r.status_code == 401, r.text
    await _login(client, "pwuser", "another-password")


async def test_every_person_changes_their_own_password(client, token_for):
    user = await _new_user(client, await token_for("admin"))
    old = await _login(client, "pwuser")
    me = {"Authorization": f"Bearer {old['access_token']}"}
    # PATCH on oneself stays the county's; the own-password route is for everyone.
    r = await client.post("/api/v1/users/me/password", headers=me,
                          json={"current_password": "wrong-one", "new_password": "a-newer-password"})
    assert r.status_code == 422 and r.json()["code"] == "wrong_password"
    r = await client.post("/api/v1/users/me/password", headers=me,
                          json={"current_password": PW, "new_password": "a-newer-password"})
    assert r.status_code == 200, r.text
    fresh = r.json()
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert r.status_code == 200
    await _login(client, "pwuser", "a-newer-password")
    assert user["id"]


async def test_township_system_has_no_password_to_change(client, token_for):
    h = await token_for("admin")
    r = await client.post("/api/v1/api-clients", headers=h, json={
        "client_id": "pw-client", "name": "系统", "division_code": "230199100000"})
    assert r.status_code == 201, r.text
    tok = await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": "pw-client", "client_secret": r.json()["client_secret"]})
    r = await client.post("/api/v1/users/me/password", headers={"Authorization": f"Bearer {tok.json()['access_token']}"},
                          json={"current_password": "x", "new_password": "a-newer-password"})
    assert r.status_code == 403


@pytest.mark.parametrize("q", ["%", "_", "%_%"])
async def test_user_search_takes_wildcards_literally(client, token_for, q):
    r = await client.get("/api/v1/users", params={"q": q}, headers=await token_for("admin"))
    assert r.status_code == 200
    assert r.json()["total"] == 0


async def test_user_search_finds_underscore_literally(client, token_for):
    h = await token_for("admin")
    await _new_user(client, h, "under_score")
    await _new_user(client, h, "underxscore")
    r = await client.get("/api/v1/users", params={"q": "under_"}, headers=h)
    assert [u["username"] for u in r.json()["items"]] == ["under_score"]
