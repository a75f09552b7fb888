"""API shapes of screening and rectification (never the ORM models)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, StringConstraints, WithJsonSchema, computed_field

from cunzhi.cadres.schemas import PostingOut
from cunzhi.kit.codes import ProblemCategory, RectificationStatus
from cunzhi.kit.inputs import Body, BodyDate, BodyId, StrictBool, StrictInt
from cunzhi.kit.money import plain_decimal
from cunzhi.partners.schemas import PairingOut
from cunzhi.rectification.states import CaseStatus, RoundStatus


def _fmt(v: Decimal) -> str:
    s = f"{v:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


# A share 0..100 (thresholds) or a weight: a decimal string in JSON, at most two places.
Share = Annotated[
    Decimal,
    BeforeValidator(plain_decimal),
    Field(gt=0, le=100, max_digits=5, decimal_places=2),
    PlainSerializer(_fmt, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "examples": ["60"],
                    "pattern": r"^(?!0+(\.0{1,2})?$)(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$",
                    "description": "A share in per cent as a decimal string: more than 0, at most 100, two decimals"}),
]
Weight = Annotated[
    Decimal,
    BeforeValidator(plain_decimal),
    Field(gt=0, le=1000, max_digits=6, decimal_places=2),
    PlainSerializer(_fmt, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "examples": ["1.5"],
                    "pattern": r"^(?!0+(\.0{1,2})?$)(1000(\.0{1,2})?|[0-9]{1,3}(\.[0-9]{1,2})?)$",
                    "description": "A weight as a decimal string: more than 0, at most 1000, two decimals"}),
]
Index = Annotated[Decimal, PlainSerializer(_fmt, return_type=str, when_used="always")]
Code12 = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CriterionCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class Strict(Body):
    pass


# -- criteria ---------------------------------------------------------------------------------


class CriterionOut(BaseModel):
    id: int | None = Field(
        description="null for the county's default criteria while they are not saved yet (they are saved when the "
        "county opens its first round, adds a criterion, or saves the defaults)"
    )
    county_code: str
    code: str
    name: str
    category: ProblemCategory
    weight: Weight
    min_score: int
    max_score: int
    position: int
    active: bool
    version: int = Field(description="0 while not saved")


class CriterionCreate(Strict):
    code: CriterionCode
    name: ShortText
    category: ProblemCategory
    weight: Weight = Decimal(1)
    min_score: StrictInt = Field(0, ge=0, le=1000)
    max_score: StrictInt = Field(10, ge=1, le=1000)
    position: StrictInt | None = Field(None, ge=0, le=1000)


class CriterionUpdate(Strict):
    name: ShortText | None = None
    category: ProblemCategory | None = None
    weight: Weight | None = None
    min_score: StrictInt | None = Field(None, ge=0, le=1000)
    max_score: StrictInt | None = Field(None, ge=1, le=1000)
    position: StrictInt | None = Field(None, ge=0, le=1000)
    active: StrictBool | None = None


# -- rounds -----------------------------------------------------------------------------------


class RoundCreate(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    weak_index: Share = Decimal(60)
    category_share: Share = Decimal(60)
    veto_share: Share | None = None
    township_codes: list[Code12] | None = Field(
        None, description="Townships the round covers; all townships of the county when left out", max_length=500
    )
    case_deadline: BodyDate | None = Field(None, description="Deadline given to the cases this round opens")


class RoundClose(Strict):
    reason: Text


class RoundCriterionOut(BaseModel):
    code: str
    name: str
    category: ProblemCategory
    weight: Weight
    min_score: int
    max_score: int


class RoundTownshipOut(BaseModel):
    code: str
    name: str
    villages: int
    scored: int
    proposed_by: str | None
    proposed_at: datetime | None


class RoundOut(BaseModel):
    id: int
    county_code: str
    title: str
    status: RoundStatus
    weak_index: Share
    category_share: Share
    veto_share: Share | None
    case_deadline: date | None
    opened_by: str
    opened_at: datetime
    proposed_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    version: int
    townships_total: int
    townships_proposed: int


class RoundDetail(RoundOut):
    criteria: list[RoundCriterionOut]
    townships: list[RoundTownshipOut]
    allowed: list[str] = Field(description="Same as allowed_actions (the older name)")

    @computed_field(description="What the caller may do with the round now (open: close; proposed: confirm, close)")
    def allowed_actions(self) -> list[str]:
        return self.allowed


class SheetIn(Strict):
    village_code: Code12
    scores: dict[str, Any] = Field(description="criterion code -> whole-number score in the criterion's range")


class ScoresIn(Strict):
    sheets: list[SheetIn] = Field(min_length=1, max_length=500)


class SheetOut(BaseModel):
    village_code: str
    village_name: str
    township_code: str
    scores: dict[str, int] | None
    scored_by: str | None = Field(description="Who entered the current revision")
    scored_at: datetime | None
    revision: int | None = Field(
        description='Current revision of the sheet (1 = as first entered; null = not scored). Its ETag is W/"revision".'
    )


class SheetCorrection(Strict):
    scores: dict[str, Any] = Field(description="The whole corrected sheet: criterion code -> whole-number score in range")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = Field(
        None, description="Why the sheet is corrected (optional)"
    )


class ScoreRevisionOut(BaseModel):
    revision: int
    scores: dict[str, int]
    reason: str | None
    scored_by: str
    scored_at: datetime


class SheetDetail(SheetOut):
    revisions: list[ScoreRevisionOut] = Field(description="Every revision, newest first (the first is the current one)")


#: why the rules proposed a village or not (scoring.assess); `params` carry the figures of each kind
ScreeningReasonKind = Literal["index_reached", "veto_reached", "category_reached", "most_severe", "index_below"]


class Reason(BaseModel):
    kind: ScreeningReasonKind = Field(
        description="index_reached / index_below: `index` against `threshold`; veto_reached, category_reached, "
                    "most_severe: the criterion's `score` of `min`..`max`, its `severity` % and the `threshold` %")
    criterion: str | None = Field(description="the criterion's code (its name is in the round's criteria)")
    text: str = Field(description="the reason in Chinese; a client in another language builds it from kind and params")
    params: dict[str, str]


class ScreeningProposalOut(BaseModel):
    """What a screening round proposes for one village: weak or not, its problem categories and why."""

    village_code: str
    village_name: str
    township_code: str
    weak: bool
    index: Index
    categories: list[ProblemCategory]
    reasons: list[Reason]
    village_status: RectificationStatus
    proposed_by: str
    proposed_at: datetime


class Exclusion(Strict):
    village_code: Code12
    reason: Text


class ConfirmIn(Strict):
    excluded: list[Exclusion] = Field(default_factory=list, max_length=500)


class Listed(BaseModel):
    village_code: str
    village_name: str
    case_id: int
    categories: list[ProblemCategory]


class Skipped(BaseModel):
    village_code: str
    village_name: str
    reason: str = Field(description="`already_listed` (an open case exists) or `excluded`")
    detail: str | None = None


class ConfirmOut(BaseModel):
    round: RoundOut
    listed: list[Listed]
    skipped: list[Skipped]
    updated: list[Listed] = Field(
        default=[],
        description="villages already on the list whose open case gained this round's new findings "
        "(`categories`: the categories added)",
    )


# -- cases ------------------------------------------------------------------------------------


class ProblemIn(Strict):
    category: ProblemCategory
    description: Text


class ProblemOut(BaseModel):
    id: int
    category: ProblemCategory
    description: str
    created_by: str
    created_at: datetime


class MeasureIn(Strict):
    description: Text
    owner: ShortText
    deadline: BodyDate
    problem_id: BodyId | None = None


class MeasureUpdate(Strict):
    done: StrictBool | None = None
    description: Text | None = None
    owner: ShortText | None = None
    deadline: BodyDate | None = None


class MeasureOut(BaseModel):
    id: int
    case_id: int
    problem_id: int | None
    description: str
    owner: str
    deadline: date
    done: bool
    done_at: datetime | None
    done_by: str | None
    overdue: bool
    created_by: str
    created_at: datetime
    version: int


class CaseNoteIn(Strict):
    """A dated progress note on a rectification case, about the case or one of its measures."""

    on_date: BodyDate
    text: Text
    measure_id: BodyId | None = None


class NoteOut(BaseModel):
    id: int
    measure_id: int | None
    on_date: date
    text: str
    author: str
    created_at: datetime


class AcceptIn(Strict):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    override_reason: Text | None = Field(
        None,
        description="Accepting a case the township has not handed in (still rectifying) needs the county's reason",
    )
    release_on: BodyDate | None = Field(
        None,
        description="Last day of the village's pairings and postings; yesterday ends them now. Omitted: "
        "today + CUNZHI_ACCEPTED_RELEASE_DAYS",
    )


class AcceptancePlan(BaseModel):
    """What accepting the case does: the pairings and postings it ends, and from when."""

    case_id: int
    case_status: CaseStatus
    needs_override: bool = Field(description="the township has not handed the case in: accepting needs a reason")
    open_measures: int
    default_release_on: date
    earliest_release_on: date = Field(description="yesterday: ending them now")
    pairings: list[PairingOut]
    postings: list[PostingOut]


class ReturnIn(Strict):
    reasons: Text


class RectificationEventOut(BaseModel):
    """One event in the history of a screening round or a rectification case."""

    id: int
    kind: str
    round_id: int | None
    case_id: int | None
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]
    actor: str
    actor_name: str
    at: datetime


class CaseOut(BaseModel):
    id: int
    village_code: str
    village_name: str
    township_code: str
    round_id: int | None
    round_title: str | None
    status: CaseStatus
    village_status: RectificationStatus
    categories: list[ProblemCategory]
    deadline: date | None
    opened_at: datetime
    accepted_by: str | None
    accepted_at: datetime | None
    measures_total: int
    measures_open: int
    version: int


class CaseDetail(CaseOut):
    problems: list[ProblemOut]
    measures: list[MeasureOut]
    notes: list[NoteOut]
    timeline: list[RectificationEventOut]
    allowed: list[str] = Field(description="Same as allowed_actions (the older name)")

    @computed_field(description="What the caller may do with the case now (its role, the status, open measures)")
    def allowed_actions(self) -> list[str]:
        return self.allowed


class OpenMeasureOut(MeasureOut):
    village_code: str
    village_name: str
    case_status: CaseStatus


# -- history ----------------------------------------------------------------------------------


class HistoryVillage(BaseModel):
    code: str
    name: str
    township_code: str
    status: RectificationStatus
    problem_categories: list[ProblemCategory]


class HistoryRound(BaseModel):
    round_id: int
    title: str
    round_status: RoundStatus
    opened_at: datetime
    scores: dict[str, int] | None
    scored_by: str | None
    scored_at: datetime | None
    score_revisions: list[ScoreRevisionOut] = Field(description="Every revision of the village's sheet, newest first")
    proposal: ScreeningProposalOut | None


class HistoryCase(BaseModel):
    case: CaseOut
    problems: list[ProblemOut]
    measures: list[MeasureOut]
    notes: list[NoteOut]


class VillageHistory(BaseModel):
    village: HistoryVillage
    rounds: list[HistoryRound]
    cases: list[HistoryCase]
    events: list[RectificationEventOut]
