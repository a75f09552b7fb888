"""The rules of the monthly disclosure: the county's template, rounds and their items, a village's
publication (the finance section generated from its ledger), files, the supervision committee's
reviews, the township's inspections, the lock and corrections. Services flush, never commit.

Every write into a round goes through `_writable_round`, which locks the round's row and refuses a
locked month (`month_locked`, 409): the lock itself takes the same row lock, so a write and the lock
never interleave."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from cunzhi.disclosures import finance
from cunzhi.disclosures.models import (
    Correction,
    File,
    Inspection,
    Item,
    Publication,
    Review,
    Round,
    RoundVillage,
    TemplateItem,
)
from cunzhi.disclosures.permissions import DISCLOSURES, DisclosureAction
from cunzhi.disclosures.rules import (
    INSPECTABLE,
    PUBLISHABLE,
    DisclosureRoundStatus,
    FileKind,
    InspectionResult,
    ItemKind,
    Section,
    VillageStatus,
)
from cunzhi.disclosures.schemas import (
    CorrectionIn,
    DisclosureItemIn,
    DisclosureItemPatch,
    DisclosureRoundIn,
    DisclosureRoundPatch,
    InspectionIn,
    PublishIn,
    ReviewIn,
    TemplateItemIn,
    TemplateItemPatch,
)
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, events
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import Conflict, DomainError, NotFound, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import allowed, require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import managed_county, readable_county, sees_county, village_clause
from cunzhi.kit.uploads import sniff_image, upload_limit
from cunzhi.villages.models import Village

ENTITY = "disclosure"


class MonthLocked(Conflict):
    code, title = "month_locked", "The month is locked: record a correction in the next month instead"


class FileRefused(Unprocessable):
    code, title = "file_refused", "The file was refused"


class FileTooLarge(DomainError):
    status, code, title = 413, "file_too_large", "The file is larger than allowed"


def field_error(loc: str, msg: str, code: str) -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", loc], "msg": msg, "type": "value_error"}])


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def finance_period(r: Round) -> str:
    """The month a round's finance section covers (the month before the round's)."""
    return _period(*finance.finance_period(r.year, r.month))


# ---- what the reads return (the router shapes them) --------------------------------------------

@dataclass(frozen=True)
class TemplateView:
    county_code: str
    items: Sequence[TemplateItem]
    allowed_actions: list[str]


@dataclass(frozen=True)
class BoardLine:
    """A village's line on the month board."""

    village_code: str
    village_name: str
    status: str
    late: bool
    fix_by: date | None
    published_at: datetime | None
    reviews: int
    inspections: int


@dataclass(frozen=True)
class CorrectionView:
    correction: Correction
    corrects_period: str
    village_code: str


@dataclass(frozen=True)
class RoundDetailView:
    round: Round
    items: Sequence[Item]
    villages: list[BoardLine]
    corrections: list[CorrectionView]
    allowed_actions: list[str]


@dataclass(frozen=True)
class FinanceCheck:
    """A publication's frozen finance section against the books as they are now."""

    period: str
    frozen: dict[str, Any]
    frozen_hash: str
    current_hash: str
    matches: bool
    current: dict[str, Any] | None


@dataclass(frozen=True)
class PublicationView:
    publication: Publication
    items: Sequence[Item]
    finance: FinanceCheck


@dataclass(frozen=True)
class VillageView:
    round: Round
    village: Village
    round_village: RoundVillage
    items: Sequence[Item]
    publication: PublicationView | None
    publications: int
    files: Sequence[File]
    reviews: Sequence[Review]
    inspections: Sequence[Inspection]
    allowed_actions: list[str]


# ---- template -------------------------------------------------------------------------------

async def get_template(session: AsyncSession, p: Principal, county_code: str | None) -> TemplateView:
    county = await readable_county(session, p, county_code, via_village=True)
    rows = (await session.execute(select(TemplateItem).where(TemplateItem.county_code == county)
                                  .order_by(TemplateItem.section, TemplateItem.sort, TemplateItem.id))).scalars()
    return TemplateView(county_code=county, items=rows.all(),
                        allowed_actions=[a.value for a in allowed(p, DISCLOSURES, [DisclosureAction.edit_template])])


