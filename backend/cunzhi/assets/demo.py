"""Demo registries for the first village of township 01: assets and resources at several steps of
their disposal and letting workflows, each step taken by the role that takes it in use."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from cunzhi.assets import service
from cunzhi.assets.models import AssetKind, DisposalMethod, ResourceKind
from cunzhi.assets.workflows import AssetAction, ResourceAction
from cunzhi.demo import demo_principals
from cunzhi.kit import clock
from cunzhi.villages.models import Village

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from cunzhi.demo import DemoContext

D = Decimal


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    first = (await session.execute(
        select(Village.code).where(Village.township_code == ctx.township_codes[0]).order_by(Village.code).limit(1)
    )).scalar_one()
    p = demo_principals(ctx, ctx.village_ids[first])
    agency, official, secretary = p["agency"], p["official"], p["secretary"]

    async def asset(name: str, kind: AssetKind, book: str, location: str, acquired: date,
                    steps: list[tuple[object, AssetAction, dict[str, object]]]) -> None:
        view = await service.register_asset(session, secretary, village_code=first, name=name, kind=kind,
                                            location=location, acquired_on=acquired, book_value=D(book))
        for who, action, data in steps:
            await service.act_on_asset(session, who, view.item.id, action, dict(data))  # type: ignore[arg-type]

    await asset("村委会办公楼", AssetKind.building, "380000.00", "村部", date(2009, 10, 1), [])
    await asset("东方红-802 拖拉机", AssetKind.machinery, "42000.00", "村农机库", date(2004, 5, 1), [
        (secretary, AssetAction.value, {"amount": D("9500.00"), "appraiser": "县农机资产评估所", "note": ""}),
        (official, AssetAction.approve, {"note": "同意公开拍卖"}),
    ])
    await asset("旧村部平房（已危房）", AssetKind.building, "26000.00", "村西", date(1988, 6, 1), [
        (secretary, AssetAction.value, {"amount": D("12000.00"), "appraiser": "松江资产评估事务所", "note": ""}),
        (official, AssetAction.approve, {"note": ""}),
        (agency, AssetAction.dispose, {"method": DisposalMethod.auction, "proceeds": D("13600.00"),
                                       "counterparty": "赵德生", "note": "公开拍卖，三人竞价"}),
    ])
    await asset("水泵机组", AssetKind.facility, "8800.00", "村南灌溉站", date(2015, 4, 1), [
        (secretary, AssetAction.value, {"amount": D("1200.00"), "appraiser": "县农机资产评估所", "note": ""}),
    ])

    async def resource(name: str, kind: ResourceKind, area: str, location: str,
                       steps: list[tuple[object, ResourceAction, dict[str, object]]]) -> None:
        view = await service.register_resource(session, secretary, village_code=first, name=name, kind=kind,
                                               area=D(area), location=location)
        for who, action, data in steps:
            await service.act_on_resource(session, who, view.item.id, action, dict(data))  # type: ignore[arg-type]

    survey = {"surveyed_area": D("36.50"), "boundaries": "东至村路，西至河沟，南至王家地，北至林带", "note": ""}
    value = {"reserve_rent": D("16000.00"), "appraiser": "县农村产权交易中心", "note": ""}
    await resource("南洼鱼塘", ResourceKind.pond, "36.00", "村南", [
        (secretary, ResourceAction.survey, survey),
        (secretary, ResourceAction.value, value),
        (official, ResourceAction.approve, {"note": ""}),
        (secretary, ResourceAction.open_tender, {"notice": "南洼鱼塘承包经营权公开招标公告", "closes_on": clock.local_today()}),
        (agency, ResourceAction.record_letting, {"tenant": "孙金山", "annual_rent": D("18000.00"), "bids": 4,
                                                 "term_start": date(2026, 1, 1), "term_end": date(2030, 12, 31),
                                                 "note": "县农村产权交易中心公开招标"}),
    ])
    await resource("北岗机动地", ResourceKind.land, "200.00", "村北", [
        (secretary, ResourceAction.survey, {**survey, "surveyed_area": D("203.40")}),
        (secretary, ResourceAction.value, {**value, "reserve_rent": D("60000.00")}),
        (official, ResourceAction.approve, {"note": ""}),
        (secretary, ResourceAction.open_tender, {"notice": "北岗机动地承包经营权公开招标公告",
                                                 "closes_on": clock.local_today() + timedelta(days=20)}),
    ])
    await resource("西山集体林", ResourceKind.forest, "520.00", "西山", [
        (secretary, ResourceAction.survey, {**survey, "surveyed_area": D("518.00")}),
    ])
    await resource("河滩草场", ResourceKind.grassland, "80.00", "村东河滩", [])
