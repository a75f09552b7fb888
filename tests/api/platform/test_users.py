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
    r = await client.patch(f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=h)
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
    r = await client.patch(f"/api/v1/users/{admin_id}", json={"is_active": False}, headers=await token_for("admin"))
    assert r.status_code == 409
