"""The screening and rectification API models, shaped from what the services return. The router calls
these; so does a village's history, which shows the same sheets, proposals and cases."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cunzhi.cadres import views as cadres_views
from cunzhi.kit import clock
from cunzhi.partners import views as partners_views
from cunzhi.rectification import schemas as s

if TYPE_CHECKING:
    from cunzhi.rectification.cases import AcceptanceView, CaseDetailView, CaseView, OpenMeasureView
    from cunzhi.rectification.criteria import DefaultCriterion
    from cunzhi.rectification.models import Criterion, Event, Measure, Note, Problem, Proposal, ScoreSheet
    from cunzhi.rectification.proposals import Confirmed, ListedVillage
    from cunzhi.rectification.rounds import RoundDetailView, RoundView
    from cunzhi.rectification.scores import SheetHistory, SheetView
    from cunzhi.villages.models import Village


def criterion_out(c: Criterion | DefaultCriterion) -> s.CriterionOut:
    return s.CriterionOut.model_validate(c, from_attributes=True)


def sheet_out(view: SheetView) -> s.SheetOut:
    return _sheet(view.village, view.sheet)


def _sheet(v: Village, sh: ScoreSheet | None) -> s.SheetOut:
    return s.SheetOut(
        village_code=v.code,
        village_name=v.name,
        township_code=v.township_code,
        scores=dict(sh.scores) if sh else None,
        scored_by=sh.scored_by if sh else None,
        scored_at=sh.scored_at if sh else None,
        revision=sh.revision if sh else None,
    )


def revision_out(sh: ScoreSheet) -> s.ScoreRevisionOut:
    return s.ScoreRevisionOut(
        revision=sh.revision, scores=dict(sh.scores), reason=sh.reason, scored_by=sh.scored_by, scored_at=sh.scored_at
    )


def sheet_detail(h: SheetHistory) -> s.SheetDetail:
    """The current sheet with every revision, newest first."""
    current = _sheet(h.village, h.revisions[-1])
    return s.SheetDetail(**current.model_dump(), revisions=[revision_out(x) for x in reversed(h.revisions)])


def round_out(view: RoundView) -> s.RoundOut:
    r = view.round
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
        townships_total=view.townships_total,
        townships_proposed=view.townships_proposed,
    )


def round_detail(view: RoundDetailView) -> s.RoundDetail:
    return s.RoundDetail(
        **round_out(view).model_dump(),
        criteria=[
            s.RoundCriterionOut(
                code=c.code,
                name=c.name,
                category=c.category,
                weight=c.weight,
                min_score=c.min_score,
                max_score=c.max_score,
            )
            for c in view.criteria
        ],
        townships=[
            s.RoundTownshipOut(
                code=t.township.township_code,
                name=t.name,
                villages=t.villages,
                scored=t.scored,
                proposed_by=t.township.proposed_by,
                proposed_at=t.township.proposed_at,
            )
            for t in view.townships
        ],
        allowed=view.allowed_actions,
    )


def proposal_out(pr: Proposal, v: Village) -> s.ScreeningProposalOut:
    return s.ScreeningProposalOut(
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


def _listed(x: ListedVillage) -> s.Listed:
    return s.Listed(village_code=x.village_code, village_name=x.village_name, case_id=x.case_id, categories=x.categories)


def confirm_out(c: Confirmed) -> s.ConfirmOut:
    return s.ConfirmOut(
        round=round_out(c.round),
        listed=[_listed(x) for x in c.listed],
        skipped=[
            s.Skipped(village_code=x.village_code, village_name=x.village_name, reason=x.reason, detail=x.detail)
            for x in c.skipped
        ],
        updated=[_listed(x) for x in c.updated],
    )


def case_out(view: CaseView) -> s.CaseOut:
    c, v = view.case, view.village
    return s.CaseOut(
        id=c.id,
        village_code=v.code,
        village_name=v.name,
        township_code=v.township_code,
        round_id=c.round_id,
        round_title=view.round_title,
        status=c.status,
        village_status=v.status,
        categories=c.categories,
        deadline=c.deadline,
        opened_at=c.opened_at,
        accepted_by=c.accepted_by,
        accepted_at=c.accepted_at,
        measures_total=view.measures_total,
        measures_open=view.measures_open,
        version=c.version,
    )


def measure_out(m: Measure, today: date | None = None) -> s.MeasureOut:
    """`overdue` against the county's today (pass it when shaping many measures at once)."""
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


def event_out(e: Event) -> s.RectificationEventOut:
    return s.RectificationEventOut(
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


def note_out(n: Note) -> s.NoteOut:
    return s.NoteOut(id=n.id, measure_id=n.measure_id, on_date=n.on_date, text=n.text, author=n.author, created_at=n.created_at)


def problem_out(pr: Problem) -> s.ProblemOut:
    return s.ProblemOut(
        id=pr.id, category=pr.category, description=pr.description, created_by=pr.created_by, created_at=pr.created_at
    )


def case_detail(view: CaseDetailView) -> s.CaseDetail:
    today = clock.local_today()
    return s.CaseDetail(
        **case_out(view).model_dump(),
        problems=[problem_out(x) for x in view.problems],
        measures=[measure_out(m, today) for m in view.measures],
        notes=[note_out(n) for n in view.notes],
        timeline=[event_out(e) for e in view.timeline],
        allowed=view.allowed_actions,
    )


def acceptance_out(view: AcceptanceView) -> s.AcceptancePlan:
    return s.AcceptancePlan(
        case_id=view.case.id,
        case_status=view.case.status,
        needs_override=view.needs_override,
        open_measures=view.open_measures,
        default_release_on=view.default_release_on,
        earliest_release_on=view.earliest_release_on,
        pairings=[partners_views.pairing_out(x) for x in view.pairings],
        postings=[cadres_views.posting_out(x) for x in view.postings],
    )


def open_measures_out(items: list[OpenMeasureView]) -> list[s.OpenMeasureOut]:
    today = clock.local_today()
    return [
        s.OpenMeasureOut(
            **measure_out(x.measure, today).model_dump(),
            village_code=x.village_code,
            village_name=x.village_name,
            case_status=x.case_status,
        )
        for x in items
    ]
