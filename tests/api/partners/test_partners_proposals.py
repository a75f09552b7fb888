"""Pairing proposals: an optimal run over the county, pins and bans, re-runs, confirmation, staleness."""

from collections import Counter

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit.audit import AuditEvent
from cunzhi.partners import matching

URL = "/api/v1/pairing-proposals"
FIRST_WEAK = "230199100200"  # township 01, weak economy and specialty farming; paired with the finance bureau in the demo
# 民河村: the screening found only irregular party activities. The `needs_changed` fixture pairs it with
# the commerce bureau (economic) from 2026-01-01, a pairing the proposal replaces.
NEEDS_CHANGED = "230199104207"


@pytest.fixture
async def needs_changed(db: AsyncSession) -> int:
    """A pairing made before the screening round, whose village's needs no longer fit the unit."""
    return (await db.execute(text(
        "INSERT INTO pairings (partner_unit_id, village_id, start_date, created_by) "
        "SELECT u.id, v.id, DATE '2026-01-01', 'admin' FROM partner_units u, villages v "
        "WHERE u.code = 'PU-SWJ' AND v.code = :v RETURNING id"), {"v": NEEDS_CHANGED})).scalar_one()


def pairs(proposal: dict) -> set[tuple[str, int]]:
    return {(v["village_code"], u["partner_unit_id"]) for v in proposal["villages"] for u in v["units"]}


async def test_proposal_is_complete_valid_and_optimal(propose, needs_changed) -> None:  # type: ignore[no-untyped-def]
    p = await propose()
    assert p["status"] == "open" and p["stale"] is False
    t = p["totals"]
    assert t["villages"] == 17 and t["slots"] == 34
    assert t["covered"] == 34 and t["uncovered"] == 0 and t["villages_fully_covered"] == 17
    assert t["existing"] == 2
    load = Counter(u["partner_unit_id"] for v in p["villages"] for u in v["units"])
    capacity = {u["partner_unit_id"]: u["capacity"] for u in p["units"]}
    assert all(n <= capacity[uid] for uid, n in load.items())
    assert {u["partner_unit_id"]: u["assigned"] for u in p["units"] if u["assigned"]} == dict(load)
    for v in p["villages"]:
        ids = [u["partner_unit_id"] for u in v["units"]]
        assert len(ids) == 2 == len(set(ids))
        for u in v["units"]:
            assert u["score"] == sum(r["weight"] for r in u["reasons"])
            assert all(r["category"] in v["categories"] and r["strength"] in u["strengths"] for r in u["reasons"])
    assert p["score"] == sum(u["score"] for v in p["villages"] for u in v["units"])

    # the same inputs through the engine give the same optimum
    problem = matching.Problem(
        [matching.Village(v["village_code"], v["categories"], 2) for v in p["villages"]],
        [matching.Unit(u["partner_unit_id"], u["strengths"], u["capacity"]) for u in p["units"]],
    )
    assert matching.solve(problem).totals.score == p["score"]

    # a village with a specialty-farming need gets a technical unit, with the reason given
    first = next(v for v in p["villages"] if v["village_code"] == FIRST_WEAK)
    assert sorted(first["categories"]) == ["specialty_farming", "weak_economy"]
    assert any({"category": "specialty_farming", "strength": "technical", "weight": 3} in u["reasons"]
               for u in first["units"])
    # its current unit (finance, economic) still fits its weak economy: kept, not ending
    assert [(c["name"], c["ends"]) for c in first["current"]] == [("县财政局", False)]
    assert [u["code"] for u in first["units"] if u["kept"]] == ["PU-CZJ"]
    # a village whose needs changed: its current unit (commerce, economic: weight 0) is replaced
    changed = next(v for v in p["villages"] if v["village_code"] == NEEDS_CHANGED)
    assert changed["categories"] == ["irregular_activity"]
    assert [(c["name"], c["ends"]) for c in changed["current"]] == [("县商务局", True)]
    assert all(u["reasons"] == [{"category": "irregular_activity", "strength": "party_mass", "weight": 2}]
               for u in changed["units"])
    assert t["ending"] == 1


async def test_pins_and_bans_are_honoured(propose, unit_ids) -> None:  # type: ignore[no-untyped-def]
    ids = await unit_ids()
    base = await propose()
    some_pair = sorted(pairs(base))[5]
    p = await propose(pins=[{"village_code": FIRST_WEAK, "partner_unit_id": ids["PU-CZJ"]}],
                      bans=[{"village_code": some_pair[0], "partner_unit_id": some_pair[1]}])
    got = pairs(p)
    assert (FIRST_WEAK, ids["PU-CZJ"]) in got
    assert some_pair not in got
    first = next(v for v in p["villages"] if v["village_code"] == FIRST_WEAK)
    pinned = [u for u in first["units"] if u["pinned"]]
    assert [u["code"] for u in pinned] == ["PU-CZJ"]
    assert pinned[0]["kept"] is True  # the pin is today's pairing
    assert p["totals"]["pinned"] == 1 and p["totals"]["covered"] == 34
    assert p["score"] <= base["score"]
    assert p["pins"] == [{"village_code": FIRST_WEAK, "partner_unit_id": ids["PU-CZJ"]}]


