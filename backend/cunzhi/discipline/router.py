"""The discipline committees' register of discipline cases against village cadres (违法违纪案件):
list with filters, yearly counts with the change on the year before, filing and editing a case.
HTTP only: the rules are in service.py."""

from typing import Annotated, Any

from fastapi import Header, Path, Query, Response

from cunzhi.discipline import service
from cunzhi.discipline.rules import CaseOutcome, Violation
from cunzhi.discipline.schemas import (
    DisciplineCaseCreate,
    DisciplineCaseList,
    DisciplineCaseOut,
    DisciplineCasePatch,
    DisciplineCaseStats,
    DisciplineCaseVillage,
)
from cunzhi.kit.deps import PrincipalDep, ReadSessionDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.inputs import BodyDate
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/discipline", tags=["discipline"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Code12 = Annotated[str | None, Query(pattern=r"^[0-9]{12}$")]
Year = Annotated[int | None, Query(ge=1990, le=2100)]
# A day filed between, inclusive: "YYYY-MM-DD" only (never a timestamp nor a date-time).
FiledFrom = Annotated[BodyDate | None, Query(description="filed on or after this day (inclusive)")]
FiledTo = Annotated[BodyDate | None, Query(description="filed on or before this day (inclusive)")]
IfMatch = Annotated[str | None, Header(description="ETag from GET")]
PRECONDITIONS: dict[int | str, dict[str, Any]] = {412: {"description": "Stale If-Match"},
                                                  428: {"description": "If-Match missing"}}


def _case_out(v: service.CaseView) -> DisciplineCaseOut:
    c = v.case  # the person's name and the notes from the view, which holds them only for who may read them
    return DisciplineCaseOut(
        id=c.id, case_number=c.case_number, filed_on=c.filed_on,
        village=DisciplineCaseVillage(code=v.village_code, name=v.village_name, township_code=v.township_code,
                                      township_name=v.township_name),
        person_role=c.person_role, person_name=v.person_name, violation=c.violation, outcome=c.outcome,
        notes=v.notes, names_visible=v.names_visible, created_by=c.created_by, updated_by=c.updated_by,
        created_at=c.created_at, updated_at=c.updated_at, version=c.version, allowed_actions=v.allowed_actions)


def _with_etag(response: Response, view: service.CaseView) -> DisciplineCaseOut:
    response.headers["ETag"] = etag(view.case.version)
    return _case_out(view)


@router.get("/cases", response_model=DisciplineCaseList, name="cases-list",
            summary="Discipline cases in scope, latest filed first (names only for the discipline committees)")
async def list_cases(principal: PrincipalDep, session: ReadSessionDep, year: Year = None,
                     township_code: Code12 = None, village_code: Code12 = None, violation: Violation | None = None,
                     outcome: CaseOutcome | None = None, filed_from: FiledFrom = None, filed_to: FiledTo = None,
                     limit: Limit = 50, offset: Offset = 0) -> DisciplineCaseList:
    """Discipline cases in the caller's scope, latest filed first, filtered by village, violation, outcome and
    filing dates. Names of the people concerned only for the discipline committees; the county admin, township
    officials and township systems read cases without names."""
    f = service.CaseFilter(year=year, township_code=township_code, village_code=village_code,
                           violation=violation.value if violation else None,
                           outcome=outcome.value if outcome else None, filed_from=filed_from, filed_to=filed_to)
    items, total, actions = await service.list_cases(session, principal, f, limit=limit, offset=offset)
    return DisciplineCaseList(items=[_case_out(v) for v in items], total=total, limit=limit, offset=offset,
                              allowed_actions=actions)


@router.get("/cases/stats", response_model=DisciplineCaseStats, name="cases-stats",
            summary="Cases per year in scope with the change on the year before")
async def case_stats(principal: PrincipalDep, session: ReadSessionDep, township_code: Code12 = None,
                     village_code: Code12 = None, violation: Violation | None = None, from_year: Year = None,
                     to_year: Year = None) -> DisciplineCaseStats:
    """Cases per year in the caller's scope with the change on the year before, by violation and outcome. For the
    discipline inspector, the county admin, township officials and township systems; a from_year after to_year is
    422."""
    f = service.CaseFilter(township_code=township_code, village_code=village_code,
                           violation=violation.value if violation else None)
    return await service.stats(session, principal, f, from_year=from_year, to_year=to_year)


@router.post("/cases", response_model=DisciplineCaseOut, status_code=201, name="cases-create",
             summary="File a discipline case (the discipline committees)")
async def create_case(body: DisciplineCaseCreate, principal: PrincipalDep, session: SessionDep,
                      response: Response) -> DisciplineCaseOut:
    """Files a discipline case against a village cadre: violation, role, facts and outcome. For the discipline
    committees only (403 for other roles); a village outside the scope is 404."""
    view = await service.create_case(session, principal, body)
    response.headers["Location"] = f"/api/v1/discipline/cases/{view.case.id}"
    return _with_etag(response, view)


@router.get("/cases/{case_id}", response_model=DisciplineCaseOut, name="cases-get",
            summary="Read one discipline case, with its ETag",
            description="Callers who may read the register, for cases in their scope (404 otherwise); "
                        "names only for the discipline committees.")
async def get_case(case_id: Id, principal: PrincipalDep, session: ReadSessionDep, response: Response) -> DisciplineCaseOut:
    return _with_etag(response, await service.get_case(session, principal, case_id))


@router.patch("/cases/{case_id}", response_model=DisciplineCaseOut, name="cases-update", responses=PRECONDITIONS,
              summary="Edit a discipline case (If-Match with the ETag read)")
async def update_case(case_id: Id, body: DisciplineCasePatch, principal: PrincipalDep, session: SessionDep,
                      response: Response, if_match: IfMatch = None) -> DisciplineCaseOut:
    return _with_etag(response, await service.update_case(session, principal, case_id, body, if_match))