async def add_template_item(session: AsyncSession, p: Principal, county_code: str | None,
                            data: TemplateItemIn) -> TemplateItem:
    require(p, DISCLOSURES, DisclosureAction.edit_template, what="edit the disclosure template")
    county = await managed_county(session, p, county_code)
    t = TemplateItem(county_code=county, **data.model_dump())
    session.add(t)
    await session.flush()
    await audit.record(session, p, "disclosure_template.create", "disclosure_template_item", t.id,
                       after=audit.snapshot(t))
    return t


async def _template_item(session: AsyncSession, p: Principal, item_id: int) -> TemplateItem:
    """A template item of a county `p` keeps, its row locked; 404 otherwise (another county's too)."""
    require(p, DISCLOSURES, DisclosureAction.edit_template, what="edit the disclosure template")
    t = (await session.execute(select(TemplateItem).where(TemplateItem.id == item_id)
                               .with_for_update())).scalar_one_or_none()
    if t is None or not sees_county(p, t.county_code):
        raise NotFound("Template item not found", code="template_item_not_found")
    return t


class TemplateItemRetired(Conflict):
    code, title = "template_item_retired", "The template item is turned off"


async def update_template_item(session: AsyncSession, p: Principal, item_id: int, data: TemplateItemPatch,
                               if_match: str | None) -> TemplateItem:
    """Change a template item's title, guidance or order. Rounds fixed from now on start with the new
    text; rounds already fixed keep theirs."""
    t = await _template_item(session, p, item_id)
    expected_version(if_match, t.version)
    if not t.active:
        raise TemplateItemRetired("A turned-off template item is not changed; add a new one")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    before = {k: getattr(t, k) for k in changes}
    for k, v in changes.items():
        setattr(t, k, v)
    await session.flush()
    await audit.record(session, p, "disclosure_template.update", "disclosure_template_item", t.id,
                       before=before, after=changes)
    return t


async def retire_template_item(session: AsyncSession, p: Principal, item_id: int,
                               if_match: str | None) -> TemplateItem:
    """Turn a template item off: new rounds no longer start with it; it is kept (rounds already
    pre-filled with it name it)."""
    t = await _template_item(session, p, item_id)
    expected_version(if_match, t.version)
    if not t.active:
        raise TemplateItemRetired("The template item is already turned off")
    t.active, t.retired_at, t.retired_by = False, clock.now(), p.name
    await session.flush()
    await audit.record(session, p, "disclosure_template.retire", "disclosure_template_item", t.id,
                       before={"active": True}, after={"active": False, "retired_at": t.retired_at})
    return t


# ---- rounds ---------------------------------------------------------------------------------

def _township_visible(p: Principal, township_code: Any) -> Any:
    """A clause: the township has a village `p` sees."""
    return select(Village.id).where(Village.township_code == township_code, village_clause(p)).exists()


async def _round(session: AsyncSession, p: Principal, round_id: int, *, for_update: bool = False) -> Round:
    stmt = select(Round).where(Round.id == round_id, _township_visible(p, Round.township_code))
    if for_update:
        stmt = stmt.with_for_update(of=Round)
    r = (await session.execute(stmt)).scalar_one_or_none()
    if r is None:
        raise NotFound("Round not found", code="round_not_found")
    return r


async def _writable_round(session: AsyncSession, p: Principal, round_id: int) -> Round:
    r = await _round(session, p, round_id, for_update=True)
    if r.status == DisclosureRoundStatus.locked:
        raise MonthLocked(f"{_period(r.year, r.month)} is locked", extra={"round_id": r.id})
    return r


def _check_publish_by(year: int, month: int, publish_by: date) -> None:
    if (publish_by.year, publish_by.month) != (year, month):
        raise field_error("publish_by", "must be a day of the round's month", "publish_by_outside_month")


async def _township_in_reach(session: AsyncSession, p: Principal, township_code: str) -> None:
    level = (await session.execute(select(Division.level).where(Division.code == township_code))).scalar()
    visible = (await session.execute(select(_township_visible(p, township_code)))).scalar()
    if level != DivisionLevel.township.value or not visible:
        raise field_error("township_code", "not a township you manage", "unknown_township")


