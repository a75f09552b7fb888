"""Jobs of the partners domain: pairings whose start or end day has arrived.

A partner unit's account sees the villages it is paired with today (kit/scope.py asks the
clock on every query), so its scope follows a pairing by itself; this job emits
`pairing.started` / `pairing.ended` on the day, once per pairing, for whatever consumes them.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import audit, clock, events
from cunzhi.partners.models import Pairing
from cunzhi.worker import days

ENTITY = "pairing"
BATCH = 500


async def apply_pairing_days(session: AsyncSession, *, day: date | None = None) -> dict[str, int]:
    day = day or clock.local_today()
    counts = {"started": 0, "ended": 0}
    not_void = Pairing.end_date.is_(None) | (Pairing.end_date >= Pairing.start_date)
    for edge, when, event_type in (
        (days.START, Pairing.start_date <= day, "pairing.started"),
        (days.END, Pairing.end_date < day, "pairing.ended"),
    ):
        rows = (await session.execute(
            select(Pairing).where(when, not_void, days.unmarked(ENTITY, Pairing.id, edge))
            .order_by(Pairing.id).limit(BATCH))).scalars().all()
        for pairing in rows:
            if await days.claim(session, ENTITY, pairing.id, edge, day):
                await events.emit(session, None, event_type, ENTITY, pairing.id, after=audit.snapshot(pairing))
                counts["started" if edge == days.START else "ended"] += 1
    return counts
