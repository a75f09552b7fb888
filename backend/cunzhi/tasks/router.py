"""Tasks for village cadres (压担子): the county's catalogue, tasks, progress with evidence photos,
acceptance and return, import and export. HTTP only: the rules are in service.py and transfer.py."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, File, Form, Header, Path, Query, Response, UploadFile

from cunzhi.config import IMPORT_MAX_BYTES
from cunzhi.kit.bulk import BulkReport
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.routing import DomainRouter
from cunzhi.tasks import imports, service, transfer
from cunzhi.tasks.models import TaskItem, TaskPhoto, TaskUnit
from cunzhi.tasks.rules import Category, Responsible, TaskStatus
from cunzhi.tasks.schemas import (
    CatalogueOut,
    HistoryOut,
    ItemIn,
    ItemOut,
    ItemPatch,
    JudgeIn,
    ProgressIn,
    ProgressOut,
    SendBackIn,
    TaskBulk,
    TaskCreate,
    TaskDetail,
    TaskImportJob,
    TaskImportReport,
    TaskList,
    TaskOut,
    TaskPatch,
    TaskPhotoOut,
    TaskVillage,
    UnitIn,
    UnitOut,
    UnitPatch,
)

router = DomainRouter(prefix="/api/v1/tasks", tags=["tasks"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
CountyCode = Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="defaults to the caller's county")]
Code12 = Annotated[str | None, Query(pattern=r"^[0-9]{12}$")]
IfMatch = Annotated[str | None, Header(description="ETag from GET")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", pattern=r"^[!-~]{1,128}$",
                                       description="the phone's key for this update: a replay is stored once")]
PRECONDITIONS: dict[int | str, dict[str, Any]] = {412: {"description": "Stale If-Match"},
                                                  428: {"description": "If-Match missing"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_TYPES: dict[str, dict[str, Any]] = {"image/jpeg": {}, "image/png": {}, "image/webp": {}}


# ---- shaping the services' rows and views into the API's models ----------------------------------

def _item_out(i: TaskItem) -> ItemOut:
    return ItemOut(id=i.id, category=i.category, code=i.code, name=i.name, default_unit=i.default_unit,
                   description=i.description, sort=i.sort, active=i.active, version=i.version)


def _unit_out(u: TaskUnit) -> UnitOut:
    return UnitOut(id=u.id, code=u.code, name=u.name, active=u.active, version=u.version)


def _task_out(v: service.TaskView) -> TaskOut:
    t = v.task
    share = float(t.progress / t.target) if t.target else 0.0
    return TaskOut(
        id=t.id, village=TaskVillage(code=v.village_code, name=v.village_name, township_code=v.township_code,
                                     township_name=v.township_name),
        item_id=t.item_id, item_code=v.item_code, item_name=v.item_name, category=v.category, title=t.title,
        duties=t.duties, note=t.note, target=t.target, unit=t.unit, unit_name=v.unit_name or t.unit,
        progress=t.progress, share_done=round(share, 4), due_date=t.due_date,
        responsible_kind=t.responsible_kind, partner_unit_id=t.partner_unit_id, partner_unit_name=v.partner_unit_name,
        cadre_id=t.cadre_id, cadre_name=v.cadre_name, status=t.status, assigned_level=t.assigned_level,
        assigned_by=t.assigned_by, done_at=t.done_at, accepted_at=t.accepted_at, created_at=t.created_at,
        version=t.version, allowed_actions=v.allowed_actions)


def _photo_out(ph: TaskPhoto) -> TaskPhotoOut:
    return TaskPhotoOut(id=ph.id, content_type=ph.content_type, size=ph.size, sha256=ph.sha256,
                        uploaded_at=ph.uploaded_at)


def _history_out(v: service.HistoryView) -> HistoryOut:
    h = v.entry
    return HistoryOut(id=h.id, kind=h.kind, status_before=h.status_before, status_after=h.status_after,
                      amount=h.amount, progress_after=h.progress_after, text=h.text, reasons=h.reasons,
                      changes=h.changes, actor=h.actor, at=h.at, client_key=h.client_key,
                      photos=[_photo_out(ph) for ph in v.photos])


def _with_etag(response: Response, view: service.TaskView) -> TaskOut:
    out = _task_out(view)
    response.headers["ETag"] = etag(out.version)
    return out


# ---- catalogue ------------------------------------------------------------------------------

@router.get("/catalogue", response_model=CatalogueOut, name="catalogue-get",
            summary="The county's task catalogue: items of the four categories and units of measure")
async def get_catalogue(principal: PrincipalDep, session: SessionDep, county_code: CountyCode = None) -> CatalogueOut:
    """The county's task catalogue: the items of the four categories (seven helps, construction, poverty relief,
    industry) and their units of measure. Any signed-in role of the county."""
    v = await service.get_catalogue(session, principal, county_code)
    return CatalogueOut(county_code=v.county_code, items=[_item_out(i) for i in v.items],
                        units=[_unit_out(u) for u in v.units], allowed_actions=v.allowed_actions)


@router.post("/catalogue/items", response_model=ItemOut, status_code=201, name="catalogue-item-create",
             summary="Add an item to the county's task catalogue",
             description="County administrator only. The item's default unit must be a unit of the catalogue (422 "
                         "`unknown_unit`); an item code already in the catalogue answers 409.")
async def create_item(body: ItemIn, principal: PrincipalDep, session: SessionDep, response: Response,
                      county_code: CountyCode = None) -> ItemOut:
    out = _item_out(await service.create_item(session, principal, county_code, body))
    response.headers["ETag"] = etag(out.version)
    return out


@router.patch("/catalogue/items/{item_id}", response_model=ItemOut, name="catalogue-item-update",
              responses=PRECONDITIONS, summary="Change or retire an item of the county's task catalogue",
              description="County administrator only. Tasks already given keep what they were given.")
async def update_item(item_id: Id, body: ItemPatch, principal: PrincipalDep, session: SessionDep,
                      response: Response, if_match: IfMatch = None) -> ItemOut:
    out = _item_out(await service.update_item(session, principal, item_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/catalogue/units", response_model=UnitOut, status_code=201, name="catalogue-unit-create",
             summary="Add a unit of measure to the county's task catalogue",
             description="County administrator only; a unit code already in the catalogue answers 409.")
async def create_unit(body: UnitIn, principal: PrincipalDep, session: SessionDep, response: Response,
                      county_code: CountyCode = None) -> UnitOut:
    out = _unit_out(await service.create_unit(session, principal, county_code, body))
    response.headers["ETag"] = etag(out.version)
    return out


@router.patch("/catalogue/units/{unit_id}", response_model=UnitOut, name="catalogue-unit-update",
              responses=PRECONDITIONS, summary="Rename or retire a unit of measure of the county's task catalogue",
              description="County administrator only, with If-Match. A retired unit (`active: false`) is refused "
                          "for new tasks and imports (422 `unknown_unit`); tasks already counted in it keep it. "
                          "A name another unit of the county has (as its name or code) answers 409 "
                          "`unit_name_taken`.")
async def update_unit(unit_id: Id, body: UnitPatch, principal: PrincipalDep, session: SessionDep,
                      response: Response, if_match: IfMatch = None) -> UnitOut:
    out = _unit_out(await service.update_unit(session, principal, unit_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


# ---- tasks ----------------------------------------------------------------------------------

OptId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Q = Annotated[str | None, Query(min_length=1, max_length=50, description="title or village name contains")]


def _filter(village_code: Code12 = None, township_code: Code12 = None, category: Category | None = None,
            item_id: OptId = None, status: TaskStatus | None = None, responsible_kind: Responsible | None = None,
            partner_unit_id: OptId = None, cadre_id: OptId = None, due_from: date | None = None,
            due_to: date | None = None, q: Q = None,
            pending: Annotated[bool, Query(description="only tasks planned or in progress")] = False,
            ) -> service.TaskFilter:
    """The board's filters, one definition for the list and the export (an export is what the board shows)."""
    return service.TaskFilter(village_code=village_code, township_code=township_code,
                              category=category.value if category else None, item_id=item_id,
                              status=status.value if status else None,
                              responsible_kind=responsible_kind.value if responsible_kind else None,
                              partner_unit_id=partner_unit_id, cadre_id=cadre_id, due_from=due_from, due_to=due_to,
                              q=q, pending=pending)


