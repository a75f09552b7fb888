"""`allowed_actions` on rounds and cases is what the caller can really do."""

from rectification_helpers import T02

C = "/api/v1/rectification-cases"
R = "/api/v1/screening-rounds"


async def test_round_allowed_actions_match_what_each_role_may_do(client, auth, open_round):
    rnd = await open_round([T02])
    admin, township, inspector = await auth("admin"), await auth("township02"), await auth("inspector")
    assert rnd["allowed_actions"] == ["close"] == rnd["allowed"]
    for h in (township, inspector):
        got = (await client.get(f"{R}/{rnd['id']}", headers=h)).json()
        assert got["allowed_actions"] == []
        r = await client.post(f"{R}/{rnd['id']}/close", json={"reason": "重复"}, headers=h)
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.post(f"{R}/{rnd['id']}/close", json={"reason": "重复"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await client.get(f"{R}/{rnd['id']}", headers=admin)).json()["allowed_actions"] == []


async def test_case_allowed_actions_match_what_each_role_may_do(client, auth, confirmed_t02):
    out = await confirmed_t02()
    case_id = out["listed"][0]["case_id"]
    admin, township, inspector = await auth("admin"), await auth("township02"), await auth("inspector")
    seen = {name: (await client.get(f"{C}/{case_id}", headers=h)).json()
            for name, h in (("admin", admin), ("township", township), ("inspector", inspector))}
    assert seen["township"]["allowed_actions"] == ["add_measure", "add_problem", "add_note"]
    assert seen["admin"]["allowed_actions"] == ["add_measure", "add_problem", "add_note"]
    assert seen["inspector"]["allowed_actions"] == []
    assert all(v["allowed_actions"] == v["allowed"] for v in seen.values())
    r = await client.post(f"{C}/{case_id}/notes", json={"on_date": "2026-05-01", "text": "走访"}, headers=inspector)
    assert r.status_code == 403
    r = await client.post(f"{C}/{case_id}/notes", json={"on_date": "2026-05-01", "text": "走访"}, headers=township)
    assert r.status_code == 201, r.text
