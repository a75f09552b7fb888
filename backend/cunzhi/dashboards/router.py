"""Dashboards: panels of aggregates, the rows behind each figure, XLSX exports and each role's to-do
counts. HTTP only; the SQL is in service.py. Every read is on the read path (ReaderDep, or read_access
in the panels)."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query, Request, Response
from pydantic_core import to_json
from sqlalchemy import String, bindparam, select

from cunzhi.dashboards import export, service
from cunzhi.dashboards.schemas import (
    CadrePanel,
    ClaimStep,
    DisciplinePanel,
    DisclosurePanel,
    Figure,
    FigureRows,
    FundsPanel,
    LoadBucket,
    Overview,
    PairingPanel,
    PanelInfo,
    PanelName,
    RectificationPanel,
    TaskPanel,
    TodoList,
)
from cunzhi.disclosures.rules import VillageStatus
from cunzhi.divisions.models import Division
from cunzhi.kit.codes import RectificationStatus
from cunzhi.kit.deps import READ_ACCESS_SECURITY, PrincipalDep, ReaderDep, current_principal, read_access
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.prepared import Reader
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter
from cunzhi.tasks.rules import Category as TaskCategory

router = DomainRouter(prefix="/api/v1/dashboards", tags=["dashboards"])

Month = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM; default: this month")]
Township = Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="one township (default: the whole scope)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "An XLSX workbook with Chinese headers"}}


def _json(body: Any) -> Response:
    return Response(to_json(body), media_type="application/json")


async def _panel(name: str, reader: Reader, p: Principal, township: str | None, month: str | None) -> Any:
    per = service.period(month)
    await service.check_township(reader, p, township)
    return await service.PANELS[name](reader, p, township, per)


async def _panel_json(name: str, request: Request, township: str | None, month: str | None) -> Response:
    read = await read_access(request)
    async with read.reader as reader:
        body = await _panel(name, reader, read.principal, township, month)
    return _json(body)


# The overview and the panels: DirectRoutes (kit.routing), the caller found first as a dependency would
# find it (a request without a valid token is 401 whatever it asks), then the month and township
# validated by FastAPI's own fields, with no dependency for FastAPI to solve: what it spends per
# request on those is as much as a county panel's own Python.
_DIRECT: dict[str, Any] = {"first": current_principal, "openapi_extra": READ_ACCESS_SECURITY}


@router.direct_get("", response_model=Overview, name="overview", summary="The panels there are, with their exports",
                   **_DIRECT)
async def overview(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The dashboard panels there are for the month and township asked, each with the address of its XLSX export.
    Any signed-in role, counted over its own scope; a township outside the scope is 404 and a month not written
    YYYY-MM is 422."""
    per = service.period(month)
    read = await read_access(request)
    async with read.reader as reader:
        await service.check_township(reader, read.principal, township_code)
    return _json(Overview(month=per.month, township_code=township_code, panels=[
        PanelInfo(name=n, export=f"/api/v1/dashboards/{n}/export.xlsx") for n in service.PANELS]))


@router.direct_get("/rectification", response_model=RectificationPanel, name="rectification",
                   summary="Weak villages by problem category and status, and the trend of cases", **_DIRECT)
