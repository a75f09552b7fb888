"""Demo data: the county's stationed cadres, postings to some weak villages (cadre01's account is
linked to the one in township 01's first village), and for that village three weeks of check-ins
and work logs up to yesterday, so today is still open for a check-in. Direct inserts: fast."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from cunzhi.auth.models import User
from cunzhi.cadres.fieldwork import raise_findings
from cunzhi.cadres.models import Cadre, Checkin, Posting, WorkLog
from cunzhi.cadres.rules import TIMEZONE, distance_m
from cunzhi.kit import clock
from cunzhi.villages.models import Village

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cunzhi.demo import DemoContext

CADRES = [  # name, home unit, expertise
    (None, "县农业农村局", ["technical", "organising"]),  # cadre01's account
    ("赵志强", "县信访局", ["mass_work"]),
    ("孙玉兰", "县委组织部", ["organising"]),
    ("周德生", "县科学技术局", ["technical"]),
    ("吴秀英", "县妇联", ["mass_work", "organising"]),
    ("郑长海", "县司法局", ["mass_work"]),
    ("冯凤霞", "县林业和草原局", ["technical"]),
    ("陈宝林", "县委宣传部", ["organising"]),
]
LOGS = [
    ("走访贫困户12户，了解春耕备耕困难，协调村集体借用农机3台。", ["informant", "coordinator"], 0, 0, 3, 0, 0, None),
    ("调解村民宅基地边界纠纷一起，双方签订协议。", ["mediator"], 0, 0, 0, 0, 0, None),
    ("组织党员集中学习，开展主题党日活动，到会党员21名。", ["coordinator", "clerk"], 0, 1, 21, 0, 0, None),
    ("检查村务公开栏，发现3月财务支出未按期公开，已督促村委会补公开。", ["supervisor"], 0, 0, 0, 1, 0,
     "3月财务支出未按期公开"),
    ("与村“两委”研究入党积极分子培养，确定发展对象2名。", ["researcher", "coordinator"], 2, 0, 0, 0, 0, None),
    ("夜间与治保会巡逻，排查出租屋2处，未发现安全隐患。", ["security_officer"], 0, 0, 4, 0, 0, None),
    ("为5户村民代办养老保险认证和低保年审材料。", ["clerk"], 0, 0, 0, 0, 0, None),
    ("调研樱桃谷鸭养殖合作社，梳理资金和防疫需求，形成调研报告。", ["researcher"], 0, 0, 2, 0, 0, None),
]
HOME = (45.7581, 126.6425)  # near the village office


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    rng = random.Random(2008)
    weak = sorted(ctx.weak_village_codes)
    first = weak[0]  # township 01's first village: cadre01, secretary01, committee01
    # every village office gets a position: cadre01's near HOME, the others spread over the county
    spread = random.Random(4507)
    for code, vid in sorted(ctx.village_ids.items()):
        lat, lng = HOME if code == first else (HOME[0] + spread.uniform(-0.35, 0.35),
                                               HOME[1] + spread.uniform(-0.5, 0.5))
        await session.execute(update(Village).where(Village.id == vid).values(lat=round(lat, 6), lng=round(lng, 6)))
    user = (await session.execute(select(User).where(User.username == "cadre01"))).scalar_one()
    cadres: list[Cadre] = []
    for name, unit, expertise in CADRES:
        c = Cadre(county_code=ctx.county_code, name=name or user.display_name.removeprefix("驻村干部"),
                  phone=f"1384510{len(cadres):04d}", home_unit=unit, expertise=expertise,
                  user_id=user.id if name is None else None, created_by="admin")
        session.add(c)
        cadres.append(c)
    await session.flush()

    today = clock.local_today()
    start = date(today.year, 1, 1) if today.month > 2 else today - timedelta(days=60)
    # five of the weak villages have a cadre; the other cadres wait for the next proposal
    for c, code, post in zip(cadres[:5], [first, *weak[1:5]], ["deputy_secretary", "deputy_secretary",
                                                                 "committee_member", "deputy_secretary",
                                                                 "committee_member"], strict=True):
        session.add(Posting(cadre_id=c.id, village_id=ctx.village_ids[code], post=post, start_date=start,
                            created_by="admin", note="县委组织部选派"))
    # an earlier cadre of that village, replaced when the current one came: the history has a past
    earlier = start - timedelta(days=400)
    session.add(Posting(cadre_id=cadres[5].id, village_id=ctx.village_ids[first], post="committee_member",
                        start_date=earlier, end_date=start - timedelta(days=1), ended_reason="replaced",
                        ended_by="admin", ended_at=datetime.combine(start, time(9), TIMEZONE), created_by="admin"))
    await session.flush()

    village_id = ctx.village_ids[first]
    me = cadres[0]
    for back in range(21, 0, -1):
        day = today - timedelta(days=back)
        if rng.random() < 0.2:  # some days away (meetings in the county)
            continue
        at = datetime.combine(day, time(8, rng.randrange(0, 50), rng.randrange(60)), TIMEZONE)
        lat, lng = HOME[0] + rng.uniform(-0.002, 0.002), HOME[1] + rng.uniform(-0.002, 0.002)
        session.add(Checkin(
            cadre_id=me.id, village_id=village_id, user_id=user.id, client_key=f"demo-checkin-{back}",
            body_hash="demo", checked_at=at, received_at=at + timedelta(seconds=rng.randrange(1, 900)),
            lat=lat, lng=lng, accuracy_m=float(rng.randrange(5, 40)), note=None,
            distance_m=round(distance_m(lat, lng, *HOME), 1), flags=[]))
    for i, (text, roles, rec, act, mem, pol, dis, note) in enumerate(LOGS):
        day = today - timedelta(days=19 - i * 2 - (i % 2))
        at = datetime.combine(day, time(20, rng.randrange(60)), TIMEZONE)
        session.add(WorkLog(
            cadre_id=me.id, village_id=village_id, user_id=user.id, client_key=f"demo-log-{i}", body_hash="demo",
            written_at=at, received_at=at + timedelta(minutes=3), log_date=day, text=text, roles=roles,
            members_recruited=rec, activities_held=act, members_active=mem, policy_issues=pol,
            discipline_issues=dis, oversight_note=note, activists_found=1 if rec else 0,
            activity_attendance=act * (18 + i)))
    await session.flush()
    logs = (await session.execute(select(WorkLog).where(
        WorkLog.village_id == village_id, WorkLog.policy_issues + WorkLog.discipline_issues > 0))).scalars().all()
    await raise_findings(session, list(logs))  # one per kind found, as a log's POST raises them
