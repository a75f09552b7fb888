"""Demo data: every village the base demo lists as weak gets its open rectification case, with one
problem per category, so the case pages and the history have something to show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.rectification.criteria import ensure_default_criteria
from cunzhi.rectification.export import CATEGORY_ZH
from cunzhi.rectification.models import Case, Event, Problem
from cunzhi.villages.models import Village

if TYPE_CHECKING:
    from cunzhi.demo import DemoContext


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    await ensure_default_criteria(session, ctx.county_code)
    villages = (
        (await session.execute(select(Village).where(Village.code.in_(ctx.weak_village_codes)).order_by(Village.code)))
        .scalars()
        .all()
    )
    for v in villages:
        c = Case(village_id=v.id, round_id=None, status="open", categories=list(v.problem_categories))
        session.add(c)
        await session.flush()
        for cat in v.problem_categories:
            session.add(Problem(case_id=c.id, category=cat, description=CATEGORY_ZH.get(cat, cat), created_by="demo"))
        session.add(
            Event(
                village_id=v.id,
                case_id=c.id,
                kind="case_opened",
                to_status="open",
                detail={"categories": list(v.problem_categories), "source": "demo"},
                actor="system",
                actor_name="system",
            )
        )
    await session.flush()
