"""Screening rounds, scores, proposals, rectification cases, measures, notes and the village history.

Score sheets (one row per revision), proposals, progress notes and history events are append-only
(a trigger refuses UPDATE and DELETE); rounds, cases and measures carry their current state and a
`version`, and every change to them is also written to `rectification_events`, so a village's whole
story can be read back.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit.codes import ProblemCategory, sql_in
from cunzhi.rectification.states import CaseStatus, RoundStatus

CATEGORY_CHECK = f"category IN ({sql_in(ProblemCategory)})"
CATEGORIES_CHECK = f"categories <@ ARRAY[{sql_in(ProblemCategory)}]::varchar[]"


class Criterion(Base):
    """A screening criterion of one county (county-editable). Rounds copy them when they open."""

    __tablename__ = "screening_criteria"
    __table_args__ = (
        UniqueConstraint("county_code", "code", name="uq_screening_criteria_county_code_code"),
        CheckConstraint(CATEGORY_CHECK, name="category"),
        CheckConstraint(r"code ~ '^[a-z][a-z0-9_]{1,39}$'", name="code_format"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("min_score >= 0 AND max_score > min_score", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    min_score: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())

    __mapper_args__ = {"version_id_col": version}


class Round(Base):
    """A screening round (大排查) of one county, over some or all of its townships."""

    __tablename__ = "screening_rounds"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(RoundStatus)})", name="status"),
        CheckConstraint("weak_index > 0 AND weak_index <= 100", name="weak_index"),
        CheckConstraint("category_share > 0 AND category_share <= 100", name="category_share"),
        CheckConstraint("veto_share IS NULL OR (veto_share > 0 AND veto_share <= 100)", name="veto_share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.open.value, index=True)
    weak_index: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    category_share: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    veto_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    case_deadline: Mapped[date | None] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    proposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class RoundCriterion(Base):
    """The criteria a round scores against, copied when it opens (later edits do not change it)."""

    __tablename__ = "screening_round_criteria"
    __table_args__ = (UniqueConstraint("round_id", "code", name="uq_screening_round_criteria_round_id_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    min_score: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class RoundTownship(Base):
    """A township a round covers, and when it handed in its proposal."""

    __tablename__ = "screening_round_townships"

    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), primary_key=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), primary_key=True)
    proposed_by: Mapped[str | None] = mapped_column(String(100))
    proposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScoreSheet(Base):
    """One revision of a village's scores in one round (append-only).

    The first entry is revision 1. A correction appends the next revision, pointing at the row it
    supersedes; a row is superseded at most once. The village's current sheet is the row that no
    other row supersedes (see `service.current_sheet`), and its revision is the sheet's ETag.
    """

    __tablename__ = "screening_score_sheets"
    __table_args__ = (
        UniqueConstraint("round_id", "village_id", "revision", name="uq_screening_score_sheets_round_village_revision"),
        UniqueConstraint("supersedes_id", name="uq_screening_score_sheets_supersedes_id"),
        CheckConstraint("revision >= 1 AND (revision = 1) = (supersedes_id IS NULL)", name="revision_chain"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, server_default=text("1"), default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("screening_score_sheets.id"))
    scores: Mapped[dict[str, int]] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    scored_by: Mapped[str] = mapped_column(String(100))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Proposal(Base):
    """What the rules proposed for one village when its township handed in (append-only)."""

    __tablename__ = "screening_proposals"
    __table_args__ = (
        UniqueConstraint("round_id", "village_id", name="uq_screening_proposals_round_id_village_id"),
        CheckConstraint(CATEGORIES_CHECK, name="categories"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    weak: Mapped[bool] = mapped_column(Boolean)
    index: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Case(Base):
    """A rectification case (整顿): from listing until the county accepts it (销号)."""

    __tablename__ = "rectification_cases"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(CaseStatus)})", name="status"),
        CheckConstraint(CATEGORIES_CHECK, name="categories"),
        # At most one open case per village.
        Index(
            "uq_rectification_cases_open_per_village",
            "village_id",
            unique=True,
            postgresql_where=text("status IN ('open', 'rectifying', 'submitted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.open.value, index=True)
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    deadline: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Problem(Base):
    """A problem the case must fix (append-only)."""

    __tablename__ = "rectification_problems"
    __table_args__ = (CheckConstraint(CATEGORY_CHECK, name="category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Measure(Base):
    """A measure of a case: what, who owns it, by when, and whether it is done."""

    __tablename__ = "rectification_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_problems.id"))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    deadline: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Note(Base):
    """A dated progress note on a case, optionally about one measure (append-only)."""

    __tablename__ = "rectification_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_measures.id"))
    on_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Event(Base):
    """One line of a village's screening and rectification history (append-only)."""

    __tablename__ = "rectification_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("screening_rounds.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
