"""Postings whose day arrives later: the worker's day job moves the linked account on the day."""

from datetime import timedelta

import httpx
from cadres_helpers import OTHER_T01_VILLAGE, VILLAGE
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.cadres.jobs import apply_posting_days
from cunzhi.kit import clock
from cunzhi.kit.audit import AuditEvent
from cunzhi.kit.events import OutboxEvent
from cunzhi.villages.models import Village

URL = "/api/v1/cadres"


async def _village_of(db: AsyncSession, user_id: int) -> int | None:
    user = (await db.execute(select(User).where(User.id == user_id))).scalar_one()
    await db.refresh(user)
    return user.village_id


async def _events(db: AsyncSession, event_type: str, posting_id: int) -> list[OutboxEvent]:
    return list((await db.execute(select(OutboxEvent).where(
        OutboxEvent.event_type == event_type, OutboxEvent.entity_id == str(posting_id)))).scalars())


async def test_a_posting_starting_tomorrow_moves_its_account_when_tomorrow_comes(
        client: httpx.AsyncClient, auth, db: AsyncSession, fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    target = "230199100201"
    target_id = (await db.execute(select(Village.id).where(Village.code == target))).scalar_one()
    home_id = (await db.execute(select(Village.id).where(Village.code == VILLAGE))).scalar_one()
    tomorrow = clock.local_today() + timedelta(days=1)
    r = await client.post(f"{URL}/{fresh_cadre_user['cadre_id']}/postings", headers=await auth("admin"), json={
        "village_code": target, "post": "deputy_secretary", "start_date": tomorrow.isoformat(),
        "end_date": (tomorrow + timedelta(days=2)).isoformat()})
    assert r.status_code == 201, r.text
    posting_id = r.json()["id"]
    assert r.json()["status"] == "upcoming"
    assert len(await _events(db, "cadre_posting.create", posting_id)) == 1  # the request's own event

    await apply_posting_days(db)  # today: nothing to do yet
    assert await _village_of(db, fresh_cadre_user["user_id"]) == home_id
    assert await _events(db, "cadre_posting.started", posting_id) == []

    with clock.travel(tomorrow):
        counts = await apply_posting_days(db)
        assert counts["started"] >= 1 and counts["accounts_moved"] >= 1
        assert await _village_of(db, fresh_cadre_user["user_id"]) == target_id
        [started] = await _events(db, "cadre_posting.started", posting_id)
        assert started.payload["account_moved"] is True and started.actor == "system"
        await apply_posting_days(db)  # a second run acts on nothing twice
        assert len(await _events(db, "cadre_posting.started", posting_id)) == 1
        day = (await client.get(f"{URL}/me/today", headers=await auth(fresh_cadre_user["username"]))).json()
        assert day["village"]["code"] == target

    with clock.travel(tomorrow + timedelta(days=3)):  # the posting is over
        await apply_posting_days(db)
        assert len(await _events(db, "cadre_posting.ended", posting_id)) == 1


async def _audit(db: AsyncSession, action: str, entity_id: int) -> list[AuditEvent]:
    return list((await db.execute(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_id == str(entity_id)))).scalars())