Filters = Annotated[service.TaskFilter, Depends(_filter)]


@router.get("", response_model=TaskList, name="list", summary="Tasks in scope, soonest due first")
async def list_tasks(principal: PrincipalDep, session: SessionDep, f: Filters, limit: Limit = 50,
                     offset: Offset = 0) -> TaskList:
    """Tasks of the villages in the caller's scope, soonest due first, filtered by village, category, item, status,
    responsible party, due dates and text, with the actions the caller may take. Any role that sees the villages,
    and API clients with tasks:read."""
    items, total = await service.list_tasks(session, principal, f, limit=limit, offset=offset)
    return TaskList(items=[_task_out(v) for v in items], total=total, limit=limit, offset=offset)


@router.post("", response_model=TaskOut, status_code=201, name="create", summary="Give a village a task")
async def create_task(body: TaskCreate, principal: PrincipalDep, session: SessionDep, response: Response) -> TaskOut:
    """Gives a village in the caller's scope a task from the catalogue with a target, a responsible party and a due
    date. For the county admin and township officials (403 for others); a village outside the scope is 404, a due
    date in the past 422."""
    view = await service.create_task(session, principal, body)
    response.headers["Location"] = f"/api/v1/tasks/{view.task.id}"
    return _with_etag(response, view)


@router.get("/export", name="export", response_class=Response, summary="Tasks in scope, in the import's format",
            description="Takes the list's filters: a filtered board exports the tasks it shows.",
            responses={200: {"content": {XLSX: {}, "text/csv": {}}}})
