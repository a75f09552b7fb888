"""API shapes of collective funds. Money is a decimal string (kit.money)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cunzhi.funds.budgets import BudgetStatus
from cunzhi.funds.claims import ClaimAction, ClaimState
from cunzhi.funds.models import AmendmentStatus, BudgetCategory, IncomeSource
from cunzhi.funds.statements import EntryKind
from cunzhi.kit.inputs import Body, BodyDate, BodyId, StrictBool, StrictInt
from cunzhi.kit.money import Money, PositiveMoney

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]
Voucher = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=40,
    pattern=r"^[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff\-_/#.()（）]*$",
)]
"""A voucher number as the agency writes it: 记-2026-015, 收字第15号; letters, digits, Chinese, - _ / # . ()."""


class _In(Body):
    pass


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- settings and accounts ----------------------------------------------------------------------


class SettingsIn(_In):
    single_claim_limit: PositiveMoney
    other_year_claims: StrictBool = Field(
        False, description="Let claims name lines of another year's approved budget (by default only the current "
                           "year's, in the county's calendar)")


class SettingsOut(_Out):
    township_code: str
    single_claim_limit: Money
    is_default: bool
    other_year_claims: bool


class AccountOut(_Out):
    village_id: int
    village_code: str
    village_name: str
    balance: Money
    opened_at: datetime
    opened_by: str
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


class IncomeIn(_In):
    amount: PositiveMoney
    source: IncomeSource
    description: Text200
    received_on: BodyDate = Field(description="The day the money arrived: not after today (the county's calendar)")
    payer: Text200 = Field(description="Who paid it (tenant, the county finance bureau, ...)")
    voucher_no: Voucher = Field(description="The number of the voucher it is booked on")


class ReverseIn(_In):
    reason: Reason


class LedgerEntryOut(_Out):
    id: int
    village_id: int
    kind: EntryKind
    amount: Money
    effect: Money = Field(description="Signed change of the balance")
    booked_on: date
    booked_at: datetime
    source: IncomeSource | None
    description: str
    line_id: int | None
    claim_id: int | None
    reverses_id: int | None
    reversed_by_id: int | None
    booked_by: str
    received_on: date | None = Field(description="Income: the day the money arrived")
    payer: str | None = Field(description="Income: who paid it")
    voucher_no: str | None = Field(description="Income: the voucher number")


class LineSpendingOut(BaseModel):
    line_id: int
    category: BudgetCategory | None
    purpose: str
    paid: Money
    reversed: Money
    net: Money


class StatementOut(BaseModel):
    village_code: str
    period_start: date
    period_end: date
    opening_balance: Money
    income: Money
    income_reversed: Money
    net_income: Money
    spending_by_line: list[LineSpendingOut]
    spending_paid: Money
    spending_reversed: Money
    net_spending: Money
    reversal_count: int
    closing_balance: Money


# ---- budgets --------------------------------------------------------------------------------------


class LineIn(_In):
    category: BudgetCategory
    purpose: Text200
    amount: PositiveMoney


class BudgetIn(_In):
    year: StrictInt = Field(ge=2000, le=2100)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class BudgetEditIn(_In):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class LineOut(_Out):
    id: int
    position: int
    category: BudgetCategory
    purpose: str
    planned: Money
    approved: Money
    committed: Money
    paid: Money
    available: Money = Field(description="approved - committed")
    approval_reason: str | None = Field(description="Why the township approved less than planned")


class LineApprovalIn(_In):
    line_id: BodyId
    approved: Money = Field(description="Between 0.00 and the line's planned amount")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        None, description="Required when lower than planned")


class BudgetApproveIn(_In):
    lines: list[LineApprovalIn] = Field(
        default_factory=list, max_length=200,
        description="The approved amount of each line; lines not named are approved as planned")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class FundsEventOut(_Out):
    """One step in the trail of a budget, amendment, claim, asset or resource of the collective funds."""

    id: int
    action: str
    from_state: str | None
    to_state: str
    actor_name: str
    actor_role: str
    at: datetime
    reason: str | None
    data: dict[str, Any] | None


class AmendmentIn(_In):
    new_amount: PositiveMoney
    reason: Reason


class AmendmentOut(_Out):
    id: int
    line_id: int
    budget_id: int
    old_amount: Money
    new_amount: Money
    reason: str
    status: AmendmentStatus
    decision_reason: str | None
    created_at: datetime


class BudgetSummary(_Out):
    id: int
    village_id: int
    village_code: str
    village_name: str
    year: int
    status: BudgetStatus
    total_planned: Money
    total_approved: Money
    total_committed: Money
    total_paid: Money
    version: int


class BudgetOut(BudgetSummary):
    note: str
    return_reason: str | None
    lines: list[LineOut]
    amendments: list[AmendmentOut]
    trail: list[FundsEventOut]
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")


# ---- claims ---------------------------------------------------------------------------------------


class ClaimIn(_In):
    line_id: BodyId
    amount: PositiveMoney
    purpose: Text200
    payee: Text200


class ClaimEditIn(_In):
    """The fields of a draft claim to change; those left out stay as they are. A new amount or line
    moves the draft's reservation (409 budget_exceeded when the line has not that much left); once the
    claim is submitted nothing changes any more."""

    purpose: Text200 | None = None
    payee: Text200 | None = None
    amount: PositiveMoney | None = None
    line_id: BodyId | None = Field(None, description="Another line of the village's current approved budget")


class FundsReasonIn(_In):
    """The reason given with a step on a budget, an amendment or a claim."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ExemptionIn(_In):
    reason: Reason = Field(description="Why the expense has no invoice")


class InvoiceExemptionOut(BaseModel):
    reason: str
    granted_by: str
    granted_at: datetime


class ClaimReversalOut(BaseModel):
    entry_id: int = Field(description="The reversing ledger entry")
    reverses_id: int = Field(description="The payment entry it undoes")
    booked_on: date
    booked_by: str
    at: datetime
    reason: str


class AttachmentOut(_Out):
    id: int
    claim_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class ClaimOut(_Out):
    id: int
    village_id: int
    village_code: str
    village_name: str
    budget_id: int
    year: int
    line_id: int
    line_category: BudgetCategory
    line_purpose: str
    amount: Money
    purpose: str
    payee: str
    status: ClaimState
    needs_approval: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class ClaimDetail(ClaimOut):
    actions: list[ClaimAction] = Field(description="Actions the state allows next (roles apart)")
    allowed_actions: list[str] = Field(description="What the caller may do with it now (its role and the state)")
    payment_entry_id: int | None
    attachments: list[AttachmentOut]
    invoice_exemption: InvoiceExemptionOut | None = Field(
        description="The township's exemption, for a claim with no invoice")
    reversal: ClaimReversalOut | None = Field(description="A reversed claim: who reversed its payment, when, why")
    trail: list[FundsEventOut]
