"""Domain errors of collective funds, assets and resources (三资), each with a stable code."""

from __future__ import annotations

from cunzhi.kit.errors import Conflict, Forbidden, IllegalTransition, Unprocessable
from cunzhi.kit.states import illegal

__all__ = [
    "AccountMissing",
    "AlreadyReversed",
    "AttachmentRefused",
    "BudgetExceeded",
    "BudgetNotCurrentYear",
    "BudgetNotOpen",
    "IllegalTransition",
    "InsufficientFunds",
    "InvoiceRequired",
    "LineNotInVillage",
    "NotCommittee",
    "illegal",
]


class BudgetExceeded(Conflict):
    code, title = "budget_exceeded", "The budget line has not enough approved amount left"


class BudgetNotOpen(Conflict):
    code, title = "budget_not_open", "The budget is not approved for spending or its year is closed"


class InsufficientFunds(Conflict):
    code, title = "insufficient_funds", "The village account has not enough money"


class AlreadyReversed(Conflict):
    code, title = "already_reversed", "This entry has been reversed already"


class AccountMissing(Conflict):
    code, title = "account_missing", "The village has no account with the agency yet"


class NotCommittee(Forbidden):
    code, title = "not_supervision_committee", "Only the village's supervision committee may sign"


class LineNotInVillage(Unprocessable):
    code, title = "line_not_in_village", "The budget line is not a line of this village"


class AttachmentRefused(Unprocessable):
    code, title = "attachment_refused", "The attachment is too large or of a type not accepted"



class BudgetNotCurrentYear(Conflict):
    code, title = "budget_not_current_year", "Claims name lines of the current year's budget only"


class InvoiceRequired(Conflict):
    code, title = "invoice_required", "The claim has no invoice attached and no exemption from the township"
