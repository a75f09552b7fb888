"""Domain errors of collective funds, assets and resources (三资)."""

from __future__ import annotations


class FundsError(Exception):
    """Base of this domain's errors; `code` is stable, `status` is the HTTP status it maps to."""

    code = "funds_error"
    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class IllegalTransition(FundsError):
    code = "illegal_transition"
    status = 409

    def __init__(self, machine: str, state: str, action: str) -> None:
        super().__init__(f"{machine}: cannot {action} when {state}")
        self.machine = machine
        self.state = state
        self.action = action
