"""Demo data of the monthly disclosure: the county's template (the usual items of 三务公开), and
the two months before today's published, inspected and locked in townships 01 and 02 (`seed_late`)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.disclosures import service
from cunzhi.disclosures.models import Item, RoundVillage, TemplateItem
from cunzhi.disclosures.rules import InspectionResult
from cunzhi.disclosures.schemas import DisclosureRoundIn, EntryIn, InspectionIn, PublishIn, ReviewIn
from cunzhi.kit import clock
from cunzhi.kit.codes import Role
from cunzhi.kit.etag import etag
from cunzhi.villages.models import Village

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


def _months_before(today: date, n: int) -> list[tuple[int, int]]:
    """The n months before today's, oldest first."""
    out: list[tuple[int, int]] = []
    y, m = today.year, today.month
    for _ in range(n):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append((y, m))
    return out[::-1]


TEXTS = {
    "party": "本月按计划召开支部党员大会和支委会，开展主题党日活动；无新发展党员和组织关系转接。",
    "village": "本月村民代表会议讨论通过村内道路维修事项，按“四议两公开”程序实施；补贴与救助对象按规定公示。",
}


async def seed_late(session: AsyncSession, ctx: DemoContext) -> None:
    """The two months before today's, in townships 01 and 02 (the villages keeping their books): the
    villages with a committee account published (township 01's first village failed the inspection
    in the older month and republished), their supervision committees reviewed, the township inspected and locked
    the month; the villages without an account stay unpublished, flagged late. Called after every
    domain's demo, so the finance section is frozen from the books the funds demo wrote. Today's month
    is left alone: its round is the township's to open."""
    from cunzhi.demo import principal

    async def tag(round_id: int, code: str) -> str:
        """The village's ETag on the board, as the page sends it back."""
        version = (await session.execute(
            select(RoundVillage.version).join(Village, Village.id == RoundVillage.village_id)
            .where(RoundVillage.round_id == round_id, Village.code == code))).scalar_one()
        return etag(version)

    secretaries = (await session.execute(
        select(User.username, User.village_id, Village.code, Village.township_code)
        .join(Village, Village.id == User.village_id)
        .where(User.role == Role.village_committee.value).order_by(Village.code))).all()
    today = clock.local_today()
    for n, (y, m) in enumerate(_months_before(today, 2)):
        for t, township in enumerate(ctx.township_codes[:2], start=1):
            official = await principal(session, f"township{t:02d}")
            villages = [(u, code) for u, _, code, tc in secretaries if tc == township]
            with clock.travel(date(y, m, 1)):
                r = await service.create_round(session, official, DisclosureRoundIn(
                    township_code=township, year=y, month=m, publish_by=date(y, m, 10)))
            items = (await session.execute(select(Item).where(Item.round_id == r.id, Item.section != "finance")
                                           .order_by(Item.section, Item.sort, Item.id))).scalars().all()
            entries = [EntryIn(item_id=i.id, text=TEXTS.get(i.section, "按规定公开。")) for i in items]
            failing = villages[0][1] if n == 0 and t == 1 and villages else None
            for username, code in villages:
                secretary = await principal(session, username)
                committee = await principal(session, username.replace("secretary", "committee"))
                with clock.travel(date(y, m, 3)):
                    await service.review(session, committee, r.id, code, ReviewIn(
                        opinion="已审核公开内容，与村务实际相符，同意公开。"))
                with clock.travel(date(y, m, 6)):
                    await service.publish(session, secretary, r.id, code, PublishIn(entries=entries),
                                          await tag(r.id, code))
                with clock.travel(date(y, m, 12)):
                    if code == failing:
                        await service.inspect(session, official, r.id, code, InspectionIn(
                            result=InspectionResult.failed, findings="惠农补贴公示缺少补贴标准和金额，请补充后重新公开",
                            fix_by=date(y, m, 20)), await tag(r.id, code))
                    else:
                        await service.inspect(session, official, r.id, code,
                                              InspectionIn(result=InspectionResult.passed), await tag(r.id, code))
                if code == failing:
                    fixed = [EntryIn(item_id=e.item_id, text=e.text + "（已补充补贴标准和金额）") for e in entries]
                    with clock.travel(date(y, m, 15)):
                        await service.publish(session, secretary, r.id, code, PublishIn(entries=fixed),
                                              await tag(r.id, code))
                    with clock.travel(date(y, m, 16)):
                        await service.inspect(session, official, r.id, code,
                                              InspectionIn(result=InspectionResult.passed), await tag(r.id, code))
            with clock.travel(date(y, m, 25)):
                await service.lock_round(session, official, r.id, etag(r.version))
