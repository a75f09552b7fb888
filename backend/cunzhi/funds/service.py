"""Rules of collective funds: accounts, income, budgets, amendments, claims, payments, reversals.

Exactness under concurrency rests on the database, not on reading then writing:
- a claim reserves its amount with one conditional UPDATE
  (`committed = committed + :amt WHERE committed + :amt <= approved`), backed by a CHECK, so
  claims arriving at once on different servers can never take a line past its approved amount;
- a claim's state changes under a row lock (SELECT ... FOR UPDATE), so it is paid once;
- the balance is kept by a ledger trigger under the account's row lock, and never goes negative;
- a budget is closed under its row lock while claims hold a share lock on it while they reserve.
Services flush, never commit; every write leaves an event in the trail and one in the audit log.
Each service checks everything that can refuse before it writes anything, so a refusal leaves the
transaction as it found it (the request's rollback is not the only safeguard).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_core import to_jsonable_python
from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, undefer

from cunzhi.funds import claims as claim_rules
from cunzhi.funds.budgets import BUDGET_MACHINE, EDITABLE, BudgetAction, BudgetStatus
from cunzhi.funds.claims import ClaimAction, ClaimState
from cunzhi.funds.errors import (
    AccountMissing,
    AlreadyReversed,
    AttachmentRefused,
    BudgetExceeded,
    BudgetNotCurrentYear,
    BudgetNotOpen,
    InsufficientFunds,
    InvoiceRequired,
    LineNotInVillage,
    NotCommittee,
    illegal,
)
from cunzhi.funds.models import (
    Account,
    Amendment,
    AmendmentStatus,
    Attachment,
    Budget,
    BudgetLine,
    Claim,
    Event,
    EventEntity,
    FundsSetting,
    IncomeSource,
    LedgerEntry,
)
from cunzhi.funds.permissions import ATTACHABLE, BUDGET, CLAIM, FUNDS, FundsAction
from cunzhi.funds.scope import claims_visible, in_scope, in_status_since
from cunzhi.funds.statements import ZERO, EntryKind, LedgerItem, Statement, month_bounds, statement, year_bounds
from cunzhi.kit import audit, clock, events
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import may, require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village
from cunzhi.kit.uploads import upload_limit
from cunzhi.villages.models import Village

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_SINGLE_CLAIM_LIMIT = Decimal("5000.00")
"""Used for a township that has not set its own limit (funds_settings)."""


# ---- shared helpers -------------------------------------------------------------------------------


async def record_step(
    session: AsyncSession,
    p: Principal,
    *,
    entity: EventEntity,
    entity_id: int,
    village_id: int,
    action: str,
    from_state: str | None,
    to_state: str,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """One step in the trail (who, when, why) and the matching audit event."""
    plain = to_jsonable_python(data) if data else None
    event = Event(
        entity=entity.value, entity_id=entity_id, village_id=village_id, action=action, from_state=from_state,
        to_state=to_state, actor=p.key, actor_name=p.name, actor_role=p.role.value, reason=reason, data=plain,
    )
    after = {"state": to_state, **({"reason": reason} if reason else {}), **(plain or {})}
    # The trail row, the audit event and the outbox row, in this transaction (kit/events.py).
    await events.emit(session, p, f"{entity.value}.{action}", entity.value, entity_id, trail=event,
                      audit_entity=f"funds.{entity.value}", before={"state": from_state} if from_state else None,
                      after=after, payload={"village_id": village_id, **after})
    return event


async def trail(session: AsyncSession, entity: EventEntity, entity_id: int) -> Sequence[Event]:
    stmt = select(Event).where(Event.entity == entity.value, Event.entity_id == entity_id).order_by(Event.id)
    return (await session.execute(stmt)).scalars().all()


# ---- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitSetting:
    township_code: str
    single_claim_limit: Decimal
    is_default: bool
    other_year_claims: bool = False
    """Claims may name lines of another year's approved budget (by default only the current year's)."""


async def single_claim_limit(session: AsyncSession, township_code: str) -> LimitSetting:
    row = await session.get(FundsSetting, township_code)
    if row is None:
        return LimitSetting(township_code, DEFAULT_SINGLE_CLAIM_LIMIT, True)
    return LimitSetting(township_code, row.single_claim_limit, False, row.other_year_claims)


def claims_open_for_year(year: int, setting: LimitSetting) -> bool:
    """A budget takes claims in its own year only (the county's calendar), unless the township
    set `other_year_claims` (for instance to let next year's works start in December)."""
    return year == clock.local_today().year or setting.other_year_claims


async def get_settings(session: AsyncSession, p: Principal, township_code: str) -> LimitSetting:
    village = (await session.execute(
        select(Village.township_code).where(Village.township_code == township_code, in_scope(p, Village.id)).limit(1)
    )).first()
    if village is None:
        raise NotFound("Township not found", code="township_not_found")
    return await single_claim_limit(session, township_code)


async def set_settings(
    session: AsyncSession, p: Principal, township_code: str, limit: Decimal, *, other_year_claims: bool = False
) -> LimitSetting:
    require(p, FUNDS, FundsAction.set_limit, what="set the single-claim limit")
    before = await get_settings(session, p, township_code)
    row = await session.get(FundsSetting, township_code, with_for_update=True)
    if row is None:
        row = FundsSetting(township_code=township_code, single_claim_limit=limit, other_year_claims=other_year_claims,
                           updated_by=p.name)
        session.add(row)
    else:
        row.single_claim_limit, row.other_year_claims = limit, other_year_claims
        row.updated_by, row.updated_at = p.name, func.now()
    await session.flush()
    await audit.record(session, p, "settings.update", "funds.settings", township_code,
                       before={"single_claim_limit": before.single_claim_limit,
                               "other_year_claims": before.other_year_claims},
                       after={"single_claim_limit": limit, "other_year_claims": other_year_claims})
    return LimitSetting(township_code, limit, False, other_year_claims)


# ---- accounts, income, ledger ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    village_id: int
    village_code: str
    village_name: str
    balance: Decimal
    opened_at: datetime
    opened_by: str


def _account_query() -> Select[Account, str, str]:
    return select(Account, Village.code, Village.name).join(Village, Village.id == Account.village_id)


def _account_view(row: Any) -> AccountView:
    acc, code, name = row
    return AccountView(acc.village_id, code, name, acc.balance, acc.opened_at, acc.opened_by)


async def open_account(session: AsyncSession, p: Principal, village_code: str) -> AccountView:
    require(p, FUNDS, FundsAction.open_account, what="open a village account")
    village = await get_village(session, p, village_code)
    exists = (await session.execute(select(Account.id).where(Account.village_id == village.id))).first()
    if exists:
        raise Conflict("The village already has an account", code="account_exists")
    session.add(Account(village_id=village.id, opened_by=p.name))
    await session.flush()
    await audit.record(session, p, "account.open", "funds.account", village.id, after={"village": village.code})
    return await get_account(session, p, village_code)


async def get_account(session: AsyncSession, p: Principal, village_code: str) -> AccountView:
    village = await get_village(session, p, village_code)
    row = (await session.execute(_account_query().where(Account.village_id == village.id))).first()
    if row is None:
        raise NotFound("The village has no account yet", code="account_missing")
    return _account_view(row)


async def list_accounts(
    session: AsyncSession, p: Principal, *, township_code: str | None, limit: int, offset: int,
    village_code: str | None = None,
) -> tuple[list[AccountView], int]:
    where = [in_scope(p, Account.village_id)]
    if township_code:
        where.append(Village.township_code == township_code)
    if village_code:
        where.append(Village.code == village_code)
    total = (await session.execute(
        select(func.count()).select_from(Account).join(Village, Village.id == Account.village_id).where(*where)
    )).scalar_one()
    rows = (await session.execute(_account_query().where(*where).order_by(Village.code).limit(limit).offset(offset)))
    return [_account_view(r) for r in rows], total


async def _lock_account(session: AsyncSession, village_id: int) -> Account:
    acc = (await session.execute(
        select(Account).where(Account.village_id == village_id).with_for_update()
    )).scalar_one_or_none()
    if acc is None:
        raise AccountMissing("Open the village's account before booking to it")
    return acc


async def _append(session: AsyncSession, entry: LedgerEntry, effect: Decimal) -> LedgerEntry:
    """Write one ledger entry; the account row is locked first so the balance check is exact."""
    acc = await _lock_account(session, entry.village_id)
    if acc.balance + effect < 0:
        raise InsufficientFunds(
            f"Balance {acc.balance} cannot cover {abs(effect)}", extra={"balance": f"{acc.balance:.2f}"}
        )
    session.add(entry)
    await session.flush()
    await session.refresh(acc, ["balance"])  # moved by the ledger trigger
    return entry


async def book_income(
    session: AsyncSession,
    p: Principal,
    village_code: str,
    *,
    amount: Decimal,
    source: IncomeSource,
    description: str,
    on: date | None = None,
    received_on: date | None = None,
    payer: str | None = None,
    voucher_no: str | None = None,
) -> LedgerEntry:
    """Income is booked in full, as it arrived; nothing is spent straight from it.

    The API always gives the day the money arrived, the payer and the voucher number; the day is
    neither after the booking day nor in the future."""
    require(p, FUNDS, FundsAction.book_income, what="book income")
    village = await get_village(session, p, village_code)
    booked_on = on or clock.local_today()
    received_on = received_on or booked_on
    if received_on > booked_on:
        raise Unprocessable("The money cannot have arrived after the day it is booked",
                            errors=[{"loc": ["body", "received_on"], "msg": f"must be on or before {booked_on}",
                                     "type": "date_in_future"}])
    entry = LedgerEntry(
        village_id=village.id, kind=EntryKind.income.value, amount=amount, booked_on=booked_on,
        source=source.value, description=description, booked_by=p.name,
        received_on=received_on, payer=payer, voucher_no=voucher_no,
    )
    await _append(session, entry, amount)
    await audit.record(session, p, "ledger.income", "funds.ledger", entry.id,
                       after={"village": village.code, "amount": amount, "source": source.value,
                              "received_on": received_on, "payer": payer, "voucher_no": voucher_no})
    return entry


async def reverse_entry(
    session: AsyncSession, p: Principal, entry_id: int, *, reason: str, on: date | None = None
) -> LedgerEntry:
    """Undo an entry by a reversing one that points at it. Each entry is reversed at most once."""
    require(p, FUNDS, FundsAction.reverse_entry, what="reverse a ledger entry")
    original = (await session.execute(
        select(LedgerEntry).where(LedgerEntry.id == entry_id, in_scope(p, LedgerEntry.village_id)).with_for_update()
    )).scalar_one_or_none()
    if original is None:
        raise NotFound("Ledger entry not found", code="entry_not_found")
    if original.kind == EntryKind.reversal.value:
        raise Conflict("A reversal is not reversed; book the entry again instead", code="reversal_not_reversible")
    done = (await session.execute(select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id))).first()
    if done is not None:
        raise AlreadyReversed(f"Entry {original.id} was reversed by entry {done[0]}")
    effect = original.amount if original.kind == EntryKind.payment.value else -original.amount
    entry = LedgerEntry(
        village_id=original.village_id, kind=EntryKind.reversal.value, amount=original.amount,
        booked_on=on or clock.local_today(), description=reason[:200],
        line_id=original.line_id, claim_id=original.claim_id, reverses_id=original.id, booked_by=p.name,
    )
    claim: Claim | None = None
    if original.kind == EntryKind.payment.value:
        claim = (await session.execute(select(Claim).where(Claim.id == original.claim_id).with_for_update())
                 ).scalar_one()
        claim_rules.next_state(ClaimState(claim.status), ClaimAction.reverse, needs_approval=claim.needs_approval)
    await _append(session, entry, effect)  # first: it refuses when the account cannot give the money back
    if claim is not None:
        # The money is back: the line's paid and committed amounts drop with it, and the claim says so.
        await session.execute(
            update(BudgetLine).where(BudgetLine.id == original.line_id)
            .values(paid=BudgetLine.paid - original.amount, committed=BudgetLine.committed - original.amount)
        )
        claim.status = ClaimState.reversed.value
        await session.flush()
        await record_step(session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=claim.village_id,
                          action=ClaimAction.reverse.value, from_state=ClaimState.paid.value,
                          to_state=ClaimState.reversed.value, reason=reason,
                          data={"entry_id": entry.id, "reverses_id": original.id, "amount": original.amount})
    await audit.record(session, p, "ledger.reverse", "funds.ledger", entry.id,
                       after={"reverses": original.id, "amount": original.amount, "reason": reason})
    return entry


@dataclass(frozen=True)
class EntryView:
    entry: LedgerEntry
    reverses_kind: str | None
    reversed_by_id: int | None

    @property
    def effect(self) -> Decimal:
        return self.item().effect

    def item(self, label: str = "") -> LedgerItem:
        e = self.entry
        return LedgerItem(
            id=e.id, kind=EntryKind(e.kind), amount=e.amount, booked_on=e.booked_on, line_id=e.line_id,
            line_label=label, reverses_kind=EntryKind(self.reverses_kind) if self.reverses_kind else None,
        )


def _entries_query() -> Select[LedgerEntry, str, int]:
    orig = aliased(LedgerEntry)
    rev = aliased(LedgerEntry)
    return (
        select(LedgerEntry, orig.kind, rev.id)
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .outerjoin(rev, rev.reverses_id == LedgerEntry.id)
    )


async def ledger_page(
    session: AsyncSession, p: Principal, village_code: str, *, before_id: int | None, limit: int
) -> tuple[list[EntryView], int | None]:
    """Newest first; pass the returned cursor back to read older entries."""
    village = await get_village(session, p, village_code)
    stmt = _entries_query().where(LedgerEntry.village_id == village.id)
    if before_id is not None:
        stmt = stmt.where(LedgerEntry.id < before_id)
    rows = (await session.execute(stmt.order_by(LedgerEntry.id.desc()).limit(limit + 1))).all()
    views = [EntryView(e, k, r) for e, k, r in rows[:limit]]
    return views, (views[-1].entry.id if len(rows) > limit else None)


async def _ledger_items(session: AsyncSession, village_id: int, start: date, end: date) -> tuple[list[LedgerItem], Decimal]:
    orig = aliased(LedgerEntry)
    rows = (await session.execute(
        _entries_query().where(LedgerEntry.village_id == village_id, LedgerEntry.booked_on.between(start, end))
        .order_by(LedgerEntry.id)
    )).all()
    signed = case(
        (LedgerEntry.kind == "income", LedgerEntry.amount),
        (LedgerEntry.kind == "payment", -LedgerEntry.amount),
        (orig.kind == "payment", LedgerEntry.amount),
        else_=-LedgerEntry.amount,
    )
    carried = (await session.execute(
        select(func.coalesce(func.sum(signed), 0)).select_from(LedgerEntry)
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.village_id == village_id, LedgerEntry.booked_on < start)
    )).scalar_one()
    return [EntryView(e, k, r).item() for e, k, r in rows], Decimal(carried).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class StatementView:
    village_code: str
    statement: Statement
    lines: dict[int, tuple[str, str]]  # line id -> (category, purpose)


