from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from cunzhi.divisions import importer
from cunzhi.divisions.models import Division
from cunzhi.divisions.permissions import DIVISIONS, DivisionAction
from cunzhi.divisions.schemas import DivisionPatch, TownshipCreate
from cunzhi.kit import audit
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import allowed, may, require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause
from cunzhi.villages.models import Village
from cunzhi.villages.permissions import VILLAGES, VillageAction


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


def _manages(p: Principal, d: Division) -> bool:
    """A county admin changes its county and the county's townships."""
    return p.division_level == DivisionLevel.county.value and p.division_code is not None and (
        d.code == p.division_code or d.parent_code == p.division_code)


def division_actions(p: Principal, d: Division) -> list[str]:
    """What `p` may do here: rename its county or a township; on the county, add a township and
    import the tree; on a township, add a village (the villages' table)."""
    actions: list[str] = []
    if _manages(p, d):
        actions = [a.value for a in allowed(p, DIVISIONS, [DivisionAction.rename])]
        if d.level == DivisionLevel.county.value:
            actions += [a.value for a in allowed(p, DIVISIONS, [DivisionAction.add, DivisionAction.import_tree])]
        elif d.level == DivisionLevel.township.value and may(p, VILLAGES, VillageAction.add):
            actions.append("add_village")
    return actions


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


def _code_error(msg: str, code: str) -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", "code"], "msg": msg, "type": "value_error"}])


async def create_township(session: AsyncSession, p: Principal, data: TownshipCreate) -> Division:
    require(p, DIVISIONS, DivisionAction.add, detail="Only the county organisation department adds townships")
    if p.division_level != DivisionLevel.county.value or p.division_code is None:
        raise Unprocessable("Townships are added by their county", code="unknown_county")
    if importer.level_of(data.code) != DivisionLevel.township.value:
        raise _code_error("not a township code (digits 7-9 set, 10-12 zero)", "not_a_township_code")
    if importer.parent_of(data.code, "township") != p.division_code:
        raise _code_error("must start with your county code's first 6 digits", "code_outside_county")
    if (await session.execute(select(Division.code).where(Division.code == data.code))).first():
        raise Conflict(f"Division {data.code} already exists", code="division_exists")
    division = Division(code=data.code, name=data.name, level=DivisionLevel.township.value, parent_code=p.division_code)
    session.add(division)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"Division {data.code} already exists", code="division_exists") from None
    await audit.record(session, p, "division.create", "division", division.code, after=audit.snapshot(division))
    return division


async def rename(session: AsyncSession, p: Principal, code: str, data: DivisionPatch, if_match: str | None) -> Division:
    division = await get_division(session, p, code)
    require(p, DIVISIONS, DivisionAction.rename, detail="Only the county organisation department renames divisions")
    if not _manages(p, division):
        raise Forbidden("A county renames itself and its townships only")
    expected_version(if_match, division.version)
    before = audit.snapshot(division)
    division.name = data.name
    try:
        await session.flush()
    except StaleDataError:
        raise PreconditionFailed() from None
    await session.refresh(division)
    await audit.record(session, p, "division.rename", "division", division.code, before=before,
                       after=audit.snapshot(division))
    return division


async def import_tree(session: AsyncSession, p: Principal, filename: str, data: bytes, *,
                      dry_run: bool) -> dict[str, Any]:
    require(p, DIVISIONS, DivisionAction.import_tree, detail="Only the county organisation department imports divisions")
    if p.division_level != DivisionLevel.county.value:
        raise Unprocessable("The tree is imported by a county", code="unknown_county")
    return await importer.run(session, p, filename, data, dry_run=dry_run)
