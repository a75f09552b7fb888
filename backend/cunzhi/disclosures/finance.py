"""The finance section of a disclosure, generated from the village's ledger, never typed.

At publish time the village's books of the finance period (the month before the round's month: the
round opens on the 1st and the village publishes the month just closed) are read from the ledger and
frozen in the publication with the SHA-256 of their canonical form. Reading a publication recomputes
them: the ledger is append-only, so the only way the period's books change is a later entry (a
reversal of one of the period's entries, or a back-dated booking), and then the hashes differ and the
page shows the mismatch and the figures as they stand now, instead of a silent edit.

What is disclosed: opening and closing balance, income and spending (with reversals), spending per
budget line, and each entry (day, kind, amount, description, budget line, reversed or not). Who
booked it, payers, payees and voucher numbers stay inside."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cunzhi.funds.models import BudgetLine, LedgerEntry
from cunzhi.funds.statements import EntryKind, LedgerItem, month_bounds, statement


def finance_period(year: int, month: int) -> tuple[int, int]:
    """The month whose books a round of (year, month) discloses: the month before."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _money(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.01'))}"


async def village_books(session: AsyncSession, village_id: int, year: int, month: int) -> dict[str, Any]:
    """The village's books of the month, as they stand now (JSON-ready, money as strings)."""
    start, end = month_bounds(year, month)
    orig = aliased(LedgerEntry)
    rev = aliased(LedgerEntry)
    rows = (await session.execute(
        select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.booked_on,
               LedgerEntry.description, LedgerEntry.line_id, LedgerEntry.reverses_id, orig.kind, rev.id,
               BudgetLine.category, BudgetLine.purpose)
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .outerjoin(rev, rev.reverses_id == LedgerEntry.id)
        .outerjoin(BudgetLine, BudgetLine.id == LedgerEntry.line_id)
        .where(LedgerEntry.village_id == village_id, LedgerEntry.booked_on.between(start, end))
        .order_by(LedgerEntry.booked_on, LedgerEntry.id))).all()
    signed = case((LedgerEntry.kind == "income", LedgerEntry.amount),
                  (LedgerEntry.kind == "payment", -LedgerEntry.amount),
                  (orig.kind == "payment", LedgerEntry.amount), else_=-LedgerEntry.amount)
    carried = Decimal((await session.execute(
        select(func.coalesce(func.sum(signed), 0)).select_from(LedgerEntry)
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.village_id == village_id, LedgerEntry.booked_on < start))).scalar_one())
    items: list[LedgerItem] = []
    entries: list[dict[str, Any]] = []
    for (eid, kind, amount, booked_on, description, line_id, reverses_id, orig_kind, rev_id, category,
         purpose) in rows:
        label = f"{category}: {purpose}" if category else ""
        items.append(LedgerItem(id=eid, kind=EntryKind(kind), amount=amount, booked_on=booked_on, line_id=line_id,
                                line_label=label, reverses_kind=EntryKind(orig_kind) if orig_kind else None))
        entries.append({"entry_id": eid, "booked_on": booked_on.isoformat(), "kind": kind, "amount": _money(amount),
                        "description": description, "budget_line": label or None,
                        "reverses_entry_id": reverses_id, "reversed": rev_id is not None})
    st = statement(items, start, end, carried=carried)
    return {
        "year": year, "month": month,
        "opening_balance": _money(st.opening_balance), "income": _money(st.income),
        "income_reversed": _money(st.income_reversed), "spending": _money(st.spending_paid),
        "spending_reversed": _money(st.spending_reversed), "closing_balance": _money(st.closing_balance),
        "spending_by_line": [{"budget_line": line.line_label, "paid": _money(line.paid),
                              "reversed": _money(line.reversed)} for line in st.spending_by_line],
        "entries": entries,
    }


def books_hash(books: dict[str, Any]) -> str:
    canonical = json.dumps(books, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def period_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"