async def create_round(session: AsyncSession, p: Principal | None, data: DisclosureRoundIn) -> Round:
    """A township's round of a month, its items pre-filled from the county template, one row per
    village. `p` None: the job opening the month (status open at once)."""
    if p is not None:
        require(p, DISCLOSURES, DisclosureAction.manage_round, what="open disclosure rounds")
        await _township_in_reach(session, p, data.township_code)
    _check_publish_by(data.year, data.month, data.publish_by)
    existing = (await session.execute(select(Round.id).where(
        Round.township_code == data.township_code, Round.year == data.year, Round.month == data.month))).scalar()
    if existing is not None:
        raise Conflict("The township already has a round for this month", code="round_exists",
                       extra={"round_id": existing})
    today = clock.local_today()
    status = DisclosureRoundStatus.open if p is None or (data.year, data.month) <= (today.year, today.month) \
        else DisclosureRoundStatus.planned
    r = Round(township_code=data.township_code, year=data.year, month=data.month, publish_by=data.publish_by,
              status=status.value, opened_by=p.name if p else "system", opened_at=clock.now())
    session.add(r)
    await session.flush()
    tmpl: Sequence[TemplateItem] = []
    if data.from_template:
        county = (await session.execute(select(Division.parent_code).where(
            Division.code == data.township_code))).scalar_one()
        tmpl = (await session.execute(select(TemplateItem).where(
            TemplateItem.county_code == county, TemplateItem.active)
            .order_by(TemplateItem.section, TemplateItem.sort, TemplateItem.id))).scalars().all()
        session.add_all([Item(round_id=r.id, section=t.section, kind=ItemKind.new.value, title=t.title,
                              guidance=t.guidance, sort=t.sort, template_item_id=t.id) for t in tmpl])
    if not any(t.section == Section.finance for t in tmpl):
        session.add(Item(round_id=r.id, section=Section.finance.value, kind=ItemKind.new.value,
                         title="财务收支情况", guidance="由账簿生成", sort=0))
    village_ids = (await session.execute(select(Village.id).where(
        Village.township_code == data.township_code).order_by(Village.id))).scalars().all()
    session.add_all([RoundVillage(round_id=r.id, village_id=v) for v in village_ids])
    await session.flush()
    await audit.record(session, p, "disclosure_round.create", "disclosure_round", r.id, after=audit.snapshot(r))
    return r


async def list_rounds(session: AsyncSession, p: Principal, *, township_code: str | None, year: int | None,
                      month: int | None) -> Sequence[Round]:
    stmt = select(Round).where(_township_visible(p, Round.township_code))
    if township_code:
        stmt = stmt.where(Round.township_code == township_code)
    if year:
        stmt = stmt.where(Round.year == year)
    if month:
        stmt = stmt.where(Round.month == month)
    rows = (await session.execute(stmt.order_by(Round.year.desc(), Round.month.desc(), Round.township_code)
                                  .limit(200))).scalars()
    return rows.all()


def _round_actions(p: Principal, r: Round) -> list[str]:
    if r.status == DisclosureRoundStatus.locked:
        return [a.value for a in allowed(p, DISCLOSURES, [DisclosureAction.correct])]
    return [a.value for a in allowed(p, DISCLOSURES, [DisclosureAction.manage_round, DisclosureAction.lock,
                                                      DisclosureAction.correct])]


async def get_round(session: AsyncSession, p: Principal, round_id: int) -> RoundDetailView:
    r = await _round(session, p, round_id)
    items = (await session.execute(select(Item).where(Item.round_id == r.id)
                                   .order_by(Item.section, Item.sort, Item.id))).scalars().all()
    reviews = select(func.count()).where(Review.round_village_id == RoundVillage.id).scalar_subquery()
    inspections = select(func.count()).where(Inspection.round_village_id == RoundVillage.id).scalar_subquery()
    rows = (await session.execute(
        select(Village.code, Village.name, RoundVillage.status, RoundVillage.late, RoundVillage.fix_by,
               RoundVillage.published_at, reviews, inspections)
        .join(Village, Village.id == RoundVillage.village_id)
        .where(RoundVillage.round_id == r.id, village_clause(p)).order_by(Village.code))).all()
    return RoundDetailView(round=r, items=items, villages=[BoardLine(*row) for row in rows],
                           corrections=await _corrections(session, p, r.id), allowed_actions=_round_actions(p, r))


async def update_round(session: AsyncSession, p: Principal, round_id: int, data: DisclosureRoundPatch,
                       if_match: str | None) -> Round:
    require(p, DISCLOSURES, DisclosureAction.manage_round, what="change disclosure rounds")
    r = await _writable_round(session, p, round_id)
    expected_version(if_match, r.version)
    _check_publish_by(r.year, r.month, data.publish_by)
    before = {"publish_by": r.publish_by}
    r.publish_by = data.publish_by
    await session.flush()
    await audit.record(session, p, "disclosure_round.update", "disclosure_round", r.id, before=before,
                       after={"publish_by": r.publish_by})
    return r


