"""`allowed_actions` on a village is what the caller can really do."""

V = "/api/v1/villages/230199100200"


async def test_village_allowed_actions_match_what_each_role_may_do(client, token_for):
    for user, expected in (("admin", ["edit"]), ("township01", ["edit"]), ("inspector", []), ("secretary01", [])):
        h = await token_for(user)
        got = await client.get(V, headers=h)
        assert got.status_code == 200 and got.json()["allowed_actions"] == expected, user
        r = await client.patch(V, json={"secretary_name": "张三"}, headers={**h, "If-Match": got.headers["ETag"]})
        assert r.status_code == (200 if expected else 403), (user, r.text)
        if expected:
            assert r.json()["allowed_actions"] == expected
