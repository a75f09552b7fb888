from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cunzhi.kit import bulk
from cunzhi.kit.codes import ProblemCategory
from cunzhi.kit.inputs import Body, BodyDate, BodyDateTime, StrictBool, StrictFloat, StrictInt, UniqueList
from cunzhi.kit.pagination import CursorPage, Page
from cunzhi.partners.matching import check_weight_table

ExpertiseCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$", description="expertise code, e.g. mass_work")]
VillageCode = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
CountyCode = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
Phone = Annotated[str, Field(pattern=r"^[0-9+\- ]{5,20}$")]
Weight = Annotated[StrictInt, Field(ge=0, le=10)]
Count = Annotated[StrictInt, Field(ge=0, le=10_000)]
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]


class Post(StrEnum):
    deputy_secretary = "deputy_secretary"  # 副书记
    committee_member = "committee_member"  # 委员


class SevenRole(StrEnum):
    informant = "informant"  # 信息员
    mediator = "mediator"  # 调解员
    supervisor = "supervisor"  # 监督员
    coordinator = "coordinator"  # 协调员
    clerk = "clerk"  # 代办员
    researcher = "researcher"  # 调研员
    security_officer = "security_officer"  # 治安员


_ROLE_ORDER = {r: i for i, r in enumerate(SevenRole)}  # the roles' order, for sorting a log's roles


class PostingEndReason(StrEnum):
    replaced = "replaced"
    village_accepted = "village_accepted"
    recalled = "recalled"
    other = "other"


class PostingManualEndReason(StrEnum):
    village_accepted = "village_accepted"
    recalled = "recalled"
    other = "other"


class PostingStatus(StrEnum):
    current = "current"
    upcoming = "upcoming"
    finished = "finished"
    ended = "ended"
    void = "void"


class PostingProposalStatus(StrEnum):
    open = "open"
    confirmed = "confirmed"
    superseded = "superseded"


class PostingUncoveredReason(StrEnum):
    no_capacity = "no_capacity"
    no_allowed_unit = "no_allowed_unit"


def _unique_sorted(v: list[str]) -> list[str]:
    if len(set(v)) != len(v):
        raise ValueError("values must not repeat")
    return sorted(v)


