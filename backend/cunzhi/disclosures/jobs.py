"""The monthly disclosure's job: open the month's rounds on its first day and flag late villages.

On the county's calendar (kit.clock): every township without a round for this month gets one, its items
from the county template and its publish-by day CUNZHI_DISCLOSURE_PUBLISH_BY_DAY; a round the township
fixed ahead (`planned`) opens. Then every village of an open round that has not published after the
round's publish-by day is flagged late, emitting `disclosure.late` once (the flag itself is the mark),
so the job may run as often as it likes."""

from datetime import date

from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.config import get_settings
from cunzhi.disclosures import service
from cunzhi.disclosures.models import Round, RoundVillage
from cunzhi.disclosures.rules import DisclosureRoundStatus, VillageStatus
from cunzhi.disclosures.schemas import DisclosureRoundIn
from cunzhi.divisions.models import Division
from cunzhi.kit import clock, events
from cunzhi.kit.codes import DivisionLevel
from cunzhi.villages.models import Village


async def open_month(session: AsyncSession, *, day: date | None = None) -> dict[str, int]:
    day = day or clock.local_today()
    created = opened = 0
    have = select(Round.township_code).where(Round.year == day.year, Round.month == day.month)
    townships = (await session.execute(
        select(Division.code).where(Division.level == DivisionLevel.township.value, Division.code.not_in(have),
                                    select(Village.id).where(Village.township_code == Division.code).exists())
        .order_by(Division.code))).scalars().all()
    publish_by = day.replace(day=get_settings().disclosure_publish_by_day)
    for code in townships:
        await service.create_round(session, None, DisclosureRoundIn(township_code=code, year=day.year, month=day.month,
                                                          publish_by=publish_by))
        created += 1
    planned = (await session.execute(select(Round).where(
        Round.status == DisclosureRoundStatus.planned,
        tuple_(Round.year, Round.month) <= tuple_(literal(day.year), literal(day.month)))
        .with_for_update(skip_locked=True))).scalars().all()
    for r in planned:
        opened += await service.open_round(session, None, r)
    return {"created": created, "opened": opened}


async def flag_late(session: AsyncSession, *, day: date | None = None) -> int:
    day = day or clock.local_today()
    rows = (await session.execute(
        select(RoundVillage, Round, Village).join(Round, Round.id == RoundVillage.round_id)
        .join(Village, Village.id == RoundVillage.village_id)
        .where(Round.status == DisclosureRoundStatus.open, Round.publish_by < day,
               RoundVillage.status == VillageStatus.pending, RoundVillage.late.is_(False))
        .order_by(RoundVillage.id).with_for_update(of=RoundVillage, skip_locked=True))).all()
    for rv, r, village in rows:
        rv.late = True
        await session.flush()
        await events.emit(session, None, "disclosure.late", service.ENTITY, rv.id,
                          after=service.event_payload(r, village, rv, publish_by=r.publish_by))
    return len(rows)


async def run_month(session: AsyncSession, *, day: date | None = None) -> dict[str, int]:
    out = await open_month(session, day=day)
    out["late"] = await flag_late(session, day=day)
    return out
