"""The API of tasks for village cadres. Quantities are Decimal, a decimal string in JSON."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema, field_validator

from cunzhi.kit import bulk
from cunzhi.kit.inputs import Body, BodyDate, BodyDateTime, BodyId, StrictBool, StrictInt
from cunzhi.kit.money import MONEY_PATTERN, POSITIVE_MONEY_PATTERN, plain_decimal
from cunzhi.kit.pagination import Page
from cunzhi.tasks.rules import Category, Duty, Responsible, TaskStatus

MAX_QTY = Decimal("999999999999.99")


def _two_places(v: Decimal) -> Decimal:
    if not v.is_finite():
        raise ValueError("must be a finite number")
    exp = v.as_tuple().exponent
    if isinstance(exp, int) and exp < -2:
        raise ValueError("at most two decimal places")
    if abs(v) > MAX_QTY:
        raise ValueError("too large")
    return v.quantize(Decimal("0.01"))


_SER = PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="always")
Quantity = Annotated[Decimal, BeforeValidator(plain_decimal), AfterValidator(_two_places), _SER,
                     WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["12.50"],
                                     "description": "A quantity as a decimal string, at most two decimals"})]
PositiveQuantity = Annotated[Decimal, BeforeValidator(plain_decimal), AfterValidator(_two_places), Field(gt=0), _SER,
                             WithJsonSchema({"type": "string", "pattern": POSITIVE_MONEY_PATTERN,
                                             "examples": ["3.5"], "description": "A positive quantity"})]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]


# ---- catalogue ------------------------------------------------------------------------------

class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    active: bool
    version: int


class UnitIn(Body):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=20)]
    active: StrictBool = True


class UnitPatch(Body):
    """Rename a unit (tasks keep its code) or retire it (`active: false`: refused for new tasks and
    imports; tasks already counted in it keep it)."""

    name: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    active: StrictBool | None = None


class ItemOut(BaseModel):
    id: int
    category: Category
    code: str
    name: str
    default_unit: str | None
    description: str | None
    sort: int
    active: bool
    version: int


class ItemIn(Body):
    category: Category
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=100)]
    default_unit: Code | None = None
    description: Annotated[str | None, Field(max_length=1000)] = None
    sort: Annotated[StrictInt, Field(ge=0, le=10000)] = 0
    active: StrictBool = True


class ItemPatch(Body):
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    default_unit: Code | None = None
    description: Annotated[str | None, Field(max_length=1000)] = None
    sort: Annotated[StrictInt | None, Field(ge=0, le=10000)] = None
    active: StrictBool | None = None


class CatalogueOut(BaseModel):
    county_code: str
    items: list[ItemOut]
    units: list[UnitOut]
    allowed_actions: list[str] = Field(description="What the caller may do with the catalogue")


# ---- tasks ----------------------------------------------------------------------------------

class TaskCreate(Body):
    village_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    item_id: BodyId
    title: Text200
    duties: list[Duty] = Field(default_factory=list, max_length=3)
    note: Annotated[str | None, Field(max_length=2000)] = None
    target: PositiveQuantity
    unit: Code
    due_date: BodyDate
    responsible_kind: Responsible
    partner_unit_id: BodyId | None = None
    cadre_id: BodyId | None = None


class TaskUpsert(TaskCreate):
    """One task the township system gives, by its own id: the fields of a new task. On an existing
    one, the village and the item must stay as they are; the other fields are edited when they differ."""

    external_id: bulk.ExternalId


class TaskBulk(Body):
    items: list[TaskUpsert] = Field(min_length=1, max_length=bulk.MAX_ITEMS)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, v: list[TaskUpsert]) -> list[TaskUpsert]:
        bulk.unique_keys(v, lambda i: i.external_id)
        return v


class TaskPatch(Body):
    title: Text200 | None = None
    duties: list[Duty] | None = Field(default=None, max_length=3)
    note: Annotated[str | None, Field(max_length=2000)] = None
    target: PositiveQuantity | None = None
    unit: Code | None = None
    due_date: BodyDate | None = None
    responsible_kind: Responsible | None = None
    partner_unit_id: BodyId | None = None
    cadre_id: BodyId | None = None


class TaskVillage(BaseModel):
    code: str
    name: str
    township_code: str
    township_name: str


class TaskOut(BaseModel):
    id: int
    village: TaskVillage
    item_id: int
    item_code: str
    item_name: str
    category: Category
    title: str
    duties: list[Duty]
    note: str | None
    target: Quantity
    unit: str
    unit_name: str
    progress: Quantity
    share_done: float = Field(description="progress / target, 0 to 1 (for a bar; the quantities are exact)")
    due_date: date
    responsible_kind: Responsible
    partner_unit_id: int | None
    partner_unit_name: str | None
    cadre_id: int | None
    cadre_name: str | None
    status: TaskStatus
    assigned_level: str
    assigned_by: str
    done_at: datetime | None
    accepted_at: datetime | None
    created_at: datetime
    version: int
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


class TaskPhotoOut(BaseModel):
    id: int
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class HistoryOut(BaseModel):
    id: int
    kind: str
    status_before: str | None
    status_after: str
    amount: Quantity | None
    progress_after: Quantity | None
    text: str | None
    reasons: list[str] | None
    changes: dict[str, object] | None
    actor: str
    at: datetime
    client_key: str | None
    photos: list[TaskPhotoOut]


class TaskDetail(TaskOut):
    history: list[HistoryOut]


TaskList = Page[TaskOut]


class ProgressIn(Body):
    amount: Quantity = Field(description="How much was done since the last update (added to the progress)")
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    at: BodyDateTime | None = Field(default=None, description="When it was written (the phone's clock, offline)")


class ProgressOut(BaseModel):
    task: TaskOut
    update: HistoryOut


class JudgeIn(Body):
    note: Annotated[str | None, Field(max_length=2000)] = None


class SendBackIn(Body):
    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=10)
    note: Annotated[str | None, Field(max_length=2000)] = None


class SweepOut(BaseModel):
    overdue: int
    reminded: int


# ---- import ---------------------------------------------------------------------------------

class TaskImportRowError(BaseModel):
    row: int = Field(description="Row number in the file (the header is row 1)")
    column: str = Field(description="The column's header, in Chinese")
    reason: str = Field(description="What is wrong, in Chinese")


class TaskImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: int
    errors: list[TaskImportRowError]
    created: int = 0
    skipped: int = Field(0, description="Rows already imported before, which the import skips (the same file "
                                        "twice adds nothing); on a dry run, how many it would skip")


class TaskImportStatus(StrEnum):
    queued = "queued"
    validating = "validating"
    writing = "writing"
    done = "done"
    rejected = "rejected"
    failed = "failed"


class TaskImportJob(BaseModel):
    """An import run by the worker: poll it until `status` is done, rejected or failed."""

    id: int
    status: TaskImportStatus = Field(description="queued → validating → writing → done; rejected: bad rows, "
                                                 "nothing written; failed: the job broke, nothing written")
    file_name: str
    rows: int = Field(description="Task rows in the file")
    written: int = Field(description="Rows handled so far by the writing step")
    share: float = Field(description="written / rows, for the progress bar")
    created: int | None = Field(description="Tasks created (when done)")
    skipped: int | None = Field(description="Rows already imported before (when done)")
    errors: list[TaskImportRowError] = Field(description="Every bad row (when rejected)")
    error: str | None = Field(description="Why the job failed, in Chinese")
    actor: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


__all__ = ["TaskStatus"]
