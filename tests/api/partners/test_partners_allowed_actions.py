"""`allowed_actions` on proposals and pairings is what the caller can really do."""

P = "/api/v1/pairing-proposals"


async def test_proposal_allowed_actions_match_what_each_role_may_do(client, auth, propose):
    p = await propose()
    admin, inspector = await auth("admin"), await auth("inspector")
    assert p["allowed_actions"] == ["rerun", "confirm"]
    seen = (await client.get(f"{P}/{p['id']}", headers=inspector)).json()
    assert seen["allowed_actions"] == []
    r = await client.post(f"{P}/{p['id']}/confirm", headers=inspector)
    assert r.status_code == 403
    r = await client.post(f"{P}/{p['id']}/confirm", headers=admin)
    assert r.status_code == 200, r.text
    assert (await client.get(f"{P}/{p['id']}", headers=admin)).json()["allowed_actions"] == ["rerun"]


async def test_pairing_allowed_actions_match_what_each_role_may_do(client, auth):
    admin, township = await auth("admin"), await auth("township01")
    items = (await client.get("/api/v1/pairings", params={"current": True}, headers=admin)).json()["items"]
    assert items and all(x["allowed_actions"] == ["end_pairing"] for x in items)
    mine = (await client.get("/api/v1/pairings", params={"current": True}, headers=township)).json()["items"]
    assert mine and all(x["allowed_actions"] == [] for x in mine)
    body = {"reason": "other", "note": "调整"}
    r = await client.post(f"/api/v1/pairings/{mine[0]['id']}/end", json=body, headers=township)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/pairings/{mine[0]['id']}/end", json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["allowed_actions"] == []
