"""The one scope filter. Every query on village-scoped data goes through here.

A principal's scope is a division (county or township), one village, or the villages its
partner unit is currently paired with. Reads outside it answer 404 so existence does not leak.
"""

from datetime import date

from sqlalchemy import ColumnElement, Select, false, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.divisions.models import Division
from cunzhi.kit import clock
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import NotFound, Unprocessable
from cunzhi.kit.principal import Principal
from cunzhi.partners.models import Pairing, PartnerUnit
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


def village_clause_key(p: Principal) -> tuple[object, ...]:
    """Everything `village_clause(p)` is made of: equal keys, equal clauses (kit.prepared caches
    statements compiled with the clause under it). Keep the two side by side."""
    day = clock.local_today() if p.partner_unit_id is not None else None  # pairings active today
    return (p.division_code, p.division_level, p.village_id, p.partner_unit_id, day)


def spans_counties(p: Principal) -> bool:
    """A province's or a city's scope: its aggregates run over many counties' rows, where a generic plan
    misjudges ranges. Their statements are planned for their values each time (kit.prepared)."""
    return p.division_code is not None and p.division_level in (DivisionLevel.province, DivisionLevel.city)


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


# ---- counties -----------------------------------------------------------------------------------
# Partner units, cadres, pairing and posting settings and screening rounds belong to a county.


def county_prefix(p: Principal) -> str | None:
    """Code prefix of the counties `p` sees county-wide (a county, city or province scope), else None."""
    if p.division_code is None:
        return None
    if p.division_level == DivisionLevel.county:
        return p.division_code
    if p.division_level == DivisionLevel.city:
        return p.division_code[:4]
    if p.division_level == DivisionLevel.province:
        return p.division_code[:2]
    return None


def sees_county(p: Principal, county_code: str) -> bool:
    """True when `p` sees the whole county (a township official does not)."""
    prefix = county_prefix(p)
    return prefix is not None and county_code.startswith(prefix)


async def principal_county(session: AsyncSession, p: Principal, *, via_village: bool = False) -> str | None:
    """The one county `p` belongs to: its county, its township's county, its partner unit's county, and
    with `via_village` its village's county. None for a city or province scope."""
    if p.division_code is not None:
        if p.division_level == DivisionLevel.county:
            return p.division_code
        if p.division_level == DivisionLevel.township:
            return (await session.execute(
                select(Division.parent_code).where(Division.code == p.division_code)
            )).scalar_one_or_none()
        return None
    if p.partner_unit_id is not None:
        return (await session.execute(
            select(PartnerUnit.county_code).where(PartnerUnit.id == p.partner_unit_id)
        )).scalar_one_or_none()
    if via_village and p.village_id is not None:
        return (await session.execute(select(Village.county_code).where(Village.id == p.village_id))).scalar()
    return None


async def readable_county(session: AsyncSession, p: Principal, county_code: str | None, *,
                          via_village: bool = False) -> str:
    """`county_code` (default: `p`'s own county) when `p` sees it county-wide or belongs to it; else 404."""
    own = await principal_county(session, p, via_village=via_village)
    code = county_code or own
    if code is None or not (sees_county(p, code) or code == own):
        raise NotFound("County not found", code="county_not_found")
    return code


async def managed_county(session: AsyncSession, p: Principal, county_code: str | None) -> str:
    """The county a county-wide writer names (default: its own): 422 `unknown_county` when it is not a
    county `p` sees county-wide. The role is checked apart, by the domain's permission table."""
    code = county_code or await principal_county(session, p)
    if code is None or not sees_county(p, code):
        raise Unprocessable("Not a county you manage", code="unknown_county", errors=[
            {"loc": ["body", "county_code"], "msg": "not a county you manage", "type": "value_error"}])
    level = (await session.execute(select(Division.level).where(Division.code == code))).scalar_one_or_none()
    if level != DivisionLevel.county.value:
        raise Unprocessable("Not a county", code="unknown_county", errors=[
            {"loc": ["body", "county_code"], "msg": "not a county", "type": "value_error"}])
    return code


async def lock_county(session: AsyncSession, namespace: str, county_code: str) -> None:
    """A transaction-level advisory lock on one county's `namespace` (pairings, postings), so two writes
    that read and then change the county's whole picture never interleave."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": namespace + county_code})