async def open_round(session: AsyncSession, p: Principal | None, r: Round) -> bool:
    if r.status != DisclosureRoundStatus.planned:
        return False
    r.status = DisclosureRoundStatus.open.value
    await session.flush()
    await audit.record(session, p, "disclosure_round.open", "disclosure_round", r.id,
                       after={"year": r.year, "month": r.month, "township_code": r.township_code})
    return True


async def lock_round(session: AsyncSession, p: Principal, round_id: int, if_match: str | None) -> Round:
    """Lock the month after the inspections: past the publish-by day, with no publication waiting for
    its inspection. A village that never published stays so, flagged late."""
    require(p, DISCLOSURES, DisclosureAction.lock, what="lock a disclosure month")
    r = await _writable_round(session, p, round_id)
    expected_version(if_match, r.version)
    if clock.local_today() <= r.publish_by:
        raise Conflict("The month is locked after its publish-by day", code="round_not_due",
                       extra={"publish_by": r.publish_by.isoformat()})
    waiting = (await session.execute(
        select(Village.code).join(RoundVillage, RoundVillage.village_id == Village.id)
        .where(RoundVillage.round_id == r.id, RoundVillage.status == VillageStatus.published)
        .order_by(Village.code))).scalars().all()
    if waiting:
        raise Conflict("Every published village is inspected before the month is locked",
                       code="round_not_inspected", extra={"villages": list(waiting)})
    await session.execute(update(RoundVillage).where(
        RoundVillage.round_id == r.id, RoundVillage.status == VillageStatus.pending, RoundVillage.late.is_(False))
        .values(late=True, version=RoundVillage.version + 1).execution_options(synchronize_session=False))
    r.status, r.locked_by, r.locked_at = DisclosureRoundStatus.locked.value, p.name, clock.now()
    await session.flush()
    await audit.record(session, p, "disclosure_round.lock", "disclosure_round", r.id,
                       after={"year": r.year, "month": r.month, "township_code": r.township_code})
    return r


# ---- items ----------------------------------------------------------------------------------

async def add_item(session: AsyncSession, p: Principal, round_id: int, data: DisclosureItemIn) -> Item:
    require(p, DISCLOSURES, DisclosureAction.manage_round, what="fix disclosure items")
    r = await _writable_round(session, p, round_id)
    if data.section == Section.finance:
        raise field_error("section", "the finance item is generated from the books", "finance_generated")
    if (data.kind == ItemKind.update) != (data.updates_item_id is not None):
        raise field_error("updates_item_id", "an update names the earlier item, a new item does not",
                          "update_needs_item")
    if data.updates_item_id is not None:
        earlier = (await session.execute(
            select(Round.year, Round.month).join(Item, Item.round_id == Round.id)
            .where(Item.id == data.updates_item_id, Round.township_code == r.township_code))).first()
        if earlier is None or (earlier.year, earlier.month) >= (r.year, r.month):
            raise field_error("updates_item_id", "not an item of an earlier month of this township",
                              "unknown_item")
    item = Item(round_id=r.id, section=data.section.value, kind=data.kind.value,
                updates_item_id=data.updates_item_id, title=data.title, guidance=data.guidance, sort=data.sort)
    session.add(item)
    await session.flush()
    await audit.record(session, p, "disclosure_item.create", "disclosure_item", item.id, after=audit.snapshot(item))
    return item


async def update_item(session: AsyncSession, p: Principal, round_id: int, item_id: int, data: DisclosureItemPatch,
                      if_match: str | None) -> Item:
    require(p, DISCLOSURES, DisclosureAction.manage_round, what="fix disclosure items")
    r = await _writable_round(session, p, round_id)
    item = (await session.execute(select(Item).where(Item.id == item_id, Item.round_id == r.id)
                                  .with_for_update())).scalar_one_or_none()
    if item is None:
        raise NotFound("Item not found", code="item_not_found")
    expected_version(if_match, item.version)
    if item.section == Section.finance:
        raise Conflict("The finance item is generated from the books", code="finance_generated")
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    before = {k: getattr(item, k) for k in changes}
    for k, v in changes.items():
        setattr(item, k, v)
    await session.flush()
    await audit.record(session, p, "disclosure_item.update", "disclosure_item", item.id, before=before, after=changes)
    return item


