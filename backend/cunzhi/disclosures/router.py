"""Monthly disclosure (三务公开): the county template, rounds and items, villages' publications, files,
reviews, inspections, the lock and corrections; the villages' QR codes; and the public, unauthenticated
read of what was published. HTTP only: the rules are in service.py and public.py."""

import dataclasses
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Form, Header, Path, Query, Request, Response, UploadFile

from cunzhi.disclosures import public, service
from cunzhi.disclosures.models import Item, Round, TemplateItem
from cunzhi.disclosures.rules import DisclosureRoundStatus, FileKind, ItemKind, Section, VillageStatus
from cunzhi.disclosures.schemas import (
    BoardRow,
    CorrectionIn,
    CorrectionOut,
    DisclosureItemIn,
    DisclosureItemOut,
    DisclosureItemPatch,
    DisclosureRoundDetail,
    DisclosureRoundIn,
    DisclosureRoundList,
    DisclosureRoundOut,
    DisclosureRoundPatch,
    EntryOut,
    FileOut,
    FinanceOut,
    InspectionIn,
    InspectionOut,
    PublicationOut,
    PublicDisclosure,
    PublicVillage,
    PublishIn,
    ReviewIn,
    ReviewOut,
    TemplateItemIn,
    TemplateItemOut,
    TemplateItemPatch,
    TemplateOut,
    VillageDisclosure,
)
from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.etag import etag
from cunzhi.kit.routing import DomainRouter
from cunzhi.kit.uploads import upload_limit

router = DomainRouter(prefix="/api/v1/disclosures", tags=["disclosures"])

Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
VillageCode = Annotated[str, Path(pattern=r"^[0-9]{12}$")]
CountyCode = Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="defaults to the caller's county")]
IfMatch = Annotated[str | None, Header(description="ETag from GET")]
PRECONDITIONS: dict[int | str, dict[str, Any]] = {412: {"description": "Stale If-Match"},
                                                  428: {"description": "If-Match missing"}}
LOCKED: dict[int | str, dict[str, Any]] = {409: {"description": "month_locked: the month is locked"}}
FILE_TYPES: dict[str, dict[str, Any]] = {t: {} for t in service.ALLOWED_FILES}


# ---- shaping the services' rows and views into the API's models ----------------------------------

def _template_item_out(t: TemplateItem) -> TemplateItemOut:
    return TemplateItemOut(id=t.id, section=Section(t.section), title=t.title, guidance=t.guidance, sort=t.sort,
                           active=t.active, retired_at=t.retired_at, version=t.version)


def _round_out(r: Round) -> DisclosureRoundOut:
    return DisclosureRoundOut(id=r.id, township_code=r.township_code, year=r.year, month=r.month,
                              publish_by=r.publish_by, status=DisclosureRoundStatus(r.status),
                              finance_period=service.finance_period(r), locked_at=r.locked_at, version=r.version)


def _item_out(i: Item) -> DisclosureItemOut:
    return DisclosureItemOut(id=i.id, section=Section(i.section), kind=ItemKind(i.kind),
                             updates_item_id=i.updates_item_id, title=i.title, guidance=i.guidance, sort=i.sort,
                             version=i.version)


def _correction_out(v: service.CorrectionView) -> CorrectionOut:
    c = v.correction
    return CorrectionOut(id=c.id, round_id=c.round_id, corrects_round_id=c.corrects_round_id,
                         corrects_period=v.corrects_period, village_code=v.village_code, item_id=c.item_id,
                         reason=c.reason, text=c.text, recorded_by=c.recorded_by, recorded_at=c.recorded_at)


def _round_detail(v: service.RoundDetailView) -> DisclosureRoundDetail:
    return DisclosureRoundDetail(
        **_round_out(v.round).model_dump(), items=[_item_out(i) for i in v.items],
        villages=[BoardRow(**dataclasses.asdict(b)) for b in v.villages],
        corrections=[_correction_out(c) for c in v.corrections], allowed_actions=v.allowed_actions)


def _publication_out(v: service.PublicationView) -> PublicationOut:
    pub, by_id = v.publication, {i.id: i for i in v.items}
    entries = [EntryOut(item_id=e["item_id"], section=Section(by_id[e["item_id"]].section),
                        title=by_id[e["item_id"]].title, text=e["text"])
               for e in pub.entries if e["item_id"] in by_id]
    return PublicationOut(id=pub.id, published_at=pub.published_at, late=pub.late, entries=entries,
                          finance=FinanceOut(**dataclasses.asdict(v.finance)), file_ids=list(pub.file_ids))