async def village_statement(
    session: AsyncSession, p: Principal, village_code: str, *, year: int, month: int | None = None
) -> StatementView:
    village = await get_village(session, p, village_code)
    if month is not None:
        try:
            start, end = month_bounds(year, month)
        except ValueError as exc:
            raise Unprocessable(str(exc)) from None
    else:
        start, end = year_bounds(year)
    items, carried = await _ledger_items(session, village.id, start, end)
    st = statement(items, start, end, carried=carried)
    ids = [line.line_id for line in st.spending_by_line]
    lines = {}
    if ids:
        rows = await session.execute(select(BudgetLine.id, BudgetLine.category, BudgetLine.purpose)
                                     .where(BudgetLine.id.in_(ids)))
        lines = {i: (c, pur) for i, c, pur in rows}
    return StatementView(village.code, st, lines)


async def all_items(session: AsyncSession, village_id: int) -> list[LedgerItem]:
    """The whole ledger of a village as statement items (for checks and tests)."""
    rows = (await session.execute(_entries_query().where(LedgerEntry.village_id == village_id)
                                  .order_by(LedgerEntry.id))).all()
    return [EntryView(e, k, r).item() for e, k, r in rows]


# ---- budgets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetView:
    budget: Budget
    village: Village
    lines: Sequence[BudgetLine]
    amendments: Sequence[Amendment] = ()
    events: Sequence[Event] = ()
    claims_open: bool = True
    """Its year takes claims now (claims_open_for_year); only then is `file_claim` offered."""


