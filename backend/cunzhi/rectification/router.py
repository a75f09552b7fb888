"""HTTP for screening rounds, criteria, rectification cases and a village's rectification history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Header, Path, Query, Response

from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.inputs import Id
from cunzhi.kit.pagination import Limit, Offset, Page
from cunzhi.kit.permissions import gate
from cunzhi.kit.routing import DomainRouter
from cunzhi.rectification import cases, criteria, history, proposals, rounds, scores, views
from cunzhi.rectification import schemas as s
from cunzhi.rectification.permissions import RECT, RectAction
from cunzhi.rectification.states import CaseStatus, RoundStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IfMatch = Annotated[str | None, Header(description='ETag from a GET (W/"n")')]
Code12 = Annotated[str, Path(pattern=r"^[0-9]{12}$")]
# Gates in front of the services, which check the same table (so a wrong role is 403 before the body is read).
WriterDep = Annotated[object, Depends(gate(RECT, RectAction.write))]
CountyDep = Annotated[object, Depends(gate(RECT, RectAction.county_desk))]

criteria_router = DomainRouter(prefix="/api/v1/criteria", tags=["criteria"])
rounds_router = DomainRouter(prefix="/api/v1/screening-rounds", tags=["screening"])
cases_router = DomainRouter(prefix="/api/v1/rectification-cases", tags=["rectification"])
misc_router = DomainRouter(prefix="/api/v1/rectification", tags=["rectification"])


def _xlsx(filename: str, fallback: str, body: bytes) -> Response:
    """RFC 6266: the Chinese name in `filename*`, an ASCII one for clients that do not read it."""
    return Response(
        content=body,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"},
    )


_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "An XLSX workbook with Chinese headers"}
}


# -- criteria ---------------------------------------------------------------------------------


@criteria_router.get("", response_model=list[s.CriterionOut], name="list", summary="The county's screening criteria")
async def list_criteria(session: SessionDep, principal: PrincipalDep, include_inactive: bool = False) -> list[s.CriterionOut]:
    """The county's screening criteria (the six defaults until the county saves its own), each with its category,
    weight and score range. Any signed-in role of the county."""
    return [views.criterion_out(c) for c in await criteria.list_criteria(session, principal, include_inactive=include_inactive)]


@criteria_router.post("", response_model=s.CriterionOut, status_code=201, name="create",
                       summary="Add a screening criterion to the county's list")
async def create_criterion(
    body: s.CriterionCreate, session: SessionDep, principal: PrincipalDep, _: CountyDep, response: Response
) -> s.CriterionOut:
    """Adds a screening criterion to the county's list with its code, name, problem category, weight and score
    range. County admin only; a code in use is 409 criterion_exists, an invalid criterion 422."""
    out = views.criterion_out(await criteria.create_criterion(session, principal, body))
    response.headers["ETag"] = etag(out.version)
    return out


@criteria_router.post(
    "/defaults",
    response_model=list[s.CriterionOut],
    name="save_defaults",
    summary="Save the county's default criteria so each can be changed (no-op when it has criteria)",
)
async def save_default_criteria(session: SessionDep, principal: PrincipalDep, _: CountyDep) -> list[s.CriterionOut]:
    """Stores the county's six default criteria so that each can be changed one by one; does nothing when the county
    has criteria already. County admin only."""
    return [views.criterion_out(c) for c in await criteria.save_default_criteria(session, principal)]


@criteria_router.patch("/{criterion_id}", response_model=s.CriterionOut, name="update",
                        summary="Change a screening criterion of the county")
async def update_criterion(
    criterion_id: Id,
    body: s.CriterionUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    _: CountyDep,
    response: Response,
    if_match: IfMatch = None,
) -> s.CriterionOut:
    out = views.criterion_out(await criteria.update_criterion(session, principal, criterion_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


# -- rounds -----------------------------------------------------------------------------------


@rounds_router.get("", response_model=list[s.RoundOut], name="list", summary="Screening rounds the caller can see")
async def list_rounds(session: SessionDep, principal: PrincipalDep, status: RoundStatus | None = None) -> list[s.RoundOut]:
    """Screening rounds the caller can see, newest first, with their status and how many townships handed in. Any
    signed-in role of the county."""
    return [views.round_out(x) for x in await rounds.list_rounds(session, principal, status=status.value if status else None)]


@rounds_router.post("", response_model=s.RoundDetail, status_code=201, name="open", summary="Open a screening round")
async def open_round(body: s.RoundCreate, session: SessionDep, principal: PrincipalDep, _: CountyDep) -> s.RoundDetail:
    """Opens a screening round for townships of the county with the criteria in force and the thresholds (weak
    index, category share, veto share). County admin only; no townships is 422 no_townships, an unknown township
    422."""
    return views.round_detail(await rounds.open_round(session, principal, body))


@rounds_router.get("/{round_id}", response_model=s.RoundDetail, name="get", summary="A round with its criteria and townships")
async def get_round(round_id: Id, session: SessionDep, principal: PrincipalDep) -> s.RoundDetail:
    """A screening round with its criteria, thresholds, townships and their progress, and the actions the caller may
    take. Any role of the county; a township official sees their own township."""
    return views.round_detail(await rounds.get_round(session, principal, round_id))


@rounds_router.post("/{round_id}/close", response_model=s.RoundOut, name="close", summary="Close a round unconfirmed")
async def close_round(
    round_id: Id, body: s.RoundClose, session: SessionDep, principal: PrincipalDep, _: CountyDep
) -> s.RoundOut:
    """Closes a round without confirming it, with the reason; its scores stay on record
    and no case opens. County
    admin only; a confirmed or closed round is 409."""
    return views.round_out(await rounds.close_round(session, principal, round_id, body))


@rounds_router.get(
    "/{round_id}/scores",
    response_model=list[s.SheetOut],
    name="scores",
    summary="The scoring grid: villages and their scores",
)
async def score_grid(
    round_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
) -> list[s.SheetOut]:
    """The scoring grid of a round: the villages of a township in the caller's scope with their score sheets. Any
    role whose scope holds the township; a township outside it is 404."""
    return [views.sheet_out(x) for x in await scores.score_sheet_grid(session, principal, round_id, township_code=township_code)]


@rounds_router.post(
    "/{round_id}/scores",
    response_model=list[s.SheetOut],
    status_code=201,
    name="enter_scores",
    summary="Enter whole score sheets for villages (once per village; all or nothing)",
)
async def enter_scores(
    round_id: Id, body: s.ScoresIn, session: SessionDep, principal: PrincipalDep, _: WriterDep
) -> list[s.SheetOut]:
    """Enters whole score sheets for villages of the round, once per village and all or nothing. For the county
    admin and the township's official; a village scored already is 409, a bad score 422 with the cell."""
    return [views.sheet_out(x) for x in await scores.enter_scores(session, principal, round_id, body)]


