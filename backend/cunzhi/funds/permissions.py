"""Who takes which step in collective funds. Keyed by `Role`; checked with `kit.permissions`.

Scope (the claim's village, the budget's township) is checked apart, before these."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.funds.budgets import BUDGET_MACHINE, EDITABLE, BudgetAction, BudgetStatus
from cunzhi.funds.claims import NEEDS_INVOICE, OPEN_STATES, ClaimAction, ClaimState, machine_for
from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, may, roles
from cunzhi.kit.principal import Principal

#: a claim takes invoices until the committee signs it
ATTACHABLE = frozenset({ClaimState.draft, ClaimState.submitted})
#: a claim's line, amount, purpose and payee change only while it is a draft (PATCH, funds/drafts.py)
EDITABLE_CLAIMS = frozenset({ClaimState.draft})
#: the township may exempt a claim from invoices while it is open
EXEMPTABLE = OPEN_STATES


class FundsAction(StrEnum):
    """Steps outside the claim and budget state machines."""

    set_limit = "set_limit"
    open_account = "open_account"
    book_income = "book_income"
    reverse_entry = "reverse_entry"
    draft_budget = "draft_budget"
    edit_budget = "edit_budget"
    request_amendment = "request_amendment"
    decide_amendment = "decide_amendment"
    file_claim = "file_claim"
    attach = "attach"
    edit_claim = "edit_claim"
    exempt_invoice = "exempt_invoice"
    read_drafts = "read_drafts"


CLAIM: dict[ClaimAction, frozenset[Role]] = {
    ClaimAction.submit: roles(Role.village_committee),
    ClaimAction.withdraw: roles(Role.village_committee),
    ClaimAction.recall: roles(Role.village_committee),
    ClaimAction.sign: roles(Role.supervision_committee),
    ClaimAction.approve: roles(Role.township_official),
    ClaimAction.pay: roles(Role.township_agency),
    ClaimAction.reject: roles(Role.supervision_committee, Role.township_official, Role.township_agency),
    ClaimAction.reverse: roles(Role.township_agency),
}

BUDGET: dict[BudgetAction, frozenset[Role]] = {
    BudgetAction.submit: roles(Role.village_committee),
    BudgetAction.approve: roles(Role.township_official),
    BudgetAction.return_: roles(Role.township_official),
    BudgetAction.close: roles(Role.township_official),
}

FUNDS: dict[FundsAction, frozenset[Role]] = {
    FundsAction.set_limit: roles(Role.township_official, Role.county_admin),
    FundsAction.open_account: roles(Role.township_agency),
    FundsAction.book_income: roles(Role.township_agency),
    FundsAction.reverse_entry: roles(Role.township_agency),
    FundsAction.draft_budget: roles(Role.village_committee),
    FundsAction.edit_budget: roles(Role.village_committee),
    FundsAction.request_amendment: roles(Role.village_committee),
    FundsAction.decide_amendment: roles(Role.township_official),
    FundsAction.file_claim: CLAIM[ClaimAction.submit],
    FundsAction.attach: roles(Role.village_committee),
    FundsAction.edit_claim: roles(Role.village_committee),
    FundsAction.exempt_invoice: roles(Role.township_official),
    # The supervision committee watches what the village has handed in: never a draft, nor a
    # claim the secretary took back to draft.
    FundsAction.read_drafts: frozenset(Role) - {Role.supervision_committee},
}


def claim_actions(p: Principal, status: str, *, needs_approval: bool, has_invoice: bool = True,
                  exempted: bool = False) -> list[str]:
    """What `p` may do with a claim in `status`: its open steps, attaching invoices before signing and,
    for the township, exempting a claim with no invoice. Without an invoice or an exemption the steps
    that need one are left out (the service refuses them with `invoice_required`)."""
    steps = machine_for(needs_approval).actions(status)
    if not (has_invoice or exempted):
        steps = [a for a in steps if a not in NEEDS_INVOICE]
    out = [a.value for a in allowed(p, CLAIM, steps)]
    if status in ATTACHABLE and may(p, FUNDS, FundsAction.attach):
        out.append(FundsAction.attach.value)
    if status in EDITABLE_CLAIMS and may(p, FUNDS, FundsAction.edit_claim):
        out.append(FundsAction.edit_claim.value)
    if status in EXEMPTABLE and not has_invoice and not exempted and may(p, FUNDS, FundsAction.exempt_invoice):
        out.append(FundsAction.exempt_invoice.value)
    return out


def budget_actions(p: Principal, status: str, *, pending_amendments: bool = False, claimable: bool = True) -> list[str]:
    """`claimable`: the budget's year takes claims now (the current year, or the township allows others)."""
    out = [a.value for a in allowed(p, BUDGET, BUDGET_MACHINE.actions(status))]
    if status in EDITABLE and may(p, FUNDS, FundsAction.edit_budget):
        out.append(FundsAction.edit_budget.value)
    if status == BudgetStatus.approved:
        if may(p, FUNDS, FundsAction.request_amendment):
            out.append(FundsAction.request_amendment.value)
        if pending_amendments and may(p, FUNDS, FundsAction.decide_amendment):
            out.append(FundsAction.decide_amendment.value)
        if claimable and may(p, FUNDS, FundsAction.file_claim):
            out.append(FundsAction.file_claim.value)
    return out


def account_actions(p: Principal) -> list[str]:
    candidates = [FundsAction.book_income, FundsAction.reverse_entry, FundsAction.file_claim, FundsAction.draft_budget]
    return [a.value for a in allowed(p, FUNDS, candidates)]
