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
    return [views.criterion_out(c) for c in await criteria.list_criteria(session, principal, include_inactive=include_inactive)]


@criteria_router.post("", response_model=s.CriterionOut, status_code=201, name="create",
                       summary="Add a screening criterion to the county's list")
async def create_criterion(
    body: s.CriterionCreate, session: SessionDep, principal: PrincipalDep, _: CountyDep, response: Response
) -> s.CriterionOut:
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
    return [views.round_out(x) for x in await rounds.list_rounds(session, principal, status=status.value if status else None)]


@rounds_router.post("", response_model=s.RoundDetail, status_code=201, name="open", summary="Open a screening round")
async def open_round(body: s.RoundCreate, session: SessionDep, principal: PrincipalDep, _: CountyDep) -> s.RoundDetail:
    return views.round_detail(await rounds.open_round(session, principal, body))


@rounds_router.get("/{round_id}", response_model=s.RoundDetail, name="get", summary="A round with its criteria and townships")
async def get_round(round_id: Id, session: SessionDep, principal: PrincipalDep) -> s.RoundDetail:
    return views.round_detail(await rounds.get_round(session, principal, round_id))


@rounds_router.post("/{round_id}/close", response_model=s.RoundOut, name="close", summary="Close a round unconfirmed")
async def close_round(
    round_id: Id, body: s.RoundClose, session: SessionDep, principal: PrincipalDep, _: CountyDep
) -> s.RoundOut:
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
    return views.confirm_out(await proposals.confirm_round(session, principal, round_id, body or s.ConfirmIn()))


@rounds_router.get(
    "/{round_id}/export.xlsx",
    name="export",
    summary="The round's results as XLSX",
    response_class=Response,
    responses=_XLSX_RESPONSE,
)
async def export_round(round_id: Id, session: SessionDep, principal: PrincipalDep) -> Response:
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
    return _xlsx(*await cases.export_open_cases(session, principal))


@cases_router.get("/{case_id}", response_model=s.CaseDetail, name="get", summary="A case with measures and timeline")
async def get_case(case_id: Id, session: SessionDep, principal: PrincipalDep, response: Response) -> s.CaseDetail:
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
    return views.note_out(await cases.add_note(session, principal, case_id, body))


@cases_router.post(
    "/{case_id}/submit",
    response_model=s.CaseDetail,
    name="submit",
    summary="Ask the county to accept (all measures done)",
)
async def submit(case_id: Id, session: SessionDep, principal: PrincipalDep, _: WriterDep) -> s.CaseDetail:
    return views.case_detail(await cases.submit_case(session, principal, case_id))


@cases_router.get(
    "/{case_id}/acceptance",
    response_model=s.AcceptancePlan,
    name="acceptance",
    summary="What accepting the case would do: the pairings and postings it ends, and the default last day",
)
async def acceptance(case_id: Id, session: SessionDep, principal: PrincipalDep, _: CountyDep) -> s.AcceptancePlan:
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
    return views.case_detail(await cases.accept_case(session, principal, case_id, body or s.AcceptIn()))


@cases_router.post(
    "/{case_id}/return",
    response_model=s.CaseDetail,
    name="return",
    summary="Send back to rectifying, with reasons; county only",
)
async def return_case(case_id: Id, body: s.ReturnIn, session: SessionDep, principal: PrincipalDep, _: CountyDep) -> s.CaseDetail:
    return views.case_detail(await cases.return_case(session, principal, case_id, body))


# -- village views ----------------------------------------------------------------------------


@misc_router.get(
    "/villages/{village_code}/history",
    response_model=s.VillageHistory,
    name="village_history",
    summary="A village's whole screening and rectification history",
)
async def village_history(village_code: Code12, session: SessionDep, principal: PrincipalDep) -> s.VillageHistory:
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
    return views.open_measures_out(await cases.open_measures(session, principal, village_code=village_code))


routers = [criteria_router, rounds_router, cases_router, misc_router]
