"""Spending claim state machine (预算审批限额报帐制). Pure: no I/O.

    draft -> submitted -> committee_signed -> [township_approved, only over the limit] -> paid
    rejected / withdrawn from any open state, which releases the amount reserved on the line.
    submitted -> draft (recall): the secretary takes back a claim the committee has not signed yet.
    paid -reverse-> reversed, when the agency reverses the payment's ledger entry (the money is back
    and the line's paid and committed amounts drop with it).

Submitting, signing, approving and paying need at least one invoice attached, or an invoice
exemption the township granted with a reason (service.invoice_check).

The amount is reserved on the budget line when the claim is created, so a draft already holds its
share of the line; a claim that leaves the open states without being paid gives it back.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from cunzhi.kit.states import Machine


class ClaimState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    committee_signed = "committee_signed"
    township_approved = "township_approved"
    paid = "paid"
    rejected = "rejected"
    withdrawn = "withdrawn"
    reversed = "reversed"


class ClaimAction(StrEnum):
    submit = "submit"
    sign = "sign"
    approve = "approve"
    pay = "pay"
    reject = "reject"
    withdraw = "withdraw"
    recall = "recall"
    reverse = "reverse"


OPEN_STATES: frozenset[ClaimState] = frozenset(
    {ClaimState.draft, ClaimState.submitted, ClaimState.committee_signed, ClaimState.township_approved}
)
"""States in which the claim still holds its reservation on the line."""

RELEASING_ACTIONS: frozenset[ClaimAction] = frozenset({ClaimAction.reject, ClaimAction.withdraw})

NEEDS_INVOICE: frozenset[ClaimAction] = frozenset(
    {ClaimAction.submit, ClaimAction.sign, ClaimAction.approve, ClaimAction.pay}
)
"""Steps refused (409 `invoice_required`) while the claim has no invoice and no granted exemption."""

ROUTED_ACTIONS: tuple[ClaimAction, ...] = tuple(a for a in ClaimAction if a is not ClaimAction.reverse)
"""Actions taken at /claims/{id}/{action}; a payment is reversed at its ledger entry instead."""

def _edges(needs_township_approval: bool) -> dict[tuple[ClaimState, ClaimAction], ClaimState]:
    s, a = ClaimState, ClaimAction
    edges = {
        (s.draft, a.submit): s.submitted,
        (s.submitted, a.sign): s.committee_signed,
        (s.submitted, a.recall): s.draft,
    }
    if needs_township_approval:
        edges[(s.committee_signed, a.approve)] = s.township_approved
        edges[(s.township_approved, a.pay)] = s.paid
    else:
        edges[(s.committee_signed, a.pay)] = s.paid
    for state in (s.draft, s.submitted, s.committee_signed, s.township_approved):
        if needs_township_approval or state is not s.township_approved:
            edges[(state, a.reject)] = s.rejected
            edges[(state, a.withdraw)] = s.withdrawn
    edges[(s.paid, a.reverse)] = s.reversed
    return edges


UNDER_LIMIT = Machine("claim", ClaimState, ClaimAction, _edges(needs_township_approval=False))
OVER_LIMIT = Machine("claim", ClaimState, ClaimAction, _edges(needs_township_approval=True))


def needs_township_approval(amount: Decimal, single_claim_limit: Decimal | None) -> bool:
    """A claim strictly above the township's single-claim limit needs township approval.

    No limit set means every claim needs it (the safe default)."""
    return single_claim_limit is None or amount > single_claim_limit


def machine_for(needs_approval: bool) -> Machine[ClaimState, ClaimAction]:
    return OVER_LIMIT if needs_approval else UNDER_LIMIT


def next_state(state: ClaimState, action: ClaimAction, *, needs_approval: bool) -> ClaimState:
    """The state after `action`, or IllegalTransition (409 `illegal_transition`)."""
    return machine_for(needs_approval).next(state, action)


def releases_reservation(action: ClaimAction) -> bool:
    return action in RELEASING_ACTIONS
