"""Demo data: the county's screening round of some months ago, as the workflow leaves it. The
county opened it over every township (with a veto line: one criterion at 80 % lists a village),
each township scored its villages and handed in, and the county confirmed the list: the villages
the base demo marks as weak (DemoContext.weak_categories) got their rectification case with one
problem per category found. Everything goes through the services, so the round's criteria, the
score sheets, the proposals, the events and the audit trail are what a real round leaves.

Dates follow the county's today (cunzhi.kit.clock): opened 150 days ago, confirmed 120 days ago,
the cases due in 240 days."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock
from cunzhi.kit.codes import ProblemCategory
from cunzhi.rectification import cases, proposals, rounds, schemas, scores
from cunzhi.rectification.criteria import ensure_default_criteria
from cunzhi.rectification.export import CATEGORY_ZH
from cunzhi.rectification.scoring import DEFAULT_CRITERIA
from cunzhi.villages.models import Village

if TYPE_CHECKING:
    from cunzhi.demo import DemoContext

OPENED_DAYS_AGO = 150
CONFIRMED_DAYS_AGO = 120
CASE_DUE_IN_DAYS = 240


def round_title(confirmed_year: int) -> str:
    return f"{confirmed_year}年软弱涣散村党组织集中排查"


SCORED = {c.category for c in DEFAULT_CRITERIA}


def sheet(code: str, found: list[str] | None, rng: random.Random) -> dict[str, int]:
    """Scores of one village: 8 or 9 of 10 on a criterion of a problem found (at the veto line), 1
    to 4 elsewhere (well under it, and under the index line). Specialty farming has no criterion: a
    village found weak only there scores on its economy."""
    scored = ([c for c in found if c in SCORED] or ["weak_economy"]) if found else []
    return {c.code: rng.randrange(8, 10) if c.category in scored else rng.randrange(1, 5)
            for c in DEFAULT_CRITERIA}


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    from cunzhi.demo import principal

    await ensure_default_criteria(session, ctx.county_code)
    rng = random.Random(2014)
    today = clock.local_today()
    admin = await principal(session, "admin")
    with clock.travel(today - timedelta(days=OPENED_DAYS_AGO)):
        title = round_title((today - timedelta(days=CONFIRMED_DAYS_AGO)).year)
        opened = await rounds.open_round(session, admin, schemas.RoundCreate(
            title=title, weak_index=Decimal(60), category_share=Decimal(60), veto_share=Decimal(80),
            case_deadline=today + timedelta(days=CASE_DUE_IN_DAYS)))
    for i, township in enumerate(ctx.township_codes, start=1):
        official = await principal(session, f"township{i:02d}")
        codes = (await session.execute(
            select(Village.code).where(Village.township_code == township).order_by(Village.code)
        )).scalars().all()
        with clock.travel(today - timedelta(days=OPENED_DAYS_AGO - 5 - i)):
            await scores.enter_scores(session, official, opened.round.id, schemas.ScoresIn(sheets=[
                schemas.SheetIn(village_code=c, scores=sheet(c, ctx.weak_categories.get(c), rng)) for c in codes]))
        with clock.travel(today - timedelta(days=OPENED_DAYS_AGO - 15 - i)):
            await proposals.propose_township(session, official, opened.round.id, township)
    with clock.travel(today - timedelta(days=CONFIRMED_DAYS_AGO)):
        confirmed = await proposals.confirm_round(session, admin, opened.round.id, schemas.ConfirmIn())
    # The townships add the problems no criterion scores (specialty farming) to the cases, by hand.
    with clock.travel(today - timedelta(days=CONFIRMED_DAYS_AGO - 3)):
        for listed in confirmed.listed:
            found = ctx.weak_categories.get(listed.village_code, [])
            extra = [c for c in found if c not in SCORED]
            if not extra:
                continue
            t = ctx.township_codes.index(listed.village_code[:9] + "000") + 1
            official = await principal(session, f"township{t:02d}")
            for cat in extra:
                await cases.add_problem(session, official, listed.case_id, schemas.ProblemIn(
                    category=ProblemCategory(cat), description=CATEGORY_ZH.get(cat, cat)))
    await session.flush()
