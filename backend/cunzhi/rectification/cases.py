"""Rectification cases: problems, measures, notes and the way to acceptance (销号); the open-cases export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres import service as cadres_service
from cunzhi.config import get_settings
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, events, xlsx
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village, village_clause
from cunzhi.partners import service as partners_service
from cunzhi.rectification import export, states
from cunzhi.rectification import schemas as s
from cunzhi.rectification.common import (
    county_admin_county,
    lock_villages,
    now,
    record_event,
    require_writer,
    set_village_categories,
    set_village_status,
)
from cunzhi.rectification.models import (
    Case,
    Event,
    Measure,
    Note,
    Problem,
    Round,
)
from cunzhi.rectification.permissions import case_actions
from cunzhi.rectification.states import CASE, CaseEvent, VillageEvent
from cunzhi.villages.models import Village

_measure_counts = (
    select(
        Measure.case_id.label("case_id"),
        func.count().label("total"),
        func.count().filter(Measure.done.is_(False)).label("open"),
    )
    .group_by(Measure.case_id)
    .subquery()
)


def cases_query(p: Principal) -> Any:
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


@dataclass(frozen=True)
class CaseView:
    """A case with its village, its round's title and how many of its measures are open."""

    case: Case
    village: Village
    round_title: str | None
    measures_total: int
    measures_open: int


def case_view(row: Any) -> CaseView:
    """A row of `cases_query` as a view."""
    c, v, round_title, total, open_ = row
    return CaseView(c, v, round_title, total, open_)


@dataclass(frozen=True)
class CaseDetailView(CaseView):
    """A case with its problems, measures, notes, timeline and what the caller may do with it."""

    problems: list[Problem]
    measures: list[Measure]
    notes: list[Note]
    timeline: list[Event]
    allowed_actions: list[str]


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
) -> tuple[list[CaseView], int]:
    stmt = cases_query(p)
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
    return [case_view(row) for row in rows], total


async def _case(session: AsyncSession, p: Principal, case_id: int, *, for_update: bool = False) -> tuple[Case, Village]:
    stmt = select(Case, Village).join(Village, Village.id == Case.village_id).where(Case.id == case_id, village_clause(p))
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound("Rectification case not found", code="case_not_found")
    return row[0], row[1]


