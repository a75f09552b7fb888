"""Postings (history kept, never rewritten), the account following its posting, and proposals from
the matching engine with reasons, confirmation and staleness."""

from datetime import timedelta

import httpx
import pytest
from cadres_helpers import COUNTY, OTHER_T01_VILLAGE, T02_VILLAGE, VILLAGE, checkin_body, new_key
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.cadres.models import Posting
from cunzhi.cadres.service import today
from cunzhi.kit import clock
from cunzhi.kit.audit import AuditEvent
from cunzhi.partners import matching

URL = "/api/v1/cadres"


async def cadre_id(client: httpx.AsyncClient, auth, name: str) -> int:  # type: ignore[no-untyped-def]
    r = await client.get(URL, params={"q": name}, headers=await auth("admin"))
    return int(r.json()["items"][0]["id"])


async def weak_without_cadre(client: httpx.AsyncClient, auth) -> list[str]:  # type: ignore[no-untyped-def]
    posted = {p["village"]["code"] for p in (await client.get(
        f"{URL}/postings", params={"limit": 200}, headers=await auth("admin"))).json()["items"]}
    r = await client.get("/api/v1/villages", params={"status": "weak", "limit": 200}, headers=await auth("admin"))
    return sorted(v["code"] for v in r.json()["items"] if v["code"] not in posted)


