"""Every edge of the spending-claim state machine, legal and illegal."""

from decimal import Decimal
from itertools import product

import pytest

from cunzhi.funds.claims import (
    OPEN_STATES,
    ClaimAction,
    ClaimState,
    needs_township_approval,
    next_state,
    releases_reservation,
)
from cunzhi.funds.errors import IllegalTransition

S, A = ClaimState, ClaimAction

UNDER = {
    (S.draft, A.submit): S.submitted,
    (S.submitted, A.sign): S.committee_signed,
    (S.submitted, A.recall): S.draft,
    (S.committee_signed, A.pay): S.paid,
    **{(s, A.reject): S.rejected for s in (S.draft, S.submitted, S.committee_signed)},
    **{(s, A.withdraw): S.withdrawn for s in (S.draft, S.submitted, S.committee_signed)},
    (S.paid, A.reverse): S.reversed,
}
OVER = {
    (S.draft, A.submit): S.submitted,
    (S.submitted, A.sign): S.committee_signed,
    (S.submitted, A.recall): S.draft,
    (S.committee_signed, A.approve): S.township_approved,
    (S.township_approved, A.pay): S.paid,
    **{(s, A.reject): S.rejected for s in (S.draft, S.submitted, S.committee_signed, S.township_approved)},
    **{(s, A.withdraw): S.withdrawn for s in (S.draft, S.submitted, S.committee_signed, S.township_approved)},
    (S.paid, A.reverse): S.reversed,
}


@pytest.mark.parametrize("needs_approval,table", [(False, UNDER), (True, OVER)], ids=["under", "over"])
@pytest.mark.parametrize("state,action", list(product(S, A)))
def test_every_edge(needs_approval: bool, table: dict, state: ClaimState, action: ClaimAction) -> None:
    if (state, action) in table:
        assert next_state(state, action, needs_approval=needs_approval) is table[(state, action)]
    else:
        with pytest.raises(IllegalTransition) as info:
            next_state(state, action, needs_approval=needs_approval)
        assert info.value.code == "illegal_transition"
        assert info.value.status == 409
        assert info.value.extra == {"state": state.value, "action": action.value}


def test_terminal_states_allow_nothing() -> None:
    for state in set(S) - OPEN_STATES - {S.paid}:
        for action, needs in product(A, (False, True)):
            with pytest.raises(IllegalTransition):
                next_state(state, action, needs_approval=needs)


def test_a_paid_claim_is_only_ever_reversed() -> None:
    for needs in (False, True):
        assert next_state(S.paid, A.reverse, needs_approval=needs) is S.reversed
        for action in set(A) - {A.reverse}:
            with pytest.raises(IllegalTransition):
                next_state(S.paid, action, needs_approval=needs)
        for state in set(S) - {S.paid}:
            with pytest.raises(IllegalTransition):
                next_state(state, A.reverse, needs_approval=needs)


def test_without_an_invoice_the_steps_needing_one_are_not_offered() -> None:
    from cunzhi.funds.permissions import claim_actions
    from cunzhi.kit.codes import Role
    from cunzhi.kit.principal import Principal

    def who(role: Role) -> Principal:
        return Principal(kind="user", id=1, name="x", role=role)

    sec, com, off = who(Role.village_committee), who(Role.supervision_committee), who(Role.township_official)
    assert claim_actions(sec, "draft", needs_approval=False, has_invoice=False) == ["withdraw", "attach", "edit_claim"]
    assert claim_actions(sec, "draft", needs_approval=False, has_invoice=True) == ["submit", "withdraw", "attach", "edit_claim"]
    assert claim_actions(sec, "draft", needs_approval=False, has_invoice=False, exempted=True)[0] == "submit"
    assert claim_actions(com, "submitted", needs_approval=False, has_invoice=False) == ["reject"]
    assert claim_actions(off, "submitted", needs_approval=True, has_invoice=False) == ["reject", "exempt_invoice"]
    assert claim_actions(off, "submitted", needs_approval=True, has_invoice=True) == ["reject"]
    assert "exempt_invoice" not in claim_actions(off, "paid", needs_approval=True, has_invoice=False)


def test_paying_needs_signature_and_over_limit_needs_approval() -> None:
    for state in (S.draft, S.submitted):
        for needs in (False, True):
            with pytest.raises(IllegalTransition):
                next_state(state, A.pay, needs_approval=needs)
    with pytest.raises(IllegalTransition):
        next_state(S.committee_signed, A.pay, needs_approval=True)
    with pytest.raises(IllegalTransition):
        next_state(S.committee_signed, A.approve, needs_approval=False)


def test_only_reject_and_withdraw_release() -> None:
    assert {a for a in A if releases_reservation(a)} == {A.reject, A.withdraw}


@pytest.mark.parametrize(
    "amount,limit,expected",
    [
        ("4999.99", "5000.00", False),
        ("5000.00", "5000.00", False),
        ("5000.01", "5000.00", True),
        ("0.01", None, True),
    ],
)
def test_single_claim_limit(amount: str, limit: str | None, expected: bool) -> None:
    assert needs_township_approval(Decimal(amount), None if limit is None else Decimal(limit)) is expected


# ---- the annual budget workflow -----------------------------------------------------------------

from cunzhi.funds.budgets import BUDGET_MACHINE, EDITABLE, BudgetAction, BudgetStatus  # noqa: E402

BS, BA = BudgetStatus, BudgetAction
BUDGET_EDGES = {
    (BS.draft, BA.submit): BS.submitted,
    (BS.returned, BA.submit): BS.submitted,
    (BS.submitted, BA.approve): BS.approved,
    (BS.submitted, BA.return_): BS.returned,
    (BS.approved, BA.close): BS.closed,
}


@pytest.mark.parametrize("state,action", list(product(BS, BA)))
def test_budget_edges(state: BudgetStatus, action: BudgetAction) -> None:
    if (state, action) in BUDGET_EDGES:
        assert BUDGET_MACHINE.next(state, action) is BUDGET_EDGES[(state, action)]
    else:
        with pytest.raises(IllegalTransition):
            BUDGET_MACHINE.next(state, action)


def test_only_unapproved_budgets_are_editable() -> None:
    assert {BS.draft, BS.returned} == EDITABLE
