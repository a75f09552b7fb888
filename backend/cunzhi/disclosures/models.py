"""Monthly disclosure (三务公开): the county's template, rounds (township x month), their items, each
village's state in a round, publications (append-only: a republish is a new row), files, committee
reviews, inspections and corrections (append-only)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cunzhi.db import Base
from cunzhi.disclosures.rules import DisclosureRoundStatus, FileKind, InspectionResult, ItemKind, Section, VillageStatus
from cunzhi.kit.codes import sql_in


class TemplateItem(Base):
    """An item the county's template pre-fills in every new round, until it is turned off (retired:
    kept, with who and when, for the rounds that were pre-filled with it)."""

    __tablename__ = "disclosure_template_items"
    __table_args__ = (CheckConstraint(f"section IN ({sql_in(Section)})", name="section"),
                      CheckConstraint("active = (retired_at IS NULL)", name="retired"))

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    section: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    sort: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class Round(Base):
    """One township's disclosure of one month."""

    __tablename__ = "disclosure_rounds"
    __table_args__ = (
        UniqueConstraint("township_code", "year", "month", name="uq_disclosure_rounds_month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("extract(year FROM publish_by) = year AND extract(month FROM publish_by) = month",
                        name="publish_by_in_month"),
        CheckConstraint(f"status IN ({sql_in(DisclosureRoundStatus)})", name="status"),
        CheckConstraint("(status = 'locked') = (locked_at IS NOT NULL)", name="locked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    year: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[int] = mapped_column(SmallInteger)
    publish_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=DisclosureRoundStatus.open.value)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class Item(Base):
    """What every village of the township discloses this month: a new item, or an update of an
    item of an earlier month (`updates_item_id`). The finance item's content is generated."""

    __tablename__ = "disclosure_items"
    __table_args__ = (
        CheckConstraint(f"section IN ({sql_in(Section)})", name="section"),
        CheckConstraint(f"kind IN ({sql_in(ItemKind)})", name="kind"),
        CheckConstraint("(kind = 'update') = (updates_item_id IS NOT NULL)", name="update_names_item"),
        Index("ix_disclosure_items_round", "round_id", "sort", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("disclosure_rounds.id"))
    section: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default=ItemKind.new.value)
    updates_item_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_items.id"))
    title: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    sort: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    template_item_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_template_items.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class RoundVillage(Base):
    """A village's state in a round: pending, published, passed or failed; late when it published
    after (or had not published by) the round's publish-by day."""

    __tablename__ = "disclosure_round_villages"
    __table_args__ = (
        UniqueConstraint("round_id", "village_id", name="uq_disclosure_round_villages"),
        CheckConstraint(f"status IN ({sql_in(VillageStatus)})", name="status"),
        Index("ix_disclosure_round_villages_village", "village_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("disclosure_rounds.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    status: Mapped[str] = mapped_column(String(16), default=VillageStatus.pending.value)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    fix_by: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class Publication(Base):
    """What a village published (append-only; a republish after a failed inspection is a new row).

    `entries` holds the text per typed item; `finance` the village's books of the finance period as
    they stood at publish time, and `finance_hash` the SHA-256 of their canonical form."""

    __tablename__ = "disclosure_publications"
    __table_args__ = (Index("ix_disclosure_publications_rv", "round_village_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_village_id: Mapped[int] = mapped_column(ForeignKey("disclosure_round_villages.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("disclosure_rounds.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    finance: Mapped[dict[str, Any]] = mapped_column(JSONB)
    finance_hash: Mapped[str] = mapped_column(String(64))
    file_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list, server_default="{}")
    late: Mapped[bool] = mapped_column(Boolean)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class File(Base):
    """An attachment or a notice-board photo of a village's disclosure, kept in the database like
    the funds' invoices (append-only)."""

    __tablename__ = "disclosure_files"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint(f"kind IN ({sql_in(FileKind)})", name="kind"),
        Index("ix_disclosure_files_rv", "round_village_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_village_id: Mapped[int] = mapped_column(ForeignKey("disclosure_round_villages.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Review(Base):
    """The supervision committee's opinion on its village's disclosure, before or after publication."""

    __tablename__ = "disclosure_reviews"
    __table_args__ = (CheckConstraint("stage IN ('before_publication', 'after_publication')", name="stage"),
                      Index("ix_disclosure_reviews_rv", "round_village_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_village_id: Mapped[int] = mapped_column(ForeignKey("disclosure_round_villages.id"))
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_publications.id"))
    stage: Mapped[str] = mapped_column(String(24))
    opinion: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Inspection(Base):
    """The township's inspection of one publication: passed or failed, findings, a deadline to fix."""

    __tablename__ = "disclosure_inspections"
    __table_args__ = (
        CheckConstraint(f"result IN ({sql_in(InspectionResult)})", name="result"),
        CheckConstraint("result = 'passed' OR (fix_by IS NOT NULL AND findings <> '')", name="failed_has_fix"),
        UniqueConstraint("publication_id", name="uq_disclosure_inspections_publication"),
        Index("ix_disclosure_inspections_rv", "round_village_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_village_id: Mapped[int] = mapped_column(ForeignKey("disclosure_round_villages.id"))
    publication_id: Mapped[int] = mapped_column(ForeignKey("disclosure_publications.id"))
    result: Mapped[str] = mapped_column(String(16))
    findings: Mapped[str] = mapped_column(Text, default="")
    fix_by: Mapped[date | None] = mapped_column(Date)
    inspected_by: Mapped[str] = mapped_column(String(100))
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Correction(Base):
    """A correction of a locked month, recorded in the next month's round, with its reason."""

    __tablename__ = "disclosure_corrections"
    __table_args__ = (CheckConstraint("length(btrim(reason)) > 0", name="reason_given"),
                      Index("ix_disclosure_corrections_round", "round_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("disclosure_rounds.id"))
    corrects_round_id: Mapped[int] = mapped_column(ForeignKey("disclosure_rounds.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_items.id"))
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


APPEND_ONLY = ("disclosure_publications", "disclosure_files", "disclosure_reviews", "disclosure_inspections",
               "disclosure_corrections")