# ---- a village's disclosure -------------------------------------------------------------------

async def _round_village(session: AsyncSession, p: Principal, r: Round, village_code: str, *,
                         for_update: bool = False) -> tuple[RoundVillage, Village]:
    stmt = (select(RoundVillage, Village).join(Village, Village.id == RoundVillage.village_id)
            .where(RoundVillage.round_id == r.id, Village.code == village_code, village_clause(p)))
    if for_update:
        stmt = stmt.with_for_update(of=RoundVillage)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound(f"Village {village_code} not found in this round", code="village_not_found")
    return row[0], row[1]


async def _items(session: AsyncSession, round_id: int) -> Sequence[Item]:
    return (await session.execute(select(Item).where(Item.round_id == round_id)
                                  .order_by(Item.section, Item.sort, Item.id))).scalars().all()


async def finance_view(session: AsyncSession, pub: Publication) -> FinanceCheck:
    frozen = pub.finance
    current = await finance.village_books(session, pub.village_id, frozen["year"], frozen["month"])
    current_hash = finance.books_hash(current)
    matches = current_hash == pub.finance_hash
    return FinanceCheck(period=_period(frozen["year"], frozen["month"]), frozen=frozen, frozen_hash=pub.finance_hash,
                        current_hash=current_hash, matches=matches, current=None if matches else current)


async def latest_publication(session: AsyncSession, rv_id: int) -> tuple[Publication | None, int]:
    pubs = (await session.execute(select(Publication).where(Publication.round_village_id == rv_id)
                                  .order_by(Publication.id.desc()))).scalars().all()
    return (pubs[0] if pubs else None), len(pubs)


def _village_actions(p: Principal, r: Round, rv: RoundVillage) -> list[str]:
    if r.status == DisclosureRoundStatus.locked:
        return []
    candidates = [DisclosureAction.upload, DisclosureAction.review]
    if r.status == DisclosureRoundStatus.open and rv.status in PUBLISHABLE:
        candidates.insert(0, DisclosureAction.publish)
    if rv.status in INSPECTABLE:
        candidates.append(DisclosureAction.inspect)
    return [a.value for a in allowed(p, DISCLOSURES, candidates)]


async def get_village_disclosure(session: AsyncSession, p: Principal, round_id: int,
                                 village_code: str) -> VillageView:
    r = await _round(session, p, round_id)
    rv, village = await _round_village(session, p, r, village_code)
    items = await _items(session, r.id)
    pub, count = await latest_publication(session, rv.id)
    files = (await session.execute(select(File).where(File.round_village_id == rv.id).order_by(File.id))).scalars()
    reviews = (await session.execute(select(Review).where(Review.round_village_id == rv.id)
                                     .order_by(Review.id))).scalars()
    inspections = (await session.execute(select(Inspection).where(Inspection.round_village_id == rv.id)
                                         .order_by(Inspection.id))).scalars()
    return VillageView(
        round=r, village=village, round_village=rv, items=items,
        publication=PublicationView(pub, items, await finance_view(session, pub)) if pub else None,
        publications=count, files=files.all(), reviews=reviews.all(), inspections=inspections.all(),
        allowed_actions=_village_actions(p, r, rv))


def event_payload(r: Round, village: Village, rv: RoundVillage, **extra: Any) -> dict[str, Any]:
    return {"round_id": r.id, "year": r.year, "month": r.month, "township_code": r.township_code,
            "village_code": village.code, "status": rv.status, "late": rv.late, **extra}


