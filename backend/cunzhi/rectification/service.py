"""Screening rounds and rectification cases: the rules. Services flush, never commit.

Locking: every write to a round takes the round's row lock first (scores, proposals, confirmation
and closing serialise on it), every write to a case takes the case's row lock, and every change of
a village's status takes the village's row lock. Status changes go through `states`; anything else
is an `IllegalTransition` (409).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, events
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village, principal_county, village_clause
from cunzhi.rectification import export, scoring, states
from cunzhi.rectification import schemas as s
from cunzhi.rectification.models import (
    Case,
    Criterion,
    Event,
    Measure,
    Note,
    Problem,
    Proposal,
    Round,
    RoundCriterion,
    RoundTownship,
    ScoreSheet,
)
from cunzhi.rectification.permissions import RECT, RectAction, case_actions, round_actions
from cunzhi.rectification.states import CASE, ROUND, VILLAGE, CaseEvent, RoundEvent, VillageEvent
from cunzhi.villages.models import Village

# ---------------------------------------------------------------------------------------------
# Helpers


def _now() -> datetime:
    return clock.now()


async def county_of(session: AsyncSession, p: Principal) -> str | None:
    """The county a principal belongs to (None when it has none, e.g. a province-level user)."""
    return await principal_county(session, p, via_village=True)


def _county_admin_county(p: Principal) -> str:
    require(p, RECT, RectAction.county_desk, detail="Only the county organisation department may do this")
    if p.division_level != DivisionLevel.county or p.division_code is None:
        raise Forbidden("Only the county organisation department may do this")
    return p.division_code


def _require_writer(p: Principal) -> None:
    require(p, RECT, RectAction.write, detail=f"Role {p.role.value} may not do this")


async def _event(
    session: AsyncSession,
    p: Principal,
    *,
    village_id: int,
    kind: str,
    round_id: int | None = None,
    case_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        Event(
            village_id=village_id,
            round_id=round_id,
            case_id=case_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            detail=audit._plain(detail or {}),
            actor=p.key,
            actor_name=p.name,
            at=_now(),
        )
    )


async def _set_village_status(
    session: AsyncSession,
    p: Principal,
    village: Village,
    event: str,
    *,
    categories: list[str] | None = None,
    round_id: int | None = None,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move a (row-locked) village along its status machine, record the change and audit it."""
    old_status = village.status
    before: dict[str, Any] = {"status": old_status, "problem_categories": list(village.problem_categories or [])}
    new = VILLAGE.next(village.status, event)
    village.status = new
    if categories is not None:
        village.problem_categories = list(categories)
    await _event(
        session,
        p,
        village_id=village.id,
        kind="village_status",
        round_id=round_id,
        case_id=case_id,
        from_status=old_status,
        to_status=new,
        detail={"event": event, "problem_categories": list(village.problem_categories or []), **(detail or {})},
    )
    await session.flush()
    await audit.record(
        session,
        p,
        f"village.{event}",
        "village",
        village.code,
        before=before,
        after={"status": village.status, "problem_categories": list(village.problem_categories or [])},
    )


def current_sheet() -> Any:
    """SQL condition: the `ScoreSheet` row in the query is its village's current revision (no later
    row supersedes it). Score sheets are append-only; a correction appends a superseding row."""
    later = aliased(ScoreSheet)
    return ~exists().where(later.supersedes_id == ScoreSheet.id)


