"""Tasks for village cadres (压担子): the county's catalogue (items of the four categories, units of
measure), tasks given to villages, their history (progress updates, acceptance, returns, the sweep's
flags; append-only) and the evidence photos of progress updates (append-only)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cunzhi.db import Base
from cunzhi.kit.codes import sql_in
from cunzhi.tasks.rules import Category, Responsible, TaskStatus

EVENT_KINDS = ("create", "edit", "progress", "complete", "mark_overdue", "accept", "send_back", "due_soon")
CODE_RE = "^[a-z0-9][a-z0-9_-]{0,31}$"


class TaskUnit(Base):
    """A unit of measure the county's tasks count in (km, households, ducks, bags, mu)."""

    __tablename__ = "task_units"
    __table_args__ = (UniqueConstraint("county_code", "code", name="uq_task_units_code"),
                      CheckConstraint(f"code ~ '{CODE_RE}'", name="code_form"))

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class TaskItem(Base):
    """An entry of the county's catalogue: one of the seven helps, a construction item, a poverty-relief
    policy measure or an industry programme."""

    __tablename__ = "task_items"
    __table_args__ = (UniqueConstraint("county_code", "code", name="uq_task_items_code"),
                      CheckConstraint(f"code ~ '{CODE_RE}'", name="code_form"),
                      CheckConstraint(f"category IN ({sql_in(Category)})", name="category"))

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    category: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    default_unit: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(1000))
    sort: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class Task(Base):
    """A concrete task given to a village, with a target, a due date and who is responsible."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(TaskStatus)})", name="status"),
        CheckConstraint(f"responsible_kind IN ({sql_in(Responsible)})", name="responsible_kind"),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint("progress >= 0 AND progress <= target", name="progress_range"),
        CheckConstraint("(responsible_kind = 'partner_unit') = (partner_unit_id IS NOT NULL)", name="partner_unit"),
        CheckConstraint("(responsible_kind = 'cadre') = (cadre_id IS NOT NULL)", name="cadre"),
        CheckConstraint("assigned_level IN ('county', 'township')", name="assigned_level"),
        CheckConstraint("duties <@ ARRAY['mobilise', 'supervise_quality', 'settle_disputes']::varchar[]",
                        name="duties"),
        UniqueConstraint("county_code", "import_key", name="uq_tasks_import_key"),
        UniqueConstraint("external_source", "external_id", name="uq_tasks_external"),
        CheckConstraint("(external_source IS NULL) = (external_id IS NULL)", name="external_pair"),
        Index("ix_tasks_village_status", "village_id", "status"),
        Index("ix_tasks_open_due", "due_date", postgresql_where="status IN ('planned', 'in_progress')"),
        Index("ix_tasks_created_at", "created_at"),
        Index("ix_tasks_done_at", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("task_items.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    duties: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list, server_default="{}")
    note: Mapped[str | None] = mapped_column(String(2000))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(32))
    progress: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), server_default="0")
    due_date: Mapped[date] = mapped_column(Date)
    responsible_kind: Mapped[str] = mapped_column(String(20))
    partner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("partner_units.id"))
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.planned.value)
    assigned_level: Mapped[str] = mapped_column(String(10))
    assigned_by: Mapped[str] = mapped_column(String(100))
    import_key: Mapped[str | None] = mapped_column(String(64))
    # A township system's own id for the task (bulk upserts): the township's code and that id.
    external_source: Mapped[str | None] = mapped_column(String(12))
    external_id: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_for: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class TaskVillageSummary(Base):
    """Each village's tasks now, kept by triggers (migration 0210) in the transaction of every insert,
    update and delete of a task: by status, by responsible kind, `completed` (done or accepted, with a
    completion time), `on_time` (completed on or before the due date, in the county's calendar). The
    dashboards read this instead of every task of their scope."""

    __tablename__ = "task_village_summaries"

    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer, server_default="0")
    planned: Mapped[int] = mapped_column(Integer, server_default="0")
    in_progress: Mapped[int] = mapped_column(Integer, server_default="0")
    done: Mapped[int] = mapped_column(Integer, server_default="0")
    overdue: Mapped[int] = mapped_column(Integer, server_default="0")
    accepted: Mapped[int] = mapped_column(Integer, server_default="0")
    by_village_committee: Mapped[int] = mapped_column(Integer, server_default="0")
    by_partner_unit: Mapped[int] = mapped_column(Integer, server_default="0")
    by_cadre: Mapped[int] = mapped_column(Integer, server_default="0")
    completed: Mapped[int] = mapped_column(Integer, server_default="0")
    on_time: Mapped[int] = mapped_column(Integer, server_default="0")


class TaskVillageCategorySummary(Base):
    """Each village's tasks now per category of their catalogue item, kept by triggers (migration 0340)
    in the transaction of every insert, update and delete of a task: `completed`, `on_time` and
    `overdue` as in `TaskVillageSummary`. The task panel's by-kind figures read this."""

    __tablename__ = "task_village_category_summaries"
    __table_args__ = (CheckConstraint(f"category IN ({sql_in(Category)})", name="category"),)

    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer, server_default="0")
    completed: Mapped[int] = mapped_column(Integer, server_default="0")
    on_time: Mapped[int] = mapped_column(Integer, server_default="0")
    overdue: Mapped[int] = mapped_column(Integer, server_default="0")


class TaskHistory(Base):
    """What happened to a task, one row per event, never changed (trigger). A progress update carries
    the amount added and the progress after; a return carries its reasons."""

    __tablename__ = "task_history"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in EVENT_KINDS)})", name="kind"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        UniqueConstraint("user_id", "client_key", name="uq_task_history_client_key"),
        Index("ix_task_history_task", "task_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    kind: Mapped[str] = mapped_column(String(16))
    status_before: Mapped[str | None] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    progress_after: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    text: Mapped[str | None] = mapped_column(String(2000))
    reasons: Mapped[list[str] | None] = mapped_column(ARRAY(String(500)))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_key: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"eager_defaults": True}


class TaskPhoto(Base):
    """Evidence photo of a progress update, kept in the database like the cadres' photos. Append-only."""

    __tablename__ = "task_photos"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    history_id: Mapped[int] = mapped_column(ForeignKey("task_history.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}


IMPORT_STATUSES = ("queued", "validating", "writing", "done", "rejected", "failed")


class TaskImport(Base):
    """A task file handed to the worker: the file itself, then the job's progress and outcome. The job
    writes its progress on a connection of its own (so the screen sees it while the import's single
    transaction is still open) and its outcome with the tasks, in that transaction."""

    __tablename__ = "task_imports"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in IMPORT_STATUSES)})", name="status"),
        CheckConstraint("written >= 0 AND written <= rows", name="written"),
        Index("ix_task_imports_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    rows: Mapped[int] = mapped_column(Integer)
    written: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(String(2000))
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"eager_defaults": True}
