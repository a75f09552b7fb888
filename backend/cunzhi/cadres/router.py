"""Stationed cadres (驻村干部): records, postings, posting proposals, settings; check-ins, work logs,
photos and the phone's offline batch sync; attendance. HTTP only: the rules are in service.py and
fieldwork.py."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Header, Path, Query, Response, UploadFile

from cunzhi.cadres import fieldwork, reports, service, views
from cunzhi.cadres.schemas import (
    AttendanceOut,
    CadreBulk,
    CadreCreate,
    CadreDetail,
    CadreList,
    CadreOut,
    CadrePatch,
    CadreSettingsIn,
    CadreSettingsOut,
    CheckinIn,
    CheckinOut,
    CheckinPage,
    CheckinReviewIn,
    FieldworkReportOut,
    FindingIn,
    FindingKind,
    FindingList,
    FindingOut,
    FindingState,
    FindingStateIn,
    LogIn,
    LogOut,
    LogPage,
    MyDay,
    PhotoOut,
    PostingConfirmResult,
    PostingCreate,
    PostingEnd,
    PostingList,
    PostingOut,
    PostingProposalCreate,
    PostingProposalList,
    PostingProposalOut,
    PostingProposalRerun,
    PostingProposalStatus,
    SevenRole,
    SyncRequest,
    SyncResponse,
    VillagePostingHistory,
)
from cunzhi.kit.bulk import BulkReport
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/cadres", tags=["cadres"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
CountyCode = Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="defaults to the caller's county")]
VillageCodeQ = Annotated[str | None, Query(pattern=r"^[0-9]{12}$")]
IfMatch = Annotated[str | None, Header(description="ETag from GET")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", pattern=r"^[!-~]{1,128}$",
                                       description="the phone's key for this write: a replay is stored once")]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the previous page")]
PRECONDITIONS: dict[int | str, dict[str, Any]] = {412: {"description": "Stale If-Match"},
                                                  428: {"description": "If-Match missing"}}
IMAGE_TYPES: dict[str, dict[str, Any]] = {"image/jpeg": {}, "image/png": {}, "image/webp": {}}


PHOTO_AGAIN = "The same photo (same bytes) already added to this entry: the stored one, not a second copy"


def _replayed(response: Response, created: bool) -> None:
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"


# ---- records ------------------------------------------------------------------------------


@router.get("", response_model=CadreList, name="list", summary="Stationed cadres in scope")
async def list_cadres(
    principal: PrincipalDep,
    session: SessionDep,
    county_code: CountyCode = None,
    active: bool | None = None,
    expertise: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,31}$")] = None,
    posted: Annotated[bool | None, Query(description="true: posted today; false: not posted")] = None,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="posted today in this township")]
    = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="name or home unit contains")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CadreList:
    """Stationed cadres (第一书记 and work-team members) in the caller's scope with their unit, expertise and current
    posting, filtered and searchable by name. Any role that sees the villages; a township sees postings in its
    own villages only."""
    items, total = await service.list_cadres(session, principal, county_code=county_code, active=active,
                                             expertise=expertise, posted=posted, township_code=township_code, q=q,
                                             limit=limit, offset=offset)
    return CadreList(items=[views.cadre_out(v) for v in items], total=total, limit=limit, offset=offset)


@router.post("", response_model=CadreOut, status_code=201, name="create", summary="Add a stationed cadre (county)")
async def create_cadre(body: CadreCreate, principal: PrincipalDep, session: SessionDep,
                       response: Response) -> CadreOut:
    """Adds a stationed cadre of the county with their unit, post and expertise. County admin only; an account already
    linked to another cadre is 409 account_already_linked."""
    out = views.cadre_out(await service.create_cadre(session, principal, body))
    response.headers["ETag"] = etag(out.version)
    response.headers["Location"] = f"/api/v1/cadres/{out.id}"
    return out


@router.post("/bulk", response_model=BulkReport, name="bulk_upsert",
             summary="Upsert up to 200 cadres by the township system's ids, one result per item")
async def bulk_upsert(body: CadreBulk, principal: PrincipalDep, session: SessionDep) -> BulkReport:
    """For township systems (API clients with cadres:write): adds or updates up to 200 cadres by the system's own
    ids, one result per item; postings are never upserted."""
    return await service.bulk_upsert(session, principal, body.items)


@router.get("/me/today", response_model=MyDay, name="me-today",
            summary="The calling cadre's village, posting and today's check-in (phone)")
async def me_today(principal: PrincipalDep, session: SessionDep) -> MyDay:
    """The signed-in cadre's village, current posting and today's check-in, for the phone's start page. Cadres only;
    an account not linked to an active stationed cadre, or with no village, is 403 not_a_stationed_cadre."""
    w, day, checkin = await fieldwork.my_day(session, principal)
    return MyDay(cadre_id=w.cadre.id, cadre_name=w.cadre.name, village=fieldwork.village_ref(w), today=day,
                 checkin=checkin)


# ---- settings -----------------------------------------------------------------------------


@router.get("/settings", response_model=CadreSettingsOut, name="settings-get",
            summary="Expertise list, weight table and cadres per village of a county")
async def get_settings(principal: PrincipalDep, session: SessionDep, response: Response,
                       county_code: CountyCode = None) -> CadreSettingsOut:
    """A county's cadre settings: the expertise list, the weights of expertise against problem categories and the
    cadres each village needs. Any signed-in role of the county; the county admin changes them."""
    out = views.settings_out(await service.get_settings(session, principal, county_code))
    response.headers["ETag"] = etag(out.version)
    return out


@router.put("/settings", response_model=CadreSettingsOut, name="settings-update", responses=PRECONDITIONS,
            summary="Change the county's cadre posting settings")
async def update_settings(body: CadreSettingsIn, principal: PrincipalDep, session: SessionDep, response: Response,
                          county_code: CountyCode = None, if_match: IfMatch = None) -> CadreSettingsOut:
    out = views.settings_out(await service.update_settings(session, principal, county_code, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


# ---- postings -----------------------------------------------------------------------------


@router.get("/postings", response_model=PostingList, name="postings-list", summary="Postings of cadres to villages in scope")
async def list_postings(
    principal: PrincipalDep,
    session: SessionDep,
    village_code: VillageCodeQ = None,
    cadre_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    township_code: VillageCodeQ = None,
    current: Annotated[bool, Query(description="only postings in force today")] = True,
    limit: Limit = 100,
    offset: Offset = 0,
) -> PostingList:
    """Postings of cadres to villages in the caller's scope, filtered by village, cadre and whether they are
    current. Any role that sees the villages; a township sees the postings in its own villages only."""
    items, total = await service.list_postings(session, principal, village_code=village_code, cadre_id=cadre_id,
                                               township_code=township_code, current=current, limit=limit,
                                               offset=offset)
    return PostingList(items=[views.posting_out(v) for v in items], total=total, limit=limit, offset=offset)


@router.post("/postings/{posting_id}/end", response_model=PostingOut, name="postings-end",
             responses={409: {"description": "posting_ended"}}, summary="End a posting early, with a reason")
async def end_posting(posting_id: Id, body: PostingEnd, principal: PrincipalDep, session: SessionDep) -> PostingOut:
    """Ends a posting early on a given day with a reason (replaced, village accepted, recalled, other). County admin
    only; an ended posting is 409, an end date outside the posting 422."""
    return views.posting_out(await service.end_posting(session, principal, posting_id, body))


@router.get("/villages/{village_code}/postings", response_model=VillagePostingHistory, name="village-postings",
            summary="Every cadre ever posted to a village")
async def village_postings(village_code: Annotated[str, Path(pattern=r"^[0-9]{12}$")], principal: PrincipalDep,
                           session: SessionDep) -> VillagePostingHistory:
    """Every cadre ever posted to a village, current and past, with the reason each posting ended. Any role whose
    scope holds the village; outside it is 404."""
    village, township_name, postings = await service.village_history(session, principal, village_code)
    return VillagePostingHistory(village=views.village_ref(village, township_name),
                                 items=[views.posting_out(v) for v in postings])


# ---- proposals ----------------------------------------------------------------------------


@router.get("/proposals", response_model=PostingProposalList, name="proposals-list", summary="Posting proposals of the county")
async def list_proposals(principal: PrincipalDep, session: SessionDep, status: PostingProposalStatus | None = None,
                         limit: Limit = 20, offset: Offset = 0) -> PostingProposalList:
    """The county's posting proposals, newest first, with their state and coverage. Readable within the county; only
    the county admin proposes and confirms."""
    items, total = await service.list_proposals(session, principal, status=status, limit=limit, offset=offset)
    return PostingProposalList(items=[views.summary(r) for r in items], total=total, limit=limit, offset=offset)


@router.post("/proposals", response_model=PostingProposalOut, status_code=201, name="proposals-create",
             summary="Propose postings: the best cadre for each weak village, with reasons")
async def create_proposal(body: PostingProposalCreate, principal: PrincipalDep, session: SessionDep,
                          response: Response) -> PostingProposalOut:
    """Proposes postings: the best available cadre for each weak village by expertise against its problem
    categories, with the reasons, stored as an open proposal. County admin only; a start day in the past is 422."""
    out = views.proposal_out(await service.create_proposal(session, principal, body))
    response.headers["Location"] = f"/api/v1/cadres/proposals/{out.id}"
    return out


@router.post("/proposals/{proposal_id}/rerun", response_model=PostingProposalOut, status_code=201,
             name="proposals-rerun", summary="Run a proposal again (changed pins, bans or moves), from today at the "
                                             "earliest")
async def rerun_proposal(proposal_id: Id, body: PostingProposalRerun, principal: PrincipalDep, session: SessionDep,
                         response: Response) -> PostingProposalOut:
    """Runs a proposal again with changed pins, bans or moves, from today at the earliest; the old proposal is
    superseded. County admin only; pins and bans that cannot all hold are 422 posting_input_conflict."""
    out = views.proposal_out(await service.rerun_proposal(session, principal, proposal_id, body))
    response.headers["Location"] = f"/api/v1/cadres/proposals/{out.id}"
    return out


@router.get("/proposals/{proposal_id}", response_model=PostingProposalOut, name="proposals-get",
            summary="A posting proposal with the reason for every match")
async def get_proposal(proposal_id: Id, principal: PrincipalDep, session: SessionDep) -> PostingProposalOut:
    """A posting proposal with every match and its reason, the cadres it moves or ends and the villages left
    uncovered. Readable within the county; another county's proposal is 404."""
    return views.proposal_out(await service.get_proposal(session, principal, proposal_id))


