"""Partner units (包村单位), their pairings with weak villages (结对), the county's pairing settings
(weight table, slots per village) and the stored proposal runs of the matching engine."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base

STRENGTH_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
END_REASONS = ("replaced", "village_accepted", "unit_withdrawn", "other")
PROPOSAL_STATUSES = ("open", "confirmed", "superseded")


class PartnerUnit(Base):
    """A county department that helps villages (包村单位)."""

    __tablename__ = "partner_units"
    __table_args__ = (
        CheckConstraint("capacity >= 0 AND capacity <= 50", name="capacity_range"),
        CheckConstraint(
            "array_to_string(strengths, ',') ~ '^([a-z][a-z0-9_]{1,31}(,|$))*$'", name="strength_codes"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    strengths: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    capacity: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}


class Pairing(Base):
    """A partner unit assigned to a village for a period (结对).

    History is never overwritten: a row is inserted once and may later be *ended* once
    (end_date, ended_reason, ended_by, ended_at); a trigger refuses every other UPDATE and
    every DELETE. An end_date of start_date - 1 means the pairing never took effect.
    The same unit cannot be paired twice with the same village over overlapping periods
    (exclusion constraint).
    """

    __tablename__ = "pairings"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date - 1", name="period"),
        CheckConstraint(
            "(ended_at IS NULL AND ended_reason IS NULL) OR "
            "(ended_at IS NOT NULL AND ended_reason IS NOT NULL AND end_date IS NOT NULL)",
            name="ended_fields",
        ),
        CheckConstraint(f"ended_reason IN ({', '.join(repr(r) for r in END_REASONS)})", name="ended_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_unit_id: Mapped[int] = mapped_column(ForeignKey("partner_units.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("pairing_proposals.id"), index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    ended_note: Mapped[str | None] = mapped_column(String(500))
    ended_by: Mapped[str | None] = mapped_column(String(100))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("pairing_proposals.id"))


class PairingSettings(Base):
    """A county's pairing rules: slots per village, known strengths and the weight table."""

    __tablename__ = "pairing_settings"
    __table_args__ = (CheckConstraint("slots_per_village BETWEEN 1 AND 10", name="slots_range"),)

    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), primary_key=True)
    slots_per_village: Mapped[int] = mapped_column(Integer)
    # [{"code": "economic", "label": "有经济实力"}, ...]
    strengths: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    # {"weak_economy": {"economic": 3, ...}, ...}
    weights: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}


class PairingProposal(Base):
    """One run of the matching engine for a county, stored with its inputs and result.

    `fingerprint` is the hash of the inputs (villages, units, weights, slots, current pairings,
    pins and bans): confirming when today's inputs hash differently is refused (stale).
    """

    __tablename__ = "pairing_proposals"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in PROPOSAL_STATUSES)})", name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
        CheckConstraint("covered <= slots AND covered >= 0", name="coverage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("pairing_proposals.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    slots: Mapped[int] = mapped_column(Integer)
    covered: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    kept: Mapped[int] = mapped_column(Integer)
    solve_ms: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
