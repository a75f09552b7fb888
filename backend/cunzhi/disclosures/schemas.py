"""The API of the monthly disclosure. Dates are ISO days; money in the finance section is a string."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from cunzhi.disclosures.rules import DisclosureRoundStatus, InspectionResult, ItemKind, Section, VillageStatus
from cunzhi.funds.statements import EntryKind
from cunzhi.kit.inputs import Body, BodyDate, BodyId, StrictBool, StrictInt, UniqueList

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Guidance = Annotated[str, Field(max_length=2000)]
LongText = Annotated[str, Field(min_length=1, max_length=20000)]
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]
Code12 = Annotated[str, Field(pattern=r"^[0-9]{12}$")]


# ---- template -------------------------------------------------------------------------------

class TemplateItemIn(Body):
    section: Section
    title: Text200
    guidance: Guidance = ""
    sort: Annotated[StrictInt, Field(ge=0, le=10000)] = 0


class TemplateItemPatch(Body):
    """The fields to change; the section stays (turn the item off and add another instead)."""

    title: Text200 | None = None
    guidance: Guidance | None = None
    sort: Annotated[StrictInt, Field(ge=0, le=10000)] | None = None


class TemplateItemOut(BaseModel):
    id: int
    section: Section
    title: str
    guidance: str
    sort: int
    active: bool = Field(description="false once turned off: new rounds no longer start with it")
    retired_at: datetime | None
    version: int


class TemplateOut(BaseModel):
    county_code: str
    items: list[TemplateItemOut]
    allowed_actions: list[str]


# ---- rounds ---------------------------------------------------------------------------------

class DisclosureRoundIn(Body):
    township_code: Code12
    year: Annotated[StrictInt, Field(ge=2000, le=2100)]
    month: Annotated[StrictInt, Field(ge=1, le=12)]
    publish_by: BodyDate = Field(description="the day by which every village publishes; inside the month")
    from_template: StrictBool = Field(True, description="pre-fill the county template's items")


class DisclosureRoundPatch(Body):
    publish_by: BodyDate


class DisclosureItemIn(Body):
    section: Section
    kind: ItemKind = ItemKind.new
    updates_item_id: BodyId | None = Field(None, description="for an update: the earlier month's item")
    title: Text200
    guidance: Guidance = ""
    sort: Annotated[StrictInt, Field(ge=0, le=10000)] = 0


class DisclosureItemPatch(Body):
    title: Text200 | None = None
    guidance: Guidance | None = None
    sort: Annotated[StrictInt, Field(ge=0, le=10000)] | None = None


class DisclosureItemOut(BaseModel):
    id: int
    section: Section
    kind: ItemKind
    updates_item_id: int | None
    title: str
    guidance: str
    sort: int
    version: int


class BoardRow(BaseModel):
    village_code: str
    village_name: str
    status: VillageStatus
    late: bool
    fix_by: date | None
    published_at: datetime | None
    reviews: int
    inspections: int


class DisclosureRoundOut(BaseModel):
    id: int
    township_code: str
    year: int
    month: int
    publish_by: date
    status: DisclosureRoundStatus
    finance_period: str = Field(description="the month whose books the finance section shows, YYYY-MM")
    locked_at: datetime | None
    version: int


class DisclosureRoundList(BaseModel):
    items: list[DisclosureRoundOut]


class DisclosureRoundDetail(DisclosureRoundOut):
    items: list[DisclosureItemOut]
    villages: list[BoardRow]
    corrections: list["CorrectionOut"]
    allowed_actions: list[str]


# ---- a village's disclosure -------------------------------------------------------------------

class EntryIn(Body):
    item_id: BodyId
    text: LongText


class PublishIn(Body):
    entries: UniqueList[EntryIn] = Field(description="the text of every party and village item; the finance "
                                                     "item is generated and may not be given")


class FileOut(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class EntryOut(BaseModel):
    item_id: int
    section: Section
    title: str
    text: str


class FinanceOut(BaseModel):
    period: str
    frozen: dict[str, Any] = Field(description="the books as published")
    frozen_hash: str
    current_hash: str
    matches: bool = Field(description="false when the books of the period changed after publication")
    current: dict[str, Any] | None = Field(description="the books as they stand now, when they differ")


class PublicationOut(BaseModel):
    id: int
    published_at: datetime
    late: bool
    entries: list[EntryOut]
    finance: FinanceOut
    file_ids: list[int]


class ReviewIn(Body):
    opinion: LongText


class ReviewOut(BaseModel):
    id: int
    stage: str
    publication_id: int | None
    opinion: str
    reviewed_by: str
    reviewed_at: datetime


class InspectionIn(Body):
    result: InspectionResult
    findings: Annotated[str, Field(max_length=5000)] = ""
    fix_by: BodyDate | None = Field(None, description="required when failed: the day to fix by")


class InspectionOut(BaseModel):
    id: int
    publication_id: int
    result: InspectionResult
    findings: str
    fix_by: date | None
    inspected_by: str
    inspected_at: datetime


class VillageDisclosure(BaseModel):
    round: DisclosureRoundOut
    village_code: str
    village_name: str
    status: VillageStatus
    late: bool
    fix_by: date | None
    items: list[DisclosureItemOut]
    publication: PublicationOut | None
    publications: int
    files: list[FileOut]
    reviews: list[ReviewOut]
    inspections: list[InspectionOut]
    allowed_actions: list[str]
    version: int


class CorrectionIn(Body):
    village_code: Code12
    item_id: BodyId | None = Field(None, description="the corrected item of the locked month, if one")
    reason: Reason
    text: LongText


class CorrectionOut(BaseModel):
    id: int
    round_id: int
    corrects_round_id: int
    corrects_period: str
    village_code: str
    item_id: int | None
    reason: str
    text: str
    recorded_by: str
    recorded_at: datetime


DisclosureRoundDetail.model_rebuild()


# ---- public ---------------------------------------------------------------------------------

class PublicMonth(BaseModel):
    year: int
    month: int


class PublicVillage(BaseModel):
    village_code: str
    village_name: str
    months: list[PublicMonth]


class PublicEntry(BaseModel):
    section: Section
    title: str
    text: str


class PublicFile(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    url: str


class PublicCorrection(BaseModel):
    recorded_on: date
    reason: str
    text: str


Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="yuan, two decimals, as a string")]


class PublicLineSpending(BaseModel):
    budget_line: str
    paid: Money
    reversed: Money


class PublicBookEntry(BaseModel):
    """One entry of the period's books as the public reads it: no ledger ids, nor who booked it, the
    payer, payee or voucher."""

    booked_on: date
    kind: EntryKind
    amount: Money
    description: str
    budget_line: str | None
    reversed: bool = Field(description="a later entry reverses this one")


class PublicBooks(BaseModel):
    year: int
    month: int
    opening_balance: Money
    income: Money
    income_reversed: Money
    spending: Money
    spending_reversed: Money
    closing_balance: Money
    spending_by_line: list[PublicLineSpending]
    entries: list[PublicBookEntry]


class PublicFinance(BaseModel):
    """The finance section as published (frozen) and, when the books of the period changed since,
    as they stand now. The hashes are those of the books as stored (with their ledger ids), so they
    are not recomputed from this projection."""

    period: str
    frozen: PublicBooks
    frozen_hash: str
    current_hash: str
    matches: bool = Field(description="false when the books of the period changed after publication")
    current: PublicBooks | None


class PublicDisclosure(BaseModel):
    village_code: str
    village_name: str
    year: int
    month: int
    published_on: date
    late: bool
    entries: list[PublicEntry]
    finance: PublicFinance
    files: list[PublicFile]
    corrections: list[PublicCorrection]
