"""Postings whose day arrives later: the worker's day job moves the linked account on the day."""

from datetime import timedelta

import httpx
from cadres_helpers import VILLAGE
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.cadres.jobs import apply_posting_days
from cunzhi.kit import clock
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
