"""Monthly and yearly statements of a village account, computed from its ledger. Pure: no I/O.

Every ledger entry carries a positive amount. Its effect on the balance depends on its kind:
income adds, a payment subtracts, and a reversal undoes the entry it points at (a reversed income
subtracts, a reversed payment adds back). Reversals are shown apart and netted into income and
spending, so a statement always reads

    closing_balance = opening_balance + net_income - net_spending

and the statements of consecutive periods chain (one's closing is the next one's opening).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class EntryKind(StrEnum):
    income = "income"
    payment = "payment"
    reversal = "reversal"


@dataclass(frozen=True)
class LedgerItem:
    """What a statement needs of a ledger entry."""

    id: int
    kind: EntryKind
    amount: Decimal
    booked_on: date
    line_id: int | None = None
    line_label: str = ""
    reverses_kind: EntryKind | None = None  # for a reversal: the kind of the entry it reverses

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or self.amount <= 0:
            raise ValueError("a ledger amount is a positive Decimal")
        if (self.kind is EntryKind.reversal) != (self.reverses_kind is not None):
            raise ValueError("reverses_kind is set on reversals and only on them")
        if self.reverses_kind is EntryKind.reversal:
            raise ValueError("a reversal is never reversed")
        if EntryKind.payment in (self.kind, self.reverses_kind) and self.line_id is None:
            raise ValueError("a payment (and its reversal) names a budget line")

    @property
    def effect(self) -> Decimal:
        """Signed change of the balance."""
        if self.kind is EntryKind.income:
            return self.amount
        if self.kind is EntryKind.payment:
            return -self.amount
        return self.amount if self.reverses_kind is EntryKind.payment else -self.amount


@dataclass(frozen=True)
class LineSpending:
    line_id: int
    line_label: str
    paid: Decimal
    reversed: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.reversed


@dataclass(frozen=True)
class Statement:
    period_start: date  # first day, inclusive
    period_end: date  # last day, inclusive
    opening_balance: Decimal
    income: Decimal  # income booked in the period, gross
    income_reversed: Decimal  # reversals of income, booked in the period
    spending_by_line: tuple[LineSpending, ...]
    reversal_count: int
    closing_balance: Decimal

    @property
    def net_income(self) -> Decimal:
        return self.income - self.income_reversed

    @property
    def spending_paid(self) -> Decimal:
        return sum((line.paid for line in self.spending_by_line), ZERO)

    @property
    def spending_reversed(self) -> Decimal:
        return sum((line.reversed for line in self.spending_by_line), ZERO)

    @property
    def net_spending(self) -> Decimal:
        return self.spending_paid - self.spending_reversed


def balance(entries: Iterable[LedgerItem], *, before: date | None = None) -> Decimal:
    """Balance of the entries (booked before `before`, when given)."""
    return sum((e.effect for e in entries if before is None or e.booked_on < before), ZERO)


def statement(
    entries: Iterable[LedgerItem], start: date, end: date, *, carried: Decimal = ZERO
) -> Statement:
    """Statement for the days start..end inclusive.

    `entries` may hold the whole ledger; those before `start` count into the opening balance, as
    does `carried` (the balance of entries the caller summed up itself and left out)."""
    if end < start:
        raise ValueError("period ends before it starts")
    opening = carried
    income = income_reversed = ZERO
    labels: dict[int, str] = {}
    paid: dict[int, Decimal] = {}
    reversed_: dict[int, Decimal] = {}
    reversal_count = 0
    for e in entries:
        if e.booked_on < start:
            opening += e.effect
            continue
        if e.booked_on > end:
            continue
        if e.kind is EntryKind.reversal:
            reversal_count += 1
        if e.kind is EntryKind.income:
            income += e.amount
        elif e.reverses_kind is EntryKind.income:
            income_reversed += e.amount
        else:
            assert e.line_id is not None
            labels.setdefault(e.line_id, e.line_label)
            target = paid if e.kind is EntryKind.payment else reversed_
            target[e.line_id] = target.get(e.line_id, ZERO) + e.amount
    by_line = tuple(
        LineSpending(
            line_id=lid, line_label=labels[lid], paid=paid.get(lid, ZERO), reversed=reversed_.get(lid, ZERO)
        )
        for lid in sorted(labels)
    )
    spent = sum((line.net for line in by_line), ZERO)
    return Statement(
        period_start=start,
        period_end=end,
        opening_balance=opening,
        income=income,
        income_reversed=income_reversed,
        spending_by_line=by_line,
        reversal_count=reversal_count,
        closing_balance=opening + income - income_reversed - spent,
    )


def month_bounds(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValueError("month is 1..12")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def monthly_statement(entries: Iterable[LedgerItem], year: int, month: int, *, carried: Decimal = ZERO) -> Statement:
    return statement(entries, *month_bounds(year, month), carried=carried)


def yearly_statement(entries: Iterable[LedgerItem], year: int, *, carried: Decimal = ZERO) -> Statement:
    return statement(entries, *year_bounds(year), carried=carried)
