from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.divisions.models import Division
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import NotFound
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause
from cunzhi.villages.models import Village


def _visible(p: Principal):  # type: ignore[no-untyped-def]
    if p.division_code:
        # A division's own node and everything below it (at most county → township here).
        below = select(Division.code).where(Division.parent_code == p.division_code)
        return or_(Division.code == p.division_code, Division.code.in_(below),
                   Division.parent_code.in_(below))
    # Village- and partner-scoped callers see the townships and counties of their villages.
    mine = select(Village.township_code).where(village_clause(p))
    counties = select(Village.county_code).where(village_clause(p))
    return or_(Division.code.in_(mine), Division.code.in_(counties))


async def list_divisions(session: AsyncSession, p: Principal, *, level: DivisionLevel | None,
                         parent_code: str | None) -> list[Division]:
    stmt = select(Division).where(_visible(p)).order_by(Division.code)
    if level:
        stmt = stmt.where(Division.level == level.value)
    if parent_code:
        stmt = stmt.where(Division.parent_code == parent_code)
    return list((await session.execute(stmt)).scalars())


async def get_division(session: AsyncSession, p: Principal, code: str) -> Division:
    division = (await session.execute(select(Division).where(Division.code == code, _visible(p)))).scalar_one_or_none()
    if division is None:
        raise NotFound(f"Division {code} not found", code="division_not_found")
    return division
