"""Demo data for collective funds: township 01's village accounts, and for its first (weak) village
a year of income, an approved 2026 budget and claims in every state, so each role has work waiting:
the supervision committee a claim to sign, the township a claim to approve, the agency one to pay.

Everything goes through the services, as the roles themselves would do it, so the trail, the
ledger triggers and the audit chain are exercised exactly as in use: every claim past its draft has
its invoice, or (the hardship grant paid in cash) the township's exemption; income carries its payer
and voucher. Claims are filed as in YEAR (the clock moves there while they are, when the demo is
loaded in another year), since a claim names a line of the current year's budget only.

Three more villages keep books too (`more_villages`): township 01's second village and two of
township 02 (会发镇, with its own agency account agency02), each with its secretary and committee
accounts, an approved budget (some lines cut by the township, with the reason), income, and claims
paid, approved, signed, submitted, in draft and one rejected by the township."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from cunzhi.auth.models import User
from cunzhi.demo import demo_principals
from cunzhi.funds import service
from cunzhi.funds.budgets import BudgetAction
from cunzhi.funds.claims import ClaimAction
from cunzhi.funds.models import BudgetCategory, IncomeSource
from cunzhi.funds.schemas import LineIn
from cunzhi.funds.service import LineApproval
from cunzhi.kit import clock
from cunzhi.kit.codes import Role
from cunzhi.kit.principal import Principal
from cunzhi.kit.security import hash_password
from cunzhi.villages.models import Village

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cunzhi.demo import DemoContext

D = Decimal
YEAR = 2026
INVOICE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
"""A placeholder scanned invoice (a minimal PDF)."""


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

    await more_villages(session, ctx)


# (village code, its name's accounts suffix, the lines: category, purpose, planned, approved or None,
# the income: month, day, amount, source, text, payer; the claims: category, amount, purpose, payee, the
# steps as role names, paid on (month, day))
Step = tuple[str, str]  # (role, action) or ("reject:<role>", reason)
MORE: list[dict[str, object]] = [
    {
        "code": "230199100201", "n": 2, "township": 0,
        "lines": [(BudgetCategory.office, "村委会办公经费", "15000.00", None),
                  (BudgetCategory.allowances, "村干部误工补贴", "48000.00", None),
                  (BudgetCategory.public_works, "村文化广场照明", "40000.00", "30000.00"),
                  (BudgetCategory.welfare, "困难群众慰问", "8000.00", None)],
        "cut": "照明工程按县里统一标准压减",
        "income": [(1, 15, "52000.00", IncomeSource.rent, "集体林地承包费", "松江镇林果专业合作社"),
                   (2, 20, "100000.00", IncomeSource.transfer, "村级组织运转经费转移支付", "松江县财政局")],
        "claims": [(BudgetCategory.office, "980.00", "村部取暖用煤", "松江镇燃料公司", "sub sign pay", (3, 2)),
                   (BudgetCategory.allowances, "12000.00", "一季度村干部误工补贴", "村干部（4人）",
                    "sub sign appr pay", (4, 10)),
                   (BudgetCategory.public_works, "18600.00", "文化广场路灯（一期）", "松江县电力安装公司",
                    "sub sign appr", None),
                   (BudgetCategory.welfare, "1600.00", "春节困难群众慰问品", "松江镇百货商店", "", None)],
    },
    {
        "code": "230199101200", "n": 3, "township": 1,
        "lines": [(BudgetCategory.office, "村委会办公经费", "18000.00", None),
                  (BudgetCategory.allowances, "村干部误工补贴", "54000.00", None),
                  (BudgetCategory.production, "食用菌大棚补贴", "60000.00", "45000.00"),
                  (BudgetCategory.public_works, "灌溉水渠清淤", "25000.00", None)],
        "cut": "大棚补贴按已申报户数核定",
        "income": [(1, 20, "64000.00", IncomeSource.rent, "集体耕地发包租金", "会发镇农机专业合作社"),
                   (2, 25, "110000.00", IncomeSource.transfer, "村级组织运转经费转移支付", "松江县财政局"),
                   (4, 18, "30000.00", IncomeSource.subsidy, "食用菌产业扶持资金", "松江县农业农村局")],
        "claims": [(BudgetCategory.allowances, "13500.00", "一季度村干部误工补贴", "村干部（5人）",
                    "sub sign appr pay", (4, 12)),
                   (BudgetCategory.public_works, "9200.00", "灌溉水渠清淤（东段）", "会发镇水利服务站",
                    "sub sign", None),
                   (BudgetCategory.production, "22000.00", "食用菌大棚棚膜", "县农资公司", "sub sign reject", None),
                   (BudgetCategory.office, "640.00", "村务公开栏更换", "会发镇广告部", "sub", None)],
        "reject": "棚膜单价高于市场价，请比价后重新申报",
    },
    {
        "code": "230199101201", "n": 4, "township": 1,
        "lines": [(BudgetCategory.office, "村委会办公经费", "12000.00", None),
                  (BudgetCategory.allowances, "村干部误工补贴", "42000.00", None),
                  (BudgetCategory.welfare, "重病户医疗救助", "10000.00", None)],
        "cut": None,
        "income": [(2, 10, "90000.00", IncomeSource.transfer, "村级组织运转经费转移支付", "松江县财政局"),
                   (3, 28, "26000.00", IncomeSource.rent, "村部闲置房屋出租", "会发镇快递服务点")],
        "claims": [(BudgetCategory.office, "2300.00", "村部门窗维修", "会发镇建材店", "sub sign pay", (3, 30)),
                   (BudgetCategory.welfare, "3500.00", "重病户医疗救助", "孙凤霞", "sub sign", None),
                   (BudgetCategory.allowances, "10500.00", "一季度村干部误工补贴", "村干部（4人）", "sub", None)],
    },
]
"""Steps: sub (the secretary submits), sign (the committee signs), appr (the township approves), pay
(the agency pays), reject (the township rejects, with the village's "reject" reason)."""


async def _account(session: AsyncSession, username: str, role: Role, display: str, phone: str,
                   **scope: object) -> None:
    from cunzhi.demo import DEMO_PASSWORD

    session.add(User(username=username, password_hash=hash_password(DEMO_PASSWORD), display_name=display,
                     role=role.value, phone=phone, **scope))
    await session.flush()


async def more_villages(session: AsyncSession, ctx: DemoContext) -> None:
    """Three more villages' books, in two townships."""
    from cunzhi.demo import TOWNSHIPS, principal

    second = ctx.township_codes[1]
    await _account(session, "agency02", Role.township_agency, f"{TOWNSHIPS[1]}三资委托代理服务中心", "13904519802",
                   division_code=second)
    # (township 02 keeps the default single-claim limit, 5,000.00)
    agency2 = await principal(session, "agency02")
    for spec in MORE:  # township 02's other villages have no account yet
        if spec["township"] == 1:
            await service.open_account(session, agency2, str(spec["code"]))

    vouchers = iter(range(500, 600))
    for spec in MORE:
        code, n, t = str(spec["code"]), int(spec["n"]), int(spec["township"])  # type: ignore[call-overload]
        village = (await session.execute(select(Village).where(Village.code == code))).scalar_one()
        await _account(session, f"secretary{n:02d}", Role.village_committee, f"{village.name}党支部书记",
                       f"13904519{810 + n}", village_id=village.id)
        await _account(session, f"committee{n:02d}", Role.supervision_committee, f"{village.name}村务监督委员会",
                       f"13904519{820 + n}", village_id=village.id)
        secretary = await principal(session, f"secretary{n:02d}")
        committee = await principal(session, f"committee{n:02d}")
        official = await principal(session, f"township{t + 1:02d}")
        agency = await principal(session, f"agency{t + 1:02d}")
        who = {"sub": secretary, "sign": committee, "appr": official, "pay": agency, "reject": official}
        actions = {"sub": ClaimAction.submit, "sign": ClaimAction.sign, "appr": ClaimAction.approve,
                   "pay": ClaimAction.pay, "reject": ClaimAction.reject}

        async def income(month: int, day: int, amount: str, source: IncomeSource, text: str, payer: str,
                         code: str = code, agency: Principal = agency) -> None:
            on = date(YEAR, month, day)
            await service.book_income(session, agency, code, amount=D(amount), source=source, description=text,
                                      on=on, received_on=on, payer=payer, voucher_no=f"收-{YEAR}-{next(vouchers):03d}")

        in_year = clock.travel(date(YEAR, 12, 1)) if clock.local_today().year != YEAR else nullcontext()
        with in_year:
            incomes = list(spec["income"])  # type: ignore[call-overload]
            for args in incomes[:2]:
                await income(*args)
            lines = list(spec["lines"])  # type: ignore[call-overload]
            budget = await service.create_budget(
                session, secretary, code, year=YEAR, note="经村民代表会议讨论通过",
                lines=[LineIn(category=c, purpose=pur, amount=D(a)) for c, pur, a, _ in lines])
            await service.act_on_budget(session, secretary, budget.budget.id, BudgetAction.submit)
            by_category = {line.category: line.id for line in budget.lines}
            approvals = [LineApproval(line_id=by_category[c], approved=D(cut), reason=str(spec["cut"]))
                         for c, _, _, cut in lines if cut is not None]
            await service.act_on_budget(session, official, budget.budget.id, BudgetAction.approve, approvals=approvals)
            for args in incomes[2:]:
                await income(*args)
            for category, amount, purpose, payee, steps, paid in spec["claims"]:  # type: ignore[attr-defined]
                view = await service.create_claim(session, secretary, code, line_id=by_category[category],
                                                  amount=D(amount), purpose=purpose, payee=payee)
                if steps:
                    await service.add_attachment(session, secretary, view.claim.id, filename=f"发票-{purpose}.pdf",
                                                 content=INVOICE)
                for step in steps.split():
                    reason = str(spec["reject"]) if step == "reject" else None
                    await service.act_on_claim(session, who[step], view.claim.id, actions[step], reason=reason,
                                               on=date(YEAR, *paid) if step == "pay" and paid else None)
