"""The dashboards' answers. Every `drill` is the path and query of the list behind the figure."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from cunzhi.discipline.rules import CaseOutcome, Violation
from cunzhi.kit.codes import ProblemCategory, RectificationStatus
from cunzhi.tasks.rules import Category


class PanelName(StrEnum):
    rectification = "rectification"
    pairing = "pairing"
    cadres = "cadres"
    tasks = "tasks"
    funds = "funds"
    disclosures = "disclosures"
    discipline = "discipline"


class Figure(StrEnum):
    villages_below_units = "villages_below_units"
    accepted_holding = "accepted_holding"
    units_over_capacity = "units_over_capacity"
    cadres_below_required = "cadres_below_required"
    task_load = "task_load"
    claims_waiting = "claims_waiting"
    measures_overdue = "measures_overdue"
    scores_missing = "scores_missing"
    disclosures_to_inspect = "disclosures_to_inspect"
    disclosures_to_publish = "disclosures_to_publish"
    disclosures_to_review = "disclosures_to_review"
    cases_to_hand_in = "cases_to_hand_in"
    checkin_missing = "checkin_missing"
    log_missing = "log_missing"
    disclosure_villages = "disclosure_villages"


class LoadBucket(StrEnum):
    none = "0"
    few = "1-2"
    some = "3-5"
    many = "6-10"
    most = "11+"


class ClaimStep(StrEnum):
    sign = "sign"
    approve = "approve"
    pay_direct = "pay_direct"
    pay = "pay"


# ---- rectification ----


class StatusCount(BaseModel):
    status: RectificationStatus
    villages: int
    drill: str


class CategoryCount(BaseModel):
    category: ProblemCategory
    status: RectificationStatus
    villages: int
    drill: str


class TrendMonth(BaseModel):
    month: str
    listed: int = Field(description="cases opened by the month's end")
    accepted: int = Field(description="cases accepted (销号) by the month's end")
    open: int
    drill: str


class RectificationPanel(BaseModel):
    month: str
    township_code: str | None
    by_status: list[StatusCount]
    by_category: list[CategoryCount]
    trend: list[TrendMonth] = Field(description="the twelve months up to the chosen one")


# ---- pairing ----


class PairingTotals(BaseModel):
    listed: int = Field(description="weak and rectifying villages")
    covered: int = Field(description="of those, with at least the required partner units")
    below_required: int
    missing_units: int
    accepted_holding: int = Field(description="accepted villages still paired with a unit")
    units_paired: int
    over_capacity: int = Field(description="units paired with more villages than their capacity")
    pairings: int


class PairingTownship(BaseModel):
    township_code: str
    township_name: str
    listed: int
    covered: int
    below_required: int
    missing_units: int
    accepted_holding: int


class PairingDrill(BaseModel):
    below_required: str
    over_capacity: str
    accepted_holding: str
    pairings: str


class PairingPanel(BaseModel):
    month: str
    as_of: date
    township_code: str | None
    totals: PairingTotals
    by_township: list[PairingTownship]
    drill: PairingDrill


# ---- cadres ----


class CadreFigures(BaseModel):
    cadres: int = Field(description="cadre and village pairs of the month (posted or checked in)")
    posted: int
    days: int = Field(description="days present that count (not flagged, or accepted)")
    posted_days: int
    below_required: int
    flagged_pending: int
    flagged_accepted: int
    flagged_rejected: int


class CadreTownship(CadreFigures):
    township_code: str
    township_name: str


class CadreDrill(BaseModel):
    attendance: str
    below_required: str
    flagged: str
    flagged_pending: str


class CadrePanel(BaseModel):
    month: str
    as_of: date
    township_code: str | None
    required_days: int
    totals: CadreFigures
    by_township: list[CadreTownship]
    drill: CadreDrill


# ---- tasks ----


class TaskGroup(BaseModel):
    status: RectificationStatus
    load: LoadBucket
    villages: int
    tasks: int
    completed: int
    on_time: int = Field(description="of the completed, completed on or before the due day")
    overdue: int
    drill: str


class TaskStatusGroup(BaseModel):
    status: RectificationStatus
    villages: int
    with_tasks: int
    tasks: int
    completed: int
    on_time: int = Field(description="of the completed, completed on or before the due day")
    overdue: int
    drill: str


class TaskCategoryGroup(BaseModel):
    category: Category = Field(description="the kind of task: its catalogue item's category")
    status: RectificationStatus = Field(description="the village's rectification status")
    villages: int = Field(description="villages of this status with tasks of this kind")
    tasks: int
    completed: int
    on_time: int = Field(description="of the completed, completed on or before the due day")
    overdue: int
    drill: str


class TaskCaveat(BaseModel):
    thin: bool = Field(description="too few villages to read the comparison as evidence")
    villages_with_tasks: int
    accepted_with_tasks: int
    min_villages: int
    min_accepted: int


class TaskDrill(BaseModel):
    villages: str
    tasks: str


class TaskPanel(BaseModel):
    month: str
    township_code: str | None
    groups: list[TaskGroup]
    by_status: list[TaskStatusGroup]
    by_category: list[TaskCategoryGroup] = Field(
        description="per kind of task and the village's rectification status (only villages with tasks of that kind)")
    villages_with_tasks: int
    caveat: TaskCaveat
    drill: TaskDrill


# ---- funds ----


class LineCategory(BaseModel):
    category: str
    lines: int
    planned: Decimal
    approved: Decimal
    committed: Decimal
    paid: Decimal
    drill: str


class WaitingStep(BaseModel):
    step: ClaimStep
    status: str
    waiting: int
    amount: Decimal
    too_long: int
    oldest_since: datetime | None
    drill: str
    drill_too_long: str


class FundsPanel(BaseModel):
    month: str
    year: int
    township_code: str | None
    wait_days: int
    by_category: list[LineCategory]
    claims_waiting: list[WaitingStep]


# ---- rows and to-do ----


# ---- disclosures ----


class DisclosureCounts(BaseModel):
    villages: int = Field(description="villages in the township's round of the month")
    pending: int = Field(description="not yet published")
    published: int = Field(description="published, not yet inspected")
    passed: int
    failed: int
    late: int = Field(description="published after the round's publish-by day, or not by then")
    corrections: int = Field(description="corrections of a locked month recorded in the round")


class DisclosureTownship(DisclosureCounts):
    township_code: str
    township_name: str
    round_id: int
    drill: str
    drill_late: str
    drill_failed: str
    drill_pending: str


class DisclosureMonth(DisclosureCounts):
    month: str
    drill: str


class DisclosureDrill(BaseModel):
    villages: str
    late: str
    rounds: str


class DisclosurePanel(BaseModel):
    month: str
    township_code: str | None
    totals: DisclosureCounts = Field(description="the chosen month, over the townships that opened a round")
    by_township: list[DisclosureTownship] = Field(description="the chosen month, one row per township with a round")
    trend: list[DisclosureMonth] = Field(description="the chosen month and the 11 before, months with a round")
    drill: DisclosureDrill


# ---- discipline ----


class DisciplineYear(BaseModel):
    year: int
    cases: int = Field(description="cases filed in the year (the chosen year: from 1 January to the chosen "
                                   "month's end, today within the current month)")
    change: int = Field(description="on the year before (the first year shown too: its year before is counted); "
                                    "the chosen year's on the same days of the year before")
    drill: str


class DisciplineViolationCount(BaseModel):
    violation: Violation
    cases: int
    drill: str


class DisciplineOutcomeCount(BaseModel):
    outcome: CaseOutcome
    cases: int
    drill: str


class DisciplineDrill(BaseModel):
    cases: str


class DisciplinePanel(BaseModel):
    month: str
    year: int
    township_code: str | None
    cases: int = Field(description="cases filed in the chosen month's year so far: from 1 January to the month's "
                                   "end (today within the current month)")
    by_year: list[DisciplineYear] = Field(description="the chosen month's year and the 4 before")
    by_violation: list[DisciplineViolationCount] = Field(description="the chosen year so far")
    by_outcome: list[DisciplineOutcomeCount] = Field(description="the chosen year so far")
    drill: DisciplineDrill


class FigureRows(BaseModel):
    figure: Figure
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class TodoItem(BaseModel):
    key: str
    count: int
    link: str = Field(description="the list whose total is this count")


class TodoList(BaseModel):
    role: str
    items: list[TodoItem]


class PanelInfo(BaseModel):
    name: str
    export: str


class Overview(BaseModel):
    month: str
    township_code: str | None
    panels: list[PanelInfo] = Field(description="the panels this build has")