async def export_tasks(principal: PrincipalDep, session: SessionDep, f: Filters,
                       format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx") -> Response:
    """The tasks in the caller's scope that the board's filters select, as an XLSX or CSV file in the import's
    format, so that it can be edited and imported again. Any role that may read the tasks."""
    name, fallback, body = await transfer.export(session, principal, f, fmt=format)
    media = XLSX if format == "xlsx" else "text/csv; charset=utf-8"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"})


@router.post("/bulk", response_model=BulkReport, name="bulk_upsert",
             summary="Upsert up to 200 tasks by the township system's ids, one result per item")
async def bulk_upsert(body: TaskBulk, principal: PrincipalDep, session: SessionDep) -> BulkReport:
    """For township systems (API clients with tasks:write): adds or updates up to 200 tasks by the system's own ids,
    one result per item; an item naming a village outside the client's township is refused on its own."""
    return await service.bulk_upsert(session, principal, body.items)


@router.post("/import", response_model=TaskImportReport, name="import",
             max_body_size=IMPORT_MAX_BYTES,
             summary="Import tasks from XLSX or CSV: a dry run reports every bad row; the import writes all or none")
async def import_tasks(principal: PrincipalDep, session: SessionDep, file: Annotated[UploadFile, File()],
                       dry_run: Annotated[bool, Form()] = True) -> TaskImportReport:
    """Imports tasks from an XLSX or CSV file. A dry run reports every bad row; the import writes every row or none.
    For the county admin and township officials; a file that cannot be read or has bad rows is 422."""
    content = await file.read()
    return await transfer.run_import(session, principal, content, file.filename, dry_run=dry_run)


@router.post("/imports", response_model=TaskImportJob, status_code=202, name="import-start",
             max_body_size=IMPORT_MAX_BYTES,
             responses={422: {"description": "import_unreadable, import_header_missing, import_empty, import_too_large"}},
             summary="Hand a task file (checked first with the dry run) to the worker; poll the import for progress")
async def start_import(principal: PrincipalDep, session: SessionDep, response: Response,
                       file: Annotated[UploadFile, File()]) -> TaskImportJob:
    """Hands a task file, checked first as a dry run, to the worker and answers the import to poll for progress
    (202). For the county admin and township officials; a file that cannot be read is 422."""
    content = await file.read()
    out = await imports.start(session, principal, content, file.filename)
    response.headers["Location"] = f"/api/v1/tasks/imports/{out.id}"
    return out


@router.get("/imports/{import_id}", response_model=TaskImportJob, name="import-get",
            summary="An import's progress and outcome (whoever started it, or the county)")
async def get_import(import_id: Id, principal: PrincipalDep, session: SessionDep) -> TaskImportJob:
    """An import's progress and outcome: state, rows read and written, and the bad rows. Whoever started it, or the
    county admin; another person's import is 404."""
    return await imports.get(session, principal, import_id)


@router.get("/photos/{photo_id}", name="photos-get", response_class=Response,
            responses={200: {"content": IMAGE_TYPES}}, summary="An evidence photo of a progress update")
async def get_photo(photo_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """An evidence photo of a task's progress update, as the image it was uploaded as. Any role whose scope holds
    the task's village; outside it is 404."""
    photo = await service.get_photo(session, principal, photo_id)
    ext = photo.content_type.split("/")[1]
    return Response(photo.content, media_type=photo.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(f'task-photo-{photo.id}.{ext}')}",
        "Cache-Control": "private, max-age=86400, immutable"})


