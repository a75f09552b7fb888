"""The one scope filter. Every query on village-scoped data goes through here.

A principal's scope is a division (county or township), one village, or the villages its
partner unit is currently paired with. Reads outside it answer 404 so existence does not leak.
"""

from datetime import date

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import NotFound
from cunzhi.kit.principal import Principal
from cunzhi.partners.models import Pairing
from cunzhi.villages.models import Village


def active_pairings_on(day: date) -> ColumnElement[bool]:
    return (Pairing.start_date <= day) & or_(Pairing.end_date.is_(None), Pairing.end_date >= day)


def village_clause(p: Principal) -> ColumnElement[bool]:
    """A WHERE clause over `Village` that keeps only what `p` may see."""
    if p.division_code is not None:
        if p.division_level == DivisionLevel.township:
            return Village.township_code == p.division_code
        if p.division_level == DivisionLevel.county:
            return Village.county_code == p.division_code
        # Province or city scope: villages whose county lies under it (codes share a prefix).
        prefix = p.division_code[: 2 if p.division_level == DivisionLevel.province else 4]
        return Village.code.startswith(prefix)
    if p.village_id is not None:
        return Village.id == p.village_id
    if p.partner_unit_id is not None:
        paired = select(Pairing.village_id).where(
            Pairing.partner_unit_id == p.partner_unit_id, active_pairings_on(clock.local_today())
        )
        return Village.id.in_(paired)
    return false()


def village_ids(p: Principal) -> Select[int]:
    """Ids of the villages `p` may see, for `Model.village_id.in_(village_ids(p))`."""
    return select(Village.id).where(village_clause(p))


def division_codes(p: Principal) -> list[str] | None:
    """Division codes `p` may see directly; None means only through villages."""
    return [p.division_code] if p.division_code else None


async def get_village(session: AsyncSession, p: Principal, code: str, *, for_update: bool = False) -> Village:
    stmt = select(Village).where(Village.code == code, village_clause(p))
    if for_update:
        stmt = stmt.with_for_update()
    village = (await session.execute(stmt)).scalar_one_or_none()
    if village is None:
        raise NotFound(f"Village {code} not found", code="village_not_found")
    return village


async def get_village_by_id(session: AsyncSession, p: Principal, village_id: int) -> Village:
    stmt = select(Village).where(Village.id == village_id, village_clause(p))
    village = (await session.execute(stmt)).scalar_one_or_none()
    if village is None:
        raise NotFound("Village not found", code="village_not_found")
    return village