async def test_post_a_free_cadre_then_move_them(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    cid = await cadre_id(client, auth, "冯凤霞")
    first, second = (await weak_without_cadre(client, auth))[:2]
    h = await auth("admin")
    start = today() - timedelta(days=10)
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": first, "post": "committee_member",
                                                         "start_date": start.isoformat(), "note": "选派"}, headers=h)
    assert r.status_code == 201, r.text
    p1 = r.json()
    assert p1["status"] == "current" and p1["village"]["code"] == first and p1["post"] == "committee_member"

    # posting the same cadre elsewhere from today ends the first one yesterday
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": second, "post": "deputy_secretary"},
                          headers=h)
    assert r.status_code == 201, r.text
    detail = (await client.get(f"{URL}/{cid}", headers=h)).json()
    assert [(p["village"]["code"], p["status"]) for p in detail["postings"]] == [(second, "current"), (first, "ended")]
    ended = detail["postings"][1]
    assert ended["end_date"] == (today() - timedelta(days=1)).isoformat() and ended["ended_reason"] == "replaced"
    assert detail["current_posting"]["village"]["code"] == second

    # a posting that would start before the current one began overlaps it
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": first, "post": "deputy_secretary",
                                                         "start_date": today().isoformat()}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "posting_overlap"

    history = (await client.get(f"{URL}/villages/{first}/postings", headers=h)).json()
    assert [p["cadre_name"] for p in history["items"]] == ["冯凤霞"]

    # the county ends it: recalled
    pid = detail["postings"][0]["id"]
    r = await client.post(f"{URL}/postings/{pid}/end", json={"reason": "recalled", "end_date": "2000-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_end_date"
    r = await client.post(f"{URL}/postings/{pid}/end", json={"reason": "recalled", "note": "回原单位"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "void" and r.json()["ended_reason"] == "recalled"
    r = await client.post(f"{URL}/postings/{pid}/end", json={"reason": "other"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "posting_ended"


async def test_postings_are_never_rewritten_or_deleted(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    pid = (await db.execute(select(Posting.id).where(Posting.ended_at.is_(None)).limit(1))).scalar_one()
    ended = (await db.execute(select(Posting.id).where(Posting.ended_at.is_not(None)).limit(1))).scalar_one()
    for sql, match in ((f"UPDATE cadre_postings SET village_id = village_id + 1 WHERE id = {pid}", "rewritten"),
                       (f"UPDATE cadre_postings SET end_date = start_date + 5 WHERE id = {pid}", "only by being ended"),
                       (f"UPDATE cadre_postings SET ended_note = 'x' WHERE id = {ended}", "history"),
                       (f"DELETE FROM cadre_postings WHERE id = {pid}", "DELETE is not allowed")):
        with pytest.raises(DBAPIError, match=match):
            async with db.begin_nested():
                await db.execute(text(sql))


async def test_an_inactive_cadre_is_not_posted_and_others_may_not_post(client: httpx.AsyncClient, auth) -> None:
    village = (await weak_without_cadre(client, auth))[0]
    # 郑长海 was posted to township 01's first village: those who see it get 403, the others 404
    seen = await cadre_id(client, auth, "郑长海")
    for username, status in (("township01", 403), ("cadre01", 403), ("partner01", 403), ("township02", 404)):
        r = await client.post(f"{URL}/{seen}/postings", json={"village_code": village, "post": "deputy_secretary"},
                              headers=await auth(username))
        assert r.status_code == status, (username, r.text)
    cid = await cadre_id(client, auth, "陈宝林")
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": village, "post": "deputy_secretary"},
                          headers=await auth("township01"))
    assert r.status_code == 404
    r = await client.patch(f"{URL}/{cid}", json={"active": False}, headers={**await auth("admin"), "If-Match": 'W/"1"'})
    assert r.status_code == 200
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": village, "post": "deputy_secretary"},
                          headers=await auth("admin"))
    assert r.status_code == 409 and r.json()["code"] == "cadre_inactive"
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": "999999999999", "post": "deputy_secretary"},
                          headers=await auth("admin"))
    assert r.status_code == 404


async def test_the_account_follows_its_posting(client: httpx.AsyncClient, auth, db: AsyncSession,
                                               fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    village = (await weak_without_cadre(client, auth))[0]
    r = await client.post(f"{URL}/{fresh_cadre_user['cadre_id']}/postings",
                          json={"village_code": village, "post": "deputy_secretary"}, headers=await auth("admin"))
    assert r.status_code == 201, r.text
    user = (await db.execute(select(User).where(User.id == fresh_cadre_user["user_id"]))).scalar_one()
    await db.refresh(user)
    from cunzhi.villages.models import Village

    assert user.village_id == (await db.execute(select(Village.id).where(Village.code == village))).scalar_one()
    event = (await db.execute(select(AuditEvent).where(AuditEvent.action == "user.follow_posting")
                              .order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert event.entity_id == str(user.id) and event.after["posting_id"] == r.json()["id"]
    # the phone now works in the new village
    day = (await client.get(f"{URL}/me/today", headers=await auth("cadre_t1"))).json()
    assert day["village"]["code"] == village
    r = await client.post(f"{URL}/checkins", json=checkin_body(), headers=await auth("cadre_t1", new_key()))
    assert r.status_code == 201 and r.json()["village_code"] == village
    r = await client.post(f"{URL}/checkins", json=checkin_body(village_code=VILLAGE),
                          headers=await auth("cadre_t1", new_key()))
    assert r.status_code == 404


async def test_a_proposal_posts_the_best_cadre_to_each_weak_village(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    r = await client.post(f"{URL}/proposals", json={}, headers=h)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "open" and p["stale"] is False and p["post"] == "deputy_secretary"
    t = p["totals"]
    assert t["cadres"] == 8 and t["slots"] == t["villages"] >= 8
    assert t["covered"] == t["cadres_used"] == 8  # every cadre is used: fewer cadres than weak villages
    assert t["existing"] == 5
    seen = [c["cadre_id"] for v in p["villages"] for c in v["cadres"]]
    assert len(seen) == len(set(seen))
    for v in p["villages"]:
        assert len(v["cadres"]) <= 1
        for c in v["cadres"]:
            assert c["score"] == sum(x["weight"] for x in c["reasons"])
            for reason in c["reasons"]:
                assert reason["category"] in v["categories"] and reason["expertise"] in c["expertise"]
                assert (reason["category"], reason["expertise"]) in {
                    ("many_petitions", "mass_work"), ("specialty_farming", "technical"),
                    ("irregular_activity", "organising")}
    # moves are not allowed by default: every current posting is kept, whatever a move would score
    assert p["allow_moves"] is False and t["kept"] == 5 and p["ending"] == [] and t["ending"] == 0
    assert all(not c["ends"] for v in p["villages"] for c in v["current"])
    # with moves allowed: the same optimum as the engine over the same inputs, each end explained
    free = (await client.post(f"{URL}/proposals", json={"allow_moves": True}, headers=h)).json()
    cadres = {c["cadre_id"]: c for v in free["villages"] for c in v["cadres"]}
    problem = matching.posting_problem([(v["village_code"], v["categories"]) for v in free["villages"]],
                                       [(i, c["expertise"]) for i, c in cadres.items()])
    assert matching.solve(problem).totals.score == free["score"] >= p["score"]
    assert free["allow_moves"] is True and len(free["ending"]) == free["totals"]["ending"]
    assert all(e["reason"] in ("moved", "replaced") for e in free["ending"])
    r = await client.get(f"{URL}/proposals", headers=h)
    assert r.json()["items"][0]["id"] == free["id"]


async def test_confirm_a_proposal_and_a_stale_one_is_refused(client: httpx.AsyncClient, auth,
                                                             db: AsyncSession) -> None:
    h = await auth("admin")
    stale = (await client.post(f"{URL}/proposals", json={}, headers=h)).json()
    # a new cadre joins: the proposal no longer matches today's inputs
    r = await client.post(URL, json={"name": "新干部", "home_unit": "县信访局", "expertise": ["mass_work"]}, headers=h)
    assert r.status_code == 201
    assert (await client.get(f"{URL}/proposals/{stale['id']}", headers=h)).json()["stale"] is True
    before = (await db.execute(select(Posting.id))).scalars().all()
    r = await client.post(f"{URL}/proposals/{stale['id']}/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "posting_proposal_stale"
    assert (await db.execute(select(Posting.id))).scalars().all() == before

    fresh = (await client.post(f"{URL}/proposals", json={"post": "committee_member"}, headers=h)).json()
    for username, status in (("township01", 403), ("inspector", 403)):
        r = await client.post(f"{URL}/proposals/{fresh['id']}/confirm", headers=await auth(username))
        assert r.status_code in (status, 404), username
    r = await client.post(f"{URL}/proposals/{fresh['id']}/confirm", headers=h)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["proposal"]["status"] == "confirmed"
    assert done["created"] + done["kept"] == fresh["covered"] and done["kept"] == fresh["kept"]
    current = (await client.get(f"{URL}/postings", params={"limit": 200}, headers=h)).json()["items"]
    assert len(current) == fresh["covered"]
    proposed = {(v["village_code"], c["cadre_id"]) for v in fresh["villages"] for c in v["cadres"]}
    assert {(x["village"]["code"], x["cadre_id"]) for x in current} == proposed
    assert {x["post"] for x in current if x["proposal_id"] == fresh["id"]} <= {"committee_member"}
    # the stale one was superseded; confirming again is refused
    assert (await client.get(f"{URL}/proposals/{stale['id']}", headers=h)).json()["status"] == "superseded"
    r = await client.post(f"{URL}/proposals/{fresh['id']}/confirm", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "posting_proposal_not_open"


async def test_proposals_are_the_county_s(client: httpx.AsyncClient, auth) -> None:
    r = await client.post(f"{URL}/proposals", json={}, headers=await auth("township01"))
    assert r.status_code == 403
    p = (await client.post(f"{URL}/proposals", json={}, headers=await auth("admin"))).json()
    assert (await client.get(f"{URL}/proposals/{p['id']}", headers=await auth("township01"))).status_code == 404
    assert (await client.get(f"{URL}/proposals", headers=await auth("township01"))).json()["items"] == []
    r = await client.post(f"{URL}/proposals", json={"start_date": (clock.local_today() - timedelta(days=3)).isoformat()},
                          headers=await auth("admin"))
    assert r.status_code == 422 and r.json()["code"] == "posting_start_in_past"
    r = await client.post(f"{URL}/proposals", json={"county_code": COUNTY, "post": "chair"},
                          headers=await auth("admin"))
    assert r.status_code == 422


async def test_an_end_before_a_defaulted_start_is_a_field_error(client: httpx.AsyncClient, auth,
                                                                 db: AsyncSession) -> None:
    h = await auth("admin")
    yesterday = (today() - timedelta(days=1)).isoformat()
    before = (await db.execute(text("SELECT count(*) FROM cadre_posting_proposals"))).scalar()
    r = await client.post(f"{URL}/proposals", json={"end_date": yesterday}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "end_date"]
    assert (await db.execute(text("SELECT count(*) FROM cadre_posting_proposals"))).scalar() == before
    cid = await cadre_id(client, auth, "冯凤霞")
    village = (await weak_without_cadre(client, auth))[0]
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": village, "post": "committee_member",
                                                         "end_date": yesterday}, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "end_date"]


async def test_a_township_sees_a_cadre_s_postings_in_its_own_villages_only(client: httpx.AsyncClient, auth) -> None:
    cid = await cadre_id(client, auth, "冯凤霞")
    t01, t02 = OTHER_T01_VILLAGE, T02_VILLAGE
    h = await auth("admin")
    r = await client.post(f"{URL}/{cid}/postings", headers=h, json={
        "village_code": t02, "post": "committee_member", "start_date": (today() - timedelta(days=10)).isoformat()})
    assert r.status_code == 201, r.text
    r = await client.post(f"{URL}/{cid}/postings", json={"village_code": t01, "post": "deputy_secretary"}, headers=h)
    assert r.status_code == 201, r.text

    left = await auth("township02")
    detail = (await client.get(f"{URL}/{cid}", headers=left)).json()
    assert [p["village"]["code"] for p in detail["postings"]] == [t02]
    assert detail["current_posting"] is None
    listed = (await client.get(URL, params={"q": "冯凤霞"}, headers=left)).json()["items"]
    assert [c["current_posting"] for c in listed] == [None]

    joined = await auth("township01")
    detail = (await client.get(f"{URL}/{cid}", headers=joined)).json()
    assert [p["village"]["code"] for p in detail["postings"]] == [t01]
    assert detail["current_posting"]["village"]["code"] == t01
    county = (await client.get(f"{URL}/{cid}", headers=h)).json()
    assert [p["village"]["code"] for p in county["postings"]] == [t01, t02]
