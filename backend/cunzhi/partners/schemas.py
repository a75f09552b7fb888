from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, field_validator, model_validator

from cunzhi.kit.codes import ProblemCategory
from cunzhi.kit.inputs import Body, BodyDate, Id, UniqueList
from cunzhi.kit.pagination import Page
from cunzhi.partners.matching import check_weight_table

StrengthCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$", description="strength code, e.g. economic")]
UnitCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
VillageCode = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
CountyCode = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
# Numbers and flags in request bodies are JSON numbers and booleans, not "3", "0" or false for 0.
Weight = Annotated[int, Strict(), Field(ge=0, le=10)]
Capacity = Annotated[int, Strict(), Field(ge=0, le=50)]


class EndReason(StrEnum):
    replaced = "replaced"
    village_accepted = "village_accepted"
    unit_withdrawn = "unit_withdrawn"
    other = "other"


class ManualEndReason(StrEnum):
    village_accepted = "village_accepted"
    unit_withdrawn = "unit_withdrawn"
    other = "other"


class ProposalStatus(StrEnum):
    open = "open"
    confirmed = "confirmed"
    superseded = "superseded"


class UncoveredReason(StrEnum):
    no_capacity = "no_capacity"
    no_allowed_unit = "no_allowed_unit"


class PairingStatus(StrEnum):
    current = "current"  # in force today
    upcoming = "upcoming"  # starts later
    finished = "finished"  # its planned end has passed
    ended = "ended"  # ended early (replaced, withdrawn, ...)
    void = "void"  # ended before it began


def _unique_sorted(v: list[str]) -> list[str]:
    if len(set(v)) != len(v):
        raise ValueError("values must not repeat")
    return sorted(v)


# ------------------------------------------------------------------------------------------
# Partner units
# ------------------------------------------------------------------------------------------


class VillageRef(BaseModel):
    code: str
    name: str


class PartnerUnitOut(BaseModel):
    id: int
    code: str
    name: str
    county_code: str
    strengths: list[str]
    capacity: int
    contact_name: str | None
    contact_phone: str | None
    active: bool
    current_villages: list[VillageRef]
    version: int


