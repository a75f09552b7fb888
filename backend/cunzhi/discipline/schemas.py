"""The API of the discipline-case register. Dates are ISO strings (never a number); the yearly
change is an integer count and a percentage as a decimal string (one decimal, never a float)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from cunzhi.discipline.rules import (
    OUTCOME_LABELS,
    ROLE_LABELS,
    VIOLATION_LABELS,
    CadreRole,
    CaseOutcome,
    Violation,
    described,
)
from cunzhi.kit.inputs import Body, BodyDate
from cunzhi.kit.pagination import Page

_TRIMMED = r"^\S(?:.*\S)?$"  # no leading or trailing blanks
CaseNumber = Annotated[str, Field(min_length=1, max_length=40, pattern=_TRIMMED,
                                  description="The committee's case number (案件编号), unique in the county",
                                  examples=["松纪案〔2013〕3号"])]
PersonName = Annotated[str, Field(min_length=1, max_length=50, pattern=_TRIMMED,
                                  description="The person's name (seen only by the discipline committees)")]
FiledOn = Annotated[BodyDate, Field(ge=date(1990, 1, 1),
                                    description="The day the case was filed (立案日期), from 1990-01-01, not in the future")]
Notes = Annotated[str | None, Field(max_length=2000)]
VillageCode = Annotated[str, Field(pattern=r"^[0-9]{12}$", description="The village's 12-digit code")]
RoleField = Annotated[CadreRole, Field(description=described(ROLE_LABELS))]
ViolationField = Annotated[Violation, Field(description=described(VIOLATION_LABELS))]
OutcomeField = Annotated[CaseOutcome, Field(description=described(OUTCOME_LABELS))]


class DisciplineCaseCreate(Body):
    case_number: CaseNumber
    filed_on: FiledOn
    village_code: VillageCode
    person_role: RoleField
    person_name: PersonName
    violation: ViolationField
    outcome: OutcomeField = CaseOutcome.pending
    notes: Notes = None


class DisciplineCasePatch(Body):
    """Only the fields sent change; `notes: null` clears the notes, the others may not be null."""

    case_number: CaseNumber | None = None
    filed_on: FiledOn | None = None
    village_code: VillageCode | None = None
    person_role: RoleField | None = None
    person_name: PersonName | None = None
    violation: ViolationField | None = None
    outcome: OutcomeField | None = None
    notes: Notes = None


class DisciplineCaseVillage(BaseModel):
    code: str
    name: str
    township_code: str
    township_name: str


class DisciplineCaseOut(BaseModel):
    id: int
    case_number: str
    filed_on: date
    village: DisciplineCaseVillage
    person_role: CadreRole
    person_name: str | None = Field(description="null unless the caller is a discipline committee")
    violation: Violation
    outcome: CaseOutcome
    notes: str | None = Field(description="null unless the caller is a discipline committee (notes may name people)")
    names_visible: bool
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[str]


class DisciplineCaseList(Page[DisciplineCaseOut]):
    allowed_actions: list[str] = Field(description="`create`, `read_names`: what the caller may do in the register")


class DisciplineYearCount(BaseModel):
    year: int
    cases: int
    previous_year_cases: int
    change: int = Field(description="cases minus the year before's")
    change_percent: str | None = Field(
        pattern=r"^-?[0-9]+\.[0-9]$",
        description="change on the year before in percent, one decimal, rounded half away from zero "
                    "(PostgreSQL numeric round); null when the year before had no case")


class DisciplineCaseStats(BaseModel):
    county_code: str | None
    township_code: str | None
    village_code: str | None
    violation: Violation | None
    from_year: int
    to_year: int
    years: list[DisciplineYearCount] = Field(description="every year from from_year to to_year, oldest first")
