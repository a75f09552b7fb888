"""Demo data: the county's task catalogue (the seven helps, the five countryside-construction items,
the county's poverty-relief measures, the industry programmes; units of measure) and a few tasks
for the demo villages, one of township 01's first village finished and waiting for acceptance, one
overdue. Direct inserts: fast."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from cunzhi.cadres.models import Cadre
from cunzhi.kit import clock
from cunzhi.tasks.models import Task, TaskHistory, TaskItem, TaskUnit
from cunzhi.tasks.rules import row_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cunzhi.demo import DemoContext

UNITS = [("km", "公里"), ("household", "户"), ("duck", "只"), ("sheep", "只（羊）"), ("bag", "袋"), ("mu", "亩"),
         ("person", "人"), ("item", "个"), ("session", "次"), ("yuan", "元")]
ITEMS: list[tuple[str, str, str, str | None]] = [  # category, code, name, default unit
    ("seven_helps", "help-production", "帮发展生产", "household"),
    ("seven_helps", "help-projects", "帮争取项目", "item"),
    ("seven_helps", "help-labour", "帮劳务输出", "person"),
    ("seven_helps", "help-construction", "帮基础建设", "item"),
    ("seven_helps", "help-livelihood", "帮改善民生", "household"),
    ("seven_helps", "help-safety", "帮维护稳定", "session"),
    ("seven_helps", "help-party", "帮班子建设", "session"),
    ("construction", "road", "改路", "km"),
    ("construction", "housing", "改房", "household"),
    ("construction", "water", "改水", "household"),
    ("construction", "toilet", "改厕", "household"),
    ("construction", "stove", "改灶", "household"),
    ("poverty_relief", "pr-01", "建档立卡精准识别", "household"),
    ("poverty_relief", "pr-02", "产业扶持到户", "household"),
    ("poverty_relief", "pr-03", "小额信贷贴息", "household"),
    ("poverty_relief", "pr-04", "劳动力转移培训", "person"),
    ("poverty_relief", "pr-05", "危房改造补助", "household"),
    ("poverty_relief", "pr-06", "教育资助", "person"),
    ("poverty_relief", "pr-07", "医疗救助", "person"),
    ("poverty_relief", "pr-08", "低保兜底", "household"),
    ("poverty_relief", "pr-09", "饮水安全", "household"),
    ("poverty_relief", "pr-10", "光伏扶贫", "household"),
    ("poverty_relief", "pr-11", "残疾人两项补贴", "person"),
    ("poverty_relief", "pr-12", "特困人员救助供养", "person"),
    ("poverty_relief", "pr-13", "临时救助", "household"),
    ("poverty_relief", "pr-14", "易地扶贫搬迁", "household"),
    ("poverty_relief", "pr-15", "生态护林员公益岗位", "person"),
    ("poverty_relief", "pr-16", "城乡居民养老保险代缴", "person"),
    ("poverty_relief", "pr-17", "雨露计划职业教育补助", "person"),
    ("poverty_relief", "pr-18", "扶贫贷款风险补偿", "household"),
    ("poverty_relief", "pr-19", "消费扶贫产品帮销", "household"),
    ("industry", "ind-duck", "樱桃谷鸭养殖", "duck"),
    ("industry", "ind-sheep", "肉羊养殖", "sheep"),
    ("industry", "ind-hazelnut", "杂交榛子种植", "mu"),
    ("industry", "ind-asparagus", "芦笋种植", "mu"),
    ("industry", "ind-fungi", "食用菌栽培", "bag"),
]


async def seed_catalogue(session: AsyncSession, county_code: str) -> dict[str, int]:
    """The catalogue a county starts from (it edits it); item code -> id."""
    session.add_all([TaskUnit(county_code=county_code, code=c, name=n) for c, n in UNITS])
    items = [TaskItem(county_code=county_code, category=cat, code=code, name=name, default_unit=unit, sort=i,
                      updated_by="admin") for i, (cat, code, name, unit) in enumerate(ITEMS)]
    session.add_all(items)
    await session.flush()
    return {i.code: i.id for i in items}


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    ids = await seed_catalogue(session, ctx.county_code)
    today = clock.local_today()
    first = sorted(ctx.weak_village_codes)[0]
    cadre_id = (await session.execute(select(Cadre.id).where(Cadre.user_id == ctx.user_ids["cadre01"]))).scalar()
    pu = next(iter(ctx.partner_unit_ids.values()))
    plans = [  # village, item, title, duties, target, unit, due in days, responsible, progress, status
        (first, "road", "硬化村内主路", ["mobilise", "supervise_quality"], "3.5", "km", 60, "village_committee",
         "1.20", "in_progress"),
        (first, "ind-duck", "樱桃谷鸭养殖示范户", ["mobilise"], "20000", "duck", 90, "partner_unit", "0", "planned"),
        (first, "toilet", "农户改厕", ["mobilise", "settle_disputes"], "40", "household", 20, "cadre", "40", "done"),
        (first, "help-party", "组织主题党日活动", [], "6", "session", -5, "cadre", "2", "overdue"),
    ]
    for code in sorted(ctx.weak_village_codes)[1:4]:
        plans.append((code, "ind-fungi", "食用菌栽培扩大规模", ["mobilise"], "50000", "bag", 120, "village_committee",
                      "0", "planned"))
        plans.append((code, "water", "自来水入户", ["supervise_quality"], "60", "household", 45, "village_committee",
                      "15", "in_progress"))
    now = clock.now()
    for village, item, title, duties, target, unit, due, kind, progress, status in plans:
        t = Task(county_code=ctx.county_code, village_id=ctx.village_ids[village], item_id=ids[item], title=title,
                 duties=duties, target=Decimal(target), unit=unit, progress=Decimal(progress),
                 due_date=today + timedelta(days=due), responsible_kind=kind,
                 partner_unit_id=pu if kind == "partner_unit" else None,
                 cadre_id=cadre_id if kind == "cadre" else None, status=status, assigned_level="township",
                 assigned_by="township01", done_at=now if status == "done" else None,
                 import_key=row_key(village, item, title, today + timedelta(days=due)))
        if kind == "cadre" and cadre_id is None:
            t.responsible_kind, t.cadre_id = "village_committee", None
        session.add(t)
        await session.flush()
        session.add(TaskHistory(task_id=t.id, kind="create", status_after="planned", actor="township01",
                                at=now - timedelta(days=30)))
        if Decimal(progress) > 0:
            session.add(TaskHistory(task_id=t.id, kind="complete" if status == "done" else "progress",
                                    status_before="planned", status_after="done" if status == "done" else "in_progress",
                                    amount=Decimal(progress), progress_after=Decimal(progress),
                                    text="已按计划推进，群众积极配合", actor="cadre01", at=now - timedelta(days=3)))
        if status == "overdue":
            session.add(TaskHistory(task_id=t.id, kind="mark_overdue", status_before="in_progress",
                                    status_after="overdue", actor="system", at=now - timedelta(days=4)))
    await session.flush()
