"""A township hands in (the rules propose its weak villages); the county confirms the round and each
listed village gets a rectification case."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import audit
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause
from cunzhi.rectification import schemas as s
from cunzhi.rectification import scoring, states
from cunzhi.rectification.common import (
    county_admin_county,
    current_sheet,
    lock_villages,
    now,
    record_event,
    require_writer,
    set_village_categories,
    set_village_status,
)
from cunzhi.rectification.models import (
    Case,
    Problem,
    Proposal,
    RoundTownship,
    ScoreSheet,
)
from cunzhi.rectification.rounds import (
    RoundDetailView,
    RoundView,
    find_round,
    get_round,
    round_criteria,
    round_view,
    scoring_open,
    thresholds,
)
from cunzhi.rectification.states import ROUND, RoundEvent, VillageEvent
from cunzhi.villages.models import Village


async def propose_township(session: AsyncSession, p: Principal, round_id: int, township_code: str) -> RoundDetailView:
    """A township hands in: the rules assess each of its villages; when every township has, the
    round is `proposed`."""
    require_writer(p)
    r = await find_round(session, p, round_id, for_update=True)
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
    scoring_open(r)
    if rt.proposed_at is not None:
        raise Conflict("This township has already handed in", code="already_proposed")
    crits = await round_criteria(session, r.id)
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
    at = now()
    assessments = scoring.propose(crits, sheets, thresholds(r))
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
        await record_event(
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


@dataclass(frozen=True)
class ListedVillage:
    """A village the confirmation listed (with its new case), or whose open case gained categories."""

    village_code: str
    village_name: str
    case_id: int
    categories: list[str]


@dataclass(frozen=True)
class SkippedVillage:
    """A village proposed as weak that got no case: `excluded` by the county or `already_listed`."""

    village_code: str
    village_name: str
    reason: str
    detail: str | None = None


@dataclass(frozen=True)
class Confirmed:
    round: RoundView
    listed: list[ListedVillage]
    skipped: list[SkippedVillage]
    updated: list[ListedVillage]


async def list_proposals(
    session: AsyncSession,
    p: Principal,
    round_id: int,
    *,
    weak: bool | None = None,
    township_code: str | None = None,
) -> list[tuple[Proposal, Village]]:
    r = await find_round(session, p, round_id)
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
    return [(pr, v) for pr, v in (await session.execute(stmt)).all()]


def _problem_texts(reasons: list[dict[str, Any]], crits: dict[str, scoring.Criterion]) -> dict[str, str]:
    """category -> a description built from the reasons that named it."""
    out: dict[str, list[str]] = defaultdict(list)
    for x in reasons:
        c = crits.get(x.get("criterion") or "")
        named = c is not None and x.get("kind") in ("category_reached", "most_severe", "veto_reached")
        if named and c is not None and x["text"] not in out[c.category]:
            out[c.category].append(x["text"])
    return {k: "；".join(v) for k, v in out.items()}


async def _add_findings(
    session: AsyncSession,
    p: Principal,
    v: Village,
    round_id: int,
    pr: Proposal,
    crits: dict[str, scoring.Criterion],
) -> ListedVillage | None:
    """A village already on the list is found weak again: its open case gains the round's new
    categories as problems (history kept), and the village's categories follow the case."""
    c = (
        await session.execute(
            select(Case)
            .where(Case.village_id == v.id, Case.status.in_(states.OPEN_CASE_STATES))
            .order_by(Case.id.desc())
            .limit(1)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if c is None:
        return None
    new = [cat for cat in pr.categories if cat not in c.categories]
    if not new:
        return None
    texts = _problem_texts(pr.reasons, crits)
    for cat in new:
        prob = Problem(case_id=c.id, category=cat, description=texts.get(cat, cat), created_by=p.name)
        session.add(prob)
        await session.flush()
        await record_event(
            session,
            p,
            village_id=v.id,
            kind="problem_added",
            round_id=round_id,
            case_id=c.id,
            detail={"problem_id": prob.id, "category": cat, "description": prob.description},
        )
        await audit.record(session, p, "rectification_problem.create", "rectification_problem", prob.id,
                           after=audit.snapshot(prob))
    c.categories = [*c.categories, *new]
    await session.flush()
    await set_village_categories(session, p, v, list(c.categories), round_id=round_id, case_id=c.id)
    return ListedVillage(village_code=v.code, village_name=v.name, case_id=c.id, categories=new)


async def confirm_round(session: AsyncSession, p: Principal, round_id: int, data: s.ConfirmIn) -> Confirmed:
    """The county confirms the proposal: each weak village (not excluded, not already on the list)
    becomes `weak` with its categories and gets a case. Serialised on the round's row lock, so of
    two confirmations at once one wins and the other sees `confirmed` (409)."""
    county_admin_county(p)
    r = await find_round(session, p, round_id, for_update=True)
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

    crits = {c.code: c for c in await round_criteria(session, r.id)}
    # Open cases before villages: the order every case write takes its locks in.
    await session.execute(
        select(Case.id)
        .where(Case.village_id.in_([pr.village_id for pr, _ in rows]), Case.status.in_(states.OPEN_CASE_STATES))
        .order_by(Case.id)
        .with_for_update()
    )
    locked = await lock_villages(session, [pr.village_id for pr, _ in rows])
    r.status = new_status
    r.confirmed_by, r.confirmed_at = p.name, now()
    listed: list[ListedVillage] = []
    skipped: list[SkippedVillage] = []
    updated: list[ListedVillage] = []
    for pr, code in rows:
        v = locked[pr.village_id]
        if code in excluded:
            skipped.append(SkippedVillage(village_code=code, village_name=v.name, reason="excluded", detail=excluded[code]))
            await record_event(session, p, village_id=v.id, kind="excluded", round_id=r.id, detail={"reason": excluded[code]})
            continue
        if v.status not in states.LISTABLE_VILLAGE_STATES:
            skipped.append(SkippedVillage(village_code=code, village_name=v.name, reason="already_listed", detail=v.status))
            await record_event(session, p, village_id=v.id, kind="already_listed", round_id=r.id, detail={"status": v.status})
            gained = await _add_findings(session, p, v, r.id, pr, crits)
            if gained is not None:
                updated.append(gained)
            continue
        c = Case(
            village_id=v.id,
            round_id=r.id,
            status=states.CaseStatus.open.value,
            categories=list(pr.categories),
            deadline=r.case_deadline,
            opened_at=now(),
        )
        session.add(c)
        await session.flush()
        texts = _problem_texts(pr.reasons, crits)
        for cat in pr.categories:
            session.add(Problem(case_id=c.id, category=cat, description=texts.get(cat, cat), created_by=p.name))
        await record_event(
            session,
            p,
            village_id=v.id,
            kind="case_opened",
            round_id=r.id,
            case_id=c.id,
            to_status=c.status,
            detail={"categories": list(pr.categories), "deadline": r.case_deadline},
        )
        await set_village_status(session, p, v, VillageEvent.list, categories=list(pr.categories), round_id=r.id, case_id=c.id)
        await audit.record(session, p, "rectification_case.open", "rectification_case", c.id, after=audit.snapshot(c))
        listed.append(ListedVillage(village_code=code, village_name=v.name, case_id=c.id, categories=list(pr.categories)))
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
            "updated": [{"village": x.village_code, "categories": x.categories} for x in updated],
        },
    )
    return Confirmed(round=await round_view(session, r), listed=listed, skipped=skipped, updated=updated)
