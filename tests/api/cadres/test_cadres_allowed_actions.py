"""`allowed_actions` on postings and posting proposals is what the caller can really do."""


async def test_posting_allowed_actions_match_what_each_role_may_do(client, token_for):
    admin, township = await token_for("admin"), await token_for("township01")
    items = (await client.get("/api/v1/cadres/postings", params={"current": True}, headers=admin)).json()["items"]
    assert items and all(x["allowed_actions"] == ["end_posting"] for x in items)
    mine = (await client.get("/api/v1/cadres/postings", params={"current": True}, headers=township)).json()["items"]
    assert mine and all(x["allowed_actions"] == [] for x in mine)
    body = {"reason": "recalled"}
    r = await client.post(f"/api/v1/cadres/postings/{mine[0]['id']}/end", json=body, headers=township)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/cadres/postings/{mine[0]['id']}/end", json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["allowed_actions"] == []


async def test_posting_proposal_allowed_actions(client, token_for):
    admin, inspector = await token_for("admin"), await token_for("inspector")
    r = await client.post("/api/v1/cadres/proposals", json={}, headers=admin)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["allowed_actions"] == ["propose", "confirm"]
    assert (await client.get(f"/api/v1/cadres/proposals/{p['id']}", headers=inspector)).json()["allowed_actions"] == []
    assert (await client.post(f"/api/v1/cadres/proposals/{p['id']}/confirm", headers=inspector)).status_code == 403
    r = await client.post(f"/api/v1/cadres/proposals/{p['id']}/confirm", headers=admin)
    assert r.status_code == 200, r.text
    assert (await client.get(f"/api/v1/cadres/proposals/{p['id']}", headers=admin)).json()["allowed_actions"] == []


async def test_cadre_allowed_actions(client, token_for):
    admin, township = await token_for("admin"), await token_for("township01")
    cadres = (await client.get("/api/v1/cadres", params={"active": True}, headers=admin)).json()["items"]
    one = (await client.get(f"/api/v1/cadres/{cadres[0]['id']}", headers=admin)).json()
    assert one["allowed_actions"] == ["edit_cadre", "post"]
    mine = (await client.get("/api/v1/cadres/postings", params={"current": True}, headers=township)).json()["items"]
    seen = (await client.get(f"/api/v1/cadres/{mine[0]['cadre_id']}", headers=township)).json()
    assert seen["allowed_actions"] == []
    r = await client.patch(f"/api/v1/cadres/{mine[0]['cadre_id']}", json={"note": "x"},
                           headers={**township, "If-Match": f'W/"{seen["version"]}"'})
    assert r.status_code == 403