async def _posting(client: httpx.AsyncClient, auth, cadre_id: int, posting_id: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    r = await client.get(f"{URL}/postings", headers=await auth("admin"), params={"cadre_id": cadre_id, "current": "false"})
    assert r.status_code == 200, r.text
    page = r.json()
    [row] = [x for x in page["items"] if x["id"] == posting_id]
    return row  # type: ignore[no-any-return]


async def test_a_move_planned_for_a_later_day_reads_as_scheduled_and_happens_on_the_day(
        client: httpx.AsyncClient, auth, db: AsyncSession, fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    admin = await auth("admin")
    cadre_id = fresh_cadre_user["cadre_id"]
    home_id = (await db.execute(select(Village.id).where(Village.code == VILLAGE))).scalar_one()
    target_id = (await db.execute(select(Village.id).where(Village.code == OTHER_T01_VILLAGE))).scalar_one()
    today = clock.local_today()
    r = await client.post(f"{URL}/{cadre_id}/postings", headers=admin,
                          json={"village_code": VILLAGE, "post": "deputy_secretary"})
    assert r.status_code == 201, r.text
    home = r.json()["id"]
    move_day = today + timedelta(days=3)
    r = await client.post(f"{URL}/{cadre_id}/postings", headers=admin, json={
        "village_code": OTHER_T01_VILLAGE, "post": "deputy_secretary", "start_date": move_day.isoformat()})
    assert r.status_code == 201, r.text
    new = r.json()["id"]
    await apply_posting_days(db)

    # in between: the old posting is current with its end set, the new one upcoming; the account stays
    with clock.travel(move_day - timedelta(days=1)):
        await apply_posting_days(db)
        old_row = await _posting(client, auth, cadre_id, home)
        new_row = await _posting(client, auth, cadre_id, new)
        assert (old_row["status"], old_row["end_date"]) == ("current", (move_day - timedelta(days=1)).isoformat())
        assert new_row["status"] == "upcoming"
        assert await _village_of(db, fresh_cadre_user["user_id"]) == home_id
        assert await _events(db, "cadre_posting.started", new) == []
        assert await _events(db, "cadre_posting.ended", home) == []

    with clock.travel(move_day):
        counts = await apply_posting_days(db)
        assert counts["started"] >= 1 and counts["ended"] >= 1
        assert await _village_of(db, fresh_cadre_user["user_id"]) == target_id
        assert (await _posting(client, auth, cadre_id, new))["status"] == "current"
        assert (await _posting(client, auth, cadre_id, home))["status"] == "ended"
        [ended] = await _events(db, "cadre_posting.ended", home)
        assert ended.actor == "system" and ended.payload["account_moved"] is False  # the start moved it
        # audited like a change by hand: the event's own audit row, and the account's move
        [started_audit] = await _audit(db, "cadre_posting.started", new)
        assert started_audit.actor == "system" and started_audit.after["village_id"] == target_id
        moves = await _audit(db, "user.follow_posting", fresh_cadre_user["user_id"])
        assert [m.after["posting_id"] for m in moves] == [new] and moves[0].before == {"village_id": home_id}
        day = (await client.get(f"{URL}/me/today", headers=await auth(fresh_cadre_user["username"]))).json()
        assert day["village"]["code"] == OTHER_T01_VILLAGE
        assert await apply_posting_days(db) == {"started": 0, "ended": 0, "accounts_moved": 0}


async def test_an_end_set_by_hand_for_a_later_day_takes_effect_through_the_job(
        client: httpx.AsyncClient, auth, db: AsyncSession, fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    admin = await auth("admin")
    cadre_id = fresh_cadre_user["cadre_id"]
    today = clock.local_today()
    r = await client.post(f"{URL}/{cadre_id}/postings", headers=admin, json={
        "village_code": VILLAGE, "post": "deputy_secretary", "start_date": (today - timedelta(days=10)).isoformat()})
    assert r.status_code == 201, r.text
    posting = r.json()["id"]
    last_day = today + timedelta(days=1)
    r = await client.post(f"{URL}/postings/{posting}/end", headers=admin,
                          json={"end_date": last_day.isoformat(), "reason": "recalled", "note": "调回原单位"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["ended_reason"]) == ("current", "recalled")  # still in force until then
    assert len(await _events(db, "cadre_posting.end", posting)) == 1
    await apply_posting_days(db)
    with clock.travel(last_day):
        await apply_posting_days(db)
        assert (await _posting(client, auth, cadre_id, posting))["status"] == "current"
        assert await _events(db, "cadre_posting.ended", posting) == []

    with clock.travel(last_day + timedelta(days=1)):
        # a run that fails after acting leaves no mark: the next run acts, once
        async with db.begin_nested() as attempt:
            assert (await apply_posting_days(db))["ended"] >= 1
            await attempt.rollback()
        assert await _events(db, "cadre_posting.ended", posting) == []
        assert (await apply_posting_days(db))["ended"] >= 1
        await apply_posting_days(db)
        [ended] = await _events(db, "cadre_posting.ended", posting)
        assert ended.payload["ended_reason"] == "recalled" and ended.actor == "system"
        assert len(await _audit(db, "cadre_posting.ended", posting)) == 1
        assert (await _posting(client, auth, cadre_id, posting))["status"] == "ended"