async def rectification(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The rectification panel: weak villages by problem category and status, and the trend of cases opened,
    accepted and still open. Any signed-in role, counted over its own scope; a township outside the scope is 404
    and a month not written YYYY-MM is 422."""
    return await _panel_json("rectification", request, township_code, month)


@router.direct_get("/pairing", response_model=PairingPanel, name="pairing",
                   summary="Pairing coverage: villages short of units, units over capacity, accepted villages holding units",
                   **_DIRECT)
async def pairing(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The pairing panel: listed villages short of partner units, units over capacity and accepted villages still
    holding units. Any signed-in role, counted over its own scope; a township outside the scope is 404 and a
    month not written YYYY-MM is 422."""
    return await _panel_json("pairing", request, township_code, month)


@router.direct_get("/cadres", response_model=CadrePanel, name="cadres",
                   summary="Cadre presence in the month: days in village, cadres below the required days, flagged check-ins",
                   **_DIRECT)
async def cadres(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The stationed-cadre panel for the month: days in the village, cadres below the required days and flagged
    check-ins. Any signed-in role, counted over its own scope; a township outside the scope is 404 and a month
    not written YYYY-MM is 422."""
    return await _panel_json("cadres", request, township_code, month)


@router.direct_get("/tasks", response_model=TaskPanel, name="tasks",
                   summary="Task load and completion per village beside its rectification outcome", **_DIRECT)
async def tasks(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The task panel: task load and completion per village beside its rectification outcome. Any signed-in role,
    counted over its own scope; a township outside the scope is 404 and a month not written YYYY-MM is 422."""
    return await _panel_json("tasks", request, township_code, month)


@router.direct_get("/funds", response_model=FundsPanel, name="funds",
                   summary="Budget execution by line category, and claims waiting at each step", **_DIRECT)
async def funds(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The funds panel: budget execution by line category and the claims waiting at each step (sign, approve, pay).
    Any signed-in role, counted over its own scope; a township outside the scope is 404 and a month not written
    YYYY-MM is 422."""
    return await _panel_json("funds", request, township_code, month)


@router.direct_get("/disclosures", response_model=DisclosurePanel, name="disclosures",
                   summary="Disclosure compliance per township per month: villages pending, published, passed, failed, late",
                   **_DIRECT)
async def disclosures(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The disclosure panel: compliance per township for the month, villages pending, published, passed, failed and
    late. Any signed-in role, counted over its own scope; a township outside the scope is 404 and a month not
    written YYYY-MM is 422."""
    return await _panel_json("disclosures", request, township_code, month)


@router.direct_get("/discipline", response_model=DisciplinePanel, name="discipline",
                   responses={403: {"description": "a role that does not read the discipline-case register"}},
                   summary="Discipline cases per year, and the year's by violation and outcome (counts, no names)",
                   **_DIRECT)
async def discipline(request: Request, month: Month = None, township_code: Township = None) -> Response:
    """The discipline panel: cases per year and the year's cases by violation and outcome, as counts without names.
    For the roles that read the discipline register (403 for others); a township outside the scope is 404."""
    return await _panel_json("discipline", request, township_code, month)


@router.get("/rows", response_model=FigureRows, name="rows", summary="The rows behind one figure of a panel")
async def rows(
    principal: PrincipalDep, reader: ReaderDep, figure: Figure, month: Month = None, township_code: Township = None,
    status: Annotated[RectificationStatus | None, Query(description="task_load: the village's status")] = None,
    load: Annotated[LoadBucket | None, Query(description="task_load: the load bucket")] = None,
    category: Annotated[TaskCategory | None, Query(
        description="task_load: only tasks of this kind, per village with tasks of that kind")] = None,
    step: Annotated[ClaimStep | None, Query(description="claims_waiting: the step")] = None,
    disclosure_status: Annotated[VillageStatus | None, Query(
        description="disclosure_villages: the village's state in the round")] = None,
    late: Annotated[bool, Query(description="disclosure_villages: only villages that were late")] = False,
    limit: Limit = 50, offset: Offset = 0,
) -> Response:
    """The rows behind one figure of a panel (the villages, cadres, tasks or claims it counts), paged. The filters
    each figure takes are listed on them. Any signed-in role, counted over its own scope; a township outside the
    scope is 404 and a month not written YYYY-MM is 422."""
    per = service.period(month)
    await service.check_township(reader, principal, township_code)
    items, total = await service.figure_rows(
        reader, principal, figure.value, township=township_code, per=per, status=status.value if status else None,
        load=load.value if load else None, step=step.value if step else None, limit=limit, offset=offset,
        disclosure_status=disclosure_status.value if disclosure_status else None, late=late,
        category=category.value if category else None)
    return _json({"figure": figure.value, "items": items, "total": total, "limit": limit, "offset": offset})


@router.get("/todo", response_model=TodoList, name="todo", summary="The caller's to-do counts, each with its list")
async def todo(principal: PrincipalDep, reader: ReaderDep) -> Response:
    """The caller's to-do counts for their role (scores to enter, claims to sign or approve, measures due, reports
    to review), each with the address of its list. Any signed-in role."""
    return _json({"role": principal.role.value, "items": await service.todo(reader, principal)})


_TOWNSHIP_NAME = service._STATEMENTS.get(("township_name",), lambda: select(Division.name).where(
    Division.code == bindparam("code", type_=String)))


@router.get("/{panel}/export.xlsx", name="export", summary="One panel as XLSX with Chinese headers",
            response_class=Response, responses=_XLSX_RESPONSE)
async def export_panel(panel: PanelName, principal: PrincipalDep, reader: ReaderDep, month: Month = None,
                       township_code: Township = None) -> Response:
    """One dashboard panel as an XLSX workbook with Chinese headers and a Chinese file name (RFC 6266 filename*).
    Any role that may read the panel, over its own scope; an unknown panel or township outside the scope is 404."""
    data = await _panel(panel.value, reader, principal, township_code, month)
    scope_name = (await reader.fetchval(_TOWNSHIP_NAME, {"code": township_code})) if township_code else "全部范围"
    name, fallback, body = export.workbook(panel.value, data, scope_name)
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"})
