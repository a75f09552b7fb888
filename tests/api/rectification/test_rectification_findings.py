"""A problem found later reaches the village (and so every pairing and posting proposal): the
village's categories follow its open case, and a re-listed village's case gains the new findings."""

from rectification_helpers import CRITERIA

C = "/api/v1/rectification-cases"
V200 = "230199101200"
V203 = "230199101203"  # already weak in the demo, with an open case; weak on everything in the round


async def test_a_new_category_on_an_open_case_reaches_the_village_and_proposals(client, auth, confirmed_t02):
    out = await confirmed_t02()
    case_id = next(x["case_id"] for x in out["listed"] if x["village_code"] == V200)
    t, a = await auth("township02"), await auth("admin")
    assert (await client.get(f"/api/v1/villages/{V200}", headers=t)).json()["problem_categories"] == [
        "weak_economy", "poor_public_order"]
    r = await client.post(f"{C}/{case_id}/problems", headers=t,
                          json={"category": "many_petitions", "description": "群众集体上访三次"})
    assert r.status_code == 201, r.text
    village = (await client.get(f"/api/v1/villages/{V200}", headers=t)).json()
    assert village["problem_categories"] == ["weak_economy", "poor_public_order", "many_petitions"]
    history = (await client.get(f"/api/v1/rectification/villages/{V200}/history", headers=t)).json()
    change = [e for e in history["events"] if e["kind"] == "village_categories"][-1]
    assert change["case_id"] == case_id and change["detail"]["before"] == ["weak_economy", "poor_public_order"]
    # The pairing proposal now matches on the new category too.
    r = await client.post("/api/v1/pairing-proposals", json={}, headers=a)
    assert r.status_code == 201, r.text
    proposed = next(v for v in r.json()["villages"] if v["village_code"] == V200)
    assert "many_petitions" in proposed["categories"]
    # The same category again changes nothing on the village.
    r = await client.post(f"{C}/{case_id}/problems", headers=t, json={"category": "many_petitions", "description": "又一次"})
    assert r.status_code == 201
    again = (await client.get(f"/api/v1/rectification/villages/{V200}/history", headers=t)).json()
    assert len([e for e in again["events"] if e["kind"] == "village_categories"]) == 1


async def test_a_relisted_village_s_case_gains_the_round_s_new_findings(client, auth, confirmed_t02):
    a = await auth("admin")
    [before] = (await client.get(C, params={"village_code": V203, "open_only": True}, headers=a)).json()["items"]
    out = await confirmed_t02()
    assert V203 in [x["village_code"] for x in out["skipped"] if x["reason"] == "already_listed"]
    [gained] = [x for x in out["updated"] if x["village_code"] == V203]
    new = [c for c in CRITERIA if c not in before["categories"]]
    assert new and gained["case_id"] == before["id"] and gained["categories"] == new
    case = (await client.get(f"{C}/{before['id']}", headers=a)).json()
    assert case["categories"] == before["categories"] + new
    added = [p for p in case["problems"] if p["category"] in new]
    assert len(added) == len(new) and all(p["created_by"] == "admin" for p in added)
    # (the demo's townships added other categories by hand before: those events are not this round's)
    found = [e for e in case["timeline"] if e["kind"] == "problem_added" and e["detail"]["category"] in new]
    assert {e["detail"]["category"] for e in found} == set(new)
    assert all(e["round_id"] == out["round"]["id"] for e in found)
    village = (await client.get(f"/api/v1/villages/{V203}", headers=a)).json()
    assert village["problem_categories"] == case["categories"]
