"""Reading the audit log: the county's own people and township systems only, filtered by actor,
entity, action and time, newest first by cursor; closed to other roles and to API clients."""

from datetime import timedelta

from cunzhi.kit import clock

V_T01 = "230199100200"


async def _edit_village(client, h, population):  # type: ignore[no-untyped-def]
    got = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
    r = await client.patch(f"/api/v1/villages/{V_T01}", json={"population": population},
                           headers={**h, "If-Match": got.headers["ETag"]})
    assert r.status_code == 200, r.text


async def test_filters_cursor_and_scope(client, token_for, db):
    admin = await token_for("admin")
    township = await token_for("township01")
    start = clock.now() - timedelta(seconds=1)
    await _edit_village(client, township, 4321)
    await _edit_village(client, admin, 4322)
    r = await client.get("/api/v1/audit-events", params={"entity": "village", "entity_id": V_T01,
                                                         "since": start.isoformat()}, headers=admin)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(e["actor_name"], e["action"], e["after"]["population"]) for e in items[:2]] == [
        ("admin", "village.update", 4322), ("township01", "village.update", 4321)]
    township_key = items[1]["actor"]
    assert township_key.startswith("user:")
    only = (await client.get("/api/v1/audit-events", params={"actor": township_key, "entity": "village",
                                                             "since": start.isoformat()}, headers=admin)).json()
    assert [e["after"]["population"] for e in only["items"]] == [4321]
    by_name = (await client.get("/api/v1/audit-events", params={"actor": "township0", "action": "village.",
                                                                "since": start.isoformat()}, headers=admin)).json()
    assert [e["actor_name"] for e in by_name["items"]] == ["township01"]
    future = (await client.get("/api/v1/audit-events", params={"since": (clock.now() + timedelta(hours=1)).isoformat()},
                               headers=admin)).json()
    assert future["items"] == [] and future["next_cursor"] is None
    # Pages by cursor, newest first, without overlap.
    first = (await client.get("/api/v1/audit-events", params={"limit": 1, "since": start.isoformat()},
                              headers=admin)).json()
    second = (await client.get("/api/v1/audit-events", params={"limit": 1, "since": start.isoformat(),
                                                               "cursor": first["next_cursor"]}, headers=admin)).json()
    assert first["items"][0]["id"] > second["items"][0]["id"]
    # The inspector reads it; a township official and a client do not.
    assert (await client.get("/api/v1/audit-events", headers=await token_for("inspector"))).status_code == 200
    assert (await client.get("/api/v1/audit-events", headers=township)).status_code == 403
    bad = await client.get("/api/v1/audit-events", params={"since": "2026-01-01T00:00:00"}, headers=admin)
    assert bad.status_code == 422  # a time without its zone


async def test_other_countys_actors_are_not_shown(client, token_for, db):
    from sqlalchemy import text

    from cunzhi.kit import audit
    from cunzhi.kit.codes import Role
    from cunzhi.kit.principal import Principal

    stranger = Principal(kind="user", id=2_000_000_000, name="elsewhere", role=Role.county_admin,
                         division_code="110101000000", division_level="county")
    await audit.record(db, stranger, "village.update", "village", "110101001001", after={"x": 1})
    await audit.record(db, None, "task.mark_overdue", "task", "1", after={"x": 1})
    r = await client.get("/api/v1/audit-events", params={"limit": 200}, headers=await token_for("admin"))
    actors = {e["actor"] for e in r.json()["items"]}
    assert "user:2000000000" not in actors and "system" not in actors
    assert (await db.execute(text("SELECT count(*) FROM audit_events WHERE actor = 'user:2000000000'"))).scalar() == 1


async def test_closed_to_api_clients(client, token_for):
    r = await client.post("/api/v1/api-clients", headers=await token_for("admin"), json={
        "client_id": "audit-sys", "name": "x", "division_code": "230199100000", "scopes": ["villages:read"]})
    tok = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "audit-sys",
                                                        "client_secret": r.json()["client_secret"]})
    r = await client.get("/api/v1/audit-events", headers={"Authorization": f"Bearer {tok.json()['access_token']}"})
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"
