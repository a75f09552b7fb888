"""Annual budget workflow. Pure: no I/O.

    draft -submit-> submitted -approve-> approved -close-> closed
                    submitted -return-> returned -submit-> submitted

Lines are edited only in draft or returned. Once approved, a line's amount changes only through a
recorded amendment that the township approves.
"""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.states import Machine


class BudgetStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    returned = "returned"
    closed = "closed"


class BudgetAction(StrEnum):
    submit = "submit"
    approve = "approve"
    return_ = "return"
    close = "close"


EDITABLE: frozenset[BudgetStatus] = frozenset({BudgetStatus.draft, BudgetStatus.returned})

BUDGET_MACHINE = Machine(
    "budget",
    BudgetStatus,
    BudgetAction,
    {
        (BudgetStatus.draft, BudgetAction.submit): BudgetStatus.submitted,
        (BudgetStatus.returned, BudgetAction.submit): BudgetStatus.submitted,
        (BudgetStatus.submitted, BudgetAction.approve): BudgetStatus.approved,
        (BudgetStatus.submitted, BudgetAction.return_): BudgetStatus.returned,
        (BudgetStatus.approved, BudgetAction.close): BudgetStatus.closed,
    },
)