@router.post("/proposals/{proposal_id}/confirm", response_model=PostingConfirmResult, name="proposals-confirm",
             responses={409: {"description": "posting_proposal_stale or posting_proposal_not_open"}},
             summary="Confirm a posting proposal: its matches become postings")
async def confirm_proposal(proposal_id: Id, principal: PrincipalDep, session: SessionDep) -> PostingConfirmResult:
    """Confirms an open posting proposal: its matches become postings and the postings it replaces end the day
    before. County admin only; a proposal no longer open or overtaken by changes is 409."""
    return views.confirm_out(await service.confirm_proposal(session, principal, proposal_id))


# ---- check-ins ----------------------------------------------------------------------------


@router.get("/checkins", response_model=CheckinPage, name="checkins-list", summary="Check-ins, newest day first")
async def list_checkins(
    principal: PrincipalDep,
    session: SessionDep,
    village_code: VillageCodeQ = None,
    cadre_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mine: Annotated[bool, Query(description="only the caller's own")] = False,
    township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    flagged: Annotated[bool | None, Query(description="true: only flagged ones (held for review)")] = None,
    reviewed: Annotated[bool | None, Query(description="false: not reviewed yet")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CheckinPage:
    """Cadres' check-ins in the caller's scope, newest day first, with position flags (far from the village, poor
    accuracy, late upload) and their review. Any role that sees the villages; a cadre sees their own."""
    return await fieldwork.list_checkins(session, principal, village_code=village_code, cadre_id=cadre_id,
                                         date_from=date_from, date_to=date_to, mine=mine, cursor=cursor, limit=limit,
                                         flagged=flagged, reviewed=reviewed, township_code=township_code)


@router.post("/checkins/{checkin_id}/review", response_model=CheckinOut, name="checkins-review",
             summary="Accept or reject a flagged check-in (county or township; once)",
             responses={409: {"description": "checkin_not_flagged, checkin_already_reviewed"}})
async def review_checkin(checkin_id: Id, body: CheckinReviewIn, principal: PrincipalDep,
                         session: SessionDep) -> CheckinOut:
    """Accepts or rejects a flagged check-in, once, with a note. For the county admin and the village's township
    official; a check-in reviewed already
    is 409 checkin_already_reviewed, one without flags 409 checkin_not_flagged."""
    return await fieldwork.review_checkin(session, principal, checkin_id, body)


@router.post("/checkins", response_model=CheckinOut, status_code=201, name="checkins-create",
             summary="Check in (cadre, own village; once a day; the phone's time up to 7 days old)",
             responses={200: {"model": CheckinOut,
                              "description": "The same write again (same Idempotency-Key): the stored check-in"},
                        409: {"description": "already_checked_in"}})
async def create_checkin(body: CheckinIn, principal: PrincipalDep, session: SessionDep, response: Response,
                         idempotency_key: IdemKey = None) -> CheckinOut:
    """A cadre checks in at their own village, once a day, with the phone's position and time (up to 7 days old).
    Cadres only; a second check-in of the day is
    409 already_checked_in, a phone time in the future or too old 422."""
    out, created = await fieldwork.create_checkin(session, principal, body, idempotency_key)
    _replayed(response, created)
    return out


@router.post("/checkins/{checkin_id}/photos", response_model=PhotoOut, status_code=201, name="checkins-photo-add",
             responses={200: {"model": PhotoOut, "description": PHOTO_AGAIN},
                        413: {"description": "photo_too_large"}, 422: {"description": "photo_type_refused"}},
             summary="Add a photo (JPEG, PNG or WebP) to one's own check-in")
async def add_checkin_photo(checkin_id: Id, file: Annotated[UploadFile, File()], principal: PrincipalDep,
                            session: SessionDep, response: Response) -> PhotoOut:
    """Adds a photo (JPEG, PNG or WebP, checked by content) to one's own check-in. Only the cadre who checked in;
    another file type is 422, a too-large file 413."""
    content = await file.read(fieldwork.photo_limit() + 1)
    out, created = await fieldwork.add_photo(session, principal, "checkin", checkin_id, content)
    _replayed(response, created)
    return out


# ---- work logs ----------------------------------------------------------------------------


@router.get("/logs", response_model=LogPage, name="logs-list", summary="Work logs, newest day first")
async def list_logs(
    principal: PrincipalDep,
    session: SessionDep,
    village_code: VillageCodeQ = None,
    cadre_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    role: SevenRole | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mine: Annotated[bool, Query(description="only the caller's own")] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> LogPage:
    """Cadres' work logs in the caller's scope, newest day first: what was done, the seven roles taken and the
    promotion and oversight counts. Any role that sees the villages; a cadre sees their own."""
    return await fieldwork.list_logs(session, principal, village_code=village_code, cadre_id=cadre_id, role=role,
                                     date_from=date_from, date_to=date_to, mine=mine, cursor=cursor, limit=limit)


@router.post("/logs", response_model=LogOut, status_code=201, name="logs-create",
             summary="Write a work log entry (cadre, own village)",
             responses={200: {"model": LogOut,
                              "description": "The same write again (same Idempotency-Key): the stored entry"}})
async def create_log(body: LogIn, principal: PrincipalDep, session: SessionDep, response: Response,
                     idempotency_key: IdemKey = None) -> LogOut:
    """A cadre writes a work log entry for their own village: the day (not after today and not too long before), the
    roles taken, the work and its counts. Cadres only; a bad day is 422."""
    out, created = await fieldwork.create_log(session, principal, body, idempotency_key)
    _replayed(response, created)
    return out


@router.post("/logs/{log_id}/photos", response_model=PhotoOut, status_code=201, name="logs-photo-add",
             responses={200: {"model": PhotoOut, "description": PHOTO_AGAIN},
                        413: {"description": "photo_too_large"}, 422: {"description": "photo_type_refused"}},
             summary="Add a photo (JPEG, PNG or WebP) to one's own work log")
async def add_log_photo(log_id: Id, file: Annotated[UploadFile, File()], principal: PrincipalDep,
                        session: SessionDep, response: Response) -> PhotoOut:
    """Adds a photo (JPEG, PNG or WebP, checked by content) to one's own work log. Only the cadre who wrote it;
    another file type is 422, a too-large file 413."""
    content = await file.read(fieldwork.photo_limit() + 1)
    out, created = await fieldwork.add_photo(session, principal, "log", log_id, content)
    _replayed(response, created)
    return out


@router.get("/photos/{photo_id}", name="photos-get", response_class=Response,
            responses={200: {"content": IMAGE_TYPES}}, summary="A photo of a check-in or work log")
async def get_photo(photo_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """A photo of a check-in or a work log, as the image it was uploaded as. Any role whose scope holds the village;
    outside it is 404."""
    photo = await fieldwork.get_photo(session, principal, photo_id)
    ext = photo.content_type.split("/")[1]
    return Response(photo.content, media_type=photo.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(f'photo-{photo.id}.{ext}')}",
        "X-Content-SHA256": photo.sha256, "Cache-Control": "private, max-age=86400, immutable"})


# ---- offline batch sync -------------------------------------------------------------------


@router.post("/sync", response_model=SyncResponse, name="sync",
             summary="Apply up to 1,000 queued check-ins and work logs, each on its own, each with its own key")
async def sync(body: SyncRequest, principal: PrincipalDep, session: SessionDep) -> Response:
    """Applies up to 1,000 check-ins and work logs queued on the phone while offline (a week's), each on its own
    with its own idempotency key, and answers each item's outcome. Cadres only; one bad item does not stop the
    others. A body over the request limit (CUNZHI_MAX_BODY_BYTES, 2 MiB by default) is 413: send fewer items."""
    result = await fieldwork.sync(session, principal, body)
    # Serialised once: returned as a model, FastAPI would validate the hundred results again first.
    return Response(result.model_dump_json(), media_type="application/json")


# ---- attendance ---------------------------------------------------------------------------


@router.get("/attendance", response_model=AttendanceOut, name="attendance",
            summary="Check-in days, work logs, promotions and oversights per cadre for a month")
async def attendance(
    principal: PrincipalDep,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    township_code: VillageCodeQ = None,
    village_code: VillageCodeQ = None,
) -> AttendanceOut:
    """Per cadre for a month: days checked in, work logs, promotions and oversights, against the days required in
    the village. Any role over its own scope; a
    township outside it is 404, a month not written YYYY-MM 422."""
    return await fieldwork.attendance(session, principal, month=month, township_code=township_code,
                                      village_code=village_code)


# ---- the three promotions and two oversights: report and findings --------------------------

MonthQ = Annotated[str, Query(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reports/fieldwork", response_model=FieldworkReportOut, name="fieldwork-report",
            summary="三促进 两监督 per village for a month: promotions, oversights and findings by follow-up state")
async def fieldwork_report(principal: PrincipalDep, session: SessionDep, month: MonthQ,
                           township_code: VillageCodeQ = None, village_code: VillageCodeQ = None) -> FieldworkReportOut:
    """The 三促进 两监督 report for a month per village: promotions, oversights and findings by follow-up state, with
    totals. Any role over its own scope; a township outside it is 404."""
    return await reports.report(session, principal, month=month, township_code=township_code,
                                village_code=village_code)


@router.get("/reports/fieldwork/export.xlsx", name="fieldwork-report-export", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "An XLSX workbook with Chinese headers"}},
            summary="The fieldwork report and the month's findings as XLSX")
async def fieldwork_report_export(principal: PrincipalDep, session: SessionDep, month: MonthQ,
                                  township_code: VillageCodeQ = None) -> Response:
    """The fieldwork report and the month's findings as an XLSX workbook with a Chinese file name. Any
    role over its own scope; a township outside it is 404."""
    name, fallback, body = await reports.export(session, principal, month=month, township_code=township_code)
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"})


@router.get("/findings", response_model=FindingList, name="findings-list",
            summary="Oversight findings raised by work logs in a month, with their follow-up state and history")
async def list_findings(principal: PrincipalDep, session: SessionDep, month: MonthQ,
                        township_code: VillageCodeQ = None, village_code: VillageCodeQ = None,
                        state: FindingState | None = None, kind: FindingKind | None = None) -> FindingList:
    """Oversight findings raised by work logs in a month, with their follow-up state and history, filtered by
    township. Any role over its own scope; a township outside it is 404."""
    return await reports.list_findings(session, principal, month=month, township_code=township_code,
                                       village_code=village_code, state=state, kind=kind)


@router.post("/logs/{log_id}/findings", response_model=FindingOut, status_code=201, name="logs-finding-add",
             responses={200: {"model": FindingOut, "description": "The same kind and text again: the finding stored"}},
             summary="Add an oversight finding (policy or discipline) to one's own work log")
async def add_finding(log_id: Id, body: FindingIn, principal: PrincipalDep, session: SessionDep,
                      response: Response) -> FindingOut:
    """Adds an oversight finding (a policy or a discipline issue) to one's own work log. Only the cadre who wrote
    the log; another cadre is 403; the same kind and text again answers the finding
    already added."""
    out, created = await reports.add_finding(session, principal, log_id, body)
    _replayed(response, created)
    return out


@router.post("/findings/{finding_id}/state", response_model=FindingOut, name="findings-move",
             responses={409: {"description": "finding_transition_refused"}, 412: {"description": "version changed"}},
             summary="Move a finding open -> following_up -> resolved (county or the village's township; "
                     "a discipline one: the discipline inspector too)")
async def move_finding(finding_id: Id, body: FindingStateIn, principal: PrincipalDep,
                       session: SessionDep) -> FindingOut:
    """Moves a finding one step forward, open -> following_up -> resolved, with a note; the version read must be
    sent. For the county and the village's township (a discipline finding: the discipline inspector too); a stale
    version is 412, another step 409."""
    return await reports.move_finding(session, principal, finding_id, body)


# ---- one cadre (after the fixed paths) ----------------------------------------------------


@router.get("/{cadre_id:int}", response_model=CadreDetail, name="get", summary="A cadre with every posting")
async def get_cadre(cadre_id: Id, principal: PrincipalDep, session: SessionDep, response: Response) -> CadreDetail:
    """One stationed cadre with every posting visible to the caller, and their ETag. Any role that sees the cadre; a
    township sees the postings in its own villages only; otherwise 404."""
    out = views.cadre_detail(await service.get_cadre(session, principal, cadre_id))
    response.headers["ETag"] = etag(out.version)
    return out


@router.patch("/{cadre_id:int}", response_model=CadreOut, name="update", responses=PRECONDITIONS,
              summary="Change a stationed cadre's name, home unit, expertise or whether active",
              description="The county administrator of the cadre's county only. A field sent as null is refused (422); "
                          "postings change through the postings operations, not here.")
async def update_cadre(cadre_id: Id, body: CadrePatch, principal: PrincipalDep, session: SessionDep,
                       response: Response, if_match: IfMatch = None) -> CadreOut:
    out = views.cadre_out(await service.update_cadre(session, principal, cadre_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/{cadre_id:int}/postings", response_model=PostingOut, status_code=201, name="postings-create",
             responses={409: {"description": "posting_overlap or cadre_inactive"}},
             summary="Post a cadre to a village (a current posting ends the day before)")
async def create_posting(cadre_id: Id, body: PostingCreate, principal: PrincipalDep, session: SessionDep) -> PostingOut:
    """Posts a cadre to a village from a day; a current posting of the cadre ends the day before. County admin only;
    an inactive cadre or a period
    overlapping another posting is 409, a village outside the county 422."""
    return views.posting_out(await service.create_posting(session, principal, cadre_id, body))
