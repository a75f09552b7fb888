"""Registries of collective assets (buildings, machinery) and resources (land, ponds, forest).

Each step of a disposal or a letting is written to the funds trail (`funds_events`, entity
`asset` / `resource`) with who, when and the step's data; the row here holds the current state.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.assets.workflows import AssetState, ResourceState
from cunzhi.db import Base
from cunzhi.kit.codes import sql_in
from cunzhi.kit.money import MONEY_SQL


class AssetKind(StrEnum):
    building = "building"
    machinery = "machinery"
    vehicle = "vehicle"
    facility = "facility"
    other = "other"


class DisposalMethod(StrEnum):
    sale = "sale"  # 出售
    auction = "auction"  # 拍卖
    scrap = "scrap"  # 报废
    transfer = "transfer"  # 无偿划转


class ResourceKind(StrEnum):
    land = "land"
    pond = "pond"
    forest = "forest"
    grassland = "grassland"
    other = "other"


class Asset(Base):
    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(AssetKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_in(AssetState)})", name="status"),
        CheckConstraint(f"disposal_method IS NULL OR disposal_method IN ({sql_in(DisposalMethod)})", name="method"),
        CheckConstraint("book_value >= 0 AND (valuation IS NULL OR valuation >= 0)", name="values"),
        CheckConstraint("status <> 'disposed' OR (disposal_method IS NOT NULL AND disposed_on IS NOT NULL)",
                        name="disposal_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(200), default="")
    acquired_on: Mapped[date | None] = mapped_column(Date)
    book_value: Mapped[Decimal] = mapped_column(MONEY_SQL)
    status: Mapped[str] = mapped_column(String(16), default=AssetState.registered.value, index=True)
    valuation: Mapped[Decimal | None] = mapped_column(MONEY_SQL)
    appraiser: Mapped[str | None] = mapped_column(String(200))
    disposal_method: Mapped[str | None] = mapped_column(String(16))
    disposal_proceeds: Mapped[Decimal | None] = mapped_column(MONEY_SQL)
    counterparty: Mapped[str | None] = mapped_column(String(200))
    disposed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class Resource(Base):
    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(ResourceKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_in(ResourceState)})", name="status"),
        CheckConstraint("area > 0 AND (surveyed_area IS NULL OR surveyed_area > 0)", name="area_positive"),
        CheckConstraint("term_start IS NULL OR term_end > term_start", name="term_order"),
        CheckConstraint("annual_rent IS NULL OR reserve_rent IS NULL OR annual_rent >= reserve_rent",
                        name="rent_not_below_reserve"),
        CheckConstraint("status <> 'let' OR (tenant IS NOT NULL AND annual_rent IS NOT NULL AND term_start IS NOT NULL)",
                        name="letting_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    area: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # in mu (亩)
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=ResourceState.registered.value, index=True)
    surveyed_area: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    boundaries: Mapped[str | None] = mapped_column(Text)
    reserve_rent: Mapped[Decimal | None] = mapped_column(MONEY_SQL)  # valuation: lowest acceptable annual rent
    appraiser: Mapped[str | None] = mapped_column(String(200))
    tender_notice: Mapped[str | None] = mapped_column(Text)
    tender_closes_on: Mapped[date | None] = mapped_column(Date)
    tenant: Mapped[str | None] = mapped_column(String(200))
    annual_rent: Mapped[Decimal | None] = mapped_column(MONEY_SQL)
    bids: Mapped[int | None] = mapped_column(SmallInteger)
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