async def case_parts(
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


async def get_case(session: AsyncSession, p: Principal, case_id: int) -> CaseDetailView:
    row = (await session.execute(cases_query(p).where(Case.id == case_id))).first()
    if row is None:
        raise NotFound("Rectification case not found", code="case_not_found")
    base = case_view(row)
    c = base.case
    problems, measures, notes = await case_parts(session, [c.id])
    timeline = (await session.execute(select(Event).where(Event.case_id == c.id).order_by(Event.id))).scalars().all()
    return CaseDetailView(
        c,
        base.village,
        base.round_title,
        base.measures_total,
        base.measures_open,
        problems=problems[c.id],
        measures=measures[c.id],
        notes=notes[c.id],
        timeline=list(timeline),
        allowed_actions=_case_allowed(p, c, base.measures_open),
    )


def _editable(c: Case) -> None:
    if c.status not in (states.CaseStatus.open.value, states.CaseStatus.rectifying.value):
        raise Conflict(
            f"The case is {c.status}: measures and problems can no longer change",
            code="case_not_editable",
            extra={"case_status": c.status},
        )


async def add_problem(session: AsyncSession, p: Principal, case_id: int, data: s.ProblemIn) -> Problem:
    require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    _editable(c)
    pr = Problem(case_id=c.id, category=data.category.value, description=data.description, created_by=p.name)
    session.add(pr)
    if pr.category not in c.categories:
        c.categories = [*c.categories, pr.category]
        [locked] = (await lock_villages(session, [v.id])).values()
        await set_village_categories(session, p, locked, list(c.categories), case_id=c.id)
    await session.flush()
    await record_event(
        session,
        p,
        village_id=v.id,
        kind="problem_added",
        case_id=c.id,
        detail={"problem_id": pr.id, "category": pr.category, "description": pr.description},
    )
    await session.flush()
    await audit.record(session, p, "rectification_problem.create", "rectification_problem", pr.id, after=audit.snapshot(pr))
    return pr


async def _move_case(
    session: AsyncSession, p: Principal, c: Case, v: Village, event: str, *, detail: dict[str, Any] | None = None
) -> None:
    """Move a (locked) case along its machine and its village along with it."""
    before_case = c.status
    new = CASE.next(c.status, event)
    village_event = states.CASE_TO_VILLAGE.get((c.status, event))
    if village_event is not None:
        [locked] = (await lock_villages(session, [v.id])).values()
        categories = None
        if village_event == VillageEvent.accept:
            categories = []
        elif village_event == VillageEvent.reopen:
            categories = list(c.categories)
        await set_village_status(session, p, locked, village_event, categories=categories, case_id=c.id, detail=detail)
    c.status = new
    await record_event(
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


async def add_measure(session: AsyncSession, p: Principal, case_id: int, data: s.MeasureIn) -> Measure:
    """Add a measure; the first one starts the rectification (case and village `rectifying`)."""
    require_writer(p)
    c, v = await _case(session, p, case_id, for_update=True)
    _editable(c)
    if data.problem_id is not None:
        ok = (await session.execute(select(Problem.id).where(Problem.id == data.problem_id, Problem.case_id == c.id))).scalar()
        if ok is None:
            raise Unprocessable(
                "No such problem in this case",
                errors=[{"loc": ["body", "problem_id"], "msg": "not a problem of this case", "type": "unknown_problem"}],
            )
    _deadline_not_past(data.deadline)
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
    await record_event(
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
    return m


def _deadline_not_past(deadline: date) -> None:
    """A measure's deadline is today or later (the county's calendar day): one already past would
    read as overdue the moment it is saved."""
    if deadline < clock.local_today():
        raise Unprocessable(
            "The deadline is already past",
            errors=[{"loc": ["body", "deadline"], "msg": "must be today or later", "type": "past_date"}],
        )


async def update_measure(
    session: AsyncSession, p: Principal, case_id: int, measure_id: int, data: s.MeasureUpdate, if_match: str | None
) -> Measure:
    require_writer(p)
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
    if "deadline" in changes and changes["deadline"] != m.deadline:
        _deadline_not_past(changes["deadline"])
    kind = "measure_updated"
    if "done" in changes and changes["done"] != m.done:
        kind = "measure_done" if changes["done"] else "measure_reopened"
        m.done = changes["done"]
        m.done_at, m.done_by = (now(), p.name) if m.done else (None, None)
    for k in ("description", "owner", "deadline"):
        if k in changes:
            setattr(m, k, changes[k])
    await session.flush()
    after = audit.snapshot(m)
    await record_event(
        session,
        p,
        village_id=v.id,
        kind=kind,
        case_id=c.id,
        detail={"measure_id": m.id, "description": m.description, **{k: after[k] for k in changes}},
    )
    await session.flush()
    await audit.record(session, p, "rectification_measure.update", "rectification_measure", m.id, before=before, after=after)
    return m


async def add_note(session: AsyncSession, p: Principal, case_id: int, data: s.CaseNoteIn) -> Note:
    require_writer(p)
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
    await record_event(
        session,
        p,
        village_id=v.id,
        kind="note_added",
        case_id=c.id,
        detail={"note_id": n.id, "on_date": n.on_date, "text": n.text, "measure_id": n.measure_id},
    )
    await session.flush()
    await audit.record(session, p, "rectification_note.create", "rectification_note", n.id, after=audit.snapshot(n))
    return n


async def _open_measures(session: AsyncSession, case_id: int) -> list[int]:
    return list(
        (
            await session.execute(
                select(Measure.id).where(Measure.case_id == case_id, Measure.done.is_(False)).order_by(Measure.id)
            )
        ).scalars()
    )


async def submit_case(session: AsyncSession, p: Principal, case_id: int) -> CaseDetailView:
    require_writer(p)
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


def _release_default() -> date:
    return clock.local_today() + timedelta(days=get_settings().accepted_release_days)


@dataclass(frozen=True)
class AcceptanceView:
    """What accepting a case would do: the pairings and postings it ends, and from which day."""

    case: Case
    needs_override: bool
    open_measures: int
    default_release_on: date
    earliest_release_on: date
    pairings: list[partners_service.PairingView]
    postings: list[cadres_service.PostingView]


async def acceptance_plan(session: AsyncSession, p: Principal, case_id: int) -> AcceptanceView:
    """What accepting the case would do: the village's pairings and postings it ends, and the
    default last day (CUNZHI_ACCEPTED_RELEASE_DAYS from today)."""
    county_admin_county(p)
    c, v = await _case(session, p, case_id)
    today = clock.local_today()
    return AcceptanceView(
        case=c,
        needs_override=c.status != states.CaseStatus.submitted.value,
        open_measures=len(await _open_measures(session, c.id)),
        default_release_on=_release_default(),
        earliest_release_on=today - timedelta(days=1),
        pairings=await partners_service.village_pairings_now(session, p, v),
        postings=await cadres_service.village_postings_now(session, p, v),
    )


async def accept_case(session: AsyncSession, p: Principal, case_id: int, data: s.AcceptIn) -> CaseDetailView:
    """销号: only the county, only when every measure is done and the township has handed the case
    in (or the county overrides, with a reason). The village's pairings and postings end on the
    chosen day, so its partner units' places go back to weak villages."""
    county_admin_county(p)
    c, v = await _case(session, p, case_id, for_update=True)
    CASE.next(c.status, CaseEvent.accept)
    if c.status != states.CaseStatus.submitted.value and not data.override_reason:
        raise Conflict(
            "The township has not handed this case in: accept it with an override reason, or wait for the hand-in",
            code="case_not_submitted",
            extra={"case_status": c.status},
        )
    open_ids = await _open_measures(session, c.id)
    if open_ids:
        raise Conflict("Some measures are not done", code="open_measures", extra={"measures": open_ids})
    release_on = data.release_on or _release_default()
    if release_on < clock.local_today() - timedelta(days=1):
        raise Unprocessable(
            "The pairings and postings cannot end before yesterday",
            errors=[{"loc": ["body", "release_on"], "msg": "before yesterday", "type": "past_date"}],
        )
    before = audit.snapshot(c)
    # The counties' pairing and posting locks before the village's row lock (the order proposals take).
    pairings = await partners_service.end_village_pairings(session, p, v, release_on, note="销号")
    postings = await cadres_service.end_village_postings(session, p, v, release_on, note="销号")
    c.accepted_by, c.accepted_at = p.name, now()
    detail: dict[str, Any] = {
        "release_on": release_on,
        "pairings_ended": [x.pairing.id for x in pairings],
        "postings_ended": [x.posting.id for x in postings],
    }
    if data.note:
        detail["note"] = data.note
    if data.override_reason:
        detail["override_reason"] = data.override_reason
    await _move_case(session, p, c, v, CaseEvent.accept, detail=detail)
    await events.emit(
        session, p, "rectification_case.accept", "rectification_case", c.id, before=before,
        after={**audit.snapshot(c), **detail},
        payload={"village_id": v.id, "village_code": v.code, "case_id": c.id},
    )
    return await get_case(session, p, c.id)


async def return_case(session: AsyncSession, p: Principal, case_id: int, data: s.ReturnIn) -> CaseDetailView:
    """Back to work, with reasons: a submitted case the county does not accept, or an accepted one
    whose acceptance failed (the village goes back to rectifying)."""
    county_admin_county(p)
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


@dataclass(frozen=True)
class OpenMeasureView:
    measure: Measure
    case_status: str
    village_code: str
    village_name: str


async def open_measures(session: AsyncSession, p: Principal, *, village_code: str | None = None) -> list[OpenMeasureView]:
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
    return [OpenMeasureView(m, cs, code, name) for m, cs, code, name in (await session.execute(stmt)).all()]


async def export_open_cases(session: AsyncSession, p: Principal) -> tuple[str, str, bytes]:
    """(file name, ASCII fallback name, workbook) of the open cases the caller sees."""
    stmt = (
        cases_query(p)
        .add_columns(Division.name)
        .join(Division, Division.code == Village.township_code)
        .where(Case.status.in_(states.OPEN_CASE_STATES))
        .order_by(Village.township_code, Village.code)
    )
    rows = (await session.execute(stmt)).all()
    _, measures, _ = await case_parts(session, [row[0].id for row in rows])
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
    today = clock.local_today().isoformat()
    return xlsx.filename("未销号整顿村", today), f"open-cases-{today}.xlsx", export.cases_workbook(data)