async def _lock_villages(session: AsyncSession, ids: Iterable[int]) -> dict[int, Village]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = (
        (
            await session.execute(
                select(Village)
                .where(Village.id.in_(ids))
                .order_by(Village.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    return {v.id: v for v in rows}


# ---------------------------------------------------------------------------------------------
# Criteria


def _criterion_out(c: Criterion) -> s.CriterionOut:
    return s.CriterionOut(
        id=c.id,
        county_code=c.county_code,
        code=c.code,
        name=c.name,
        category=c.category,
        weight=c.weight,
        min_score=c.min_score,
        max_score=c.max_score,
        position=c.position,
        active=c.active,
        version=c.version,
    )


async def ensure_default_criteria(session: AsyncSession, county_code: str, p: Principal | None = None) -> None:
    """A county without criteria gets the six default ones (once; concurrent callers are fine).

    Only writes call this (opening a round, adding or saving criteria, the demo seed): reading the
    criteria never stores anything."""
    have = (
        await session.execute(select(func.count()).select_from(Criterion).where(Criterion.county_code == county_code))
    ).scalar_one()
    if have:
        return
    rows = [
        {
            "county_code": county_code,
            "code": c.code,
            "name": c.name,
            "category": c.category,
            "weight": c.weight,
            "min_score": c.min_score,
            "max_score": c.max_score,
            "position": i * 10,
            "active": True,
            "version": 1,
        }
        for i, c in enumerate(scoring.DEFAULT_CRITERIA)
    ]
    result = await session.execute(
        pg_insert(Criterion)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_screening_criteria_county_code_code")
        .returning(Criterion.code)
    )
    added = list(result.scalars())
    if added:
        await audit.record(session, p, "screening_criterion.defaults", "county", county_code, after={"criteria": added})


def _unsaved_defaults(county_code: str) -> list[s.CriterionOut]:
    """The six default criteria as a county without criteria of its own sees them (not stored)."""
    return [
        s.CriterionOut(
            id=None,
            county_code=county_code,
            code=c.code,
            name=c.name,
            category=c.category,
            weight=c.weight,
            min_score=c.min_score,
            max_score=c.max_score,
            position=i * 10,
            active=True,
            version=0,
        )
        for i, c in enumerate(scoring.DEFAULT_CRITERIA)
    ]


async def list_criteria(session: AsyncSession, p: Principal, *, include_inactive: bool = False) -> list[s.CriterionOut]:
    """The county's criteria. Reading never writes: a county that has none of its own yet sees the
    defaults unsaved (id null); they are stored when it opens its first round or edits criteria."""
    county = await county_of(session, p)
    if county is None:
        return []
    stmt = select(Criterion).where(Criterion.county_code == county)
    if not include_inactive:
        stmt = stmt.where(Criterion.active.is_(True))
    rows = (await session.execute(stmt.order_by(Criterion.position, Criterion.code))).scalars().all()
    if not rows:
        have_any = (
            await session.execute(select(func.count()).select_from(Criterion).where(Criterion.county_code == county))
        ).scalar_one()
        if not have_any:
            return _unsaved_defaults(county)
    return [_criterion_out(c) for c in rows]


async def save_default_criteria(session: AsyncSession, p: Principal) -> list[s.CriterionOut]:
    """Store the county's six default criteria so they can be edited one by one (nothing happens
    when the county has criteria already). Audited when it writes."""
    county = _county_admin_county(p)
    await ensure_default_criteria(session, county, p)
    return await list_criteria(session, p, include_inactive=True)


def _check_criterion(c: scoring.Criterion) -> None:
    problems = scoring.validate_criterion(c)
    if problems:
        raise Unprocessable(
            "The criterion is not valid",
            errors=[{"loc": ["body", *p.loc], "msg": p.msg, "type": p.type} for p in problems],
        )


async def create_criterion(session: AsyncSession, p: Principal, data: s.CriterionCreate) -> s.CriterionOut:
    county = _county_admin_county(p)
    await ensure_default_criteria(session, county, p)
    _check_criterion(scoring.Criterion(data.code, data.name, data.category.value, data.weight, data.min_score, data.max_score))
    exists = (
        await session.execute(select(Criterion.id).where(Criterion.county_code == county, Criterion.code == data.code))
    ).scalar()
    if exists:
        raise Conflict(f"Criterion {data.code} exists", code="criterion_exists")
    position = data.position
    if position is None:
        position = (
            await session.execute(
                select(func.coalesce(func.max(Criterion.position), 0) + 10).where(Criterion.county_code == county)
            )
        ).scalar_one()
    c = Criterion(
        county_code=county,
        code=data.code,
        name=data.name,
        category=data.category.value,
        weight=data.weight,
        min_score=data.min_score,
        max_score=data.max_score,
        position=position,
        active=True,
    )
    session.add(c)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"Criterion {data.code} exists", code="criterion_exists") from None
    await audit.record(session, p, "screening_criterion.create", "screening_criterion", c.id, after=audit.snapshot(c))
    return _criterion_out(c)


async def update_criterion(
    session: AsyncSession, p: Principal, criterion_id: int, data: s.CriterionUpdate, if_match: str | None
) -> s.CriterionOut:
    county = _county_admin_county(p)
    c = (
        await session.execute(
            select(Criterion)
            .where(Criterion.id == criterion_id, Criterion.county_code == county)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if c is None:
        raise NotFound("Criterion not found", code="criterion_not_found")
    expected_version(if_match, c.version)
    before = audit.snapshot(c, "created_at", "updated_at")
    changes = data.model_dump(exclude_unset=True)
    if "category" in changes and changes["category"] is not None:
        changes["category"] = changes["category"].value
    new = {**before, **{k: v for k, v in changes.items() if v is not None}}
    _check_criterion(
        scoring.Criterion(c.code, new["name"], new["category"], Decimal(str(new["weight"])), new["min_score"], new["max_score"])
    )
    for k, v in changes.items():
        if v is not None:
            setattr(c, k, v)
    await session.flush()
    await session.refresh(c)
    await audit.record(
        session,
        p,
        "screening_criterion.update",
        "screening_criterion",
        c.id,
        before=before,
        after=audit.snapshot(c, "created_at", "updated_at"),
    )
    return _criterion_out(c)


# ---------------------------------------------------------------------------------------------
# Rounds


def _round_visible(p: Principal) -> Any:
    if p.division_code is None:
        return None
    if p.division_level == DivisionLevel.county:
        return Round.county_code == p.division_code
    if p.division_level == DivisionLevel.township:
        return Round.id.in_(select(RoundTownship.round_id).where(RoundTownship.township_code == p.division_code))
    prefix = p.division_code[: 2 if p.division_level == DivisionLevel.province else 4]
    return Round.county_code.startswith(prefix)


async def _round(session: AsyncSession, p: Principal, round_id: int, *, for_update: bool = False) -> Round:
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


def _round_out(r: Round, counts: tuple[int, int]) -> s.RoundOut:
    return s.RoundOut(
        id=r.id,
        county_code=r.county_code,
        title=r.title,
        status=r.status,
        weak_index=r.weak_index,
        category_share=r.category_share,
        veto_share=r.veto_share,
        case_deadline=r.case_deadline,
        opened_by=r.opened_by,
        opened_at=r.opened_at,
        proposed_at=r.proposed_at,
        confirmed_by=r.confirmed_by,
        confirmed_at=r.confirmed_at,
        closed_by=r.closed_by,
        closed_at=r.closed_at,
        close_reason=r.close_reason,
        version=r.version,
        townships_total=counts[0],
        townships_proposed=counts[1],
    )


async def round_out(session: AsyncSession, r: Round) -> s.RoundOut:
    counts = await _round_counts(session, [r.id])
    return _round_out(r, counts.get(r.id, (0, 0)))


async def list_rounds(session: AsyncSession, p: Principal, *, status: str | None = None) -> list[s.RoundOut]:
    clause = _round_visible(p)
    if clause is None:
        return []
    stmt = select(Round).where(clause)
    if status:
        stmt = stmt.where(Round.status == status)
    rounds = (await session.execute(stmt.order_by(Round.opened_at.desc(), Round.id.desc()).limit(200))).scalars().all()
    counts = await _round_counts(session, [r.id for r in rounds])
    return [_round_out(r, counts.get(r.id, (0, 0))) for r in rounds]


async def _round_criteria(session: AsyncSession, round_id: int) -> list[scoring.Criterion]:
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


def _thresholds(r: Round) -> scoring.Thresholds:
    return scoring.Thresholds(r.weak_index, r.category_share, r.veto_share)


def _round_allowed(p: Principal, r: Round) -> list[str]:
    return round_actions(p, r.status)


async def get_round(session: AsyncSession, p: Principal, round_id: int) -> s.RoundDetail:
    r = await _round(session, p, round_id)
    crits = await _round_criteria(session, r.id)
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
    townships = [
        s.RoundTownshipOut(
            code=rt.township_code,
            name=name,
            villages=vc,
            scored=sc,
            proposed_by=rt.proposed_by,
            proposed_at=rt.proposed_at,
        )
        for rt, name, vc, sc in rows
    ]
    base = await round_out(session, r)
    return s.RoundDetail(
        **base.model_dump(),
        criteria=[
            s.RoundCriterionOut(
                code=c.code,
                name=c.name,
                category=c.category,
                weight=c.weight,
                min_score=c.min_score,
                max_score=c.max_score,
            )
            for c in crits
        ],
        townships=townships,
        allowed=_round_allowed(p, r),
    )


async def open_round(session: AsyncSession, p: Principal, data: s.RoundCreate) -> s.RoundDetail:
    county = _county_admin_county(p)
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
        opened_at=_now(),
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


async def close_round(session: AsyncSession, p: Principal, round_id: int, data: s.RoundClose) -> s.RoundOut:
    _county_admin_county(p)
    r = await _round(session, p, round_id, for_update=True)
    before = audit.snapshot(r)
    r.status = ROUND.next(r.status, RoundEvent.close)
    r.closed_by, r.closed_at, r.close_reason = p.name, _now(), data.reason
    await session.flush()
    await audit.record(session, p, "screening_round.close", "screening_round", r.id, before=before, after=audit.snapshot(r))
    return await round_out(session, r)


def _scoring_open(r: Round) -> None:
    if r.status not in (states.RoundStatus.open.value, states.RoundStatus.scoring.value):
        raise Conflict(f"Round is {r.status}: scoring is over", code="round_not_scoring", extra={"round_status": r.status})


def _sheet_out(v: Village, sh: ScoreSheet | None) -> s.SheetOut:
    return s.SheetOut(
        village_code=v.code,
        village_name=v.name,
        township_code=v.township_code,
        scores=dict(sh.scores) if sh else None,
        scored_by=sh.scored_by if sh else None,
        scored_at=sh.scored_at if sh else None,
        revision=sh.revision if sh else None,
    )


def _revision_out(sh: ScoreSheet) -> s.ScoreRevisionOut:
    return s.ScoreRevisionOut(
        revision=sh.revision, scores=dict(sh.scores), reason=sh.reason, scored_by=sh.scored_by, scored_at=sh.scored_at
    )


async def score_sheet_grid(
    session: AsyncSession, p: Principal, round_id: int, *, township_code: str | None = None
) -> list[s.SheetOut]:
    r = await _round(session, p, round_id)
    stmt = (
        select(Village, ScoreSheet)
        .join(RoundTownship, and_(RoundTownship.round_id == r.id, RoundTownship.township_code == Village.township_code))
        .outerjoin(ScoreSheet, and_(ScoreSheet.round_id == r.id, ScoreSheet.village_id == Village.id, current_sheet()))
        .where(village_clause(p))
        .order_by(Village.township_code, Village.code)
    )
    if township_code:
        stmt = stmt.where(Village.township_code == township_code)
    rows = (await session.execute(stmt)).all()
    return [_sheet_out(v, sh) for v, sh in rows]


async def _sheet_in_round(
    session: AsyncSession, p: Principal, r: Round, village_code: str
) -> tuple[Village, RoundTownship, list[ScoreSheet]]:
    """A village of the round (in the caller's scope) with every revision of its sheet, oldest first;
    404 when the village is out of scope, not in the round or not scored."""
    v = await get_village(session, p, village_code)
    rt = (
        await session.execute(
            select(RoundTownship).where(RoundTownship.round_id == r.id, RoundTownship.township_code == v.township_code)
        )
    ).scalar_one_or_none()
    revisions = (
        (
            await session.execute(
                select(ScoreSheet)
                .where(ScoreSheet.round_id == r.id, ScoreSheet.village_id == v.id)
                .order_by(ScoreSheet.revision)
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    if rt is None or not revisions:
        raise NotFound("This village has no score sheet in the round", code="score_sheet_not_found")
    return v, rt, list(revisions)


async def get_sheet(session: AsyncSession, p: Principal, round_id: int, village_code: str) -> s.SheetDetail:
    """One village's current sheet with every earlier revision (its ETag is the current revision)."""
    r = await _round(session, p, round_id)
    v, _, revisions = await _sheet_in_round(session, p, r, village_code)
    return s.SheetDetail(**_sheet_out(v, revisions[-1]).model_dump(), revisions=[_revision_out(x) for x in reversed(revisions)])


async def correct_scores(
    session: AsyncSession,
    p: Principal,
    round_id: int,
    village_code: str,
    data: s.SheetCorrection,
    if_match: str | None,
) -> s.SheetOut:
    """Correct a saved sheet while its township has not handed in. The sheet is replaced whole
    (same validation as entering it); the earlier revision stays, superseded by the new one."""
    _require_writer(p)
    r = await _round(session, p, round_id, for_update=True)  # serialises with entering, handing in
    v, rt, revisions = await _sheet_in_round(session, p, r, village_code)
    current = revisions[-1]
    _scoring_open(r)
    if rt.proposed_at is not None:
        raise Conflict(
            "The township has handed in its proposal: its scores can no longer be corrected",
            code="township_proposed",
            extra={"townships": [rt.township_code]},
        )
    expected_version(if_match, current.revision)
    crits = await _round_criteria(session, r.id)
    problems = scoring.validate_scores(crits, data.scores, complete=True, loc=("body", "scores"))
    if problems:
        raise Unprocessable("Some scores are not valid", errors=[x.as_dict() for x in problems])
    scores = {c.code: int(data.scores[c.code]) for c in crits}
    if scores == dict(current.scores):
        return _sheet_out(v, current)  # nothing changed: no new revision
    row = ScoreSheet(
        round_id=r.id,
        village_id=v.id,
        revision=current.revision + 1,
        supersedes_id=current.id,
        scores=scores,
        reason=data.reason,
        scored_by=p.name,
        scored_at=_now(),
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        # Another correction of the same revision got there first (the round lock makes this rare).
        raise PreconditionFailed(extra={"current_version": current.revision + 1}) from None
    changed = {k: [current.scores.get(k), x] for k, x in scores.items() if current.scores.get(k) != x}
    await _event(
        session,
        p,
        village_id=v.id,
        kind="score_corrected",
        round_id=r.id,
        detail={"revision": row.revision, "scores": scores, "changed": changed, "reason": data.reason},
    )
    await session.flush()
    await audit.record(
        session,
        p,
        "screening_score_sheet.correct",
        "screening_score_sheet",
        row.id,
        before={
            "sheet_id": current.id,
            "round_id": r.id,
            "village_code": v.code,
            "revision": current.revision,
            "scores": dict(current.scores),
        },
        after={
            "sheet_id": row.id,
            "round_id": r.id,
            "village_code": v.code,
            "revision": row.revision,
            "scores": scores,
            "reason": data.reason,
        },
    )
    return _sheet_out(v, row)


async def enter_scores(session: AsyncSession, p: Principal, round_id: int, data: s.ScoresIn) -> list[s.SheetOut]:
    """Save whole score sheets (every criterion of the round) for villages; all or nothing."""
    _require_writer(p)
    r = await _round(session, p, round_id, for_update=True)
    _scoring_open(r)
    crits = await _round_criteria(session, r.id)

    codes = [sh.village_code for sh in data.sheets]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise Unprocessable(
            "A village appears twice",
            errors=[
                {"loc": ["body", "sheets", i, "village_code"], "msg": f"{c} appears twice", "type": "duplicate_village"}
                for i, c in enumerate(codes)
                if c in dup
            ],
        )
    villages = {
        v.code: v for v in (await session.execute(select(Village).where(Village.code.in_(codes), village_clause(p)))).scalars()
    }
    missing = [c for c in codes if c not in villages]
    if missing:
        raise NotFound(f"Villages not found: {', '.join(missing)}", code="village_not_found", extra={"villages": missing})

    covered = {
        rt.township_code: rt
        for rt in (
            await session.execute(
                select(RoundTownship)
                .where(RoundTownship.round_id == r.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    errors: list[dict[str, Any]] = []
    for i, sh in enumerate(data.sheets):
        v = villages[sh.village_code]
        if v.township_code not in covered:
            errors.append(
                {
                    "loc": ["body", "sheets", i, "village_code"],
                    "msg": f"{v.code} is not in a township this round covers",
                    "type": "village_not_in_round",
                }
            )
            continue
        for prob in scoring.validate_scores(crits, sh.scores, complete=True, loc=("body", "sheets", i, "scores")):
            errors.append(prob.as_dict())
    if errors:
        raise Unprocessable("Some scores are not valid", errors=errors)

    handed_in = sorted({villages[c].township_code for c in codes if covered[villages[c].township_code].proposed_at})
    if handed_in:
        raise Conflict(
            "These townships have already handed in their proposal",
            code="township_proposed",
            extra={"townships": handed_in},
        )
    already = (
        (
            await session.execute(
                select(Village.code)
                .join(ScoreSheet, ScoreSheet.village_id == Village.id)
                .where(ScoreSheet.round_id == r.id, Village.code.in_(codes))
            )
        )
        .scalars()
        .all()
    )
    if already:
        raise Conflict(
            f"Already scored in this round: {', '.join(sorted(already))}",
            code="already_scored",
            extra={"villages": sorted(already)},
        )

    if r.status == states.RoundStatus.open.value:
        before = audit.snapshot(r)
        r.status = ROUND.next(r.status, RoundEvent.begin_scoring)
        await session.flush()
        await audit.record(
            session, p, "screening_round.begin_scoring", "screening_round", r.id, before=before, after=audit.snapshot(r)
        )
    at = _now()
    sheets: list[ScoreSheet] = []
    for sh in data.sheets:
        v = villages[sh.village_code]
        row = ScoreSheet(
            round_id=r.id,
            village_id=v.id,
            revision=1,
            scores={k: int(x) for k, x in sh.scores.items()},
            scored_by=p.name,
            scored_at=at,
        )
        session.add(row)
        sheets.append(row)
        await _event(session, p, village_id=v.id, kind="scored", round_id=r.id, detail={"scores": row.scores})
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("Already scored in this round", code="already_scored") from None
    for row, sh in zip(sheets, data.sheets, strict=True):
        await audit.record(
            session,
            p,
            "screening_score_sheet.create",
            "screening_score_sheet",
            row.id,
            after={"round_id": r.id, "village_code": sh.village_code, "scores": row.scores},
        )
    return [_sheet_out(villages[sh.village_code], row) for row, sh in zip(sheets, data.sheets, strict=True)]


async def propose_township(session: AsyncSession, p: Principal, round_id: int, township_code: str) -> s.RoundDetail:
    """A township hands in: the rules assess each of its villages; when every township has, the
    round is `proposed`."""
    _require_writer(p)
    r = await _round(session, p, round_id, for_update=True)
    if p.division_level == DivisionLevel.township and township_code != p.division_code:
        raise NotFound("Township not found in this round", code="township_not_found")
    rt = (
        await session.execute(
            select(RoundTownship)
            .where(RoundTownship.round_id == r.id, RoundTownship.township_code == township_code)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if rt is None:
        raise NotFound("Township not found in this round", code="township_not_found")
    _scoring_open(r)
    if rt.proposed_at is not None:
        raise Conflict("This township has already handed in", code="already_proposed")
    crits = await _round_criteria(session, r.id)
    rows = (
        await session.execute(
            select(Village, ScoreSheet)
            .outerjoin(ScoreSheet, and_(ScoreSheet.round_id == r.id, ScoreSheet.village_id == Village.id, current_sheet()))
            .where(Village.township_code == township_code)
            .order_by(Village.code)
        )
    ).all()
    villages = {v.code: v for v, _ in rows}
    sheets = {v.code: dict(sh.scores) for v, sh in rows if sh is not None}
    missing = scoring.missing_scores(crits, villages, sheets)
    if missing:
        raise Conflict(
            f"{len(missing)} villages are not fully scored",
            code="scores_incomplete",
            extra={"missing": missing},
        )
    at = _now()
    assessments = scoring.propose(crits, sheets, _thresholds(r))
    for a in assessments:
        v = villages[a.village]
        session.add(
            Proposal(
                round_id=r.id,
                village_id=v.id,
                weak=a.weak,
                index=a.index,
                categories=list(a.categories),
                reasons=[x.as_dict() for x in a.reasons],
                proposed_by=p.name,
                proposed_at=at,
            )
        )
        await _event(
            session,
            p,
            village_id=v.id,
            kind="proposed",
            round_id=r.id,
            detail={"weak": a.weak, "index": a.index, "categories": list(a.categories)},
        )
    rt.proposed_by, rt.proposed_at = p.name, at
    await session.flush()
    pending = (
        await session.execute(
            select(func.count())
            .select_from(RoundTownship)
            .where(RoundTownship.round_id == r.id, RoundTownship.proposed_at.is_(None))
        )
    ).scalar_one()
    before = audit.snapshot(r)
    if pending == 0:
        if r.status == states.RoundStatus.open.value:
            r.status = ROUND.next(r.status, RoundEvent.begin_scoring)
        r.status = ROUND.next(r.status, RoundEvent.propose)
        r.proposed_at = at
        await session.flush()
    await audit.record(
        session,
        p,
        "screening_round.propose",
        "screening_round",
        r.id,
        before=before,
        after={
            **audit.snapshot(r),
            "township": township_code,
            "weak": sorted(a.village for a in assessments if a.weak),
        },
    )
    return await get_round(session, p, r.id)


def _proposal_out(pr: Proposal, v: Village) -> s.ProposalOut:
    return s.ProposalOut(
        village_code=v.code,
        village_name=v.name,
        township_code=v.township_code,
        weak=pr.weak,
        index=pr.index,
        categories=pr.categories,
        reasons=[s.Reason(**x) for x in pr.reasons],
        village_status=v.status,
        proposed_by=pr.proposed_by,
        proposed_at=pr.proposed_at,
    )


async def list_proposals(
    session: AsyncSession,
    p: Principal,
    round_id: int,
    *,
    weak: bool | None = None,
    township_code: str | None = None,
) -> list[s.ProposalOut]:
    r = await _round(session, p, round_id)
    stmt = (
        select(Proposal, Village)
        .join(Village, Village.id == Proposal.village_id)
        .where(Proposal.round_id == r.id, village_clause(p))
        .order_by(Proposal.weak.desc(), Proposal.index.desc(), Village.code)
    )
    if weak is not None:
        stmt = stmt.where(Proposal.weak.is_(weak))
    if township_code:
        stmt = stmt.where(Village.township_code == township_code)
    return [_proposal_out(pr, v) for pr, v in (await session.execute(stmt)).all()]


def _problem_texts(reasons: list[dict[str, Any]], crits: dict[str, scoring.Criterion]) -> dict[str, str]:
    """category -> a description built from the reasons that named it."""
    out: dict[str, list[str]] = defaultdict(list)
    for x in reasons:
        c = crits.get(x.get("criterion") or "")
        named = c is not None and x.get("kind") in ("category_reached", "most_severe", "veto_reached")
        if named and c is not None and x["text"] not in out[c.category]:
            out[c.category].append(x["text"])
    return {k: "；".join(v) for k, v in out.items()}


async def confirm_round(session: AsyncSession, p: Principal, round_id: int, data: s.ConfirmIn) -> s.ConfirmOut:
    """The county confirms the proposal: each weak village (not excluded, not already on the list)
    becomes `weak` with its categories and gets a case. Serialised on the round's row lock, so of
    two confirmations at once one wins and the other sees `confirmed` (409)."""
    _county_admin_county(p)
    r = await _round(session, p, round_id, for_update=True)
    before = audit.snapshot(r)
    new_status = ROUND.next(r.status, RoundEvent.confirm)
    rows = (
        await session.execute(
            select(Proposal, Village.code)
            .join(Village, Village.id == Proposal.village_id)
            .where(Proposal.round_id == r.id, Proposal.weak.is_(True))
            .order_by(Village.code)
        )
    ).all()
    weak_codes = {code for _, code in rows}
    excluded = {}
    errors = []
    for i, ex in enumerate(data.excluded):
        if ex.village_code not in weak_codes:
            errors.append(
                {
                    "loc": ["body", "excluded", i, "village_code"],
                    "msg": f"{ex.village_code} is not proposed as weak in this round",
                    "type": "not_proposed",
                }
            )
        excluded[ex.village_code] = ex.reason
    if errors:
        raise Unprocessable("Only proposed villages can be excluded", errors=errors)

    crits = {c.code: c for c in await _round_criteria(session, r.id)}
    locked = await _lock_villages(session, [pr.village_id for pr, _ in rows])
    r.status = new_status
    r.confirmed_by, r.confirmed_at = p.name, _now()
    listed: list[s.Listed] = []
    skipped: list[s.Skipped] = []
    for pr, code in rows:
        v = locked[pr.village_id]
        if code in excluded:
            skipped.append(s.Skipped(village_code=code, village_name=v.name, reason="excluded", detail=excluded[code]))
            await _event(session, p, village_id=v.id, kind="excluded", round_id=r.id, detail={"reason": excluded[code]})
            continue
        if v.status not in states.LISTABLE_VILLAGE_STATES:
            skipped.append(s.Skipped(village_code=code, village_name=v.name, reason="already_listed", detail=v.status))
            await _event(session, p, village_id=v.id, kind="already_listed", round_id=r.id, detail={"status": v.status})
            continue
        c = Case(
            village_id=v.id,
            round_id=r.id,
            status=states.CaseStatus.open.value,
            categories=list(pr.categories),
            deadline=r.case_deadline,
            opened_at=_now(),
        )
        session.add(c)
        await session.flush()
        texts = _problem_texts(pr.reasons, crits)
        for cat in pr.categories:
            session.add(Problem(case_id=c.id, category=cat, description=texts.get(cat, cat), created_by=p.name))
        await _event(
            session,
            p,
            village_id=v.id,
            kind="case_opened",
            round_id=r.id,
            case_id=c.id,
            to_status=c.status,
            detail={"categories": list(pr.categories), "deadline": r.case_deadline},
        )
        await _set_village_status(session, p, v, VillageEvent.list, categories=list(pr.categories), round_id=r.id, case_id=c.id)
        await audit.record(session, p, "rectification_case.open", "rectification_case", c.id, after=audit.snapshot(c))
        listed.append(s.Listed(village_code=code, village_name=v.name, case_id=c.id, categories=pr.categories))
    await session.flush()
    await audit.record(
        session,
        p,
        "screening_round.confirm",
        "screening_round",
        r.id,
        before=before,
        after={
            **audit.snapshot(r),
            "listed": [x.village_code for x in listed],
            "skipped": [{"village": x.village_code, "reason": x.reason} for x in skipped],
        },
    )
    return s.ConfirmOut(round=await round_out(session, r), listed=listed, skipped=skipped)


# ---------------------------------------------------------------------------------------------
# Cases

_measure_counts = (
    select(
        Measure.case_id.label("case_id"),
        func.count().label("total"),
        func.count().filter(Measure.done.is_(False)).label("open"),
    )
    .group_by(Measure.case_id)
    .subquery()
)


def _cases_query(p: Principal) -> Any:
    return (
        select(
            Case,
            Village,
            Round.title,
            func.coalesce(_measure_counts.c.total, 0),
            func.coalesce(_measure_counts.c.open, 0),
        )
        .join(Village, Village.id == Case.village_id)
        .outerjoin(Round, Round.id == Case.round_id)
        .outerjoin(_measure_counts, _measure_counts.c.case_id == Case.id)
        .where(village_clause(p))
    )


def _case_out(c: Case, v: Village, round_title: str | None, total: int, open_: int) -> s.CaseOut:
    return s.CaseOut(
        id=c.id,
        village_code=v.code,
        village_name=v.name,
        township_code=v.township_code,
        round_id=c.round_id,
        round_title=round_title,
        status=c.status,
        village_status=v.status,
        categories=c.categories,
        deadline=c.deadline,
        opened_at=c.opened_at,
        accepted_by=c.accepted_by,
        accepted_at=c.accepted_at,
        measures_total=total,
        measures_open=open_,
        version=c.version,
    )


async def list_cases(
    session: AsyncSession,
    p: Principal,
    *,
    status: list[str] | None = None,
    open_only: bool = False,
    township_code: str | None = None,
    round_id: int | None = None,
    village_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[s.CaseOut], int]:
    stmt = _cases_query(p)
    if status:
        stmt = stmt.where(Case.status.in_(status))
    if open_only:
        stmt = stmt.where(Case.status.in_(states.OPEN_CASE_STATES))
    if township_code:
        stmt = stmt.where(Village.township_code == township_code)
    if round_id is not None:
        stmt = stmt.where(Case.round_id == round_id)
    if village_code:
        stmt = stmt.where(Village.code == village_code)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = (
        await session.execute(stmt.order_by(Village.township_code, Village.code, Case.id.desc()).limit(limit).offset(offset))
    ).all()
    return [_case_out(*row) for row in rows], total


async def _case(session: AsyncSession, p: Principal, case_id: int, *, for_update: bool = False) -> tuple[Case, Village]:
    stmt = select(Case, Village).join(Village, Village.id == Case.village_id).where(Case.id == case_id, village_clause(p))
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound("Rectification case not found", code="case_not_found")
    return row[0], row[1]


def _measure_out(m: Measure, today: date | None = None) -> s.MeasureOut:
    today = today or clock.local_today()
    return s.MeasureOut(
        id=m.id,
        case_id=m.case_id,
        problem_id=m.problem_id,
        description=m.description,
        owner=m.owner,
        deadline=m.deadline,
        done=m.done,
        done_at=m.done_at,
        done_by=m.done_by,
        overdue=(not m.done) and m.deadline < today,
        created_by=m.created_by,
        created_at=m.created_at,
        version=m.version,
    )


def _event_out(e: Event) -> s.EventOut:
    return s.EventOut(
        id=e.id,
        kind=e.kind,
        round_id=e.round_id,
        case_id=e.case_id,
        from_status=e.from_status,
        to_status=e.to_status,
        detail=e.detail or {},
        actor=e.actor,
        actor_name=e.actor_name,
        at=e.at,
    )


def _note_out(n: Note) -> s.NoteOut:
    return s.NoteOut(id=n.id, measure_id=n.measure_id, on_date=n.on_date, text=n.text, author=n.author, created_at=n.created_at)


def _problem_out(pr: Problem) -> s.ProblemOut:
    return s.ProblemOut(
        id=pr.id, category=pr.category, description=pr.description, created_by=pr.created_by, created_at=pr.created_at
    )


async def _case_parts(
    session: AsyncSession, case_ids: Sequence[int]
) -> tuple[dict[int, list[Problem]], dict[int, list[Measure]], dict[int, list[Note]]]:
    problems: dict[int, list[Problem]] = defaultdict(list)
    measures: dict[int, list[Measure]] = defaultdict(list)
    notes: dict[int, list[Note]] = defaultdict(list)
    if not case_ids:
        return problems, measures, notes
    for pr in (await session.execute(select(Problem).where(Problem.case_id.in_(case_ids)).order_by(Problem.id))).scalars():
        problems[pr.case_id].append(pr)
    for m in (
        await session.execute(select(Measure).where(Measure.case_id.in_(case_ids)).order_by(Measure.deadline, Measure.id))
    ).scalars():
        measures[m.case_id].append(m)
    for n in (await session.execute(select(Note).where(Note.case_id.in_(case_ids)).order_by(Note.on_date, Note.id))).scalars():
        notes[n.case_id].append(n)
    return problems, measures, notes


def _case_allowed(p: Principal, c: Case, open_measures: int) -> list[str]:
    return case_actions(p, c.status, open_measures=open_measures)


async def get_case(session: AsyncSession, p: Principal, case_id: int) -> s.CaseDetail:
    row = (await session.execute(_cases_query(p).where(Case.id == case_id))).first()
    if row is None:
        raise NotFound("Rectification case not found", code="case_not_found")
    base = _case_out(*row)
    c = row[0]
    problems, measures, notes = await _case_parts(session, [c.id])
    timeline = (await session.execute(select(Event).where(Event.case_id == c.id).order_by(Event.id))).scalars().all()
    today = clock.local_today()
    return s.CaseDetail(
        **base.model_dump(),
        problems=[_problem_out(x) for x in problems[c.id]],
        measures=[_measure_out(m, today) for m in measures[c.id]],
        notes=[_note_out(n) for n in notes[c.id]],
        timeline=[_event_out(e) for e in timeline],
        allowed=_case_allowed(p, c, base.measures_open),
    )


def _editable(c: Case) -> None:
    if c.status not in (states.CaseStatus.open.value, states.CaseStatus.rectifying.value):
        raise Conflict(
            f"The case is {c.status}: measures and problems can no longer change",
            code="case_not_editable",
            extra={"case_status": c.status},
        )


async def add_problem(session: AsyncSession, p: Principal, case_id: int, data: s.ProblemIn) -> s.ProblemOut:
    _require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    _editable(c)
    pr = Problem(case_id=c.id, category=data.category.value, description=data.description, created_by=p.name)
    session.add(pr)
    if pr.category not in c.categories:
        c.categories = [*c.categories, pr.category]
    await session.flush()
    await _event(
        session,
        p,
        village_id=v.id,
        kind="problem_added",
        case_id=c.id,
        detail={"problem_id": pr.id, "category": pr.category, "description": pr.description},
    )
    await session.flush()
    await audit.record(session, p, "rectification_problem.create", "rectification_problem", pr.id, after=audit.snapshot(pr))
    return _problem_out(pr)


async def _move_case(
    session: AsyncSession, p: Principal, c: Case, v: Village, event: str, *, detail: dict[str, Any] | None = None
) -> None:
    """Move a (locked) case along its machine and its village along with it."""
    before_case = c.status
    new = CASE.next(c.status, event)
    village_event = states.CASE_TO_VILLAGE.get((c.status, event))
    if village_event is not None:
        [locked] = (await _lock_villages(session, [v.id])).values()
        categories = None
        if village_event == VillageEvent.accept:
            categories = []
        elif village_event == VillageEvent.reopen:
            categories = list(c.categories)
        await _set_village_status(session, p, locked, village_event, categories=categories, case_id=c.id, detail=detail)
    c.status = new
    await _event(
        session,
        p,
        village_id=v.id,
        kind=f"case_{event}",
        round_id=c.round_id,
        case_id=c.id,
        from_status=before_case,
        to_status=new,
        detail=detail,
    )
    await session.flush()


async def add_measure(session: AsyncSession, p: Principal, case_id: int, data: s.MeasureIn) -> s.MeasureOut:
    """Add a measure; the first one starts the rectification (case and village `rectifying`)."""
    _require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    _editable(c)
    if data.problem_id is not None:
        ok = (await session.execute(select(Problem.id).where(Problem.id == data.problem_id, Problem.case_id == c.id))).scalar()
        if ok is None:
            raise Unprocessable(
                "No such problem in this case",
                errors=[{"loc": ["body", "problem_id"], "msg": "not a problem of this case", "type": "unknown_problem"}],
            )
    m = Measure(
        case_id=c.id,
        problem_id=data.problem_id,
        description=data.description,
        owner=data.owner,
        deadline=data.deadline,
        done=False,
        created_by=p.name,
    )
    session.add(m)
    await session.flush()
    await _event(
        session,
        p,
        village_id=v.id,
        kind="measure_added",
        case_id=c.id,
        detail={"measure_id": m.id, "description": m.description, "owner": m.owner, "deadline": m.deadline},
    )
    await audit.record(session, p, "rectification_measure.create", "rectification_measure", m.id, after=audit.snapshot(m))
    if c.status == states.CaseStatus.open.value:
        before = audit.snapshot(c)
        await _move_case(session, p, c, v, CaseEvent.start)
        await audit.record(
            session, p, "rectification_case.start", "rectification_case", c.id, before=before, after=audit.snapshot(c)
        )
    return _measure_out(m)


async def update_measure(
    session: AsyncSession, p: Principal, case_id: int, measure_id: int, data: s.MeasureUpdate, if_match: str | None
) -> s.MeasureOut:
    _require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    m = (
        await session.execute(
            select(Measure)
            .where(Measure.id == measure_id, Measure.case_id == c.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if m is None:
        raise NotFound("Measure not found", code="measure_not_found")
    expected_version(if_match, m.version)
    _editable(c)
    before = audit.snapshot(m)
    changes = {k: val for k, val in data.model_dump(exclude_unset=True).items() if val is not None}
    if not changes:
        raise Unprocessable("Nothing to change", errors=[{"loc": ["body"], "msg": "no fields given", "type": "empty"}])
    kind = "measure_updated"
    if "done" in changes and changes["done"] != m.done:
        kind = "measure_done" if changes["done"] else "measure_reopened"
        m.done = changes["done"]
        m.done_at, m.done_by = (_now(), p.name) if m.done else (None, None)
    for k in ("description", "owner", "deadline"):
        if k in changes:
            setattr(m, k, changes[k])
    await session.flush()
    after = audit.snapshot(m)
    await _event(
        session,
        p,
        village_id=v.id,
        kind=kind,
        case_id=c.id,
        detail={"measure_id": m.id, "description": m.description, **{k: after[k] for k in changes}},
    )
    await session.flush()
    await audit.record(session, p, "rectification_measure.update", "rectification_measure", m.id, before=before, after=after)
    return _measure_out(m)


async def add_note(session: AsyncSession, p: Principal, case_id: int, data: s.NoteIn) -> s.NoteOut:
    _require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    if c.status == states.CaseStatus.accepted.value:
        raise Conflict("The case is accepted", code="case_not_editable", extra={"case_status": c.status})
    if data.on_date > clock.local_today():
        raise Unprocessable(
            "A progress note cannot be dated in the future",
            errors=[{"loc": ["body", "on_date"], "msg": "date is in the future", "type": "future_date"}],
        )
    if data.measure_id is not None:
        ok = (await session.execute(select(Measure.id).where(Measure.id == data.measure_id, Measure.case_id == c.id))).scalar()
        if ok is None:
            raise Unprocessable(
                "No such measure in this case",
                errors=[{"loc": ["body", "measure_id"], "msg": "not a measure of this case", "type": "unknown_measure"}],
            )
    n = Note(case_id=c.id, measure_id=data.measure_id, on_date=data.on_date, text=data.text, author=p.name)
    session.add(n)
    await session.flush()
    await _event(
        session,
        p,
        village_id=v.id,
        kind="note_added",
        case_id=c.id,
        detail={"note_id": n.id, "on_date": n.on_date, "text": n.text, "measure_id": n.measure_id},
    )
    await session.flush()
    await audit.record(session, p, "rectification_note.create", "rectification_note", n.id, after=audit.snapshot(n))
    return _note_out(n)


async def _open_measures(session: AsyncSession, case_id: int) -> list[int]:
    return list(
        (
            await session.execute(
                select(Measure.id).where(Measure.case_id == case_id, Measure.done.is_(False)).order_by(Measure.id)
            )
        ).scalars()
    )


async def submit_case(session: AsyncSession, p: Principal, case_id: int) -> s.CaseDetail:
    _require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    CASE.next(c.status, CaseEvent.submit)
    open_ids = await _open_measures(session, c.id)
    if open_ids:
        raise Conflict("Some measures are not done", code="open_measures", extra={"measures": open_ids})
    before = audit.snapshot(c)
    await _move_case(session, p, c, v, CaseEvent.submit)
    await audit.record(
        session, p, "rectification_case.submit", "rectification_case", c.id, before=before, after=audit.snapshot(c)
    )
    return await get_case(session, p, c.id)


async def accept_case(session: AsyncSession, p: Principal, case_id: int, data: s.AcceptIn) -> s.CaseDetail:
    """销号: only the county, only when every measure is done."""
    _county_admin_county(p)
    c, v = await _case(session, p, case_id, for_update=True)
    CASE.next(c.status, CaseEvent.accept)
    open_ids = await _open_measures(session, c.id)
    if open_ids:
        raise Conflict("Some measures are not done", code="open_measures", extra={"measures": open_ids})
    before = audit.snapshot(c)
    c.accepted_by, c.accepted_at = p.name, _now()
    await _move_case(session, p, c, v, CaseEvent.accept, detail={"note": data.note} if data.note else None)
    await events.emit(
        session, p, "rectification_case.accept", "rectification_case", c.id, before=before, after=audit.snapshot(c),
        payload={"village_id": v.id, "village_code": v.code, "case_id": c.id},
    )
    return await get_case(session, p, c.id)


async def return_case(session: AsyncSession, p: Principal, case_id: int, data: s.ReturnIn) -> s.CaseDetail:
    """Back to work, with reasons: a submitted case the county does not accept, or an accepted one
    whose acceptance failed (the village goes back to rectifying)."""
    _county_admin_county(p)
    c, v = await _case(session, p, case_id, for_update=True)
    CASE.next(c.status, CaseEvent.return_)
    before = audit.snapshot(c)
    await _move_case(session, p, c, v, CaseEvent.return_, detail={"reasons": data.reasons})
    c.accepted_by, c.accepted_at = None, None
    await session.flush()
    await audit.record(
        session,
        p,
        "rectification_case.return",
        "rectification_case",
        c.id,
        before=before,
        after={**audit.snapshot(c), "reasons": data.reasons},
    )
    return await get_case(session, p, c.id)


async def open_measures(session: AsyncSession, p: Principal, *, village_code: str | None = None) -> list[s.OpenMeasureOut]:
    """Measures not yet done in open cases of the villages the caller sees (a cadre: its village)."""
    stmt = (
        select(Measure, Case.status, Village.code, Village.name)
        .join(Case, Case.id == Measure.case_id)
        .join(Village, Village.id == Case.village_id)
        .where(Measure.done.is_(False), Case.status.in_(states.OPEN_CASE_STATES), village_clause(p))
        .order_by(Measure.deadline, Measure.id)
        .limit(500)
    )
    if village_code is not None:
        await get_village(session, p, village_code)
        stmt = stmt.where(Village.code == village_code)
    today = clock.local_today()
    return [
        s.OpenMeasureOut(**_measure_out(m, today).model_dump(), village_code=code, village_name=name, case_status=cs)
        for m, cs, code, name in (await session.execute(stmt)).all()
    ]


# ---------------------------------------------------------------------------------------------
# History


async def village_history(session: AsyncSession, p: Principal, village_code: str) -> s.VillageHistory:
    v = await get_village(session, p, village_code)
    revisions: dict[int, list[ScoreSheet]] = defaultdict(list)
    for sh in (
        await session.execute(select(ScoreSheet).where(ScoreSheet.village_id == v.id).order_by(ScoreSheet.revision))
    ).scalars():
        revisions[sh.round_id].append(sh)
    sheets = {rid: revs[-1] for rid, revs in revisions.items()}
    props = {pr.round_id: pr for pr in (await session.execute(select(Proposal).where(Proposal.village_id == v.id))).scalars()}
    round_ids = sorted(set(sheets) | set(props))
    rounds = (
        (await session.execute(select(Round).where(Round.id.in_(round_ids)).order_by(Round.opened_at, Round.id))).scalars().all()
        if round_ids
        else []
    )
    hist_rounds = [
        s.HistoryRound(
            round_id=r.id,
            title=r.title,
            round_status=r.status,
            opened_at=r.opened_at,
            scores=dict(sheets[r.id].scores) if r.id in sheets else None,
            scored_by=sheets[r.id].scored_by if r.id in sheets else None,
            scored_at=sheets[r.id].scored_at if r.id in sheets else None,
            score_revisions=[_revision_out(x) for x in reversed(revisions.get(r.id, []))],
            proposal=_proposal_out(props[r.id], v) if r.id in props else None,
        )
        for r in rounds
    ]
    case_rows = (await session.execute(_cases_query(p).where(Case.village_id == v.id).order_by(Case.id))).all()
    problems, measures, notes = await _case_parts(session, [row[0].id for row in case_rows])
    today = clock.local_today()
    cases = [
        s.HistoryCase(
            case=_case_out(*row),
            problems=[_problem_out(x) for x in problems[row[0].id]],
            measures=[_measure_out(m, today) for m in measures[row[0].id]],
            notes=[_note_out(n) for n in notes[row[0].id]],
        )
        for row in case_rows
    ]
    events = (await session.execute(select(Event).where(Event.village_id == v.id).order_by(Event.id))).scalars().all()
    return s.VillageHistory(
        village=s.HistoryVillage(
            code=v.code,
            name=v.name,
            township_code=v.township_code,
            status=v.status,
            problem_categories=v.problem_categories or [],
        ),
        rounds=hist_rounds,
        cases=cases,
        events=[_event_out(e) for e in events],
    )


# ---------------------------------------------------------------------------------------------
# Exports


async def export_round(session: AsyncSession, p: Principal, round_id: int) -> tuple[str, bytes]:
    r = await _round(session, p, round_id)
    crits = await _round_criteria(session, r.id)
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
    return f"screening-round-{r.id}.xlsx", body


async def export_open_cases(session: AsyncSession, p: Principal) -> tuple[str, bytes]:
    stmt = (
        _cases_query(p)
        .add_columns(Division.name)
        .join(Division, Division.code == Village.township_code)
        .where(Case.status.in_(states.OPEN_CASE_STATES))
        .order_by(Village.township_code, Village.code)
    )
    rows = (await session.execute(stmt)).all()
    _, measures, _ = await _case_parts(session, [row[0].id for row in rows])
    data = []
    for c, v, round_title, total, open_, tname in rows:
        data.append(
            {
                "township": tname,
                "village_code": v.code,
                "village_name": v.name,
                "round_title": round_title,
                "status": c.status,
                "categories": list(c.categories),
                "deadline": c.deadline,
                "measures_total": total,
                "measures_open": open_,
                "open_measures": [
                    f"{m.description}（{m.owner}，{m.deadline.isoformat()}）" for m in measures[c.id] if not m.done
                ],
                "opened_at": c.opened_at,
            }
        )
    return f"open-cases-{clock.local_today().isoformat()}.xlsx", export.cases_workbook(data)