@router.get("/{task_id}", response_model=TaskDetail, name="get", summary="A task with its history and photos")
async def get_task(task_id: Id, principal: PrincipalDep, session: SessionDep, response: Response) -> TaskDetail:
    """One task with its progress history, evidence photos and the actions the caller may take. Any role whose scope
    holds the task's village; outside it is 404."""
    v = await service.get_task(session, principal, task_id)
    response.headers["ETag"] = etag(v.task.task.version)
    return TaskDetail(**_task_out(v.task).model_dump(), history=[_history_out(h) for h in v.history])


@router.patch("/{task_id}", response_model=TaskOut, name="update", responses=PRECONDITIONS,
              summary="Change an open task's title, target, unit, due date or duties",
              description="The level that gave the task. A task no longer open answers 409 `task_not_editable`.")
async def update_task(task_id: Id, body: TaskPatch, principal: PrincipalDep, session: SessionDep,
                      response: Response, if_match: IfMatch = None) -> TaskOut:
    return _with_etag(response, await service.update_task(session, principal, task_id, body, if_match))


@router.post("/{task_id}/progress", response_model=ProgressOut, status_code=201, name="progress",
             summary="Post a progress update (the phone may replay it with its Idempotency-Key)")
async def post_progress(task_id: Id, body: ProgressIn, principal: PrincipalDep, session: SessionDep,
                        response: Response, key: IdemKey = None) -> ProgressOut:
    """Posts a progress update on a task (amount done, note) by its responsible party: the stationed cadre, the
    village committee or the partner unit. The phone may
    replay it with its Idempotency-Key; anyone else is 403 not_responsible, an accepted task 409 task_closed."""
    task, update, created = await service.post_progress(session, principal, task_id, body, key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return ProgressOut(task=_with_etag(response, task), update=_history_out(update))


@router.post("/{task_id}/progress/{update_id}/photos", response_model=TaskPhotoOut, status_code=201,
             name="progress-photo-add",
             responses={413: {"description": "photo_too_large"}, 422: {"description": "photo_type_refused"}},
             summary="Add an evidence photo (JPEG, PNG or WebP) to one's own progress update")
async def add_photo(task_id: Id, update_id: Id, file: Annotated[UploadFile, File()], principal: PrincipalDep,
                    session: SessionDep) -> TaskPhotoOut:
    """Adds an evidence photo (JPEG, PNG or WebP, checked by content) to one's own progress update. Only the author of the
    update; another file type is 422 photo_type_refused, a too-large file 413, more than the photos allowed 409."""
    content = await file.read(service.photo_limit() + 1)
    return _photo_out(await service.add_photo(session, principal, task_id, update_id, content))


@router.post("/{task_id}/accept", response_model=TaskOut, name="accept", responses=PRECONDITIONS,
             summary="Accept a finished task (the level that gave it)")
async def accept(task_id: Id, body: JudgeIn, principal: PrincipalDep, session: SessionDep, response: Response,
                 if_match: IfMatch = None) -> TaskOut:
    return _with_etag(response, await service.accept_task(session, principal, task_id, body, if_match))


@router.post("/{task_id}/send-back", response_model=TaskOut, name="send-back", responses=PRECONDITIONS,
             summary="Send a finished task back, with reasons")
async def send_back(task_id: Id, body: SendBackIn, principal: PrincipalDep, session: SessionDep,
                    response: Response, if_match: IfMatch = None) -> TaskOut:
    return _with_etag(response, await service.send_back(session, principal, task_id, body, if_match))
