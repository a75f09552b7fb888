"""Demo data for collective funds: township 01's village accounts, and for its first (weak) village
a year of income, an approved 2026 budget and claims in every state, so each role has work waiting:
the supervision committee a claim to sign, the township a claim to approve, the agency one to pay.

Everything goes through the services, as the roles themselves would do it, so the trail, the
ledger triggers and the audit chain are exercised exactly as in use: every claim past its draft has
its invoice, or (the hardship grant paid in cash) the township's exemption; income carries its payer
and voucher. Claims are filed as in YEAR (the clock moves there while they are, when the demo is
loaded in another year), since a claim names a line of the current year's budget only."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from cunzhi.funds import service
from cunzhi.funds.budgets import BudgetAction
from cunzhi.funds.claims import ClaimAction
from cunzhi.funds.models import BudgetCategory, IncomeSource
from cunzhi.funds.schemas import LineIn
from cunzhi.kit import clock
from cunzhi.kit.codes import DivisionLevel, Role
from cunzhi.kit.principal import Principal
from cunzhi.villages.models import Village

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cunzhi.demo import DemoContext

D = Decimal
YEAR = 2026
INVOICE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
"""A placeholder scanned invoice (a minimal PDF)."""


def demo_principals(ctx: DemoContext, village_id: int) -> dict[str, Principal]:
    """The demo accounts of township 01 and its first village, as services see them."""
    township = ctx.township_codes[0]

    def user(name: str, role: Role, **scope: object) -> Principal:
        return Principal(kind="user", id=ctx.user_ids[name], name=name, role=role, **scope)  # type: ignore[arg-type]

    return {
        "agency": user("agency01", Role.township_agency, division_code=township, division_level=DivisionLevel.township),
        "official": user("township01", Role.township_official, division_code=township,
                         division_level=DivisionLevel.township),
        "secretary": user("secretary01", Role.village_committee, village_id=village_id),
        "committee": user("committee01", Role.supervision_committee, village_id=village_id),
    }


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    township = ctx.township_codes[0]
    codes = (await session.execute(
        select(Village.code).where(Village.township_code == township).order_by(Village.code)
    )).scalars().all()
    first = codes[0]
    p = demo_principals(ctx, ctx.village_ids[first])
    agency, official, secretary, committee = p["agency"], p["official"], p["secretary"], p["committee"]

    await service.set_settings(session, official, township, D("5000.00"))
    for code in codes:
        await service.open_account(session, agency, code)

    vouchers = iter(range(1, 100))

    async def income(month: int, day: int, amount: str, source: IncomeSource, text: str, payer: str) -> int:
        on = date(YEAR, month, day)
        entry = await service.book_income(session, agency, first, amount=D(amount), source=source, description=text,
                                          on=on, received_on=on, payer=payer,
                                          voucher_no=f"收-{YEAR}-{next(vouchers):03d}")
        return entry.id

    # The year in the order it happened, so the ledger's order is also the calendar's.
    await income(1, 12, "86000.00", IncomeSource.rent, "集体耕地发包租金（上半年）", "永平村种植专业合作社")
    await income(2, 12, "120000.00", IncomeSource.transfer, "村级组织运转经费转移支付", "松江县财政局")

    lines = [
        (BudgetCategory.office, "村委会办公经费", "20000.00"),
        (BudgetCategory.allowances, "村干部误工补贴", "60000.00"),
        (BudgetCategory.public_works, "村内道路硬化维修", "80000.00"),
        (BudgetCategory.welfare, "困难户临时救助", "15000.00"),
        (BudgetCategory.production, "榛子种苗补贴", "30000.00"),
    ]
    budget = await service.create_budget(session, secretary, first, year=YEAR, note="经村民代表会议讨论通过",
                                         lines=[LineIn(category=c, purpose=t, amount=D(a)) for c, t, a in lines])
    bid = budget.budget.id
    await service.act_on_budget(session, secretary, bid, BudgetAction.submit)
    await service.act_on_budget(session, official, bid, BudgetAction.approve)
    line_ids = {line.category: line.id for line in budget.lines}

    async def claim(category: BudgetCategory, amount: str, purpose: str, payee: str,
                    steps: list[tuple[Principal, ClaimAction, str | None]], paid_on: date | None = None,
                    exemption: str | None = None) -> None:
        view = await service.create_claim(session, secretary, first, line_id=line_ids[category], amount=D(amount),
                                          purpose=purpose, payee=payee)
        if exemption:
            await service.exempt_invoice(session, official, view.claim.id, reason=exemption)
        elif steps:
            await service.add_attachment(session, secretary, view.claim.id, filename=f"发票-{purpose}.pdf",
                                         content=INVOICE)
        for who, action, reason in steps:
            await service.act_on_claim(session, who, view.claim.id, action, reason=reason,
                                       on=paid_on if action is ClaimAction.pay else None)

    sub, sign, appr, pay = ClaimAction.submit, ClaimAction.sign, ClaimAction.approve, ClaimAction.pay
    in_year = clock.travel(date(YEAR, 12, 1)) if clock.local_today().year != YEAR else nullcontext()
    with in_year:  # the year the claims are filed in
        await income(3, 12, "45000.00", IncomeSource.subsidy, "樱桃谷鸭养殖产业补助", "松江县农业农村局")
        await claim(BudgetCategory.office, "1260.00", "办公用品及打印耗材", "松江镇文具店",
                    [(secretary, sub, None), (committee, sign, None), (agency, pay, None)], date(YEAR, 3, 20))
        await claim(BudgetCategory.allowances, "15000.00", "一季度村干部误工补贴", "村干部（5人）",
                    [(secretary, sub, None), (committee, sign, None), (official, appr, None), (agency, pay, None)],
                    date(YEAR, 4, 8))
        await claim(BudgetCategory.public_works, "36500.00", "村东主路硬化（一期）", "松江县路桥工程队",
                    [(secretary, sub, None), (committee, sign, None), (official, appr, None), (agency, pay, None)],
                    date(YEAR, 6, 30))
        await income(7, 12, "86000.00", IncomeSource.rent, "集体耕地发包租金（下半年）", "永平村种植专业合作社")
        await claim(BudgetCategory.welfare, "2000.00", "火灾受损户临时救助", "王桂芝",
                    [(secretary, sub, None), (committee, sign, None), (agency, pay, None)], date(YEAR, 8, 5),
                    exemption="火灾临时救助款以现金发放给受灾户，无发票；附村民代表会议记录和领款签字")
        await income(9, 12, "18000.00", IncomeSource.rent, "鱼塘承包租金", "张德福（鱼塘承包户）")
        # A double booking the agency corrected the next day with a reversing entry.
        twice = await income(9, 12, "18000.00", IncomeSource.rent, "鱼塘承包租金（重复录入）", "张德福（鱼塘承包户）")
        await service.reverse_entry(session, agency, twice, reason="重复录入，冲销", on=date(YEAR, 9, 13))
        # Waiting: the township's queue, the committee's phone, the agency's desk, the secretary's draft.
        await claim(BudgetCategory.public_works, "12800.00", "村东主路硬化（二期）排水沟", "松江县路桥工程队",
                    [(secretary, sub, None), (committee, sign, None)])
        await claim(BudgetCategory.welfare, "3000.00", "重病户医疗救助", "李秀英", [(secretary, sub, None)])
        await claim(BudgetCategory.office, "860.00", "会议室桌椅维修", "刘长海木工坊",
                    [(secretary, sub, None), (committee, sign, None)])
        await claim(BudgetCategory.production, "4800.00", "榛子种苗（第一批）", "县林木种苗站", [])
        await claim(BudgetCategory.office, "5600.00", "购置笔记本电脑两台", "县城电脑城",
                    [(secretary, sub, None), (committee, ClaimAction.reject, "超出办公设备配置标准，请按标准重新申报")])