async def test_bad_pins_are_input_errors(client: httpx.AsyncClient, auth, unit_ids) -> None:
    ids = await unit_ids()
    h = await auth("admin")
    pair = {"village_code": FIRST_WEAK, "partner_unit_id": ids["PU-CZJ"]}
    r = await client.post(URL, json={"pins": [pair], "bans": [pair]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "pairing_input_conflict"
    assert r.json()["errors"][0]["type"] == "pin_banned"
    assert r.json()["errors"][0]["loc"] == ["body", "pins", 0]

    three = [{"village_code": FIRST_WEAK, "partner_unit_id": ids[c]} for c in ("PU-CZJ", "PU-GAJ", "PU-ZZB")]
    r = await client.post(URL, json={"pins": three}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "pins_exceed_slots"

    r = await client.post(URL, json={"pins": [{"village_code": "230199100201", "partner_unit_id": ids["PU-CZJ"]}]},
                          headers=h)  # a normal (not weak) village
    assert r.status_code == 422 and r.json()["code"] == "invalid_pairs"
    assert r.json()["errors"][0]["loc"] == ["body", "pins", 0, "village_code"]

    r = await client.post(URL, json={"bans": [{"village_code": FIRST_WEAK, "partner_unit_id": 999999}]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "bans", 0, "partner_unit_id"]

    r = await client.post(URL, json={"start_date": "2020-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "start_in_past"
    r = await client.post(URL, json={"start_date": "2030-02-01", "end_date": "2030-01-01"}, headers=h)
    assert r.status_code == 422
    r = await client.post(URL, json={"pins": [{"village_code": "x", "partner_unit_id": 1}]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_capacity_shortage_is_reported(client: httpx.AsyncClient, auth, unit_ids, propose) -> None:  # type: ignore[no-untyped-def]
    h = await auth("admin")
    ids = await unit_ids()
    # take 5 units out of service: 15 units x 2 = 30 < 34 slots
    for code in ("PU-JTJ", "PU-SLJ", "PU-LCJ", "PU-WJJ", "PU-JYJ"):
        unit = await client.get(f"/api/v1/partner-units/{ids[code]}", headers=h)
        r = await client.patch(f"/api/v1/partner-units/{ids[code]}", json={"active": False},
                               headers={**h, "If-Match": unit.headers["ETag"]})
        assert r.status_code == 200, r.text
    p = await propose()
    assert p["totals"]["covered"] == 30 and p["totals"]["uncovered"] == 4
    short = [v for v in p["villages"] if v["missing"]]
    assert sum(v["missing"] for v in short) == 4
    assert all(v["uncovered_reason"] == "no_capacity" for v in short)
    assert len(p["units"]) == 15


async def test_scope_and_roles(client: httpx.AsyncClient, auth, propose) -> None:  # type: ignore[no-untyped-def]
    p = await propose()
    url = f"{URL}/{p['id']}"
    for user in ("township01", "partner01", "secretary01"):
        r = await client.get(url, headers=await auth(user))
        assert r.status_code == 404, user
        assert r.json()["code"] == "proposal_not_found"
        r = await client.get(URL, headers=await auth(user))
        assert r.json()["total"] == 0
    r = await client.get(url, headers=await auth("inspector"))
    assert r.status_code == 200
    for user in ("inspector", "township01"):
        r = await client.post(URL, json={}, headers=await auth(user))
        assert r.status_code == 403, user
    r = await client.post(f"{url}/confirm", headers=await auth("inspector"))
    assert r.status_code == 403
    r = await client.post(f"{url}/confirm", headers=await auth("township01"))
    assert r.status_code == 404
    r = await client.get(f"{URL}/999999", headers=await auth("admin"))
    assert r.status_code == 404


async def test_rerun_keeps_or_replaces_pins(client: httpx.AsyncClient, auth, unit_ids, propose) -> None:  # type: ignore[no-untyped-def]
    ids = await unit_ids()
    h = await auth("admin")
    pin = {"village_code": FIRST_WEAK, "partner_unit_id": ids["PU-CZJ"]}
    parent = await propose(pins=[pin])
    r = await client.post(f"{URL}/{parent['id']}/rerun", json={}, headers=h)
    assert r.status_code == 201, r.text
    child = r.json()
    assert child["parent_id"] == parent["id"] and child["pins"] == [pin]
    assert pairs(child) == pairs(parent)
    r = await client.post(f"{URL}/{parent['id']}/rerun", json={"pins": [], "bans": [pin]}, headers=h)
    assert r.status_code == 201
    assert (FIRST_WEAK, ids["PU-CZJ"]) not in pairs(r.json())
    listed = await client.get(URL, headers=h)
    assert [x["id"] for x in listed.json()["items"]][:3] == [r.json()["id"], child["id"], parent["id"]]


async def test_confirm_creates_pairings_and_keeps_history(
    client: httpx.AsyncClient, auth, unit_ids, propose, db: AsyncSession, needs_changed,  # type: ignore[no-untyped-def]
) -> None:
    h = await auth("admin")
    ids = await unit_ids()
    other = await propose()
    p = await propose()
    r = await client.post(f"{URL}/{p['id']}/confirm", headers=h)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["created"] == 33 and res["ended"] == 1 and res["kept"] == 1
    assert res["proposal"]["status"] == "confirmed" and res["proposal"]["confirmed_by"] == "admin"

    # a second confirmation, and confirming a sibling made from the old state, are refused
    again = await client.post(f"{URL}/{p['id']}/confirm", headers=h)
    assert again.status_code == 409 and again.json()["code"] == "proposal_not_open"
    sibling = await client.post(f"{URL}/{other['id']}/confirm", headers=h)
    assert sibling.status_code == 409 and sibling.json()["proposal_status"] == "superseded"

    # the partner unit now sees exactly the villages it was given
    mine = {v for v, u in pairs(p) if u == ids["PU-CZJ"]}
    seen = await client.get("/api/v1/villages", headers=await auth("partner01"))
    assert {v["code"] for v in seen.json()["items"]} == mine
    listed = await client.get("/api/v1/pairings", headers=await auth("partner01"))
    assert {x["village_code"] for x in listed.json()["items"]} == mine
    if FIRST_WEAK not in mine:
        r = await client.get(f"/api/v1/pairings/villages/{FIRST_WEAK}", headers=await auth("partner01"))
        assert r.status_code == 404

    # the replaced pairing is history, not gone
    hist = (await client.get(f"/api/v1/pairings/villages/{NEEDS_CHANGED}", headers=h)).json()
    ended = [x for x in hist["items"] if x["partner_unit_code"] == "PU-SWJ" and x["start_date"] == "2026-01-01"]
    assert len(ended) == 1
    assert ended[0]["status"] == "ended" and ended[0]["ended_reason"] == "replaced"
    assert ended[0]["ended_by_proposal_id"] == p["id"] and ended[0]["ended_by"] == "admin"
    current = [x for x in hist["items"] if x["status"] == "current"]
    assert len(current) == 2 and all(x["proposal_id"] == p["id"] for x in current)

    # all current pairings of the county = the proposal
    r = await client.get("/api/v1/pairings", params={"limit": 200}, headers=h)
    assert {(x["village_code"], x["partner_unit_id"]) for x in r.json()["items"]} == pairs(p)

    # a new run now keeps every pairing (nothing better exists)
    rerun = await propose()
    assert rerun["kept"] == 34 and rerun["score"] == p["score"] and rerun["totals"]["ending"] == 0

    event = (await db.execute(select(AuditEvent).where(
        AuditEvent.action == "pairing_proposal.confirm", AuditEvent.entity_id == str(p["id"])))).scalar_one()
    assert len(event.after["created"]) == 33 and event.after["ended"] == [needs_changed]


async def test_stale_proposal_is_refused(client: httpx.AsyncClient, auth, unit_ids, propose) -> None:  # type: ignore[no-untyped-def]
    h = await auth("admin")
    ids = await unit_ids()
    p = await propose()
    unit = await client.get(f"/api/v1/partner-units/{ids['PU-GAJ']}", headers=h)
    r = await client.patch(f"/api/v1/partner-units/{ids['PU-GAJ']}", json={"capacity": 1},
                           headers={**h, "If-Match": unit.headers["ETag"]})
    assert r.status_code == 200
    got = await client.get(f"{URL}/{p['id']}", headers=h)
    assert got.json()["stale"] is True
    r = await client.post(f"{URL}/{p['id']}/confirm", headers=h)
    assert r.status_code == 409
    assert r.json()["code"] == "proposal_stale"
    assert r.headers["content-type"].startswith("application/problem+json")
    # nothing was written
    r = await client.get("/api/v1/pairings", headers=h)
    assert r.json()["total"] == 1
    # a re-run from it is fresh and can be confirmed
    fresh = await client.post(f"{URL}/{p['id']}/rerun", json={}, headers=h)
    assert fresh.json()["stale"] is False
    r = await client.post(f"{URL}/{fresh.json()['id']}/confirm", headers=h)
    assert r.status_code == 200, r.text


async def test_weight_change_makes_proposal_stale(client: httpx.AsyncClient, auth, propose) -> None:  # type: ignore[no-untyped-def]
    h = await auth("admin")
    p = await propose()
    s = await client.get("/api/v1/pairing-settings", headers=h)
    body = {k: s.json()[k] for k in ("slots_per_village", "strengths", "weights")}
    body["weights"]["specialty_farming"]["economic"] = 3
    r = await client.put("/api/v1/pairing-settings", json=body, headers={**h, "If-Match": s.headers["ETag"]})
    assert r.status_code == 200, r.text
    r = await client.post(f"{URL}/{p['id']}/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "proposal_stale"
