from datetime import date
from typing import Annotated

from fastapi import File, Form, Header, Path, Query, Request, Response, UploadFile
from pydantic_core import to_json

from cunzhi.config import IMPORT_MAX_BYTES
from cunzhi.kit.bulk import BulkReport
from cunzhi.kit.codes import ProblemCategory, RectificationStatus
from cunzhi.kit.deps import READ_ACCESS_SECURITY, PrincipalDep, SessionDep, read_access
from cunzhi.kit.errors import Unprocessable
from cunzhi.kit.etag import etag
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter
from cunzhi.villages import positions, service
from cunzhi.villages.permissions import village_actions
from cunzhi.villages.schemas import (
    PositionImportReport,
    VillageBulk,
    VillageCreate,
    VillageDetail,
    VillageList,
    VillagePatch,
)
from cunzhi.villages.service import PairingGap, VillageSort

router = DomainRouter(prefix="/api/v1/villages", tags=["villages"])
Code = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12-digit village code")]


@router.get("", response_model=VillageList, name="list", summary="Villages in scope, filtered and sorted",
            openapi_extra=READ_ACCESS_SECURITY)
async def list_villages(
    request: Request,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    status: RectificationStatus | None = None,
    category: ProblemCategory | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="Name contains, or code starts with")] = None,
    sort: VillageSort = VillageSort.code,
    pairing: Annotated[PairingGap | None, Query(description=(
        "only the villages of a pairing gap: listed villages short of partner units, accepted ones still holding some"))] = None,
    pairing_on: Annotated[date | None, Query(description="the day the pairing gap is counted on (default today)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """A page of the villages in the caller's scope (the county, a township or one village), filtered by township,
    status, problem category, name or code, and sorted. `pairing` keeps the villages of a pairing gap;
    `pairing_on` without `pairing` is 422. Read by every role and by API clients with villages:read."""
    read = await read_access(request)  # first: a request without a valid token is 401 whatever it asks
    if pairing_on is not None and pairing is None:
        raise Unprocessable("pairing_on needs pairing", code="pairing_on_without_pairing", errors=[
            {"loc": ["query", "pairing_on"], "msg": "only with pairing", "type": "value_error"}])
    async with read.reader as reader:
        items, total = await service.list_villages(reader, read.principal, township_code=township_code, status=status,
                                                   category=category, q=q, sort=sort, limit=limit, offset=offset,
                                                   pairing=pairing, pairing_on=pairing_on)
    # The most frequent read: rows go straight to JSON, once, instead of through models validated twice.
    body = {"items": [dict(row) for row in items], "total": total, "limit": limit, "offset": offset}
    return Response(to_json(body), media_type="application/json")


def _detail(view: service.VillageView, principal: Principal) -> VillageDetail:
    v = view.village
    return VillageDetail(
        code=v.code, name=v.name, township_code=v.township_code, township_name=view.township_name,
        population=v.population, households=v.households, secretary_name=v.secretary_name,
        party_member_count=v.party_member_count, status=RectificationStatus(v.status),
        problem_categories=[ProblemCategory(c) for c in v.problem_categories], version=v.version,
        lat=v.lat, lng=v.lng, allowed_actions=village_actions(principal),
    )


@router.post("/positions/import", response_model=PositionImportReport, name="positions-import",
             max_body_size=IMPORT_MAX_BYTES,
             summary="Villages' positions from a CSV (村代码, 纬度, 经度): a dry run reports every bad row; "
                     "the import writes all rows or none")
async def import_positions(principal: PrincipalDep, session: SessionDep, file: Annotated[UploadFile, File()],
                           dry_run: Annotated[bool, Form()] = True) -> PositionImportReport:
    """Sets villages' latitude and longitude from a CSV file (村代码, 纬度, 经度). A dry run reports every bad row; the
    import writes every row or none. For the county admin; codes outside the county, bad numbers or a file that
    cannot be read are 422."""
    return await positions.run_import(session, principal, await file.read(), dry_run=dry_run)


@router.post("", response_model=VillageDetail, status_code=201, name="create", summary="Register a village (county admin)")
async def create_village(body: VillageCreate, principal: PrincipalDep, session: SessionDep,
                         response: Response) -> VillageDetail:
    """Registers a new village under a township of the county admin's county and answers it with its ETag and
    Location. An unknown township is 422; an existing code is 409; other roles get 403."""
    view = await service.create(session, principal, body)
    response.headers["ETag"] = etag(view.village.version)
    response.headers["Location"] = f"/api/v1/villages/{view.village.code}"
    return _detail(view, principal)


@router.post("/bulk", response_model=BulkReport, name="bulk_upsert",
             summary="Upsert up to 200 villages of the client's township by code, one result per item")
async def bulk_upsert(body: VillageBulk, principal: PrincipalDep, session: SessionDep) -> BulkReport:
    """For township systems (API clients with villages:write): adds or updates up to 200 villages of the client's
    township by code, one result per item. Status and problem categories are never upserted; a code outside the
    township is refused item by item."""
    return await service.bulk_upsert(session, principal, body.items)


@router.direct_get("/{code}", response_model=VillageDetail, name="get", openapi_extra=READ_ACCESS_SECURITY,
                   summary="A village's facts and rectification status, with its ETag")
async def get_village(code: Code, request: Request) -> Response:
    """One village's facts, rectification status and problem categories, with its ETag and the actions the caller
    may take. Any role whose scope holds the village; outside the scope it is 404."""
    read = await read_access(request)
    async with read.reader as reader:
        row = await service.get(reader, read.principal, code)
    body = {**row, "allowed_actions": village_actions(read.principal)}
    return Response(to_json(body), media_type="application/json", headers={"ETag": etag(row["version"])})


@router.patch("/{code}", response_model=VillageDetail, name="update",
              responses={412: {"description": "Stale If-Match"}, 428: {"description": "If-Match missing"}},
              summary="Change a village's facts (If-Match required)")
async def update_village(
    code: Code, body: VillagePatch, principal: PrincipalDep, session: SessionDep, response: Response,
    if_match: Annotated[str | None, Header(description="ETag from GET")] = None,
) -> VillageDetail:
    view = await service.update(session, principal, code, body, if_match)
    response.headers["ETag"] = etag(view.village.version)
    return _detail(view, principal)