Text40 = Annotated[str, Field(min_length=1, max_length=40)]
Text50 = Annotated[str, Field(min_length=1, max_length=50)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Text500 = Annotated[str, Field(min_length=1, max_length=500)]
Text2000 = Annotated[str, Field(min_length=1, max_length=2000)]
Text5000 = Annotated[str, Field(min_length=1, max_length=5000)]


# ------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------


class Expertise(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: ExpertiseCode
    label: Annotated[str, Field(min_length=1, max_length=40)]


class CadreSettingsIn(Body):
    model_config = ConfigDict(extra="forbid")
    cadres_per_village: Annotated[StrictInt, Field(ge=1, le=5)] = 1
    expertise: list[Expertise] = Field(min_length=1, max_length=20)
    weights: dict[ProblemCategory, dict[ExpertiseCode, Weight]] = Field(
        description="category -> expertise -> weight (0..10); missing cells are 0")
    allow_moves: StrictBool | None = Field(
        None, description="whether proposals may end current postings to raise the score; omitted: unchanged")

    @model_validator(mode="after")
    def _known_expertise(self) -> "CadreSettingsIn":
        check_weight_table([e.code for e in self.expertise], self.weights, "expertise")
        return self


class CadreSettingsOut(BaseModel):
    county_code: str
    cadres_per_village: int
    expertise: list[Expertise]
    weights: dict[str, dict[str, int]]
    allow_moves: bool = Field(description="proposals may end current postings (off: current postings are kept)")
    version: int
    updated_by: str | None
    updated_at: datetime | None


# ------------------------------------------------------------------------------------------
# Cadres and postings
# ------------------------------------------------------------------------------------------


class CadreVillageRef(BaseModel):
    code: str
    name: str
    township_code: str
    township_name: str


class PostingOut(BaseModel):
    id: int
    cadre_id: int
    cadre_name: str
    village: CadreVillageRef
    post: Post
    start_date: date
    end_date: date | None
    status: PostingStatus
    proposal_id: int | None
    note: str | None
    created_by: str | None
    created_at: datetime | None
    ended_reason: PostingEndReason | None
    ended_note: str | None
    ended_by: str | None
    ended_at: datetime | None
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


class CadreOut(BaseModel):
    id: int
    county_code: str
    name: str
    phone: str | None
    home_unit: str
    expertise: list[str]
    active: bool
    user_id: int | None
    username: str | None
    note: str | None
    current_posting: PostingOut | None
    version: int


class CadreDetail(CadreOut):
    postings: list[PostingOut]
    allowed_actions: list[str] = Field(description="What the caller may do with the cadre (edit_cadre, post)")


CadreList = Page[CadreOut]


class CadreCreate(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    county_code: CountyCode | None = Field(None, description="defaults to the caller's county")
    name: Text50
    phone: Phone | None = None
    home_unit: Text100
    expertise: UniqueList[ExpertiseCode] = Field(default_factory=list, max_length=20)
    active: StrictBool = True
    username: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="link to this user account (role cadre)")
    note: Text500 | None = None

    _expertise = field_validator("expertise")(_unique_sorted)


class CadreUpsert(Body):
    """One cadre the township system keeps, by its own id. Fields left out keep their value (on a
    new cadre: their default)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    external_id: bulk.ExternalId
    name: Text50
    phone: Phone | None = None
    home_unit: Text100
    expertise: UniqueList[ExpertiseCode] = Field(default_factory=list, max_length=20)
    active: StrictBool = True
    note: Text500 | None = None

    _expertise = field_validator("expertise")(_unique_sorted)


class CadreBulk(Body):
    items: list[CadreUpsert] = Field(min_length=1, max_length=bulk.MAX_ITEMS)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, v: list[CadreUpsert]) -> list[CadreUpsert]:
        bulk.unique_keys(v, lambda i: i.external_id)
        return v


class CadrePatch(Body):
    """Fields to change; `username: null` unlinks the account."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Text50 | None = None
    phone: Phone | None = None
    home_unit: Text100 | None = None
    expertise: UniqueList[ExpertiseCode] | None = Field(None, max_length=20)
    active: StrictBool | None = None
    username: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    note: Text500 | None = None

    @field_validator("expertise")
    @classmethod
    def _expertise(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _unique_sorted(v)


class PostingCreate(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    village_code: VillageCode
    post: Post
    start_date: BodyDate | None = Field(None, description="defaults to today; a current posting of the cadre "
                                                      "ends the day before")
    end_date: BodyDate | None = None
    note: Text500 | None = None

    @model_validator(mode="after")
    def _period(self) -> "PostingCreate":
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class PostingEnd(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    end_date: BodyDate | None = Field(None, description="last day of the posting; defaults to yesterday")
    reason: PostingManualEndReason
    note: Text500 | None = None


PostingList = Page[PostingOut]


class VillagePostingHistory(BaseModel):
    village: CadreVillageRef
    items: list[PostingOut]


# ------------------------------------------------------------------------------------------
# Proposals
# ------------------------------------------------------------------------------------------


class PostingPairRef(Body):
    model_config = ConfigDict(extra="forbid")
    village_code: VillageCode
    cadre_id: Annotated[StrictInt, Field(ge=1, le=2_147_483_647)]


class PostingEndingReason(StrEnum):
    """Why a current posting would end if the proposal is confirmed."""

    moved = "moved"  # moves allowed: the cadre goes to another village, where the match is better
    replaced = "replaced"  # moves allowed: another cadre matches the village better
    banned = "banned"  # the county banned this cadre for this village
    pinned_elsewhere = "pinned_elsewhere"  # the county pinned the cadre to another village
    replaced_by_pin = "replaced_by_pin"  # the county pinned other cadres to all of the village's places
    over_slots = "over_slots"  # the village has more cadres than the setting's cadres per village
    cadre_inactive = "cadre_inactive"  # the cadre is no longer active


class PostingProposalCreate(Body):
    model_config = ConfigDict(extra="forbid")
    county_code: CountyCode | None = Field(None, description="defaults to the caller's county")
    start_date: BodyDate | None = Field(None, description="first day of the new postings; defaults to today")
    end_date: BodyDate | None = None
    post: Post = Post.deputy_secretary
    allow_moves: StrictBool | None = Field(None, description="may current postings end to raise the score; "
                                                       "omitted: the county's setting")
    pins: list[PostingPairRef] = Field(default_factory=list, max_length=2000,
                                       description="cadre-village pairs that must be made")
    bans: list[PostingPairRef] = Field(default_factory=list, max_length=2000,
                                       description="cadre-village pairs that must never be made")

    @model_validator(mode="after")
    def _period(self) -> "PostingProposalCreate":
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class PostingProposalRerun(Body):
    """Run again from a proposal (from today at the earliest); what is omitted is the parent's."""

    model_config = ConfigDict(extra="forbid")
    allow_moves: StrictBool | None = None
    pins: list[PostingPairRef] | None = Field(None, max_length=2000)
    bans: list[PostingPairRef] | None = Field(None, max_length=2000)


class MatchBasis(StrEnum):
    pinned = "pinned"  # the county pinned it
    kept = "kept"  # a current posting, kept
    expertise = "expertise"  # the cadre's expertise meets the village's problems (see reasons)
    coverage = "coverage"  # no expertise fits, but it fills a place no better cadre could


class PostingReasonOut(BaseModel):
    category: str
    expertise: str
    weight: int


class ProposedCadre(BaseModel):
    cadre_id: int
    name: str
    home_unit: str
    expertise: list[str]
    score: int
    reasons: list[PostingReasonOut]
    kept: bool
    pinned: bool = False
    basis: MatchBasis | None = Field(None, description="why this match: pinned, kept, expertise or coverage")


class CurrentCadre(BaseModel):
    posting_id: int
    cadre_id: int
    name: str
    ends: bool
    end_reason: PostingEndingReason | None = None
    moved_to_village_code: str | None = None


class EndingPosting(BaseModel):
    """A current posting the proposal would end, and why."""

    posting_id: int
    cadre_id: int
    cadre_name: str
    village_code: str
    village_name: str
    reason: PostingEndingReason
    last_day: date = Field(description="the day before the proposal starts")
    moved_to_village_code: str | None = None
    moved_to_village_name: str | None = None
    score_now: int = Field(description="the current posting's match score")
    score_after: int | None = Field(None, description="the cadre's match score in the new village, when moved")


class PostingProposedVillage(BaseModel):
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    categories: list[str]
    slots: int
    cadres: list[ProposedCadre]
    missing: int
    uncovered_reason: PostingUncoveredReason | None
    current: list[CurrentCadre]


class PostingProposalTotals(BaseModel):
    villages: int
    villages_fully_covered: int
    slots: int
    covered: int
    uncovered: int
    score: int
    kept: int
    existing: int
    ending: int
    cadres: int
    cadres_used: int
    pinned: int = 0
    moved: int = 0


class PostingProposalSummary(BaseModel):
    id: int
    county_code: str
    status: PostingProposalStatus
    start_date: date
    end_date: date | None
    post: Post
    slots: int
    covered: int
    score: int
    kept: int
    allow_moves: bool = False
    parent_id: int | None = None
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None


class PostingProposalOut(PostingProposalSummary):
    stale: bool = Field(description="inputs changed since the run: confirming it answers 409 posting_proposal_stale")
    pins: list[PostingPairRef] = Field(default_factory=list)
    bans: list[PostingPairRef] = Field(default_factory=list)
    ending: list[EndingPosting] = Field(default_factory=list,
                                        description="the current postings confirming it would end, and why")
    totals: PostingProposalTotals
    villages: list[PostingProposedVillage]
    idle_cadres: list[ProposedCadre] = Field(description="available cadres the proposal does not post")
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


PostingProposalList = Page[PostingProposalSummary]


class PostingConfirmResult(BaseModel):
    proposal: PostingProposalSummary
    created: int
    kept: int
    ended: int
    accounts_moved: int = Field(description="linked user accounts whose village now follows the new posting")


# ------------------------------------------------------------------------------------------
# Field work: check-ins, work logs, photos
# ------------------------------------------------------------------------------------------

Latitude = Annotated[StrictFloat, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[StrictFloat, Field(ge=-180, le=180, allow_inf_nan=False)]
Accuracy = Annotated[StrictFloat, Field(gt=0, le=100_000, allow_inf_nan=False, description="metres (GPS accuracy)")]


class CheckinIn(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    checked_at: BodyDateTime = Field(description="when the cadre checked in, on the phone's clock, with its "
                                                  "UTC offset; up to 7 days old (offline replay)")
    lat: Latitude
    lng: Longitude
    accuracy_m: Accuracy
    note: Text500 | None = None
    village_code: VillageCode | None = Field(None, description="the village the phone believed it was in; "
                                                               "must be the cadre's village when given")


class PhotoOut(BaseModel):
    id: int
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class CheckinFlag(StrEnum):
    far_from_village = "far_from_village"
    poor_accuracy = "poor_accuracy"
    late_upload = "late_upload"
    village_unlocated = "village_unlocated"


class ReviewDecision(StrEnum):
    accepted = "accepted"
    rejected = "rejected"


class CheckinReviewIn(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: ReviewDecision
    note: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        None, description="why; required to reject")

    @model_validator(mode="after")
    def _note(self) -> "CheckinReviewIn":
        if self.decision is ReviewDecision.rejected and not self.note:
            raise ValueError("a rejection needs a note")
        return self


class CheckinReviewOut(BaseModel):
    decision: ReviewDecision
    note: str | None
    reviewed_by: str
    reviewed_at: datetime


class CheckinOut(BaseModel):
    id: int
    cadre_id: int
    cadre_name: str
    village_code: str
    village_name: str
    checked_at: datetime
    received_at: datetime
    local_date: date
    lat: float
    lng: float
    accuracy_m: float
    note: str | None
    client_key: str | None
    photos: list[PhotoOut]
    distance_m: float | None = Field(None, description="metres from the posted village's position on arrival")
    flags: list[CheckinFlag] = Field(default_factory=list,
                                     description="why it is held for review; empty: a plain day of presence")
    review: CheckinReviewOut | None = None
    counts: bool = Field(True, description="whether it counts as a day of presence (not flagged, or accepted)")
    allowed_actions: list[str] = Field(default_factory=list, description="review, for the county or township")


class LogIn(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    written_at: BodyDateTime = Field(description="when it was written, on the phone's clock, with its UTC offset")
    log_date: BodyDate | None = Field(None, description="the day the entry is about; defaults to the day of written_at")
    text: Text5000
    roles: UniqueList[SevenRole] = Field(min_length=1, max_length=7, description="the seven roles (七员) this work was in")
    members_recruited: Count = Field(0, description="三促进: party members recruited (developed)")
    activities_held: Count = Field(0, description="三促进: organisation activities held")
    members_active: Count = Field(0, description="三促进: members playing their part")
    activists_found: Count = Field(0, description="三促进: activists applying to join found (入党积极分子)")
    activity_attendance: Count = Field(
        0, description="三促进: people attending the organisation activities held; only with activities_held > 0")
    policy_issues: Count = Field(0, description="两监督: problems found with village cadres carrying out policy")
    discipline_issues: Count = Field(0, description="两监督: problems found with village cadres' discipline and law")
    oversight_note: Text2000 | None = Field(
        None, description="what was found; required when an oversight count is above 0")
    village_code: VillageCode | None = None

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[SevenRole]) -> list[SevenRole]:
        if len(set(v)) != len(v):
            raise ValueError("roles must not repeat")
        return sorted(v, key=_ROLE_ORDER.__getitem__)

    @model_validator(mode="after")
    def _oversight(self) -> "LogIn":
        if (self.policy_issues or self.discipline_issues) and not self.oversight_note:
            raise ValueError("oversight_note is required when problems were found")
        if self.activity_attendance and not self.activities_held:
            raise ValueError("activity_attendance needs activities_held above 0")
        return self


class LogOut(BaseModel):
    id: int
    cadre_id: int
    cadre_name: str
    village_code: str
    village_name: str
    written_at: datetime
    received_at: datetime
    log_date: date
    text: str
    roles: list[SevenRole]
    members_recruited: int
    activities_held: int
    members_active: int
    activists_found: int
    activity_attendance: int
    policy_issues: int
    discipline_issues: int
    oversight_note: str | None
    finding_id: int | None = Field(None, description="the first oversight finding of this entry, if any "
                                                     "(kept for older clients: see finding_ids)")
    finding_ids: list[int] = Field(default_factory=list, description="every oversight finding of this entry, "
                                   "oldest first: one per kind it found (policy, discipline), then any added")
    client_key: str | None
    photos: list[PhotoOut]


class MyDay(BaseModel):
    """The phone's check-in page: who and where the caller is, and today's check-in if any."""

    cadre_id: int
    cadre_name: str
    village: CadreVillageRef
    today: date = Field(description="today in Asia/Shanghai")
    checkin: CheckinOut | None


CheckinPage = CursorPage[CheckinOut]
LogPage = CursorPage[LogOut]


# ------------------------------------------------------------------------------------------
# Offline batch sync
# ------------------------------------------------------------------------------------------


class SyncKind(StrEnum):
    checkin = "checkin"
    log = "log"


class SyncItem(Body):
    model_config = ConfigDict(extra="forbid")
    key: IdempotencyKey = Field(description="the write's own Idempotency-Key (the phone's queue key)")
    kind: str = Field(max_length=32, description="checkin or log; anything else is refused for this item alone")
    body: dict[str, Any] = Field(description="the body the single POST would take")


# A week offline is some 1,000 writes (a check-in a day and the logs): one request can carry them all.
# The phone still sends chunks of 100, for a weak signal's sake; the body limit (CUNZHI_MAX_BODY_BYTES)
# bounds a batch of long texts first.
SYNC_MAX_ITEMS = 1000


class SyncRequest(Body):
    model_config = ConfigDict(extra="forbid")
    items: list[SyncItem] = Field(min_length=1, max_length=SYNC_MAX_ITEMS)


class SyncStatus(StrEnum):
    created = "created"
    duplicate = "duplicate"
    refused = "refused"


class SyncResult(BaseModel):
    index: int
    key: str
    kind: str
    status: SyncStatus
    http_status: int = Field(description="what the single POST would have answered: 201, 200 (duplicate) or 4xx")
    code: str | None = None
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None
    checkin: CheckinOut | None = None
    log: LogOut | None = None


class SyncResponse(BaseModel):
    results: list[SyncResult]
    created: int
    duplicates: int
    refused: int


# ------------------------------------------------------------------------------------------
# Attendance
# ------------------------------------------------------------------------------------------


class FlaggedDay(BaseModel):
    day: date
    checkin_id: int
    flags: list[CheckinFlag]
    review: ReviewDecision | None = Field(description="None: waiting for review")


class AttendanceRow(BaseModel):
    cadre_id: int
    cadre_name: str
    home_unit: str
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    checkin_days: int = Field(description="days of presence that count: check-ins not flagged, or accepted")
    days: list[date] = Field(description="the days that count")
    posted_days: int = Field(description="days of the month the cadre was posted here, up to today")
    flagged_days: int = Field(description="days whose only check-in is flagged and not accepted (pending or "
                                          "rejected): not counted")
    flagged: list[FlaggedDay] = Field(description="those days, and why")
    logs: int
    members_recruited: int
    activities_held: int
    members_active: int
    policy_issues: int
    discipline_issues: int


class AttendanceOut(BaseModel):
    month: str
    first_day: date
    last_day: date
    days_in_month: int
    counted_until: date = Field(description="the last day counted: the month's last day, or today")
    township_code: str | None
    rows: list[AttendanceRow]


# ------------------------------------------------------------------------------------------
# Fieldwork report (三促进 两监督) and oversight findings
# ------------------------------------------------------------------------------------------


class FindingState(StrEnum):
    open = "open"
    following_up = "following_up"
    resolved = "resolved"


class FindingKind(StrEnum):
    """两监督: oversight of the village cadres' policy work, or of their discipline."""

    policy = "policy"
    discipline = "discipline"


class FieldworkFigures(BaseModel):
    logs: int = Field(description="work-log entries of the month")
    members_recruited: int
    activists_found: int
    activities_held: int
    activity_attendance: int = Field(description="people attending the organisation activities held")
    members_active: int
    policy_issues: int
    discipline_issues: int
    findings: int = Field(description="oversight findings raised this month")
    findings_open: int = Field(description="of those, still open now")
    findings_following_up: int
    findings_resolved: int


class FieldworkReportRow(FieldworkFigures):
    village_code: str
    village_name: str
    township_code: str
    township_name: str


class FieldworkReportOut(BaseModel):
    month: str
    first_day: date
    last_day: date
    township_code: str | None
    rows: list[FieldworkReportRow] = Field(description="one per village in scope, with or without work")
    totals: FieldworkFigures


class FindingEventOut(BaseModel):
    from_state: FindingState
    to_state: FindingState
    note: str | None
    by: str
    at: datetime


class FindingOut(BaseModel):
    id: int
    log_id: int
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    cadre_id: int
    cadre_name: str
    found_on: date
    kind: FindingKind = Field(description="policy: followed up by the county or township; discipline: by the "
                                          "discipline inspector too")
    policy_issues: int
    discipline_issues: int
    text: str
    state: FindingState
    state_by: str | None
    state_at: datetime | None
    state_note: str | None
    version: int
    history: list[FindingEventOut]
    allowed_actions: list[str] = Field(default_factory=list,
                                       description="follow_up (to following_up), resolve (to resolved)")


class FindingList(BaseModel):
    month: str
    township_code: str | None
    items: list[FindingOut]


class FindingIn(Body):
    """One more finding on one's own work log (a log's counts raise one per kind by themselves)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: FindingKind
    text: Text2000 = Field(description="the problem found")
    issues: StrictInt = Field(1, ge=1, le=99, description="how many problems of its kind it is")


class FindingStateIn(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    state: FindingState = Field(description="open -> following_up -> resolved")
    version: StrictInt = Field(ge=1, le=2_147_483_647, description="the finding's version as read")
    note: Text500 | None = Field(None, description="what was done; required to resolve")

    @model_validator(mode="after")
    def _note(self) -> "FindingStateIn":
        if self.state is FindingState.resolved and not self.note:
            raise ValueError("resolving a finding needs a note")
        return self