async def _budget(session: AsyncSession, p: Principal, budget_id: int, *, lock: bool = False) -> tuple[Budget, Village]:
    stmt = select(Budget, Village).join(Village, Village.id == Budget.village_id).where(
        Budget.id == budget_id, in_scope(p, Budget.village_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Budget)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound("Budget not found", code="budget_not_found")
    return row[0], row[1]


async def _lines(session: AsyncSession, budget_id: int) -> Sequence[BudgetLine]:
    stmt = select(BudgetLine).where(BudgetLine.budget_id == budget_id).order_by(BudgetLine.position, BudgetLine.id)
    return (await session.execute(stmt)).scalars().all()


async def get_budget(session: AsyncSession, p: Principal, budget_id: int) -> BudgetView:
    budget, village = await _budget(session, p, budget_id)
    amendments = (await session.execute(
        select(Amendment).where(Amendment.budget_id == budget.id).order_by(Amendment.id)
    )).scalars().all()
    setting = await single_claim_limit(session, village.township_code)
    return BudgetView(budget, village, await _lines(session, budget.id), amendments,
                      await trail(session, EventEntity.budget, budget.id),
                      claims_open=claims_open_for_year(budget.year, setting))


async def list_budgets(
    session: AsyncSession,
    p: Principal,
    *,
    village_code: str | None,
    year: int | None,
    status: BudgetStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[BudgetView], int]:
    where = [in_scope(p, Budget.village_id)]
    if village_code:
        where.append(Village.code == village_code)
    if year:
        where.append(Budget.year == year)
    if status:
        where.append(Budget.status == status.value)
    base = select(Budget, Village).join(Village, Village.id == Budget.village_id).where(*where)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = (await session.execute(base.order_by(Budget.year.desc(), Village.code).limit(limit).offset(offset))).all()
    ids = [b.id for b, _ in rows]
    lines: dict[int, list[BudgetLine]] = {i: [] for i in ids}
    if ids:
        for line in (await session.execute(select(BudgetLine).where(BudgetLine.budget_id.in_(ids)))).scalars():
            lines[line.budget_id].append(line)
    return [BudgetView(b, v, lines[b.id]) for b, v in rows], total


def _new_lines(budget: Budget, lines: Sequence[Any]) -> list[BudgetLine]:
    return [
        BudgetLine(budget_id=budget.id, village_id=budget.village_id, position=i, category=line.category.value,
                   purpose=line.purpose, planned=line.amount)
        for i, line in enumerate(lines)
    ]


async def create_budget(
    session: AsyncSession, p: Principal, village_code: str, *, year: int, note: str, lines: Sequence[Any]
) -> BudgetView:
    require(p, FUNDS, FundsAction.draft_budget, what="draft a budget")
    village = await get_village(session, p, village_code)
    if (await session.execute(select(Budget.id).where(Budget.village_id == village.id, Budget.year == year))).first():
        raise Conflict(f"The village already has a budget for {year}", code="budget_exists")
    budget = Budget(village_id=village.id, year=year, note=note, status=BudgetStatus.draft.value)
    session.add(budget)
    await session.flush()
    session.add_all(_new_lines(budget, lines))
    await session.flush()
    await record_step(session, p, entity=EventEntity.budget, entity_id=budget.id, village_id=village.id,
                      action="create", from_state=None, to_state=budget.status,
                      data={"year": year, "lines": len(lines), "total": sum((x.amount for x in lines), ZERO)})
    return await get_budget(session, p, budget.id)


async def edit_budget(
    session: AsyncSession, p: Principal, budget_id: int, *, if_match: str | None, note: str, lines: Sequence[Any]
) -> BudgetView:
    """Replace the note and lines of a draft or returned budget (If-Match: the ETag read)."""
    require(p, FUNDS, FundsAction.edit_budget, what="edit a budget")
    budget, village = await _budget(session, p, budget_id, lock=True)
    expected_version(if_match, budget.version)
    if BudgetStatus(budget.status) not in EDITABLE:
        raise illegal("budget", budget.status, "edit")
    await session.execute(delete(BudgetLine).where(BudgetLine.budget_id == budget.id))
    session.add_all(_new_lines(budget, lines))
    budget.note = note
    budget.updated_at = clock.now()  # bumps the version even when only the lines changed
    await session.flush()
    await record_step(session, p, entity=EventEntity.budget, entity_id=budget.id, village_id=village.id,
                      action="edit", from_state=budget.status, to_state=budget.status,
                      data={"lines": len(lines), "total": sum((x.amount for x in lines), ZERO)})
    return await get_budget(session, p, budget.id)


@dataclass(frozen=True)
class LineApproval:
    """The township's approved amount for one line: never above the planned one, with a reason when lower."""

    line_id: int
    approved: Decimal
    reason: str | None = None


def _approved_amounts(
    lines: Sequence[BudgetLine], approvals: Sequence[LineApproval]
) -> dict[int, tuple[Decimal, str | None]]:
    """line id -> (approved, reason); lines not named are approved as planned. Every problem at once."""
    by_id = {line.id: line for line in lines}
    out: dict[int, tuple[Decimal, str | None]] = {line.id: (line.planned, None) for line in lines}
    errors: list[dict[str, Any]] = []
    seen: set[int] = set()
    for i, a in enumerate(approvals):
        loc = ["body", "lines", i]
        line = by_id.get(a.line_id)
        if line is None or a.line_id in seen:
            errors.append({"loc": [*loc, "line_id"], "msg": "not a line of this budget, or named twice",
                           "type": "line_not_in_budget"})
            continue
        seen.add(a.line_id)
        reason = (a.reason or "").strip() or None
        if a.approved < 0:
            errors.append({"loc": [*loc, "approved"], "msg": "must not be negative", "type": "greater_than_equal"})
        elif a.approved > line.planned:
            errors.append({"loc": [*loc, "approved"], "msg": f"must not exceed the requested {line.planned:.2f}",
                           "type": "approved_above_planned"})
        elif a.approved < line.planned and (reason is None or len(reason) < 2):
            errors.append({"loc": [*loc, "reason"], "msg": "give the reason for approving less than requested",
                           "type": "reason_required"})
        else:
            out[line.id] = (a.approved, reason if a.approved < line.planned else None)
    if errors:
        raise Unprocessable("The approved amounts are not acceptable", errors=errors)
    return out


async def act_on_budget(
    session: AsyncSession, p: Principal, budget_id: int, action: BudgetAction, *, reason: str | None = None,
    approvals: Sequence[LineApproval] = (),
) -> BudgetView:
    """`approvals` (approve only): the township's amount per line; lines not named get what was planned."""
    budget, village = await _budget(session, p, budget_id, lock=True)
    require(p, BUDGET, action, what=f"{action.value} a budget")
    old = BudgetStatus(budget.status)
    new = BUDGET_MACHINE.next(old, action)
    if action is BudgetAction.return_ and not reason:
        raise Unprocessable("Give the reasons for returning the budget",
                            errors=[{"loc": ["body", "reason"], "msg": "required when returning"}])
    data: dict[str, Any] | None = None
    if action is BudgetAction.approve:
        lines = await _lines(session, budget.id)
        amounts = _approved_amounts(lines, approvals)
        for line in lines:
            line.approved, line.approval_reason = amounts[line.id]
        reduced = [{"line_id": line.id, "planned": line.planned, "approved": line.approved,
                    "reason": line.approval_reason} for line in lines if line.approved < line.planned]
        data = {"total_approved": sum((line.approved for line in lines), ZERO),
                **({"reduced": reduced} if reduced else {})}
        budget.return_reason = None
    elif action is BudgetAction.return_:
        budget.return_reason = reason
    elif action is BudgetAction.close:
        open_claims = (await session.execute(select(func.count()).select_from(Claim).where(
            Claim.budget_id == budget.id, Claim.status.in_([s.value for s in claim_rules.OPEN_STATES])
        ))).scalar_one()
        if open_claims:
            raise Conflict(f"{open_claims} claim(s) on this budget are still open", code="budget_has_open_claims")
    budget.status = new.value
    await session.flush()
    await record_step(session, p, entity=EventEntity.budget, entity_id=budget.id, village_id=village.id,
                      action=action.value, from_state=old.value, to_state=new.value, reason=reason, data=data)
    return await get_budget(session, p, budget.id)


# ---- amendments -----------------------------------------------------------------------------------


async def request_amendment(
    session: AsyncSession, p: Principal, line_id: int, *, new_amount: Decimal, reason: str
) -> Amendment:
    require(p, FUNDS, FundsAction.request_amendment, what="request an amendment")
    row = (await session.execute(
        select(BudgetLine, Budget).join(Budget, Budget.id == BudgetLine.budget_id)
        .where(BudgetLine.id == line_id, in_scope(p, BudgetLine.village_id))
    )).first()
    if row is None:
        raise NotFound("Budget line not found", code="line_not_found")
    line, budget = row
    if budget.status != BudgetStatus.approved.value:
        raise BudgetNotOpen("Only lines of an approved, open budget are amended")
    if new_amount == line.approved:
        raise Unprocessable("The new amount equals the approved one",
                            errors=[{"loc": ["body", "new_amount"], "msg": "must differ from the approved amount"}])
    if new_amount < line.committed:
        raise Conflict(f"{line.committed} is already committed on this line", code="amendment_below_committed")
    pending = (await session.execute(select(Amendment.id).where(
        Amendment.line_id == line.id, Amendment.status == AmendmentStatus.pending.value))).first()
    if pending:
        raise Conflict("This line has an amendment waiting for a decision", code="amendment_pending")
    amendment = Amendment(line_id=line.id, budget_id=budget.id, village_id=line.village_id, old_amount=line.approved,
                          new_amount=new_amount, reason=reason, status=AmendmentStatus.pending.value)
    session.add(amendment)
    await session.flush()
    await record_step(session, p, entity=EventEntity.amendment, entity_id=amendment.id, village_id=line.village_id,
                      action="request", from_state=None, to_state=amendment.status, reason=reason,
                      data={"line_id": line.id, "old_amount": line.approved, "new_amount": new_amount})
    return amendment


async def decide_amendment(
    session: AsyncSession, p: Principal, amendment_id: int, *, approve: bool, reason: str | None
) -> Amendment:
    require(p, FUNDS, FundsAction.decide_amendment, what="decide an amendment")
    amendment = (await session.execute(
        select(Amendment).where(Amendment.id == amendment_id, in_scope(p, Amendment.village_id)).with_for_update()
    )).scalar_one_or_none()
    if amendment is None:
        raise NotFound("Amendment not found", code="amendment_not_found")
    action = "approve" if approve else "return"
    if amendment.status != AmendmentStatus.pending.value:
        raise illegal("amendment", amendment.status, action)
    if not approve and not reason:
        raise Unprocessable("Give the reasons for returning the amendment",
                            errors=[{"loc": ["body", "reason"], "msg": "required when returning"}])
    if approve:
        status = (await session.execute(select(Budget.status).where(Budget.id == amendment.budget_id)
                                        .with_for_update(read=True))).scalar_one()
        if status != BudgetStatus.approved.value:
            raise BudgetNotOpen("The budget is no longer open")
        changed = (await session.execute(
            update(BudgetLine)
            .where(BudgetLine.id == amendment.line_id, BudgetLine.committed <= amendment.new_amount,
                   BudgetLine.approved == amendment.old_amount)
            .values(approved=amendment.new_amount).returning(BudgetLine.id)
        )).first()
        if changed is None:
            raise Conflict("The line's committed or approved amount moved since the request",
                           code="amendment_below_committed")
    amendment.status = (AmendmentStatus.approved if approve else AmendmentStatus.returned).value
    amendment.decision_reason = reason
    await session.flush()
    await record_step(session, p, entity=EventEntity.amendment, entity_id=amendment.id,
                      village_id=amendment.village_id, action=action, from_state=AmendmentStatus.pending.value,
                      to_state=amendment.status, reason=reason,
                      data={"line_id": amendment.line_id, "new_amount": amendment.new_amount})
    return amendment


# ---- claims ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimView:
    claim: Claim
    village: Village
    year: int
    line_category: str
    line_purpose: str


def _claims_query() -> Select[Claim, Village, int, str, str]:
    return (
        select(Claim, Village, Budget.year, BudgetLine.category, BudgetLine.purpose)
        .join(Village, Village.id == Claim.village_id)
        .join(Budget, Budget.id == Claim.budget_id)
        .join(BudgetLine, BudgetLine.id == Claim.line_id)
    )


async def get_claim(session: AsyncSession, p: Principal, claim_id: int) -> ClaimView:
    row = (await session.execute(_claims_query().where(Claim.id == claim_id, *claims_visible(p)))).first()
    if row is None:
        raise NotFound("Claim not found", code="claim_not_found")
    return ClaimView(*row)


async def list_claims(
    session: AsyncSession,
    p: Principal,
    *,
    village_code: str | None,
    status: Sequence[ClaimState],
    needs_approval: bool | None,
    limit: int,
    offset: int,
    township_code: str | None = None,
    waiting_over_days: int | None = None,
) -> tuple[list[ClaimView], int]:
    where = claims_visible(p)
    if village_code:
        where.append(Village.code == village_code)
    if township_code:
        where.append(Village.township_code == township_code)
    if status:
        where.append(Claim.status.in_([s.value for s in status]))
    if needs_approval is not None:
        where.append(Claim.needs_approval.is_(needs_approval))
    if waiting_over_days is not None:
        # The dashboard's "waiting too long": in its status since before the cutoff (the same clock).
        where.append(in_status_since() < clock.now() - timedelta(days=waiting_over_days))
    base = _claims_query().where(*where)
    total = (await session.execute(select(func.count()).select_from(
        select(Claim.id).join(Village, Village.id == Claim.village_id).where(*where).subquery()))).scalar_one()
    rows = (await session.execute(base.order_by(Claim.id.desc()).limit(limit).offset(offset))).all()
    return [ClaimView(*r) for r in rows], total


async def claimable_line(session: AsyncSession, village: Village, line_id: int) -> tuple[int, LimitSetting]:
    """The budget of a line a claim of `village` may name (its approved budget, of the current year unless
    the township allows others), and the township's limit setting. The budget is share-locked: closing
    it waits for claims being filed or moved onto it, and they see it closed after."""
    row = (await session.execute(
        select(Budget.id, Budget.status, Budget.year).join(BudgetLine, BudgetLine.budget_id == Budget.id)
        .where(BudgetLine.id == line_id, BudgetLine.village_id == village.id)
        .with_for_update(read=True, of=Budget)
    )).first()
    if row is None:
        raise LineNotInVillage(f"Budget line {line_id} is not a line of village {village.code}",
                               errors=[{"loc": ["body", "line_id"], "msg": "not a line of this village"}])
    budget_id, budget_status, year = row
    if budget_status != BudgetStatus.approved.value:
        raise BudgetNotOpen(f"The {year} budget is {budget_status}: no claims against it",
                            extra={"budget_status": budget_status})
    limit = await single_claim_limit(session, village.township_code)
    if not claims_open_for_year(year, limit):
        raise BudgetNotCurrentYear(
            f"Claims name lines of the {clock.local_today().year} budget; the township has not allowed claims on {year}'s",
            extra={"budget_year": year, "current_year": clock.local_today().year},
            errors=[{"loc": ["body", "line_id"], "msg": f"a line of the {year} budget, not the current year's",
                     "type": "budget_not_current_year"}])
    return budget_id, limit


async def reserve(session: AsyncSession, line_id: int, amount: Decimal, *, releasing: Decimal = ZERO) -> None:
    """Reserve `amount` more on the line (less `releasing`, what the same claim held there already) in one
    conditional UPDATE, so two claims at the same instant can never take the line past its approved amount."""
    delta = amount - releasing
    reserved = (await session.execute(
        update(BudgetLine)
        .where(BudgetLine.id == line_id, BudgetLine.committed + delta <= BudgetLine.approved)
        .values(committed=BudgetLine.committed + delta)
        .returning(BudgetLine.committed)
    )).first()
    if reserved is None:
        left = (await session.execute(select(BudgetLine.approved - BudgetLine.committed + releasing)
                                      .where(BudgetLine.id == line_id))).scalar_one()
        raise BudgetExceeded(f"Only {left:.2f} is left on this line", extra={"available": f"{left:.2f}"})


async def release(session: AsyncSession, line_id: int, amount: Decimal) -> None:
    await session.execute(update(BudgetLine).where(BudgetLine.id == line_id)
                          .values(committed=BudgetLine.committed - amount))


async def create_claim(
    session: AsyncSession,
    p: Principal,
    village_code: str,
    *,
    line_id: int,
    amount: Decimal,
    purpose: str,
    payee: str,
) -> ClaimView:
    """File a claim against a line of the village's open budget, reserving its amount at once."""
    require(p, FUNDS, FundsAction.file_claim, what="file a claim")
    village = await get_village(session, p, village_code)
    budget_id, limit = await claimable_line(session, village, line_id)
    await reserve(session, line_id, amount)
    claim = Claim(
        village_id=village.id, budget_id=budget_id, line_id=line_id, amount=amount, purpose=purpose, payee=payee,
        status=ClaimState.draft.value, created_by=p.name,
        needs_approval=claim_rules.needs_township_approval(amount, limit.single_claim_limit),
    )
    session.add(claim)
    await session.flush()
    await record_step(session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=village.id,
                      action="create", from_state=None, to_state=claim.status,
                      data={"line_id": line_id, "amount": amount, "needs_approval": claim.needs_approval,
                            "single_claim_limit": limit.single_claim_limit})
    return await get_claim(session, p, claim.id)


async def act_on_claim(
    session: AsyncSession,
    p: Principal,
    claim_id: int,
    action: ClaimAction,
    *,
    reason: str | None = None,
    on: date | None = None,
) -> ClaimView:
    claim = (await session.execute(
        select(Claim).where(Claim.id == claim_id, in_scope(p, Claim.village_id)).with_for_update()
    )).scalar_one_or_none()
    hidden = claim is not None and not may(p, FUNDS, FundsAction.read_drafts) and (
        claim.submitted_at is None or claim.status == ClaimState.draft)
    if claim is None or hidden:
        raise NotFound("Claim not found", code="claim_not_found")
    if action is ClaimAction.reverse:
        raise Conflict("A payment is reversed at its ledger entry (POST /ledger/{id}/reverse)",
                       code="reverse_at_ledger")
    if action is ClaimAction.sign:
        require(p, CLAIM, action, error=NotCommittee, detail="Only the village's supervision committee signs claims")
    require(p, CLAIM, action, what=f"{action.value} a claim")
    old = ClaimState(claim.status)
    new = claim_rules.next_state(old, action, needs_approval=claim.needs_approval)
    if action is ClaimAction.reject and not reason:
        raise Unprocessable("Give the reasons for rejecting the claim",
                            errors=[{"loc": ["body", "reason"], "msg": "required when rejecting"}])
    if action in claim_rules.NEEDS_INVOICE and claim.invoice_exemption_reason is None:
        invoices = await attachment_count(session, claim.id)
        if not invoices:
            raise InvoiceRequired("Attach the invoice first, or ask the township for an exemption",
                                  extra={"action": action.value})
    if action is ClaimAction.submit and claim.submitted_at is None:
        claim.submitted_at = clock.now()
    data: dict[str, Any] = {}
    if claim_rules.releases_reservation(action):
        await session.execute(update(BudgetLine).where(BudgetLine.id == claim.line_id)
                              .values(committed=BudgetLine.committed - claim.amount))
        data["released"] = claim.amount
    elif action is ClaimAction.pay:
        entry = LedgerEntry(
            village_id=claim.village_id, kind=EntryKind.payment.value, amount=claim.amount, booked_on=on or clock.local_today(),
            description=claim.purpose, line_id=claim.line_id, claim_id=claim.id,
            booked_by=p.name,
        )
        await _append(session, entry, -claim.amount)  # first: it refuses when the account cannot pay
        await session.execute(update(BudgetLine).where(BudgetLine.id == claim.line_id)
                              .values(paid=BudgetLine.paid + claim.amount))
        data["entry_id"] = entry.id
    claim.status = new.value
    await session.flush()
    await record_step(session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=claim.village_id,
                      action=action.value, from_state=old.value, to_state=new.value, reason=reason, data=data or None)
    return await get_claim(session, p, claim.id)


async def payment_entry_id(session: AsyncSession, claim_id: int) -> int | None:
    return (await session.execute(select(LedgerEntry.id).where(
        LedgerEntry.claim_id == claim_id, LedgerEntry.kind == EntryKind.payment.value))).scalar_one_or_none()


@dataclass(frozen=True)
class ClaimReversal:
    """How a paid claim's payment was undone: the reversing entry, who booked it, when and why."""

    entry_id: int
    reverses_id: int
    booked_on: date
    booked_by: str
    at: datetime
    reason: str


async def claim_reversal(session: AsyncSession, claim: Claim, events: Sequence[Event]) -> ClaimReversal | None:
    if claim.status != ClaimState.reversed.value:
        return None
    entry = (await session.execute(select(LedgerEntry).where(
        LedgerEntry.claim_id == claim.id, LedgerEntry.kind == EntryKind.reversal.value))).scalar_one_or_none()
    if entry is None or entry.reverses_id is None:
        return None
    step = next((e for e in reversed(events) if e.action == ClaimAction.reverse.value), None)
    return ClaimReversal(entry_id=entry.id, reverses_id=entry.reverses_id, booked_on=entry.booked_on,
                         booked_by=step.actor_name if step else entry.booked_by,
                         at=step.at if step else entry.booked_at,
                         reason=(step.reason if step and step.reason else entry.description))


async def exempt_invoice(session: AsyncSession, p: Principal, claim_id: int, *, reason: str) -> ClaimView:
    """The township lets an open claim go on without an invoice, for the few expenses that have none
    (a hardship grant paid in cash, a fee with no receipt). The reason is kept on the claim and in the
    trail; it is granted once and never changed."""
    require(p, FUNDS, FundsAction.exempt_invoice, what="exempt a claim from invoices")
    claim = (await session.execute(
        select(Claim).where(Claim.id == claim_id, in_scope(p, Claim.village_id)).with_for_update()
    )).scalar_one_or_none()
    if claim is None:
        raise NotFound("Claim not found", code="claim_not_found")
    if ClaimState(claim.status) not in claim_rules.OPEN_STATES:
        raise illegal("claim", claim.status, FundsAction.exempt_invoice.value)
    if claim.invoice_exemption_reason is not None:
        raise Conflict("The claim is exempted already", code="already_exempted")
    if await attachment_count(session, claim.id):
        raise Conflict("The claim has its invoice: no exemption needed", code="invoice_present")
    claim.invoice_exemption_reason, claim.invoice_exempted_by, claim.invoice_exempted_at = reason, p.name, clock.now()
    await session.flush()
    await record_step(session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=claim.village_id,
                      action=FundsAction.exempt_invoice.value, from_state=claim.status, to_state=claim.status,
                      reason=reason)
    return await get_claim(session, p, claim.id)


async def attachment_count(session: AsyncSession, claim_id: int) -> int:
    return (await session.execute(select(func.count()).select_from(Attachment)
                                  .where(Attachment.claim_id == claim_id))).scalar_one()


# ---- attachments ----------------------------------------------------------------------------------

ATTACHMENT_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
"""Accepted invoice types and the bytes each must start with (the declared type is not trusted)."""


def sniff(content: bytes) -> str | None:
    for media_type, magics in ATTACHMENT_TYPES.items():
        if any(content.startswith(m) for m in magics):
            return media_type
    return None



async def add_attachment(
    session: AsyncSession, p: Principal, claim_id: int, *, filename: str, content: bytes
) -> Attachment:
    """Attach an invoice to a claim not yet signed.

    Stored in the database (bytea), not on disk: the API runs as several stateless processes, so a
    file on one server's disk is missing on the others; in the database it is written in the same
    transaction as its trail event, backed up with the books, and append-only like them. Invoices
    are small (the limit above), and the column is deferred so listing claims never loads it.
    """
    require(p, FUNDS, FundsAction.attach, what="attach invoices")
    claim = (await session.execute(
        select(Claim).where(Claim.id == claim_id, in_scope(p, Claim.village_id)).with_for_update()
    )).scalar_one_or_none()
    if claim is None:
        raise NotFound("Claim not found", code="claim_not_found")
    if claim.status not in ATTACHABLE:
        raise illegal("claim", claim.status, "attach")
    limit = upload_limit()
    if not content or len(content) > limit:
        raise AttachmentRefused(f"An attachment holds 1 to {limit} bytes", extra={"max_bytes": limit})
    media_type = sniff(content)
    if media_type is None:
        raise AttachmentRefused("Attach a PDF, JPEG or PNG file",
                                extra={"accepted": sorted(ATTACHMENT_TYPES)})
    name = (filename or "invoice").replace("/", "_").replace("\\", "_").strip()[:200] or "invoice"
    att = Attachment(claim_id=claim.id, filename=name, content_type=media_type, size=len(content),
                     sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=p.name)
    session.add(att)
    await session.flush()
    await record_step(session, p, entity=EventEntity.claim, entity_id=claim.id, village_id=claim.village_id,
                      action="attach", from_state=claim.status, to_state=claim.status,
                      data={"attachment_id": att.id, "filename": name, "size": att.size, "sha256": att.sha256})
    return att


async def list_attachments(session: AsyncSession, claim_id: int) -> Sequence[Attachment]:
    stmt = select(Attachment).where(Attachment.claim_id == claim_id).order_by(Attachment.id)
    return (await session.execute(stmt)).scalars().all()


async def get_attachment(session: AsyncSession, p: Principal, attachment_id: int) -> Attachment:
    att = (await session.execute(
        select(Attachment).join(Claim, Claim.id == Attachment.claim_id)
        .where(Attachment.id == attachment_id, in_scope(p, Claim.village_id))
        .options(undefer(Attachment.content))
    )).scalar_one_or_none()
    if att is None:
        raise NotFound("Attachment not found", code="attachment_not_found")
    return att