def _village_out(v: service.VillageView) -> VillageDisclosure:
    rv = v.round_village
    return VillageDisclosure(
        round=_round_out(v.round), village_code=v.village.code, village_name=v.village.name,
        status=VillageStatus(rv.status), late=rv.late, fix_by=rv.fix_by, items=[_item_out(i) for i in v.items],
        publication=_publication_out(v.publication) if v.publication else None, publications=v.publications,
        files=[FileOut.model_validate(f, from_attributes=True) for f in v.files],
        reviews=[ReviewOut.model_validate(x, from_attributes=True) for x in v.reviews],
        inspections=[InspectionOut.model_validate(x, from_attributes=True) for x in v.inspections],
        allowed_actions=v.allowed_actions, version=rv.version)


@router.get("/template", response_model=TemplateOut, name="template-get",
            summary="The county's template: the items every new round starts with")
async def get_template(principal: PrincipalDep, session: SessionDep, county_code: CountyCode = None) -> TemplateOut:
    """The county's disclosure template: the items every new round starts with, by section (party, village,
    finance). Any signed-in role of the county; the county admin and the discipline inspector change it."""
    v = await service.get_template(session, principal, county_code)
    return TemplateOut(county_code=v.county_code, items=[_template_item_out(t) for t in v.items],
                       allowed_actions=v.allowed_actions)


@router.post("/template/items", response_model=TemplateItemOut, status_code=201, name="template-item-create",
             summary="Add an item to the county's disclosure template",
             description="County administrator only. Rounds fixed from now on start with the item; rounds "
                         "already fixed keep their items.")
async def add_template_item(body: TemplateItemIn, principal: PrincipalDep, session: SessionDep, response: Response,
                            county_code: CountyCode = None) -> TemplateItemOut:
    out = _template_item_out(await service.add_template_item(session, principal, county_code, body))
    response.headers["ETag"] = etag(out.version)
    return out


RETIRED: dict[int | str, dict[str, Any]] = {409: {"description": "template_item_retired: the item is turned off"}}


@router.patch("/template/items/{item_id}", response_model=TemplateItemOut, name="template-item-update",
              responses={**PRECONDITIONS, **RETIRED}, summary="Change an item of the county's disclosure template",
              description="County administrator only, under the item's ETag (`version` from GET /template, "
                          "sent as If-Match W/\"version\"). Rounds fixed from now on take the new text; "
                          "rounds already fixed keep theirs.")
