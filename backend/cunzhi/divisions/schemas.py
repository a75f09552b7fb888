from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.inputs import Body

Name = Annotated[str, Field(min_length=1, max_length=100)]


class DivisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: DivisionLevel
    parent_code: str | None
    version: int
    allowed_actions: list[str] = Field(
        default_factory=list, description="rename; on a county also add, import_tree; on a township add_village")


class DivisionList(BaseModel):
    items: list[DivisionOut]
    total: int


class TownshipCreate(Body):
    """A new township of the caller's county: its 12-digit code starts with the county's first 6 digits."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    name: Name


class DivisionPatch(Body):
    model_config = ConfigDict(extra="forbid")
    name: Name


class ImportSummary(BaseModel):
    rows: int
    created: int
    renamed: int
    unchanged: int
    errors: int


class ImportRow(BaseModel):
    row: int = Field(description="Row number in the file (the header is row 1)")
    code: str
    name: str
    level: str = Field(description="province, city, county, township or village")
    parent_code: str | None
    action: str = Field(description="created, renamed or unchanged")
    old_name: str | None


class ImportError_(BaseModel):
    row: int
    column: str
    reason: str = Field(description="In Chinese, for the person who prepared the file")


class ImportReport(BaseModel):
    dry_run: bool
    applied: bool = Field(description="False for a dry run: nothing was written")
    summary: ImportSummary
    rows: list[ImportRow]
    errors: list[ImportError_]