@rounds_router.get(
    "/{round_id}/scores/{village_code}",
    response_model=s.SheetDetail,
    name="sheet",
    summary="One village's score sheet with its revisions (ETag for a correction)",
)
async def get_sheet(
    round_id: Id, village_code: Code12, session: SessionDep, principal: PrincipalDep, response: Response
) -> s.SheetDetail:
    """One village's score sheet in a round with its revisions, and the ETag a correction must send. Any role whose
    scope holds the village; a village outside it, or without a sheet, is 404."""
    out = views.sheet_detail(await scores.get_sheet(session, principal, round_id, village_code))
    response.headers["ETag"] = etag(out.revision or 0)
    return out


@rounds_router.put(
    "/{round_id}/scores/{village_code}",
    response_model=s.SheetOut,
    name="correct_scores",
    summary="Correct a saved score sheet (whole sheet; If-Match) until the township hands in",
    responses={
        409: {"description": "`township_proposed` (handed in) or `round_not_scoring`"},
        412: {"description": "The sheet was corrected by someone else since it was read"},
        428: {"description": "If-Match is missing"},
    },
)
async def correct_scores(
    round_id: Id,
    village_code: Code12,
    body: s.SheetCorrection,
    session: SessionDep,
    principal: PrincipalDep,
    _: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> s.SheetOut:
    out = views.sheet_out(await scores.correct_scores(session, principal, round_id, village_code, body, if_match))
    response.headers["ETag"] = etag(out.revision or 0)
    return out


@rounds_router.post(
    "/{round_id}/townships/{township_code}/proposal",
    response_model=s.RoundDetail,
    name="propose",
    summary="Hand in a township: the rules propose its weak villages with reasons",
)
async def propose(
    round_id: Id, township_code: Code12, session: SessionDep, principal: PrincipalDep, _: WriterDep
) -> s.RoundDetail:
    """Hands in a township's scores: the rules propose its weak villages, each with its reasons. For the county
    admin and the township's official; villages not yet scored are 409 scores_incomplete."""
    return views.round_detail(await proposals.propose_township(session, principal, round_id, township_code))


@rounds_router.get(
    "/{round_id}/proposals", response_model=list[s.ScreeningProposalOut], name="proposals", summary="The proposal, with reasons"
)
async def list_proposals(
    round_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    weak: bool | None = None,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
) -> list[s.ScreeningProposalOut]:
    """The round's proposal: every scored village with its index, categories, reasons and whether it is proposed as
    weak. Any role of the county that sees the villages."""
    rows = await proposals.list_proposals(session, principal, round_id, weak=weak, township_code=township_code)
    return [views.proposal_out(pr, v) for pr, v in rows]


@rounds_router.post(
    "/{round_id}/confirm",
    response_model=s.ConfirmOut,
    name="confirm",
    summary="Confirm the proposal: villages become weak and get rectification cases",
)
async def confirm(
    round_id: Id, session: SessionDep, principal: PrincipalDep, _: CountyDep, body: s.ConfirmIn | None = None
) -> s.ConfirmOut:
    """Confirms the round's proposal: the proposed villages, minus those excluded with a reason, become weak and get
    rectification cases. County admin only; a round not fully proposed is 409, an exclusion without a reason 422."""
    return views.confirm_out(await proposals.confirm_round(session, principal, round_id, body or s.ConfirmIn()))


@rounds_router.get(
    "/{round_id}/export.xlsx",
    name="export",
    summary="The round's results as XLSX",
    response_class=Response,
    responses=_XLSX_RESPONSE,
)
async def export_round(round_id: Id, session: SessionDep, principal: PrincipalDep) -> Response:
    """The round's results as an XLSX workbook: each village's scores, index and reasons, every cell written as
    text. Any role that may read the round."""
    return _xlsx(*await rounds.export_round(session, principal, round_id))


# -- cases ------------------------------------------------------------------------------------


@cases_router.get("", response_model=Page[s.CaseOut], name="list", summary="Rectification cases the caller can see")
async def list_cases(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    open: Annotated[bool, Query(description="Only cases not yet accepted")] = False,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    village_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    round_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[s.CaseOut]:
    """Rectification cases of the villages in the caller's scope, filtered by round, township, status and overdue
    measures. Any role that sees the villages; a cadre sees their own village's case."""
    items, total = await cases.list_cases(
        session,
        principal,
        status=[x.value for x in status] if status else None,
        open_only=open,
        township_code=township_code,
        village_code=village_code,
        round_id=round_id,
        limit=limit,
        offset=offset,
    )
    return Page(items=[views.case_out(x) for x in items], total=total, limit=limit, offset=offset)


@cases_router.get(
    "/export.xlsx", name="export_open", summary="Open cases as XLSX", response_class=Response, responses=_XLSX_RESPONSE
)
async def export_open_cases(session: SessionDep, principal: PrincipalDep) -> Response:
    """The open rectification cases in the caller's scope as an XLSX workbook (village, problems, measures,
    deadlines), every cell written as text. Any role that may read the cases."""
    return _xlsx(*await cases.export_open_cases(session, principal))


@cases_router.get("/{case_id}", response_model=s.CaseDetail, name="get", summary="A case with measures and timeline")
async def get_case(case_id: Id, session: SessionDep, principal: PrincipalDep, response: Response) -> s.CaseDetail:
    """One rectification case with its problems, measures, notes and timeline, and the actions the caller may take.
    Any role whose scope holds the village; outside it is 404."""
    out = views.case_detail(await cases.get_case(session, principal, case_id))
    response.headers["ETag"] = etag(out.version)
    return out


@cases_router.post(
    "/{case_id}/problems", response_model=s.ProblemOut, status_code=201, name="add_problem",
    summary="Add a problem found later to an open rectification case"
)
async def add_problem(
    case_id: Id, body: s.ProblemIn, session: SessionDep, principal: PrincipalDep, _: WriterDep
) -> s.ProblemOut:
    """Adds a problem found later to an open case; the village's problem categories follow, with history. For the
    county admin and the village's township official; an accepted case is 409
    case_not_editable."""
    return views.problem_out(await cases.add_problem(session, principal, case_id, body))


@cases_router.post(
    "/{case_id}/measures",
    response_model=s.MeasureOut,
    status_code=201,
    name="add_measure",
    summary="Add a measure (the first one starts the rectification)",
)
async def add_measure(
    case_id: Id, body: s.MeasureIn, session: SessionDep, principal: PrincipalDep, _: WriterDep, response: Response
) -> s.MeasureOut:
    """Adds a rectification measure with its deadline (today or later) and responsible person; the first measure
    starts the rectification. For the county admin and the village's township official; a past deadline is 422
    past_date."""
    out = views.measure_out(await cases.add_measure(session, principal, case_id, body))
    response.headers["ETag"] = etag(out.version)
    return out


@cases_router.patch(
    "/{case_id}/measures/{measure_id}",
    response_model=s.MeasureOut,
    name="update_measure",
    summary="Mark a measure done, or change it",
)
async def update_measure(
    case_id: Id,
    measure_id: Id,
    body: s.MeasureUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    _: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> s.MeasureOut:
    out = views.measure_out(await cases.update_measure(session, principal, case_id, measure_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@cases_router.post(
    "/{case_id}/notes", response_model=s.NoteOut, status_code=201, name="add_note", summary="Add a dated progress note"
)
async def add_note(case_id: Id, body: s.CaseNoteIn, session: SessionDep, principal: PrincipalDep, _: WriterDep) -> s.NoteOut:
    """Adds a dated progress note to a case, optionally naming the measure it is about. For the county admin and the
    village's township official; a date in the future is 422 future_date, a measure of another case 422
    unknown_measure."""
    return views.note_out(await cases.add_note(session, principal, case_id, body))


@cases_router.post(
    "/{case_id}/submit",
    response_model=s.CaseDetail,
    name="submit",
    summary="Ask the county to accept (all measures done)",
)
async def submit(case_id: Id, session: SessionDep, principal: PrincipalDep, _: WriterDep) -> s.CaseDetail:
    """The township hands the case in for the county's acceptance once every measure is done. For the county admin
    and the village's township official; open measures are 409 open_measures."""
    return views.case_detail(await cases.submit_case(session, principal, case_id))


@cases_router.get(
    "/{case_id}/acceptance",
    response_model=s.AcceptancePlan,
    name="acceptance",
    summary="What accepting the case would do: the pairings and postings it ends, and the default last day",
)
async def acceptance(case_id: Id, session: SessionDep, principal: PrincipalDep, _: CountyDep) -> s.AcceptancePlan:
    """What accepting the case would do: the pairings and postings of the village it ends, and the default last day
    from the county's settings. County admin only; another county's case is 404."""
    return views.acceptance_out(await cases.acceptance_plan(session, principal, case_id))


@cases_router.post(
    "/{case_id}/accept",
    response_model=s.CaseDetail,
    name="accept",
    summary="Accept the case (销号); county only, after the township's hand-in or with an override reason",
)
async def accept(
    case_id: Id, session: SessionDep, principal: PrincipalDep, _: CountyDep, body: s.AcceptIn | None = None
) -> s.CaseDetail:
    """Accepts (销号) a handed-in case: the village leaves the weak list and its pairings and postings end now or on
    the day given. County admin only; a case not handed in needs an override reason, else 409."""
    return views.case_detail(await cases.accept_case(session, principal, case_id, body or s.AcceptIn()))


@cases_router.post(
    "/{case_id}/return",
    response_model=s.CaseDetail,
    name="return",
    summary="Send back to rectifying, with reasons; county only",
)
async def return_case(case_id: Id, body: s.ReturnIn, session: SessionDep, principal: PrincipalDep, _: CountyDep) -> s.CaseDetail:
    """Sends a handed-in case back to rectifying, with the reasons the township must answer. County admin only; a
    case that was not handed in is 409 illegal_transition."""
    return views.case_detail(await cases.return_case(session, principal, case_id, body))


# -- village views ----------------------------------------------------------------------------


@misc_router.get(
    "/villages/{village_code}/history",
    response_model=s.VillageHistory,
    name="village_history",
    summary="A village's whole screening and rectification history",
)
async def village_history(village_code: Code12, session: SessionDep, principal: PrincipalDep) -> s.VillageHistory:
    """A village's whole screening and rectification history: the rounds that scored it, its cases, problems,
    measures and status changes. Any role whose scope holds the village; outside it is 404."""
    return await history.village_history(session, principal, village_code)


@misc_router.get(
    "/open-measures",
    response_model=list[s.OpenMeasureOut],
    name="open_measures",
    summary="Measures not yet done in the caller's villages (a cadre: its own village)",
)
async def open_measures(
    session: SessionDep,
    principal: PrincipalDep,
    village_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
) -> list[s.OpenMeasureOut]:
    """Rectification measures not yet done in the caller's villages, soonest deadline first (a cadre sees their own
    village's). For the phone and the to-do list; any role with villages in scope."""
    return views.open_measures_out(await cases.open_measures(session, principal, village_code=village_code))


routers = [criteria_router, rounds_router, cases_router, misc_router]
