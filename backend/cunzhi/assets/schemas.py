"""API shapes of the asset and resource registries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema, model_validator

from cunzhi.assets.models import AssetKind, DisposalMethod, ResourceKind
from cunzhi.assets.workflows import AssetAction, AssetState, ResourceAction, ResourceState
from cunzhi.funds.schemas import FundsEventOut
from cunzhi.kit.inputs import Body, BodyDate, StrictInt
from cunzhi.kit.money import Money, PositiveMoney, plain_decimal
from cunzhi.kit.pagination import Page

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
Area = Annotated[Decimal, BeforeValidator(plain_decimal), Field(gt=0, le=Decimal("9999999999.99"), decimal_places=2),
                 WithJsonSchema({"type": "string", "pattern": r"^(?!0+(\.0{1,2})?$)[0-9]{1,10}(\.[0-9]{1,2})?$",
                                 "description": "Area in square metres as a decimal string, more than 0"})]
VillageCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]


class _In(Body):
    pass


class AssetIn(_In):
    village_code: VillageCode
    name: Text200
    kind: AssetKind
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    acquired_on: BodyDate | None = None
    book_value: PositiveMoney


class ValuationIn(_In):
    amount: PositiveMoney
    appraiser: Text200
    note: Note = ""


class AssetNoteIn(_In):
    """A step on an asset or a resource that takes an optional note (an approval, the end of a letting)."""

    note: Note = ""


class AssetReasonIn(_In):
    """A step on an asset or a resource that needs its reason (a refusal, a failed tender)."""

    reason: Reason


class DisposalIn(_In):
    method: DisposalMethod
    proceeds: PositiveMoney | None = None
    counterparty: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _proceeds_for_sales(self) -> DisposalIn:
        selling = self.method in (DisposalMethod.sale, DisposalMethod.auction)
        if selling and (self.proceeds is None or not self.counterparty):
            raise ValueError("a sale or auction records its proceeds and the buyer")
        if not selling and self.proceeds is not None:
            raise ValueError("only a sale or auction has proceeds")
        return self


class AssetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    village_id: int
    village_code: str
    village_name: str
    name: str
    kind: AssetKind
    location: str
    acquired_on: date | None
    book_value: Money
    status: AssetState
    valuation: Money | None
    appraiser: str | None
    disposal_method: DisposalMethod | None
    disposal_proceeds: Money | None
    counterparty: str | None
    disposed_on: date | None
    created_at: datetime
    actions: list[AssetAction]
    allowed_actions: list[AssetAction] = Field(description="Of `actions`, those the caller may take")


class AssetDetail(AssetOut):
    trail: list[FundsEventOut]


AssetList = Page[AssetOut]


class ResourceIn(_In):
    village_code: VillageCode
    name: Text200
    kind: ResourceKind
    area: Area
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class SurveyIn(_In):
    surveyed_area: Area
    boundaries: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
    note: Note = ""


class ReserveIn(_In):
    reserve_rent: PositiveMoney = Field(description="Lowest acceptable annual rent")
    appraiser: Text200
    note: Note = ""


class TenderIn(_In):
    notice: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
    closes_on: BodyDate


class LettingIn(_In):
    tenant: Text200
    annual_rent: PositiveMoney
    bids: StrictInt = Field(ge=1, le=1000)
    term_start: BodyDate
    term_end: BodyDate
    note: Note = ""

    @model_validator(mode="after")
    def _term(self) -> LettingIn:
        if self.term_end <= self.term_start:
            raise ValueError("the term ends after it starts")
        return self


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    village_id: int
    village_code: str
    village_name: str
    name: str
    kind: ResourceKind
    area: Decimal
    location: str
    status: ResourceState
    surveyed_area: Decimal | None
    boundaries: str | None
    reserve_rent: Money | None
    appraiser: str | None
    tender_notice: str | None
    tender_closes_on: date | None
    tenant: str | None
    annual_rent: Money | None
    bids: int | None
    term_start: date | None
    term_end: date | None
    created_at: datetime
    actions: list[ResourceAction]
    allowed_actions: list[ResourceAction] = Field(description="Of `actions`, those the caller may take")


class ResourceDetail(ResourceOut):
    trail: list[FundsEventOut]


ResourceList = Page[ResourceOut]
