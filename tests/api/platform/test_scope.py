"""The scope matrix: for every route, a caller of another township (or village, or partner unit)
gets 404 for reads and 403/404 for writes, and never another township's data."""

import pytest

T01 = "230199100000"
V_T01 = "230199100200"
V_T02 = "230199101200"


@pytest.mark.parametrize("username,visible,total", [
    ("admin", None, 82), ("inspector", None, 82), ("township01", T01, 11), ("agency01", T01, 11),
    ("cadre01", V_T01, 1), ("secretary01", V_T01, 1), ("committee01", V_T01, 1), ("partner01", V_T01, 1),
])
async def test_list_is_scoped(client, token_for, username, visible, total):
    body = (await client.get("/api/v1/villages", params={"limit": 200},
                             headers=await token_for(username))).json()
    assert body["total"] == total
    if visible and len(visible) == 12 and visible.endswith("000"):
        assert {v["township_code"] for v in body["items"]} == {visible}
    elif visible:
        assert [v["code"] for v in body["items"]] == [visible]


@pytest.mark.parametrize("username", ["township01", "agency01", "cadre01", "secretary01", "committee01",
                                      "partner01"])
async def test_other_township_village_is_404(client, token_for, username):
    h = await token_for(username)
    r = await client.get(f"/api/v1/villages/{V_T02}", headers=h)
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    r = await client.patch(f"/api/v1/villages/{V_T02}", json={"population": 1}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 404
    # Filtering by another township returns nothing rather than leaking.
    r = await client.get("/api/v1/villages", params={"township_code": "230199101000"}, headers=h)
    assert r.json()["total"] == 0


@pytest.mark.parametrize("username", ["cadre01", "secretary01", "committee01", "partner01", "inspector",
                                      "agency01"])
async def test_in_scope_but_role_may_not_edit_is_403(client, token_for, username):
    h = await token_for(username)
    r = await client.patch(f"/api/v1/villages/{V_T01}", json={"population": 1}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


@pytest.mark.parametrize("username", ["township01", "inspector", "cadre01", "partner01"])
async def test_only_county_admin_creates_villages_and_users(client, token_for, username):
    h = await token_for(username)
    r = await client.post("/api/v1/villages", headers=h,
                          json={"code": "230199100299", "name": "新村", "township_code": T01})
    assert r.status_code == 403
    assert (await client.get("/api/v1/users", headers=h)).status_code == 403
    assert (await client.get("/api/v1/api-clients", headers=h)).status_code == 403


async def test_divisions_are_scoped(client, token_for):
    admin = (await client.get("/api/v1/divisions", headers=await token_for("admin"))).json()
    assert {d["level"] for d in admin["items"]} == {"county", "township"} and admin["total"] == 9
    t1 = (await client.get("/api/v1/divisions", headers=await token_for("township01"))).json()
    assert [d["code"] for d in t1["items"]] == [T01]
    r = await client.get("/api/v1/divisions/230199101000", headers=await token_for("township01"))
    assert r.status_code == 404
    cadre = (await client.get("/api/v1/divisions", params={"level": "township"},
                              headers=await token_for("cadre01"))).json()
    assert [d["code"] for d in cadre["items"]] == [T01]


async def test_partner_scope_follows_pairing_period(client, token_for, db):
    from datetime import date

    from sqlalchemy import text

    h = await token_for("partner01")
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers=h)).status_code == 200
    # Ending a pairing (history is kept) takes the village out of the unit's scope.
    await db.execute(text("UPDATE pairings SET end_date = :d, ended_at = now(), ended_reason = 'other' "
                          "WHERE ended_at IS NULL"), {"d": date(2026, 6, 30)})
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers=h)).status_code == 404
