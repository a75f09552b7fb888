"""Random sequences of income, claims, approvals, payments, rejections, amendments and reversals
through the services: the balance always equals income minus paid spending, no line ever commits
more than approved, and the statements of every month add up to the year and to the balance."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from funds_helpers import Cast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cunzhi.funds import service
from cunzhi.funds.budgets import BudgetAction
from cunzhi.funds.claims import OPEN_STATES, ClaimAction, ClaimState
from cunzhi.funds.models import Account, BudgetLine, Claim, IncomeSource
from cunzhi.funds.schemas import LineIn
from cunzhi.funds.statements import balance
from cunzhi.kit.clock import local_today
from cunzhi.kit.errors import DomainError

YEAR = local_today().year  # claims name lines of the current year's budget
PDF = b"%PDF-1.4\n%%EOF\n"
ZERO = Decimal("0.00")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9000.00"), places=2)
advance = st.tuples(st.just("advance"), st.integers(0, 50))
op = st.one_of(
    st.tuples(st.just("income"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("30000.00"), places=2)),
    st.tuples(st.just("claim"), st.integers(0, 2), amounts),
    advance, advance, advance,
    st.tuples(st.sampled_from(["reject", "withdraw"]), st.integers(0, 50)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("amend"), st.integers(0, 2), amounts),
)
NEXT = {  # who moves a claim on from each open state
    ClaimState.draft: ("secretary", ClaimAction.submit),
    ClaimState.submitted: ("committee", ClaimAction.sign),
}


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(op, st.integers(0, 25)), min_size=5, max_size=30))
async def test_random_sequences_keep_the_books_exact(db, cast: Cast, ops):  # type: ignore[no-untyped-def]
    savepoint = await db.begin_nested()
    try:
        await _run(db, cast, ops)
    finally:
        await savepoint.rollback()


async def _run(db, cast: Cast, ops) -> None:  # type: ignore[no-untyped-def]
    p = cast.principals
    code, vid = cast.village.code, cast.village.id
    await service.open_account(db, p["agency"], code)
    budget = await service.create_budget(db, p["secretary"], code, year=YEAR, note="", lines=[
        LineIn(category="public_works", purpose="道路", amount=Decimal("20000.00")),
        LineIn(category="office", purpose="办公", amount=Decimal("3000.00")),
        LineIn(category="welfare", purpose="救助", amount=Decimal("8000.00")),
    ])
    await service.act_on_budget(db, p["secretary"], budget.budget.id, BudgetAction.submit)
    await service.act_on_budget(db, p["official"], budget.budget.id, BudgetAction.approve)
    lines = [line.id for line in budget.lines]

    income = paid = ZERO
    claims: list[int] = []
    entries: list[tuple[int, str, Decimal]] = []  # id, kind, amount of entries that may be reversed
    reversed_ids: set[int] = set()
    day = date(YEAR, 1, 1)
    for (kind, *args), gap in ops:
        day = min(day + timedelta(days=gap), date(YEAR, 12, 31))
        try:
            if kind == "income":
                e = await service.book_income(db, p["agency"], code, amount=args[0], source=IncomeSource.rent,
                                              description="租金", on=day)
                income += e.amount
                entries.append((e.id, "income", e.amount))
            elif kind == "claim":
                view = await service.create_claim(db, p["secretary"], code, line_id=lines[args[0]], amount=args[1],
                                                  purpose="x", payee="y")
                await service.add_attachment(db, p["secretary"], view.claim.id, filename="f.pdf", content=PDF)
                claims.append(view.claim.id)
            elif kind == "amend":
                a = await service.request_amendment(db, p["secretary"], lines[args[0]], new_amount=args[1],
                                                    reason="调整")
                await service.decide_amendment(db, p["official"], a.id, approve=True, reason=None)
            elif claims and kind in ("advance", "reject", "withdraw"):
                claim = await db.get(Claim, claims[args[0] % len(claims)], populate_existing=True)
                state = ClaimState(claim.status)
                if kind == "advance":
                    if state is ClaimState.committee_signed and claim.needs_approval:
                        who, action = "official", ClaimAction.approve
                    elif state in (ClaimState.committee_signed, ClaimState.township_approved):
                        who, action = "agency", ClaimAction.pay
                    else:
                        who, action = NEXT.get(state, ("secretary", ClaimAction.submit))
                else:
                    who, action = ("committee", ClaimAction.reject) if kind == "reject" else (
                        "secretary", ClaimAction.withdraw)
                await service.act_on_claim(db, p[who], claim.id, action, reason="理由", on=day)
                if action is ClaimAction.pay:
                    paid += claim.amount
                    entry = await service.payment_entry_id(db, claim.id)
                    entries.append((entry, "payment", claim.amount))
            elif entries and kind == "reverse":
                entry_id, entry_kind, amount = entries[args[0] % len(entries)]
                await service.reverse_entry(db, p["agency"], entry_id, reason="冲销", on=day)
                reversed_ids.add(entry_id)
                if entry_kind == "income":
                    income -= amount
                else:
                    paid -= amount
        except DomainError as exc:
            assert exc.code in {"budget_exceeded", "illegal_transition", "insufficient_funds", "already_reversed",
                                "amendment_below_committed", "validation_error",
                                "claim_not_found"}, exc.code  # the committee does not see drafts
        await _check(db, vid, lines, income - paid)

    # Statements: every month adds up, months chain, and the year ends on the balance.
    months = [(await service.village_statement(db, p["committee"], code, year=YEAR, month=m)).statement
              for m in range(1, 13)]
    year = (await service.village_statement(db, p["committee"], code, year=YEAR)).statement
    assert months[0].opening_balance == year.opening_balance == ZERO
    for m in months:
        assert m.closing_balance == m.opening_balance + m.net_income - m.net_spending
    for a, b in itertools.pairwise(months):
        assert a.closing_balance == b.opening_balance
    assert months[-1].closing_balance == year.closing_balance == income - paid
    assert sum((m.net_income for m in months), ZERO) == year.net_income == income
    assert sum((m.net_spending for m in months), ZERO) == year.net_spending == paid


async def _check(db, vid: int, lines: list[int], expected: Decimal) -> None:  # type: ignore[no-untyped-def]
    acc = (await db.execute(select(Account.balance).where(Account.village_id == vid))).scalar_one()
    assert acc == expected == balance(await service.all_items(db, vid))
    rows = (await db.execute(select(BudgetLine).where(BudgetLine.id.in_(lines))
                             .execution_options(populate_existing=True))).scalars().all()
    open_states = [s.value for s in OPEN_STATES]
    for line in rows:
        assert ZERO <= line.paid <= line.committed <= line.approved
        held = (await db.execute(select(func.coalesce(func.sum(Claim.amount), 0)).where(
            Claim.line_id == line.id, Claim.status.in_(open_states)))).scalar_one()
        assert line.committed == held + line.paid
