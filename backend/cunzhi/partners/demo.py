"""Demo data: the strengths, capacity and contacts of the seeded county departments."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.demo import DemoContext
from cunzhi.partners.models import PartnerUnit

STRENGTHS: dict[str, list[str]] = {
    "CZJ": ["economic"],  # 财政局
    "GAJ": ["political_legal"],  # 公安局
    "ZZB": ["party_mass"],  # 组织部
    "NYJ": ["economic", "technical"],  # 农业农村局
    "FGW": ["economic"],  # 发改局
    "SFJ": ["political_legal"],  # 司法局
    "XCB": ["party_mass"],  # 宣传部
    "KJJ": ["technical"],  # 科技局
    "JTJ": ["technical"],  # 交通运输局
    "ZFB": ["political_legal"],  # 政法委
    "TZB": ["party_mass"],  # 统战部
    "SLJ": ["technical"],  # 水务局
    "GSL": ["party_mass"],  # 总工会
    "GQT": ["party_mass"],  # 团县委
    "FLH": ["party_mass"],  # 妇联
    "LCJ": ["technical"],  # 林草局
    "SWJ": ["economic"],  # 商务局
    "XFJ": ["political_legal", "party_mass"],  # 信访局
    "JYJ": ["party_mass"],  # 教育局
    "WJJ": ["technical"],  # 卫健局
}


async def seed(session: AsyncSession, ctx: DemoContext) -> None:
    for i, (code, unit_id) in enumerate(sorted(ctx.partner_unit_ids.items())):
        strengths = STRENGTHS.get(code.removeprefix("PU-"), [])
        await session.execute(
            update(PartnerUnit).where(PartnerUnit.id == unit_id).values(
                strengths=strengths, capacity=2, contact_name="联络员", contact_phone=f"0451-8760{i:04d}",
            )
        )
