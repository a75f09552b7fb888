"""Collective funds (三资): accounts, budgets, claims, the ledger and the trail of every step.

The rules that must hold even when the application is wrong live here, in the database:
- a budget line never commits more than approved, nor pays more than committed (CHECK);
- the ledger and the trail are append-only (triggers refuse UPDATE, DELETE and TRUNCATE);
- an entry is reversed at most once, by an entry of the same amount and village (UNIQUE + trigger);
- the account balance is kept by a trigger on the ledger and never goes below zero (CHECK); a
  trigger on the account refuses any balance other than the sum of its ledger entries, so nothing
  but a ledger entry moves it;
- a paid claim becomes reversed only once its payment's entry is reversed, and is frozen after.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
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
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cunzhi.db import Base
from cunzhi.funds.budgets import BudgetStatus
from cunzhi.funds.claims import ClaimState
from cunzhi.funds.statements import EntryKind
from cunzhi.kit.codes import sql_in
from cunzhi.kit.money import MONEY_SQL


class BudgetCategory(StrEnum):
    office = "office"  # 办公经费
    allowances = "allowances"  # 干部报酬
    public_works = "public_works"  # 公益事业
    production = "production"  # 生产发展
    welfare = "welfare"  # 社会救助
    maintenance = "maintenance"  # 维修维护
    other = "other"  # 其他


class IncomeSource(StrEnum):
    rent = "rent"  # 发包租赁收入
    subsidy = "subsidy"  # 补助收入
    transfer = "transfer"  # 上级转移支付
    asset_sale = "asset_sale"  # 资产处置收入
    other = "other"


class AmendmentStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    returned = "returned"


class EventEntity(StrEnum):
    budget = "budget"
    amendment = "amendment"
    claim = "claim"
    asset = "asset"
    resource = "resource"


class FundsSetting(Base):
    """Per-township settings of budget-limited reimbursement."""

    __tablename__ = "funds_settings"
    __table_args__ = (CheckConstraint("single_claim_limit > 0", name="limit_positive"),)

    township_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), primary_key=True)
    single_claim_limit: Mapped[Decimal] = mapped_column(MONEY_SQL)
    # Claims are filed against the current year's budget only, unless the township allows others.
    other_year_claims: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str] = mapped_column(String(100))


class Account(Base):
    """A village's account kept by the township agency. `balance` is kept by a ledger trigger and
    always equals the sum of the village's ledger entries (funds_accounts_guard refuses anything else)."""

    __tablename__ = "funds_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), unique=True)
    balance: Mapped[Decimal] = mapped_column(MONEY_SQL, server_default=text("0"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    opened_by: Mapped[str] = mapped_column(String(100))


class Budget(Base):
    __tablename__ = "funds_budgets"
    __table_args__ = (
        UniqueConstraint("village_id", "year", name="uq_funds_budgets_village_year"),
        CheckConstraint(f"status IN ({sql_in(BudgetStatus)})", name="status"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16), default=BudgetStatus.draft.value)
    note: Mapped[str] = mapped_column(Text, default="")
    return_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class BudgetLine(Base):
    """One line of a budget. `planned` is what the village asks; `approved` what the township granted
    (set on approval, changed only by an approved amendment); `committed` is reserved by open and paid
    claims; `paid` has left the account."""

    __tablename__ = "funds_budget_lines"
    __table_args__ = (
        CheckConstraint(f"category IN ({sql_in(BudgetCategory)})", name="category"),
        CheckConstraint("planned > 0", name="planned_positive"),
        CheckConstraint("0 <= paid AND paid <= committed AND committed <= approved", name="committed_within_approved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("funds_budgets.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    category: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(200))
    planned: Mapped[Decimal] = mapped_column(MONEY_SQL)
    approved: Mapped[Decimal] = mapped_column(MONEY_SQL, server_default=text("0"))
    committed: Mapped[Decimal] = mapped_column(MONEY_SQL, server_default=text("0"))
    paid: Mapped[Decimal] = mapped_column(MONEY_SQL, server_default=text("0"))
    # Why the township approved less than planned (required then, see service.act_on_budget).
    approval_reason: Mapped[str | None] = mapped_column(Text)


class Amendment(Base):
    """A recorded change of an approved line's amount, approved or returned by the township."""

    __tablename__ = "funds_amendments"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(AmendmentStatus)})", name="status"),
        CheckConstraint("new_amount >= 0 AND new_amount <> old_amount", name="amount_changes"),
        Index("uq_funds_amendments_one_pending", "line_id", unique=True, postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("funds_budget_lines.id"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("funds_budgets.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    old_amount: Mapped[Decimal] = mapped_column(MONEY_SQL)
    new_amount: Mapped[Decimal] = mapped_column(MONEY_SQL)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=AmendmentStatus.pending.value)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Claim(Base):
    __tablename__ = "funds_claims"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(ClaimState)})", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("funds_budgets.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("funds_budget_lines.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY_SQL)
    purpose: Mapped[str] = mapped_column(String(200))
    payee: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24), default=ClaimState.draft.value, index=True)
    # Fixed when the claim is filed, from the township's single-claim limit at that moment.
    needs_approval: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())
    # Set when the village first submits it: the supervision committee sees submitted claims only.
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When it entered its status (its trail's latest event into it): kept by triggers (migration 0240)
    # for the dashboard's waiting claims; NULL when the trail has no such event.
    status_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A claim with no invoice goes on only with the township's recorded exemption (its reason).
    invoice_exemption_reason: Mapped[str | None] = mapped_column(Text)
    invoice_exempted_by: Mapped[str | None] = mapped_column(String(100))
    invoice_exempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Attachment(Base):
    """An invoice or receipt of a claim. Kept in the database (see service.add_attachment)."""

    __tablename__ = "funds_attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("funds_claims.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LedgerEntry(Base):
    """The village account's book. Append-only; a mistake is undone by a reversal pointing at it."""

    __tablename__ = "funds_ledger_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(EntryKind)})", name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"source IS NULL OR source IN ({sql_in(IncomeSource)})", name="source"),
        CheckConstraint(
            "(kind = 'income' AND source IS NOT NULL AND line_id IS NULL AND claim_id IS NULL AND reverses_id IS NULL)"
            " OR (kind = 'payment' AND line_id IS NOT NULL AND claim_id IS NOT NULL AND reverses_id IS NULL)"
            " OR (kind = 'reversal' AND reverses_id IS NOT NULL)",
            name="shape",
        ),
        Index("uq_funds_ledger_entries_claim_paid_once", "claim_id", unique=True,
              postgresql_where=text("kind = 'payment'")),
        Index("ix_funds_ledger_entries_village_booked", "village_id", "booked_on", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY_SQL)
    booked_on: Mapped[date] = mapped_column(Date)
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("funds_budget_lines.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("funds_claims.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("funds_ledger_entries.id"), unique=True)
    booked_by: Mapped[str] = mapped_column(String(100))
    # Income: the day the money arrived, who paid it and the voucher it was booked on.
    received_on: Mapped[date | None] = mapped_column(Date)
    payer: Mapped[str | None] = mapped_column(String(200))
    voucher_no: Mapped[str | None] = mapped_column(String(40))


class Event(Base):
    """The trail: every step of a budget, amendment, claim, asset or resource, with who and when.

    Append-only like the ledger."""

    __tablename__ = "funds_events"
    __table_args__ = (
        CheckConstraint(f"entity IN ({sql_in(EventEntity)})", name="entity"),
        Index("ix_funds_events_entity", "entity", "entity_id", "id"),
        # when a claim entered its status (the dashboards' claims waiting), one index probe each
        Index("ix_funds_events_claim_state", "entity_id", "to_state", "at", postgresql_where=text("entity = 'claim'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))  # principal key, e.g. user:12
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