async def update_template_item(item_id: Id, body: TemplateItemPatch, principal: PrincipalDep, session: SessionDep,
                               response: Response, if_match: IfMatch = None) -> TemplateItemOut:
    out = _template_item_out(await service.update_template_item(session, principal, item_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/template/items/{item_id}/retire", response_model=TemplateItemOut, name="template-item-retire",
             responses={**PRECONDITIONS, **RETIRED}, summary="Turn a template item off",
             description="County administrator only, under the item's ETag. New rounds no longer start with "
                         "the item; it is kept, and rounds already fixed keep theirs.")
async def retire_template_item(item_id: Id, principal: PrincipalDep, session: SessionDep, response: Response,
                               if_match: IfMatch = None) -> TemplateItemOut:
    out = _template_item_out(await service.retire_template_item(session, principal, item_id, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.get("/rounds", response_model=DisclosureRoundList, name="rounds-list", summary="Rounds in scope, newest month first")
async def list_rounds(principal: PrincipalDep, session: SessionDep,
                      township_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
                      year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                      month: Annotated[int | None, Query(ge=1, le=12)] = None) -> DisclosureRoundList:
    """Disclosure rounds (a township's month) in the caller's scope, newest month first, with their state and counts
    of villages by status. Any role that sees the townships."""
    rounds = await service.list_rounds(session, principal, township_code=township_code, year=year, month=month)
    return DisclosureRoundList(items=[_round_out(r) for r in rounds])


@router.post("/rounds", response_model=DisclosureRoundOut, status_code=201, name="rounds-create",
             summary="Fix a township's round of a month (pre-filled from the county template)")
async def create_round(body: DisclosureRoundIn, principal: PrincipalDep, session: SessionDep,
                       response: Response) -> DisclosureRoundOut:
    """Fixes a township's disclosure round for a month, pre-filled with the county template's items. For township
    officials and the discipline inspector; a round of that month already there is 409."""
    out = _round_out(await service.create_round(session, principal, body))
    response.headers["Location"] = f"/api/v1/disclosures/rounds/{out.id}"
    response.headers["ETag"] = etag(out.version)
    return out


@router.get("/rounds/{round_id}", response_model=DisclosureRoundDetail, name="rounds-get",
            summary="The month board: items, and each village's status (late and failed flagged)")
async def get_round(round_id: Id, principal: PrincipalDep, session: SessionDep, response: Response) -> DisclosureRoundDetail:
    """The month board of a round: its items and each village's status, with late and failed villages flagged. Any
    role whose scope holds the township; outside it is 404."""
    out = _round_detail(await service.get_round(session, principal, round_id))
    response.headers["ETag"] = etag(out.version)
    return out


@router.patch("/rounds/{round_id}", response_model=DisclosureRoundOut, name="rounds-update",
              responses={**PRECONDITIONS, **LOCKED}, summary="Move the publish-by day")
async def update_round(round_id: Id, body: DisclosureRoundPatch, principal: PrincipalDep, session: SessionDep,
                       response: Response, if_match: IfMatch = None) -> DisclosureRoundOut:
    out = _round_out(await service.update_round(session, principal, round_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/rounds/{round_id}/lock", response_model=DisclosureRoundOut, name="rounds-lock",
             responses={**PRECONDITIONS, **LOCKED},
             summary="Lock the month after its publish-by day, once no publication waits for inspection")
async def lock_round(round_id: Id, principal: PrincipalDep, session: SessionDep, response: Response,
                     if_match: IfMatch = None) -> DisclosureRoundOut:
    out = _round_out(await service.lock_round(session, principal, round_id, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/rounds/{round_id}/items", response_model=DisclosureItemOut, status_code=201, name="items-create",
             responses=LOCKED, summary="Add an item (new, or an update of an earlier month's item)")
async def add_item(round_id: Id, body: DisclosureItemIn, principal: PrincipalDep, session: SessionDep) -> DisclosureItemOut:
    """Adds an item to an open round: a new one, or an update of an item of an earlier month. For township officials
    and the discipline inspector; a locked round is 409."""
    return _item_out(await service.add_item(session, principal, round_id, body))


@router.patch("/rounds/{round_id}/items/{item_id}", response_model=DisclosureItemOut, name="items-update",
              responses={**PRECONDITIONS, **LOCKED}, summary="Change an item of a month's disclosure round",
              description="The township that manages the round, while the month is not locked (409 "
                          "`month_locked`). The finance item comes from the books and is not edited (409 "
                          "`finance_generated`).")
async def update_item(round_id: Id, item_id: Id, body: DisclosureItemPatch, principal: PrincipalDep, session: SessionDep,
                      response: Response, if_match: IfMatch = None) -> DisclosureItemOut:
    out = _item_out(await service.update_item(session, principal, round_id, item_id, body, if_match))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/rounds/{round_id}/corrections", response_model=CorrectionOut, status_code=201,
             name="corrections-create", responses=LOCKED,
             summary="Record, in this month, a correction of the locked month before (a reason is required)")
async def add_correction(round_id: Id, body: CorrectionIn, principal: PrincipalDep,
                         session: SessionDep) -> CorrectionOut:
    """Records in this month's round a correction of the locked month before, with the reason it is needed. For
    township officials and the discipline inspector; a month before that is not locked is 409, an item not of
    that month 422."""
    return _correction_out(await service.add_correction(session, principal, round_id, body))


@router.get("/rounds/{round_id}/villages/{village_code}", response_model=VillageDisclosure, name="village-get",
            summary="A village's disclosure of the month: items, the latest publication (finance checked "
                    "against the books), files, reviews and inspections")
async def get_village(round_id: Id, village_code: VillageCode, principal: PrincipalDep, session: SessionDep,
                      response: Response) -> VillageDisclosure:
    """A village's disclosure of the month: items, the latest publication (finance checked against the books),
    files, the supervision committee's reviews and the township's inspections. Any role whose scope holds the
    village."""
    out = _village_out(await service.get_village_disclosure(session, principal, round_id, village_code))
    response.headers["ETag"] = etag(out.version)
    return out


async def _village(session: SessionDep, principal: PrincipalDep, round_id: int, village_code: str,
                   response: Response) -> VillageDisclosure:
    out = _village_out(await service.get_village_disclosure(session, principal, round_id, village_code))
    response.headers["ETag"] = etag(out.version)
    return out


@router.post("/rounds/{round_id}/villages/{village_code}/publish", response_model=VillageDisclosure,
             name="village-publish", responses={**PRECONDITIONS, **LOCKED},
             summary="Publish (or republish after a failed inspection); the finance section comes from the books")
async def publish(round_id: Id, village_code: VillageCode, body: PublishIn, principal: PrincipalDep,
                  session: SessionDep, response: Response, if_match: IfMatch = None) -> VillageDisclosure:
    await service.publish(session, principal, round_id, village_code, body, if_match)
    return await _village(session, principal, round_id, village_code, response)


@router.post("/rounds/{round_id}/villages/{village_code}/files", response_model=FileOut, status_code=201,
             name="village-file-upload", responses={**LOCKED, 413: {"description": "file_too_large"}},
             summary="Upload an attachment (PDF or image) or the notice-board photo; it goes with the next "
                     "publication")
async def upload(round_id: Id, village_code: VillageCode, principal: PrincipalDep, session: SessionDep,
                 file: Annotated[UploadFile, File()], kind: Annotated[FileKind, Form()]) -> FileOut:
    """Uploads an attachment (PDF or image, checked by content) or the notice-board photo for a village's
    disclosure; it goes with the next publication. For the village committee; another file type is 422, a too-
    large file 413."""
    content = await file.read(upload_limit() + 1)
    f = await service.add_file(session, principal, round_id, village_code, kind=kind,
                               filename=file.filename or kind.value, content=content)
    return FileOut.model_validate(f, from_attributes=True)


@router.post("/rounds/{round_id}/villages/{village_code}/reviews", response_model=ReviewOut, status_code=201,
             name="village-review", responses=LOCKED,
             summary="The supervision committee's opinion, before or after publication")
async def review(round_id: Id, village_code: VillageCode, body: ReviewIn, principal: PrincipalDep,
                 session: SessionDep) -> ReviewOut:
    """Records the supervision committee's opinion of a village's disclosure, before or after publication. For the
    village's supervision committee only (403 for other roles); a village outside the scope is 404."""
    return ReviewOut.model_validate(await service.review(session, principal, round_id, village_code, body),
                                    from_attributes=True)


@router.post("/rounds/{round_id}/villages/{village_code}/inspections", response_model=InspectionOut,
             status_code=201, name="village-inspect", responses={**PRECONDITIONS, **LOCKED},
             summary="The township's inspection: passed, or failed with findings and a day to fix by")
async def inspect(round_id: Id, village_code: VillageCode, body: InspectionIn, principal: PrincipalDep,
                  session: SessionDep, if_match: IfMatch = None) -> InspectionOut:
    ins = await service.inspect(session, principal, round_id, village_code, body, if_match)
    return InspectionOut.model_validate(ins, from_attributes=True)


@router.get("/files/{file_id}", name="files-get", response_class=Response,
            responses={200: {"content": FILE_TYPES}}, summary="An attachment or notice-board photo")
async def get_file(file_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """An attachment or notice-board photo of a village's disclosure, with its content type. Any role whose scope
    holds the village; outside it is 404."""
    f = await service.get_file(session, principal, file_id)
    return Response(f.content, media_type=f.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(f.filename)}",
        "Cache-Control": "private, max-age=86400, immutable"})


@router.get("/villages/{village_code}/qr.{fmt}", name="village-qr", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
            summary="The printable QR code of a village's public page, for the notice board")
async def village_qr(village_code: VillageCode, fmt: Annotated[str, Path(pattern="^(svg|png)$")],
                     principal: PrincipalDep, session: SessionDep) -> Response:
    """The printable QR code (PNG or SVG) of a village's public disclosure page, for the notice board. Any role
    whose scope holds the village."""
    body, media, link = await public.qr_code(session, principal, village_code, fmt)
    return Response(body, media_type=media, headers={"X-Link": link, "Cache-Control": "private, max-age=3600"})


# ---- public: no login ---------------------------------------------------------------------------

public_router = DomainRouter(prefix="/api/v1/public", tags=["public"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Nothing published here"},
                                              304: {"description": "Not modified (If-None-Match)"},
                                              429: {"description": "rate_limited"}}


@public_router.get("/villages/{village_code}/disclosures", response_model=PublicVillage,
                   name="village-disclosures", responses=NOT_FOUND,
                   summary="The months a village has published (404 when it has published nothing)")
async def public_village(village_code: VillageCode, request: Request, session: SessionDep) -> Response:
    """The months a village has published its disclosure, for the public page behind the notice board's QR code. No
    sign-in; a village that has published nothing is 404."""
    return await public.answer(session, request, lambda: public.village_months(session, village_code))


@public_router.get("/villages/{village_code}/disclosures/{year}/{month}", response_model=PublicDisclosure,
                   name="village-disclosure", responses=NOT_FOUND,
                   summary="What a village published for a month, with the finance section checked against the books")
async def public_disclosure(village_code: VillageCode, year: Annotated[int, Path(ge=2000, le=2100)],
                            month: Annotated[int, Path(ge=1, le=12)], request: Request,
                            session: SessionDep) -> Response:
    """What a village published for a month (party, village and finance sections), with the finance section checked
    against the ledger. No sign-in; a month not published is 404."""
    return await public.answer(session, request,
                               lambda: public.village_month(session, village_code, year, month))


@public_router.get("/files/{file_id}", name="file", response_class=Response,
                   responses={200: {"content": FILE_TYPES}, **NOT_FOUND},
                   summary="A file of a published disclosure")
async def public_file(file_id: Id, request: Request, session: SessionDep) -> Response:
    """An attachment or notice-board photo of a published disclosure, for the public page. No sign-in; a file of an
    unpublished disclosure is 404."""
    return await public.file_answer(session, request, file_id)