async def publish(session: AsyncSession, p: Principal, round_id: int, village_code: str, data: PublishIn,
                  if_match: str | None) -> RoundVillage:
    """Publish (or, after a failed inspection, republish) the village's items. The text of every
    party and village item is given; the finance section is read from the ledger and frozen."""
    require(p, DISCLOSURES, DisclosureAction.publish, what="publish disclosures")
    r = await _writable_round(session, p, round_id)
    rv, village = await _round_village(session, p, r, village_code, for_update=True)
    expected_version(if_match, rv.version)
    if r.status != DisclosureRoundStatus.open:
        raise Conflict("The month is not open yet", code="round_not_open")
    if rv.status not in PUBLISHABLE:
        raise Conflict(f"A {rv.status} disclosure is not published again", code="already_published",
                       extra={"current_status": rv.status})
    items = {i.id: i for i in await _items(session, r.id)}
    for n, e in enumerate(data.entries):
        item = items.get(e.item_id)
        if item is None:
            raise Unprocessable("Not an item of this round", code="unknown_item", errors=[
                {"loc": ["body", "entries", n, "item_id"], "msg": "not an item of this round", "type": "value_error"}])
        if item.section == Section.finance:
            raise Unprocessable("The finance section is generated from the books and cannot be typed",
                                code="finance_generated", errors=[{"loc": ["body", "entries", n, "item_id"],
                                                                   "msg": "generated from the books",
                                                                   "type": "value_error"}])
    given = {e.item_id for e in data.entries}
    missing = [i.id for i in items.values() if i.section != Section.finance and i.id not in given]
    if missing:
        raise field_error("entries", f"every item needs its text; missing: {missing}", "items_missing")
    fy, fm = finance.finance_period(r.year, r.month)
    books = await finance.village_books(session, village.id, fy, fm)
    file_ids = list((await session.execute(select(File.id).where(File.round_village_id == rv.id)
                                           .order_by(File.id))).scalars())
    late = clock.local_today() > r.publish_by
    pub = Publication(round_village_id=rv.id, round_id=r.id, village_id=village.id,
                      entries=[{"item_id": e.item_id, "text": e.text} for e in data.entries],
                      finance=books, finance_hash=finance.books_hash(books), file_ids=file_ids,
                      late=late, published_by=p.name, published_at=clock.now())
    session.add(pub)
    rv.status, rv.published_at, rv.fix_by = VillageStatus.published.value, pub.published_at, None
    rv.late = rv.late or late
    await session.flush()
    await events.emit(session, p, "disclosure.published", ENTITY, rv.id,
                      after=event_payload(r, village, rv, publication_id=pub.id, finance_hash=pub.finance_hash))
    return rv


ALLOWED_FILES = ("application/pdf", "image/jpeg", "image/png", "image/webp")


