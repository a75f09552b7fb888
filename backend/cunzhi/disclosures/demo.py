"""Demo data of the monthly disclosure: the county's template (the usual items of 三务公开)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.disclosures.models import TemplateItem

if TYPE_CHECKING:
    from cunzhi.demo import DemoContext

TEMPLATE = (
    ("party", "党员发展与组织关系转接", "本月发展对象、预备党员转正、组织关系转入转出", 10),
    ("party", "“三会一课”与主题党日", "本月召开支部党员大会、支委会、党小组会和党课的时间与议题", 20),
    ("village", "村级重大事项决策", "“四议两公开”事项的议题、表决结果与实施情况", 10),
    ("village", "惠农补贴与救助对象", "低保、特困、各类补贴的对象、标准与金额（按规定公开的部分）", 20),
    ("finance", "财务收支情况", "由村集体账簿生成：上月收入、支出、余额与各预算项目支出", 0),
)


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    session.add_all([TemplateItem(county_code=ctx.county_code, section=s, title=t, guidance=g, sort=n)
                     for s, t, g, n in TEMPLATE])
    await session.flush()
