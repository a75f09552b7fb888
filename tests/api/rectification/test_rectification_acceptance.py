"""Acceptance (销号): needs the township's hand-in or the county's override with a reason, and ends
the village's pairings and postings now or on a chosen day, so its units' places go back."""

from datetime import date, timedelta

from cunzhi.kit import clock

C = "/api/v1/rectification-cases"
V = "230199100200"  # township 01's first weak village: paired with PU-CZJ, cadre01 posted there


async def _ready_case(client, auth, *, submit: bool = True) -> int:  # type: ignore[no-untyped-def]
    t, a = await auth("township01"), await auth("admin")
    [case] = (await client.get(C, params={"village_code": V, "open_only": True}, headers=a)).json()["items"]
    detail = (await client.get(f"{C}/{case['id']}", headers=a)).json()
    r = await client.post(f"{C}/{case['id']}/measures", headers=t,
                          json={"description": "选优配强书记", "owner": "镇党委", "deadline": "2027-06-30"})
    assert r.status_code == 201, r.text
    for m in [*detail["measures"], r.json()]:
        if not m["done"]:
            cur = (await client.get(f"{C}/{case['id']}", headers=a)).json()
            version = next(x["version"] for x in cur["measures"] if x["id"] == m["id"])
            r = await client.patch(f"{C}/{case['id']}/measures/{m['id']}", json={"done": True},
                                   headers={**t, "If-Match": f'W/"{version}"'})
            assert r.status_code == 200, r.text
    if submit:
        assert (await client.post(f"{C}/{case['id']}/submit", headers=t)).status_code == 200
    return int(case["id"])


async def test_accepting_needs_the_hand_in_or_an_override_with_a_reason(client, auth):
    case_id = await _ready_case(client, auth, submit=False)
    a = await auth("admin")
    case = (await client.get(f"{C}/{case_id}", headers=a)).json()
    assert case["status"] == "rectifying" and "accept_override" in case["allowed"] and "accept" not in case["allowed"]
    r = await client.post(f"{C}/{case_id}/accept", json={"note": "验收合格"}, headers=a)
    assert r.status_code == 409 and r.json()["code"] == "case_not_submitted"
    r = await client.post(f"{C}/{case_id}/accept", json={"override_reason": "  "}, headers=a)
    assert r.status_code == 422
    r = await client.post(f"{C}/{case_id}/accept", json={"note": "验收合格", "override_reason": "乡镇迟报，县里现场验收"},
                          headers=a)
    assert r.status_code == 200, r.text
    accepted = r.json()["timeline"][-1]
    assert accepted["kind"] == "case_accept"
    assert accepted["detail"]["override_reason"] == "乡镇迟报，县里现场验收" and accepted["detail"]["note"] == "验收合格"


async def test_acceptance_shows_and_ends_pairings_and_postings_now(client, auth):
    case_id = await _ready_case(client, auth)
    a = await auth("admin")
    r = await client.get(f"{C}/{case_id}/acceptance", headers=await auth("township01"))
    assert r.status_code == 403
    plan = (await client.get(f"{C}/{case_id}/acceptance", headers=a)).json()
    today = clock.local_today()
    assert plan["needs_override"] is False and plan["open_measures"] == 0
    assert plan["default_release_on"] == (today + timedelta(days=30)).isoformat()
    assert plan["earliest_release_on"] == (today - timedelta(days=1)).isoformat()
    assert "PU-CZJ" in [x["partner_unit_code"] for x in plan["pairings"]]
    assert plan["postings"], "cadre01 is posted there"
    r = await client.post(f"{C}/{case_id}/accept", json={"release_on": (today - timedelta(days=2)).isoformat()},
                          headers=a)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "release_on"]

    r = await client.post(f"{C}/{case_id}/accept", json={"release_on": (today - timedelta(days=1)).isoformat()},
                          headers=a)
    assert r.status_code == 200, r.text
    detail = r.json()["timeline"][-1]["detail"]
    assert sorted(detail["pairings_ended"]) == sorted(x["id"] for x in plan["pairings"])
    assert sorted(detail["postings_ended"]) == sorted(x["id"] for x in plan["postings"])
    pairings = (await client.get("/api/v1/pairings", params={"village_code": V, "current": False},
                                 headers=a)).json()["items"]
    ended = [x for x in pairings if x["id"] in detail["pairings_ended"]]
    assert ended and all(x["ended_reason"] == "village_accepted" and x["status"] == "ended" for x in ended)
    units = (await client.get("/api/v1/partner-units", params={"q": "PU-CZJ"}, headers=a)).json()["items"]
    assert units[0]["current_villages"] == []
    postings = (await client.get("/api/v1/cadres/postings", params={"village_code": V, "current": False},
                                 headers=a)).json()["items"]
    assert all(x["status"] != "current" for x in postings)
    plan = (await client.get(f"{C}/{case_id}/acceptance", headers=a)).json()
    assert plan["pairings"] == [] and plan["postings"] == []


async def test_by_default_they_end_later_and_proposals_report_the_held_places(client, auth):
    case_id = await _ready_case(client, auth)
    a = await auth("admin")
    r = await client.post(f"{C}/{case_id}/accept", json={}, headers=a)
    assert r.status_code == 200, r.text
    last = (clock.local_today() + timedelta(days=30)).isoformat()
    assert r.json()["timeline"][-1]["detail"]["release_on"] == last
    pairings = (await client.get("/api/v1/pairings", params={"village_code": V, "current": False},
                                 headers=a)).json()["items"]
    czj = next(x for x in pairings if x["partner_unit_code"] == "PU-CZJ" and x["ended_reason"])
    assert czj["end_date"] == last and czj["status"] == "current"
    r = await client.post("/api/v1/pairing-proposals", json={}, headers=a)
    assert r.status_code == 201, r.text
    unit = next(u for u in r.json()["units"] if u["code"] == "PU-CZJ")
    assert unit["held_by"] == [{"pairing_id": czj["id"], "village_code": V, "village_name": czj["village_name"],
                                "village_status": "accepted", "end_date": last}]
    assert date.fromisoformat(last) > clock.local_today()