class PartnerUnitCreate(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: UnitCode
    name: Name
    county_code: CountyCode | None = Field(None, description="defaults to the caller's county")
    strengths: UniqueList[StrengthCode] = Field(
        min_length=1, max_length=20, description="what the unit brings (at least one): pairing matches on them")
    capacity: Capacity | None = Field(
        None, description="villages it can help at once; defaults to the CUNZHI_VILLAGES_PER_UNIT setting"
    )
    contact_name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    contact_phone: Annotated[str, Field(pattern=r"^[0-9+\- ]{5,20}$")] | None = None
    active: StrictBool = True

    _strengths = field_validator("strengths")(_unique_sorted)


class PartnerUnitPatch(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    strengths: UniqueList[StrengthCode] | None = Field(
        None, min_length=1, max_length=20, description="left out: unchanged; never empty")
    capacity: Capacity | None = None
    contact_name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    contact_phone: Annotated[str, Field(pattern=r"^[0-9+\- ]{5,20}$")] | None = None
    active: StrictBool | None = None

    @field_validator("strengths")
    @classmethod
    def _strengths(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _unique_sorted(v)


PartnerUnitList = Page[PartnerUnitOut]


# ------------------------------------------------------------------------------------------
# Settings (weight table)
# ------------------------------------------------------------------------------------------


class Strength(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: StrengthCode
    label: Annotated[str, Field(min_length=1, max_length=40)]


class PairingSettingsIn(Body):
    model_config = ConfigDict(extra="forbid")
    slots_per_village: Annotated[int, Strict(), Field(ge=1, le=10)] = 2
    strengths: list[Strength] = Field(min_length=1, max_length=20)
    weights: dict[ProblemCategory, dict[StrengthCode, Weight]] = Field(
        description="category -> strength -> weight (0..10); missing cells are 0"
    )

    @model_validator(mode="after")
    def _known_strengths(self) -> "PairingSettingsIn":
        check_weight_table([s.code for s in self.strengths], self.weights, "strength")
        return self


class PairingSettingsOut(BaseModel):
    county_code: str
    slots_per_village: int
    strengths: list[Strength]
    weights: dict[str, dict[str, int]]
    version: int
    updated_by: str | None
    updated_at: datetime | None


# ------------------------------------------------------------------------------------------
# Pairings
# ------------------------------------------------------------------------------------------


class PairingOut(BaseModel):
    id: int
    village_code: str
    village_name: str
    partner_unit_id: int
    partner_unit_code: str
    partner_unit_name: str
    start_date: date
    end_date: date | None
    status: PairingStatus
    proposal_id: int | None
    created_by: str | None
    created_at: datetime | None
    ended_reason: EndReason | None
    ended_note: str | None
    ended_by: str | None
    ended_at: datetime | None
    ended_by_proposal_id: int | None
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


PairingList = Page[PairingOut]


class PairingEnd(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    end_date: BodyDate | None = Field(None, description="last day of the pairing; defaults to yesterday")
    reason: ManualEndReason
    note: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class VillagePairingHistory(BaseModel):
    village_code: str
    village_name: str
    items: list[PairingOut]


# ------------------------------------------------------------------------------------------
# Proposals
# ------------------------------------------------------------------------------------------


class PairRef(Body):
    model_config = ConfigDict(extra="forbid")
    village_code: VillageCode
    partner_unit_id: Annotated[Id, Strict()]


class ProposalCreate(Body):
    model_config = ConfigDict(extra="forbid")
    county_code: CountyCode | None = Field(None, description="defaults to the caller's county")
    start_date: BodyDate | None = Field(None, description="first day of the new pairings; defaults to today")
    end_date: BodyDate | None = None
    pins: list[PairRef] = Field(default_factory=list, max_length=2000)
    bans: list[PairRef] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _period(self) -> "ProposalCreate":
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class ProposalRerun(Body):
    """Run again from a proposal; pins/bans default to the parent's."""

    model_config = ConfigDict(extra="forbid")
    pins: list[PairRef] | None = Field(None, max_length=2000)
    bans: list[PairRef] | None = Field(None, max_length=2000)


class ReasonOut(BaseModel):
    category: str
    strength: str
    weight: int


class ProposedUnit(BaseModel):
    partner_unit_id: int
    code: str
    name: str
    strengths: list[str]
    score: int
    reasons: list[ReasonOut]
    pinned: bool
    kept: bool


class CurrentUnit(BaseModel):
    pairing_id: int
    partner_unit_id: int
    name: str
    ends: bool = Field(description="confirming ends this pairing")


class ProposedVillage(BaseModel):
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    categories: list[str]
    slots: int
    units: list[ProposedUnit]
    missing: int
    uncovered_reason: UncoveredReason | None
    current: list[CurrentUnit]


class HeldVillage(BaseModel):
    """A village outside the run (an accepted one, say) that still holds one of the unit's places."""

    pairing_id: int
    village_code: str
    village_name: str
    village_status: str
    end_date: date | None


class UnitLoad(BaseModel):
    partner_unit_id: int
    code: str
    name: str
    strengths: list[str]
    capacity: int = Field(description="places left for this run: the unit's capacity less those held_by uses")
    assigned: int
    held_by: list[HeldVillage] = []


class ProposalTotals(BaseModel):
    villages: int
    villages_fully_covered: int
    slots: int
    covered: int
    uncovered: int
    score: int
    kept: int
    existing: int
    pinned: int
    ending: int
    units: int
    units_used: int


class ProposalSummary(BaseModel):
    id: int
    county_code: str
    parent_id: int | None
    status: ProposalStatus
    start_date: date
    end_date: date | None
    slots: int
    covered: int
    score: int
    kept: int
    solve_ms: int
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None


class PairingProposalOut(ProposalSummary):
    """A proposed assignment of partner units to villages, in full."""

    fingerprint: str
    stale: bool = Field(description="units, villages, weights or pairings changed since the run")
    slots_per_village: int
    totals: ProposalTotals
    pins: list[PairRef]
    bans: list[PairRef]
    villages: list[ProposedVillage]
    units: list[UnitLoad]
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


ProposalList = Page[ProposalSummary]


class ConfirmResult(BaseModel):
    proposal: ProposalSummary
    created: int
    kept: int
    ended: int
