"""Screening rounds: who sees which, opening, reading, closing and the round's XLSX export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.divisions.models import Division
from cunzhi.kit import audit, xlsx
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause
from cunzhi.rectification import export, scoring, states
from cunzhi.rectification import schemas as s
from cunzhi.rectification.common import county_admin_county, current_sheet, now
from cunzhi.rectification.criteria import ensure_default_criteria
from cunzhi.rectification.models import (
    Criterion,
    Proposal,
    Round,
    RoundCriterion,
    RoundTownship,
    ScoreSheet,
)
from cunzhi.rectification.permissions import round_actions
from cunzhi.rectification.states import ROUND, RoundEvent
from cunzhi.villages.models import Village


def _round_visible(p: Principal) -> Any:
    if p.division_code is None:
        return None
    if p.division_level == DivisionLevel.county:
        return Round.county_code == p.division_code
    if p.division_level == DivisionLevel.township:
        return Round.id.in_(select(RoundTownship.round_id).where(RoundTownship.township_code == p.division_code))
    prefix = p.division_code[: 2 if p.division_level == DivisionLevel.province else 4]
    return Round.county_code.startswith(prefix)


async def find_round(session: AsyncSession, p: Principal, round_id: int, *, for_update: bool = False) -> Round:
    clause = _round_visible(p)
    if clause is None:
        raise NotFound("Screening round not found", code="round_not_found")
    stmt = select(Round).where(Round.id == round_id, clause)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    r = (await session.execute(stmt)).scalar_one_or_none()
    if r is None:
        raise NotFound("Screening round not found", code="round_not_found")
    return r


def _township_clause(p: Principal) -> Any:
    """Which of a round's townships `p` sees (a township official: only its own)."""
    if p.division_level == DivisionLevel.township:
        return RoundTownship.township_code == p.division_code
    return true()