def sniff_file(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return sniff_image(content)


async def add_file(session: AsyncSession, p: Principal, round_id: int, village_code: str, *, kind: FileKind,
                   filename: str, content: bytes) -> File:
    """An attachment (PDF or image) or the notice-board photo (an image), stored in the database as the
    funds' invoices are (same size limit); it goes with the village's next publication."""
    require(p, DISCLOSURES, DisclosureAction.upload, what="upload disclosure files")
    r = await _writable_round(session, p, round_id)
    rv, village = await _round_village(session, p, r, village_code)
    limit = upload_limit()
    if len(content) > limit:
        raise FileTooLarge(f"A file holds at most {limit} bytes", extra={"max_bytes": limit})
    media = sniff_file(content) if content else None
    if media is None or (kind == FileKind.board_photo and not media.startswith("image/")):
        raise FileRefused("Upload a PDF or an image (a photo of the notice board is an image)",
                          extra={"accepted": list(ALLOWED_FILES)})
    name = (filename or kind.value).replace("/", "_").replace("\\", "_").strip()[:200] or kind.value
    f = File(round_village_id=rv.id, village_id=village.id, kind=kind.value, filename=name, content_type=media,
             size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=p.name)
    session.add(f)
    await session.flush()
    await audit.record(session, p, "disclosure_file.upload", "disclosure_file", f.id,
                       after={"round_id": r.id, "village_code": village.code, "kind": f.kind, "size": f.size,
                              "sha256": f.sha256})
    return f


async def get_file(session: AsyncSession, p: Principal, file_id: int) -> File:
    f = (await session.execute(
        select(File).join(Village, Village.id == File.village_id)
        .where(File.id == file_id, village_clause(p)).options(undefer(File.content)))).scalar_one_or_none()
    if f is None:
        raise NotFound("File not found", code="file_not_found")
    return f


async def review(session: AsyncSession, p: Principal, round_id: int, village_code: str, data: ReviewIn) -> Review:
    require(p, DISCLOSURES, DisclosureAction.review, what="review disclosures")
    r = await _writable_round(session, p, round_id)
    rv, village = await _round_village(session, p, r, village_code)
    pub, _ = await latest_publication(session, rv.id)
    stage = "before_publication" if rv.status == VillageStatus.pending else "after_publication"
    rev = Review(round_village_id=rv.id, publication_id=pub.id if pub and stage == "after_publication" else None,
                 stage=stage, opinion=data.opinion, reviewed_by=p.name, reviewed_at=clock.now())
    session.add(rev)
    await session.flush()
    await audit.record(session, p, "disclosure.review", ENTITY, rv.id,
                       after={"review_id": rev.id, "stage": stage, "village_code": village.code})
    return rev


async def inspect(session: AsyncSession, p: Principal, round_id: int, village_code: str, data: InspectionIn,
                  if_match: str | None) -> Inspection:
    require(p, DISCLOSURES, DisclosureAction.inspect, what="inspect disclosures")
    r = await _writable_round(session, p, round_id)
    rv, village = await _round_village(session, p, r, village_code, for_update=True)
    expected_version(if_match, rv.version)
    if rv.status not in INSPECTABLE:
        raise Conflict("Only a published disclosure not yet inspected is inspected",
                       code="not_published" if rv.status == VillageStatus.pending else "already_inspected",
                       extra={"current_status": rv.status})
    if data.result == InspectionResult.failed:
        if not data.findings.strip():
            raise field_error("findings", "a failed inspection says what is wrong", "findings_required")
        if data.fix_by is None or data.fix_by < clock.local_today():
            raise field_error("fix_by", "a failed inspection gives a day to fix by, not in the past",
                              "fix_by_required")
    pub, _ = await latest_publication(session, rv.id)
    assert pub is not None
    ins = Inspection(round_village_id=rv.id, publication_id=pub.id, result=data.result.value,
                     findings=data.findings, fix_by=data.fix_by if data.result == InspectionResult.failed else None,
                     inspected_by=p.name, inspected_at=clock.now())
    session.add(ins)
    rv.status = VillageStatus.passed.value if data.result == InspectionResult.passed else VillageStatus.failed.value
    rv.fix_by = ins.fix_by
    await session.flush()
    after = event_payload(r, village, rv, inspection_id=ins.id, findings=ins.findings, fix_by=ins.fix_by)
    if data.result == InspectionResult.failed:
        await events.emit(session, p, "disclosure.failed", ENTITY, rv.id, after=after)
    else:
        await audit.record(session, p, "disclosure.passed", ENTITY, rv.id, after=after)
    return ins


# ---- corrections ----------------------------------------------------------------------------

async def _corrections(session: AsyncSession, p: Principal, round_id: int) -> list[CorrectionView]:
    corrected = Round.__table__.alias("corrected")
    rows = (await session.execute(
        select(Correction, Village.code, corrected.c.year, corrected.c.month)
        .join(Village, Village.id == Correction.village_id)
        .join(corrected, corrected.c.id == Correction.corrects_round_id)
        .where(Correction.round_id == round_id, village_clause(p)).order_by(Correction.id))).all()
    return [CorrectionView(c, _period(y, m), code) for c, code, y, m in rows]


async def add_correction(session: AsyncSession, p: Principal, round_id: int, data: CorrectionIn) -> CorrectionView:
    """A correction of the locked month before this round's month, recorded in this round."""
    require(p, DISCLOSURES, DisclosureAction.correct, what="record corrections")
    r = await _writable_round(session, p, round_id)
    py, pm = finance.finance_period(r.year, r.month)  # the month before
    prev = (await session.execute(select(Round).where(
        Round.township_code == r.township_code, Round.year == py, Round.month == pm))).scalar_one_or_none()
    if prev is None or prev.status != DisclosureRoundStatus.locked:
        raise Conflict("A correction is recorded in the month after a locked month; the month before this one "
                       "is not locked", code="previous_not_locked")
    village = (await session.execute(select(Village).where(
        Village.code == data.village_code, Village.township_code == r.township_code, village_clause(p)))
    ).scalar_one_or_none()
    if village is None:
        raise field_error("village_code", "not a village of this township", "unknown_village")
    if data.item_id is not None:
        found = (await session.execute(select(Item.id).where(Item.id == data.item_id,
                                                             Item.round_id == prev.id))).scalar()
        if found is None:
            raise field_error("item_id", "not an item of the corrected month", "unknown_item")
    c = Correction(round_id=r.id, corrects_round_id=prev.id, village_id=village.id, item_id=data.item_id,
                   reason=data.reason.strip(), text=data.text, recorded_by=p.name, recorded_at=clock.now())
    session.add(c)
    await session.flush()
    await audit.record(session, p, "disclosure.correct", "disclosure_correction", c.id, after=audit.snapshot(c))
    return CorrectionView(c, _period(py, pm), village.code)
