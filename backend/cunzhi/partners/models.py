from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base


class PartnerUnit(Base):
    """A county department that helps villages (包村单位)."""

    __tablename__ = "partner_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)


class Pairing(Base):
    """A partner unit assigned to a village for a period (结对). Ended, never deleted."""

    __tablename__ = "pairings"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_unit_id: Mapped[int] = mapped_column(ForeignKey("partner_units.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