async def _round_counts(session: AsyncSession, round_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    if not round_ids:
        return {}
    rows = await session.execute(
        select(
            RoundTownship.round_id,
            func.count(),
            func.count(RoundTownship.proposed_at),
        )
        .where(RoundTownship.round_id.in_(round_ids))
        .group_by(RoundTownship.round_id)
    )
    return {rid: (total, done) for rid, total, done in rows}


@dataclass(frozen=True)
class RoundView:
    """A round with how many of its townships have handed in."""

    round: Round
    townships_total: int
    townships_proposed: int


@dataclass(frozen=True)
class TownshipView:
    """A township of a round with its name, its villages and how many of them are scored."""

    township: RoundTownship
    name: str
    villages: int
    scored: int


@dataclass(frozen=True)
class RoundDetailView(RoundView):
    """A round with its criteria, the townships the caller sees and what the caller may do with it."""

    criteria: list[scoring.Criterion]
    townships: list[TownshipView]
    allowed_actions: list[str]


def _round_view(r: Round, counts: tuple[int, int]) -> RoundView:
    return RoundView(r, *counts)


async def round_view(session: AsyncSession, r: Round) -> RoundView:
    counts = await _round_counts(session, [r.id])
    return _round_view(r, counts.get(r.id, (0, 0)))


def scoring_open(r: Round) -> None:
    if r.status not in (states.RoundStatus.open.value, states.RoundStatus.scoring.value):
        raise Conflict(f"Round is {r.status}: scoring is over", code="round_not_scoring", extra={"round_status": r.status})


async def list_rounds(session: AsyncSession, p: Principal, *, status: str | None = None) -> list[RoundView]:
    clause = _round_visible(p)
    if clause is None:
        return []
    stmt = select(Round).where(clause)
    if status:
        stmt = stmt.where(Round.status == status)
    rounds = (await session.execute(stmt.order_by(Round.opened_at.desc(), Round.id.desc()).limit(200))).scalars().all()
    counts = await _round_counts(session, [r.id for r in rounds])
    return [_round_view(r, counts.get(r.id, (0, 0))) for r in rounds]


async def round_criteria(session: AsyncSession, round_id: int) -> list[scoring.Criterion]:
    rows = (
        (
            await session.execute(
                select(RoundCriterion).where(RoundCriterion.round_id == round_id).order_by(RoundCriterion.position)
            )
        )
        .scalars()
        .all()
    )
    return [scoring.Criterion(c.code, c.name, c.category, c.weight, c.min_score, c.max_score) for c in rows]


def thresholds(r: Round) -> scoring.Thresholds:
    return scoring.Thresholds(r.weak_index, r.category_share, r.veto_share)


def _round_allowed(p: Principal, r: Round) -> list[str]:
    return round_actions(p, r.status)


async def get_round(session: AsyncSession, p: Principal, round_id: int) -> RoundDetailView:
    r = await find_round(session, p, round_id)
    crits = await round_criteria(session, r.id)
    village_count = (
        select(func.count()).select_from(Village).where(Village.township_code == RoundTownship.township_code).scalar_subquery()
    )
    scored_count = (
        select(func.count())
        .select_from(ScoreSheet)
        .join(Village, Village.id == ScoreSheet.village_id)
        .where(
            ScoreSheet.round_id == r.id,
            ScoreSheet.revision == 1,  # one first revision per scored village
            Village.township_code == RoundTownship.township_code,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(RoundTownship, Division.name, village_count, scored_count)
        .join(Division, Division.code == RoundTownship.township_code)
        .where(RoundTownship.round_id == r.id, _township_clause(p))
        .order_by(RoundTownship.township_code)
    )
    townships = [TownshipView(rt, name, vc, sc) for rt, name, vc, sc in rows]
    counts = await _round_counts(session, [r.id])
    return RoundDetailView(r, *counts.get(r.id, (0, 0)), criteria=crits, townships=townships,
                           allowed_actions=_round_allowed(p, r))


async def open_round(session: AsyncSession, p: Principal, data: s.RoundCreate) -> RoundDetailView:
    county = county_admin_county(p)
    await ensure_default_criteria(session, county, p)
    all_townships = (
        (
            await session.execute(
                select(Division.code).where(Division.parent_code == county, Division.level == DivisionLevel.township.value)
            )
        )
        .scalars()
        .all()
    )
    if data.township_codes is None:
        townships = sorted(all_townships)
    else:
        unknown = [(i, c) for i, c in enumerate(data.township_codes) if c not in all_townships]
        if unknown:
            raise Unprocessable(
                "Townships not in this county",
                errors=[
                    {
                        "loc": ["body", "township_codes", i],
                        "msg": f"{c} is not a township of the county",
                        "type": "unknown_township",
                    }
                    for i, c in unknown
                ],
            )
        townships = sorted(set(data.township_codes))
    if not townships:
        raise Unprocessable(
            "A round needs at least one township",
            errors=[{"loc": ["body", "township_codes"], "msg": "no townships", "type": "no_townships"}],
        )
    crits = (
        (
            await session.execute(
                select(Criterion)
                .where(Criterion.county_code == county, Criterion.active.is_(True))
                .order_by(Criterion.position, Criterion.code)
            )
        )
        .scalars()
        .all()
    )
    if not crits:
        raise Conflict("The county has no active criteria", code="no_criteria")
    r = Round(
        county_code=county,
        title=data.title,
        status=states.RoundStatus.open.value,
        weak_index=data.weak_index,
        category_share=data.category_share,
        veto_share=data.veto_share,
        case_deadline=data.case_deadline,
        opened_by=p.name,
        opened_at=now(),
    )
    session.add(r)
    await session.flush()
    for i, c in enumerate(crits):
        session.add(
            RoundCriterion(
                round_id=r.id,
                code=c.code,
                name=c.name,
                category=c.category,
                weight=c.weight,
                min_score=c.min_score,
                max_score=c.max_score,
                position=i,
            )
        )
    for t in townships:
        session.add(RoundTownship(round_id=r.id, township_code=t))
    await session.flush()
    await audit.record(
        session,
        p,
        "screening_round.open",
        "screening_round",
        r.id,
        after={**audit.snapshot(r), "townships": townships, "criteria": [c.code for c in crits]},
    )
    return await get_round(session, p, r.id)


async def close_round(session: AsyncSession, p: Principal, round_id: int, data: s.RoundClose) -> RoundView:
    county_admin_county(p)
    r = await find_round(session, p, round_id, for_update=True)
    before = audit.snapshot(r)
    r.status = ROUND.next(r.status, RoundEvent.close)
    r.closed_by, r.closed_at, r.close_reason = p.name, now(), data.reason
    await session.flush()
    await audit.record(session, p, "screening_round.close", "screening_round", r.id, before=before, after=audit.snapshot(r))
    return await round_view(session, r)


async def export_round(session: AsyncSession, p: Principal, round_id: int) -> tuple[str, str, bytes]:
    """(file name, ASCII fallback name, workbook) of a round's results."""
    r = await find_round(session, p, round_id)
    crits = await round_criteria(session, r.id)
    rows = (
        await session.execute(
            select(Village, Division.name, ScoreSheet, Proposal)
            .join(Division, Division.code == Village.township_code)
            .join(
                RoundTownship,
                and_(RoundTownship.round_id == r.id, RoundTownship.township_code == Village.township_code),
            )
            .outerjoin(ScoreSheet, and_(ScoreSheet.round_id == r.id, ScoreSheet.village_id == Village.id, current_sheet()))
            .outerjoin(Proposal, and_(Proposal.round_id == r.id, Proposal.village_id == Village.id))
            .where(village_clause(p))
            .order_by(Village.township_code, Village.code)
        )
    ).all()
    data = [
        {
            "township": tname,
            "village_code": v.code,
            "village_name": v.name,
            "scores": dict(sh.scores) if sh else None,
            "index": pr.index if pr else None,
            "weak": pr.weak if pr else None,
            "categories": list(pr.categories) if pr else [],
            "reasons": [x["text"] for x in pr.reasons] if pr else [],
            "scored_by": sh.scored_by if sh else None,
            "status": v.status,
        }
        for v, tname, sh, pr in rows
    ]
    body = export.round_workbook(
        title=r.title,
        status=r.status,
        criteria=[(c.code, c.name) for c in crits],
        rows=data,
        thresholds={
            "weak_index": s._fmt(r.weak_index),
            "category_share": s._fmt(r.category_share),
            "veto_share": s._fmt(r.veto_share) if r.veto_share is not None else "",
        },
    )
    return xlsx.filename("排查结果", r.title), f"screening-round-{r.id}.xlsx", body
