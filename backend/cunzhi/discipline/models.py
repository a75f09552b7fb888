"""The township and county discipline committees' register of discipline cases (违法违纪案件)
against village cadres: one row per case, edited in place (every write is in the audit log)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.discipline.rules import CadreRole, CaseOutcome, Violation
from cunzhi.kit.codes import sql_in


class DisciplineCase(Base):
    __tablename__ = "discipline_cases"
    __table_args__ = (
        # A case number names one case in its county, whoever files it.
        UniqueConstraint("county_code", "case_number", name="uq_discipline_cases_number"),
        CheckConstraint(f"person_role IN ({sql_in(CadreRole)})", name="person_role"),
        CheckConstraint(f"violation IN ({sql_in(Violation)})", name="violation"),
        CheckConstraint(f"outcome IN ({sql_in(CaseOutcome)})", name="outcome"),
        CheckConstraint("length(btrim(case_number)) > 0 AND length(btrim(person_name)) > 0", name="texts"),
        Index("ix_discipline_cases_county_filed", "county_code", "filed_on"),
        Index("ix_discipline_cases_village_filed", "village_id", "filed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    case_number: Mapped[str] = mapped_column(String(40))
    filed_on: Mapped[date] = mapped_column(Date)
    person_role: Mapped[str] = mapped_column(String(32))
    person_name: Mapped[str] = mapped_column(String(50))
    violation: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(100))
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
