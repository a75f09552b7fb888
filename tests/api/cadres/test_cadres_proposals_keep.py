"""Posting proposals keep what works: current postings stay unless the county allows moves (a
setting and a per-proposal switch); pins and bans; a reason for every match and every end; a list of
the postings that would end; re-run; a stale proposal is refused on confirm."""

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.models import Posting
from cunzhi.kit import clock

URL = "/api/v1/cadres"


async def _propose(client: httpx.AsyncClient, h: dict[str, str], **body):  # type: ignore[no-untyped-def]
    r = await client.post(f"{URL}/proposals", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def _staffed(p):  # type: ignore[no-untyped-def]
    """(village_code, current cadre id, posting id) of the villages with a current posting."""
    return [(v["village_code"], c["cadre_id"], c["posting_id"]) for v in p["villages"] for c in v["current"]]


async def test_a_proposal_keeps_every_current_posting_by_default(client: httpx.AsyncClient, auth) -> None:
    """The defect: a proposal ended 3 of the 5 current postings to raise the score at equal coverage."""
    h = await auth("admin")
    p = await _propose(client, h)
    staffed = _staffed(p)
    assert len(staffed) == 5
    assigned = {(v["village_code"], c["cadre_id"]) for v in p["villages"] for c in v["cadres"]}
    assert {(v, c) for v, c, _ in staffed} <= assigned
    assert p["ending"] == [] and p["totals"]["ending"] == 0 and p["kept"] == 5
    for v in p["villages"]:
        for c in v["cadres"]:
            assert c["basis"] in ("kept", "expertise", "coverage")
            assert (c["basis"] == "kept") == c["kept"]
            if c["basis"] == "expertise":
                assert c["reasons"] and c["score"] > 0
    moving = await _propose(client, h, allow_moves=True)
    assert moving["score"] >= p["score"] and moving["covered"] == p["covered"]
    for e in moving["ending"]:
        assert e["reason"] in ("moved", "replaced")
        assert e["last_day"] == (clock.local_today() - timedelta(days=1)).isoformat()
        assert (e["reason"] == "moved") == (e["moved_to_village_code"] is not None)


async def test_the_county_setting_allows_moves_and_a_proposal_may_switch_it_off(client: httpx.AsyncClient,
                                                                               auth) -> None:
    h = await auth("admin")
    r = await client.get(f"{URL}/settings", headers=h)
    settings = r.json()
    assert settings["allow_moves"] is False
    body = {"cadres_per_village": settings["cadres_per_village"], "expertise": settings["expertise"],
            "weights": settings["weights"], "allow_moves": True}
    r = await client.put(f"{URL}/settings", json=body, headers={**h, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["allow_moves"] is True, r.text
    assert (await _propose(client, h))["allow_moves"] is True
    off = await _propose(client, h, allow_moves=False)
    assert off["allow_moves"] is False and off["ending"] == []
    # a settings write that leaves allow_moves out keeps it
    r = await client.get(f"{URL}/settings", headers=h)
    body.pop("allow_moves")
    r = await client.put(f"{URL}/settings", json=body, headers={**h, "If-Match": r.headers["ETag"]})
    assert r.json()["allow_moves"] is True


async def test_pins_and_bans_with_a_reason_for_each_end(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    base = await _propose(client, h)
    (v1, c1, p1), (v2, c2, p2), (v3, _c3, p3) = _staffed(base)[:3]
    idle = base["idle_cadres"][0]["cadre_id"] if base["idle_cadres"] else None
    unstaffed = next(v["village_code"] for v in base["villages"] if not v["current"])
    pins = [{"village_code": unstaffed, "cadre_id": c1}]  # moves c1 away from v1
    bans = [{"village_code": v2, "cadre_id": c2}]  # c2 may not stay in v2
    if idle is not None:
        pins.append({"village_code": v3, "cadre_id": idle})  # takes v3's only place
    p = await _propose(client, h, pins=pins, bans=bans)
    assert p["pins"] == pins and p["bans"] == bans
    ends = {e["posting_id"]: e for e in p["ending"]}
    assert ends[p1]["reason"] == "pinned_elsewhere" and ends[p1]["moved_to_village_code"] == unstaffed
    assert ends[p2]["reason"] == "banned"
    if idle is not None:
        assert ends[p3]["reason"] == "replaced_by_pin"
    assert len(ends) == (3 if idle is not None else 2)  # the other current postings are kept
    assigned = {(v["village_code"], c["cadre_id"]): c for v in p["villages"] for c in v["cadres"]}
    assert assigned[(unstaffed, c1)]["pinned"] is True and assigned[(unstaffed, c1)]["basis"] == "pinned"
    assert (v2, c2) not in assigned
    cur = {c["posting_id"]: c for v in p["villages"] for c in v["current"]}
    assert cur[p2]["ends"] and cur[p2]["end_reason"] == "banned"

    # a re-run keeps the parent's pins and bans unless given
    r = await client.post(f"{URL}/proposals/{p['id']}/rerun", json={"bans": []}, headers=h)
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["parent_id"] == p["id"] and again["pins"] == pins and again["bans"] == []
    assert p2 not in {e["posting_id"] for e in again["ending"]}

    # refused inputs
    r = await client.post(f"{URL}/proposals", json={"pins": [{"village_code": "230199999999", "cadre_id": c1}]},
                          headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_pairs"
    r = await client.post(f"{URL}/proposals", json={"pins": [{"village_code": v1, "cadre_id": c1}],
                                                   "bans": [{"village_code": v1, "cadre_id": c1}]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "posting_input_conflict"
    r = await client.post(f"{URL}/proposals/{p['id']}/rerun", json={}, headers=await auth("township01"))
    assert r.status_code in (403, 404)


async def test_confirm_ends_exactly_the_listed_postings_and_a_stale_one_is_refused(
        client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    h = await auth("admin")
    base = await _propose(client, h)
    (v1, c1, p1), (v2, c2, p2) = _staffed(base)[:2]
    stale = await _propose(client, h, bans=[{"village_code": v1, "cadre_id": c1}])
    fresh = await _propose(client, h, bans=[{"village_code": v2, "cadre_id": c2}])
    # another posting ends by hand: both proposals no longer match today's postings
    r = await client.post(f"{URL}/postings/{p1}/end", json={"reason": "recalled"}, headers=h)
    assert r.status_code == 200, r.text
    assert (await client.get(f"{URL}/proposals/{stale['id']}", headers=h)).json()["stale"] is True
    r = await client.post(f"{URL}/proposals/{stale['id']}/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "posting_proposal_stale"
    r = await client.post(f"{URL}/proposals/{fresh['id']}/rerun", json={}, headers=h)
    fresh = r.json()
    assert fresh["stale"] is False and [e["posting_id"] for e in fresh["ending"]] == [p2]
    before = {pg.id: pg.end_date for pg in (await db.execute(select(Posting))).scalars()}
    r = await client.post(f"{URL}/proposals/{fresh['id']}/confirm", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["ended"] == 1
    db.expire_all()
    after = {pg.id: pg for pg in (await db.execute(select(Posting))).scalars()}
    changed = {i for i, pg in after.items() if i in before and pg.end_date != before[i]}
    assert changed == {p2}
    assert after[p2].ended_reason == "replaced" and after[p2].ended_by_proposal_id == fresh["id"]
