from typing import Annotated

from fastapi import File, Header, Path, Query, Response, UploadFile

from cunzhi.config import IMPORT_MAX_BYTES
from cunzhi.divisions import service
from cunzhi.divisions.models import Division
from cunzhi.divisions.schemas import DivisionList, DivisionOut, DivisionPatch, ImportReport, TownshipCreate
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.errors import Unprocessable
from cunzhi.kit.etag import etag
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/divisions", tags=["divisions"])
DivisionCode = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit division code")]
MAX_IMPORT_BYTES = IMPORT_MAX_BYTES  # what the route's body limit admits, read in full


def _division_out(p: Principal, d: Division) -> DivisionOut:
    return DivisionOut(code=d.code, name=d.name, level=DivisionLevel(d.level), parent_code=d.parent_code,
                       version=d.version, allowed_actions=service.division_actions(p, d))


@router.get("", response_model=DivisionList, name="list", summary="Townships (and the county) in scope")
async def list_divisions(
    principal: PrincipalDep,
    session: SessionDep,
    level: DivisionLevel | None = None,
    parent_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
) -> DivisionList:
    """The county and its townships within the caller's scope (a township official sees their own township), each
    with its code and name, filtered by level and parent. Any signed-in role."""
    items = await service.list_divisions(session, principal, level=level, parent_code=parent_code)
    return DivisionList(items=[_division_out(principal, d) for d in items], total=len(items))


@router.post("", response_model=DivisionOut, status_code=201, name="create",
             summary="Add a township to your county")
async def create_township(body: TownshipCreate, principal: PrincipalDep, session: SessionDep,
                          response: Response) -> DivisionOut:
    """Adds a township to the county admin's county; its code must start with the county's first six digits and be a
    township code. County admin only; an existing code is 409 division_exists."""
    division = await service.create_township(session, principal, body)
    response.headers["ETag"] = etag(division.version)
    response.headers["Location"] = f"/api/v1/divisions/{division.code}"
    return _division_out(principal, division)


@router.post("/import", response_model=ImportReport, name="import",
             max_body_size=IMPORT_MAX_BYTES,
             summary="Load townships and villages from a CSV or XLSX file of 12-digit codes (bulk upsert by code)",
             responses={422: {"description": "A bad file (import_file_invalid) or bad rows (import_rows_invalid, "
                                             "errors[] with loc [\"file\", row, column]); nothing is written"}})
async def import_divisions(
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or XLSX with columns code, name")],
    principal: PrincipalDep,
    session: SessionDep,
    dry_run: Annotated[bool, Query(description="Check and report only; write nothing")] = False,
) -> ImportReport:
    """Loads townships and villages from a CSV or XLSX file of 12-digit codes, upserting by code; a dry run reports
    every bad row, the import writes all rows or none. County admin only; a file with missing columns or bad rows
    is 422."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise Unprocessable(f"The file is larger than {MAX_IMPORT_BYTES} bytes", code="import_file_invalid")
    report = await service.import_tree(session, principal, file.filename or "", data, dry_run=dry_run)
    return ImportReport.model_validate(report)


@router.get("/{code}", response_model=DivisionOut, name="get", summary="A division: county or township")
async def get_division(code: DivisionCode, principal: PrincipalDep, session: SessionDep,
                       response: Response) -> DivisionOut:
    """One division (the county or a township) in the caller's scope with its name and parent. Any signed-in role; a
    division outside the scope is 404."""
    division = await service.get_division(session, principal, code)
    response.headers["ETag"] = etag(division.version)
    return _division_out(principal, division)


@router.patch("/{code}", response_model=DivisionOut, name="update", summary="Rename a division (If-Match required)",
              responses={412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"}})
async def rename_division(
    code: DivisionCode, body: DivisionPatch, principal: PrincipalDep, session: SessionDep, response: Response,
    if_match: Annotated[str | None, Header(description="ETag from GET")] = None,
) -> DivisionOut:
    division = await service.rename(session, principal, code, body, if_match)
    response.headers["ETag"] = etag(division.version)
    return _division_out(principal, division)
