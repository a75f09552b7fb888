from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cunzhi.kit import bulk
from cunzhi.kit.codes import ProblemCategory, RectificationStatus
from cunzhi.kit.inputs import Body, StrictFloat, StrictInt, UniqueList
from cunzhi.kit.pagination import Page

VillageCode = Annotated[str, Field(pattern=r"^[0-9]{12}$", description="12-digit village code")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Count = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
PersonName = Annotated[str, Field(min_length=1, max_length=50)]
Lat = Annotated[StrictFloat, Field(ge=-90, le=90, allow_inf_nan=False, description="WGS-84 latitude of the village office")]
Lng = Annotated[StrictFloat, Field(ge=-180, le=180, allow_inf_nan=False, description="WGS-84 longitude")]


def _unique(v: list[ProblemCategory]) -> list[ProblemCategory]:
    if len(set(v)) != len(v):
        raise ValueError("problem categories must not repeat")
    return sorted(v)


class VillageOut(BaseModel):
    code: str
    name: str
    township_code: str
    township_name: str
    population: int
    households: int
    secretary_name: str | None
    party_member_count: int
    status: RectificationStatus
    problem_categories: list[ProblemCategory]
    version: int
    lat: float | None = None
    lng: float | None = None


class VillageCreate(Body):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: VillageCode
    name: Name
    township_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    population: Count = 0
    households: Count = 0
    secretary_name: PersonName | None = None
    party_member_count: Count = 0
    problem_categories: UniqueList[ProblemCategory] = Field(default_factory=list, max_length=len(ProblemCategory))
    lat: Lat | None = None
    lng: Lng | None = None

    _categories = field_validator("problem_categories")(_unique)


class VillagePatch(Body):
    """Basic facts only: status and problem categories change through screening and rectification."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    population: Count | None = None
    households: Count | None = None
    secretary_name: PersonName | None = None
    party_member_count: Count | None = None
    lat: Lat | None = Field(None, description="set with lng (both, or both null to clear)")
    lng: Lng | None = None


class VillageDetail(VillageOut):
    allowed_actions: list[str] = Field(description="What the caller may do with the village (edit)")


VillageList = Page[VillageOut]


class PositionRowError(BaseModel):
    row: int = Field(description="Row number in the file (the header is row 1)")
    column: str = Field(description="The column's header, in Chinese")
    reason: str = Field(description="What is wrong, in Chinese")


class PositionImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: int
    errors: list[PositionRowError]
    updated: int = Field(0, description="Villages whose position changed")
    unchanged: int = Field(0, description="Rows that gave a village the position it had")


class VillageUpsert(Body):
    """One village of the caller's township, by its code (the external id). Fields left out keep
    their value (on a new village: their default)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: VillageCode
    name: Name
    population: Count = 0
    households: Count = 0
    secretary_name: PersonName | None = None
    party_member_count: Count = 0
    lat: Lat | None = None
    lng: Lng | None = None


class VillageBulk(Body):
    items: list[VillageUpsert] = Field(min_length=1, max_length=bulk.MAX_ITEMS)

    @field_validator("items")
    @classmethod
    def _unique_codes(cls, v: list[VillageUpsert]) -> list[VillageUpsert]:
        bulk.unique_keys(v, lambda i: i.code)
        return v
