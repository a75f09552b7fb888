"""Jobs of the cadres domain: postings whose start or end day has arrived.

A posting confirmed for a later day (or ending on one) changes nothing on confirmation; on its
day this job moves the linked cadre account to the posting's village (or back to the cadre's
posting still in force when one ends) and emits `cadre_posting.started` / `.ended`. Each
edge is acted on once (worker/days.py), so the job may run as often as it likes.
"""

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.cadres import service
from cunzhi.cadres.models import Cadre, Posting
from cunzhi.kit import audit, clock, events
from cunzhi.worker import days

ENTITY = "cadre_posting"
BATCH = 500


async def apply_posting_days(session: AsyncSession, *, day: date | None = None) -> dict[str, int]:
    """Act on every posting whose start or end day has come and was not acted on yet."""
    day = day or clock.local_today()
    counts = {"started": 0, "ended": 0, "accounts_moved": 0}
    not_void = Posting.end_date.is_(None) | (Posting.end_date >= Posting.start_date)
    starting = (await session.execute(
        select(Posting, Cadre).join(Cadre, Cadre.id == Posting.cadre_id)
        .where(Posting.start_date <= day, not_void, days.unmarked(ENTITY, Posting.id, days.START))
        .order_by(Posting.start_date, Posting.id).limit(BATCH))).all()
    for pg, cadre in starting:
        if not await days.claim(session, ENTITY, pg.id, days.START, day):
            continue
        in_force = pg.end_date is None or pg.end_date >= day
        moved = in_force and await service.follow_posting(session, None, cadre, pg.village_id, pg.id)
        await events.emit(session, None, "cadre_posting.started", ENTITY, pg.id,
                          after={**audit.snapshot(pg), "account_moved": moved})
        counts["started"] += 1
        counts["accounts_moved"] += moved
    ending = (await session.execute(
        select(Posting, Cadre).join(Cadre, Cadre.id == Posting.cadre_id)
        .where(Posting.end_date < day, not_void, days.unmarked(ENTITY, Posting.id, days.END))
        .order_by(Posting.end_date, Posting.id).limit(BATCH))).all()
    for pg, cadre in ending:
        if not await days.claim(session, ENTITY, pg.id, days.END, day):
            continue
        moved = await _back_to_current(session, cadre, pg, day)
        await events.emit(session, None, "cadre_posting.ended", ENTITY, pg.id,
                          after={**audit.snapshot(pg), "account_moved": moved})
        counts["ended"] += 1
        counts["accounts_moved"] += moved
    return counts


async def _back_to_current(session: AsyncSession, cadre: Cadre, ended: Posting, day: date) -> bool:
    """An account left at the ended posting's village follows the cadre's posting still in force,
    if there is one (otherwise it keeps its last village: an account always has one scope)."""
    if cadre.user_id is None:
        return False
    at = (await session.execute(select(User.village_id).where(User.id == cadre.user_id))).scalar()
    if at != ended.village_id:
        return False
    current = (await session.execute(
        select(Posting).where(Posting.cadre_id == cadre.id, Posting.start_date <= day,
                              or_(Posting.end_date.is_(None), Posting.end_date >= day))
        .order_by(Posting.start_date.desc()).limit(1))).scalar_one_or_none()
    if current is None:
        return False
    return await service.follow_posting(session, None, cadre, current.village_id, current.id)
