"""Demo data: a township discipline committee's account (inspector01, 松江镇纪委, township 01) and
the county's discipline cases of 2012 and 2013 as the seed counts them: 5 in 2013, down on 8 the
year before (-37.5 %, the seed's "down 40%" rounded). Direct inserts: fast."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from cunzhi.auth.models import User
from cunzhi.discipline.models import DisciplineCase
from cunzhi.kit.codes import Role
from cunzhi.kit.security import hash_password

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cunzhi.demo import DemoContext

# (day, township index, village index in the township, role, name, violation, outcome)
CASES: list[tuple[date, int, int, str, str, str, str]] = [
    (date(2012, 2, 14), 0, 0, "village_accountant", "刘德生", "embezzlement", "serious_warning"),
    (date(2012, 4, 9), 1, 2, "branch_secretary", "王长海", "relief_funds_misuse", "removal_from_post"),
    (date(2012, 5, 21), 2, 1, "village_head", "张金山", "assets_resources", "warning"),
    (date(2012, 7, 3), 3, 0, "village_committee_member", "陈国庆", "favouritism", "admonition"),
    (date(2012, 8, 30), 0, 3, "branch_secretary", "赵宝林", "election_misconduct", "probation"),
    (date(2012, 10, 12), 4, 1, "village_accountant", "孙春生", "embezzlement", "judicial_transfer"),
    (date(2012, 11, 6), 5, 2, "branch_committee_member", "周玉兰", "disclosure_failure", "warning"),
    (date(2012, 12, 18), 6, 0, "village_head", "吴志强", "frugality_rules", "serious_warning"),
    (date(2013, 3, 11), 0, 1, "village_head", "马建国", "frugality_rules", "warning"),
    (date(2013, 5, 27), 1, 0, "village_accountant", "杨秀英", "embezzlement", "expulsion"),
    (date(2013, 7, 15), 0, 2, "branch_secretary", "徐长海", "dereliction", "admonition"),
    (date(2013, 9, 2), 7, 1, "supervision_committee_member", "胡凤霞", "disclosure_failure", "no_sanction"),
    (date(2013, 11, 20), 2, 3, "branch_secretary", "郭德生", "relief_funds_misuse", "removal_from_post"),
]


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    township01 = ctx.township_codes[0]
    if (await session.execute(select(User.id).where(User.username == "inspector01"))).first() is None:
        from cunzhi.demo import DEMO_PASSWORD, TOWNSHIPS

        user = User(username="inspector01", password_hash=hash_password(DEMO_PASSWORD),
                    display_name=f"{TOWNSHIPS[0]}纪委", role=Role.discipline_inspector.value,
                    division_code=township01, phone="13904519901")
        session.add(user)
        await session.flush()
        ctx.user_ids["inspector01"] = user.id
    numbers: dict[int, int] = {}
    for day, t, i, role, name, violation, outcome in CASES:
        prefix = ctx.township_codes[t][:9]
        codes = sorted(c for c in ctx.village_ids if c.startswith(prefix))
        code = codes[i]
        numbers[day.year] = numbers.get(day.year, 0) + 1
        session.add(DisciplineCase(
            county_code=ctx.county_code, village_id=ctx.village_ids[code],
            case_number=f"松纪案〔{day.year}〕{numbers[day.year]}号", filed_on=day, person_role=role,
            person_name=name, violation=violation, outcome=outcome, notes=None,
            created_by="县纪委检查员", updated_by="县纪委检查员"))
    await session.flush()
