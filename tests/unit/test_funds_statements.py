"""Statements from the ledger: examples and Hypothesis properties."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cunzhi.funds.statements import (
    EntryKind,
    LedgerItem,
    balance,
    month_bounds,
    monthly_statement,
    statement,
    yearly_statement,
)

D = Decimal
INC, PAY, REV = EntryKind.income, EntryKind.payment, EntryKind.reversal


def test_month_with_income_payments_and_reversals() -> None:
    entries = [
        LedgerItem(1, INC, D("1000.00"), date(2026, 1, 20)),
        LedgerItem(2, INC, D("5000.00"), date(2026, 2, 1)),
        LedgerItem(3, PAY, D("1200.50"), date(2026, 2, 3), line_id=7, line_label="roads"),
        LedgerItem(4, PAY, D("300.00"), date(2026, 2, 10), line_id=8, line_label="office"),
        LedgerItem(5, REV, D("300.00"), date(2026, 2, 11), line_id=8, line_label="office", reverses_kind=PAY),
        LedgerItem(6, INC, D("0.10"), date(2026, 2, 12)),
        LedgerItem(7, REV, D("0.10"), date(2026, 2, 12), reverses_kind=INC),
        LedgerItem(8, PAY, D("99.99"), date(2026, 2, 28), line_id=7, line_label="roads"),
        LedgerItem(9, INC, D("1.00"), date(2026, 3, 1)),
    ]
    s = monthly_statement(entries, 2026, 2)
    assert (s.period_start, s.period_end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert s.opening_balance == D("1000.00")
    assert s.income == D("5000.10")
    assert s.income_reversed == D("0.10")
    assert s.net_income == D("5000.00")
    assert [(line.line_id, line.line_label, line.paid, line.reversed, line.net) for line in s.spending_by_line] == [
        (7, "roads", D("1300.49"), D("0.00"), D("1300.49")),
        (8, "office", D("300.00"), D("300.00"), D("0.00")),
    ]
    assert s.net_spending == D("1300.49")
    assert s.reversal_count == 2
    assert s.closing_balance == D("4699.51")
    assert balance(entries) == D("4700.51")
    assert balance(entries, before=date(2026, 3, 1)) == s.closing_balance


def test_empty_ledger_gives_zero_statement() -> None:
    s = yearly_statement([], 2026)
    assert s.opening_balance == s.closing_balance == D("0.00")
    assert s.spending_by_line == ()
    assert (s.period_start, s.period_end) == (date(2026, 1, 1), date(2026, 12, 31))


def test_leap_february_and_bad_periods() -> None:
    assert month_bounds(2028, 2) == (date(2028, 2, 1), date(2028, 2, 29))
    with pytest.raises(ValueError):
        month_bounds(2026, 13)
    with pytest.raises(ValueError):
        statement([], date(2026, 2, 1), date(2026, 1, 31))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": INC, "amount": D("0")},
        {"kind": INC, "amount": D("-1.00")},
        {"kind": INC, "amount": 1.5},
        {"kind": PAY, "amount": D("1.00")},  # no line
        {"kind": REV, "amount": D("1.00")},  # no reverses_kind
        {"kind": INC, "amount": D("1.00"), "reverses_kind": INC},
        {"kind": REV, "amount": D("1.00"), "reverses_kind": REV},
    ],
)
def test_bad_items_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        LedgerItem(id=1, booked_on=date(2026, 1, 1), **kwargs)


# ---- properties ---------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2)
ops = st.lists(
    st.tuples(
        st.sampled_from(["income", "pay", "reverse"]),
        amounts,
        st.integers(min_value=1, max_value=3),  # budget line
        st.integers(min_value=0, max_value=40),  # days after the previous entry
        st.integers(min_value=0, max_value=10_000),  # which earlier entry to reverse
    ),
    max_size=60,
)


def build(script: list) -> tuple[list[LedgerItem], Decimal, Decimal]:
    """Ledger items from a script, plus independently tracked net income and net paid spending."""
    entries: list[LedgerItem] = []
    reversed_ids: set[int] = set()
    income = paid = D("0.00")
    day = date(2025, 11, 1)
    for kind, amount, line, gap, pick in script:
        day += timedelta(days=gap)
        nid = len(entries) + 1
        if kind == "income":
            entries.append(LedgerItem(nid, INC, amount, day))
            income += amount
        elif kind == "pay":
            entries.append(LedgerItem(nid, PAY, amount, day, line_id=line, line_label=f"line {line}"))
            paid += amount
        else:
            open_ = [e for e in entries if e.kind is not REV and e.id not in reversed_ids]
            if not open_:
                continue
            orig = open_[pick % len(open_)]
            reversed_ids.add(orig.id)
            entries.append(
                LedgerItem(nid, REV, orig.amount, day, orig.line_id, orig.line_label, reverses_kind=orig.kind)
            )
            if orig.kind is INC:
                income -= orig.amount
            else:
                paid -= orig.amount
    return entries, income, paid


@settings(max_examples=200, deadline=None)
@given(ops)
def test_balance_is_income_minus_paid_spending(script: list) -> None:
    entries, income, paid = build(script)
    assert balance(entries) == income - paid


@settings(max_examples=150, deadline=None)
@given(ops, st.sampled_from([2025, 2026, 2027]))
def test_months_add_up_to_the_year(script: list, year: int) -> None:
    entries, _, _ = build(script)
    months = [monthly_statement(entries, year, m) for m in range(1, 13)]
    whole = yearly_statement(entries, year)
    assert months[0].opening_balance == whole.opening_balance == balance(entries, before=date(year, 1, 1))
    for prev, nxt in itertools.pairwise(months):
        assert prev.closing_balance == nxt.opening_balance
    assert months[-1].closing_balance == whole.closing_balance == balance(entries, before=date(year + 1, 1, 1))
    assert sum(m.income for m in months) == whole.income
    assert sum(m.income_reversed for m in months) == whole.income_reversed
    assert sum(m.reversal_count for m in months) == whole.reversal_count
    for line in whole.spending_by_line:
        per_month = [x for m in months for x in m.spending_by_line if x.line_id == line.line_id]
        assert sum(x.paid for x in per_month) == line.paid
        assert sum(x.reversed for x in per_month) == line.reversed


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(min_value=2025, max_value=2027), st.integers(min_value=1, max_value=12))
def test_any_month_adds_up(script: list, year: int, month: int) -> None:
    entries, _, _ = build(script)
    s = monthly_statement(entries, year, month)
    assert s.closing_balance == s.opening_balance + s.net_income - s.net_spending
    inside = [e for e in entries if s.period_start <= e.booked_on <= s.period_end]
    assert s.income == sum((e.amount for e in inside if e.kind is INC), D(0))
    assert s.spending_paid == sum((e.amount for e in inside if e.kind is PAY), D(0))
    assert s.reversal_count == sum(1 for e in inside if e.kind is REV)
    assert all(x.amount.as_tuple().exponent == -2 for x in entries)
    assert s.closing_balance.as_tuple().exponent == -2


@settings(max_examples=100, deadline=None)
@given(ops, st.integers(min_value=2025, max_value=2027), st.integers(min_value=1, max_value=12))
def test_carried_balance_equals_the_entries_left_out(script: list, year: int, month: int) -> None:
    entries, _, _ = build(script)
    start, end = month_bounds(year, month)
    inside = [e for e in entries if start <= e.booked_on <= end]
    assert statement(inside, start, end, carried=balance(entries, before=start)) == statement(entries, start, end)
