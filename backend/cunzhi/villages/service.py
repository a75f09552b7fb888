from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, any_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from cunzhi.config import get_settings
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, bulk, clock
from cunzhi.kit.codes import DivisionLevel, ProblemCategory, RectificationStatus
from cunzhi.kit.errors import Conflict, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import require
from cunzhi.kit.prepared import Reader, Statements
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village, village_clause, village_clause_key
from cunzhi.partners import coverage
from cunzhi.villages.models import Village
from cunzhi.villages.permissions import VILLAGES, VillageAction
from cunzhi.villages.schemas import VillageCreate, VillagePatch, VillageUpsert


class VillageSort(StrEnum):
    name = "name"
    name_desc = "-name"
    code = "code"
    code_desc = "-code"
    population = "population"
    population_desc = "-population"
    party_member_count = "party_member_count"
    party_member_count_desc = "-party_member_count"
    status = "status"


@dataclass(frozen=True)
class VillageView:
    """A village written just now, with its township's name."""

    village: Village
    township_name: str


# The columns of VillageOut, in its order: reads select exactly these (no entity loading) and the
# rows are serialised as they are, the database's constraints keeping them within the schema.
OUT_COLUMNS = (
    Village.code, Village.name, Village.township_code, Division.name.label("township_name"), Village.population,
    Village.households, Village.secretary_name, Village.party_member_count, Village.status,
    Village.problem_categories, Village.version, Village.lat, Village.lng,
)


_OUT_SELECT: Any = None


def _out_select() -> Any:
    # Built once: a Select is immutable, each .where() below makes a new one from it.
    global _OUT_SELECT
    if _OUT_SELECT is None:
        _OUT_SELECT = select(*OUT_COLUMNS).join(Division, Division.code == Village.township_code)
    return _OUT_SELECT


def _check_position(lat: float | None, lng: float | None) -> None:
    """A position is both coordinates or neither."""
    if (lat is None) != (lng is None):
        missing = "lng" if lng is None else "lat"
        raise Unprocessable("A position needs both lat and lng", code="incomplete_position", errors=[
            {"loc": ["body", missing], "msg": "give lat and lng together", "type": "value_error"}])


async def _township_name(session: AsyncSession, code: str) -> str:
    return (await session.execute(select(Division.name).where(Division.code == code))).scalar_one()


# The two most frequent reads of all, compiled once per shape (kit.prepared): the scope's key, which
# filters are set and the sort; the filter values, the page and the code are bound per request.
_STATEMENTS = Statements()


def _filter_values(township_code: str | None, status: RectificationStatus | None,
                   category: ProblemCategory | None, q: str | None) -> dict[str, Any]:
    """The bound values of the filters that are set (their names are the bindparams below)."""
    values: dict[str, Any] = {}
    if township_code:
        values["township_code"] = township_code
    if status:
        values["status"] = status.value
    if category:
        values["category"] = category.value
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values["q_contains"], values["q_prefix"] = f"%{escaped}%", f"{escaped}%"
    return values


def _filter_clauses(values: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if "township_code" in values:
        where.append(Village.township_code == bindparam("township_code", type_=String))
    if "status" in values:
        where.append(Village.status == bindparam("status", type_=String))
    if "category" in values:
        where.append(bindparam("category", type_=String) == any_(Village.problem_categories))
    if "q_contains" in values:
        # Name contains q, or code starts with it (q's wildcards escaped above).
        where.append(or_(Village.name.ilike(bindparam("q_contains", type_=String), escape="\\"),
                         Village.code.like(bindparam("q_prefix", type_=String), escape="\\")))
    return where


class PairingGap(StrEnum):
    """The pairing panel's gaps: listed villages short of partner units, accepted villages still holding some."""

    short_of_units = "short_of_units"
    accepted_holding = "accepted_holding"


def _gap_clauses(gap: PairingGap | None) -> list[ColumnElement[bool]]:
    if gap is None:
        return []
    return [coverage.short_of_units() if gap is PairingGap.short_of_units else coverage.accepted_holding()]


async def list_villages(
    reader: Reader, p: Principal, *, township_code: str | None, status: RectificationStatus | None,
    category: ProblemCategory | None, q: str | None, sort: VillageSort, limit: int, offset: int,
    pairing: PairingGap | None = None, pairing_on: date | None = None,
) -> tuple[list[Mapping[str, Any]], int]:
    """A page of villages in `p`'s scope as rows shaped like VillageOut, and the total. `pairing` keeps
    the villages of one of the pairing panel's gaps on `pairing_on` (default today), as the panel counts them."""
    values = _filter_values(township_code, status, category, q)
    if pairing:
        values |= {"day": pairing_on or clock.local_today(), "default_units": get_settings().units_per_village}
    shape = (village_clause_key(p), pairing, *sorted(values))

    def count() -> Any:
        return (select(func.count()).select_from(Village)
                .where(village_clause(p), *_filter_clauses(values), *_gap_clauses(pairing)))

    def page() -> Any:
        column = getattr(Village, sort.value.lstrip("-"))
        order = column.desc() if sort.value.startswith("-") else column.asc()
        return (_out_select().where(village_clause(p), *_filter_clauses(values), *_gap_clauses(pairing))
                .order_by(order, Village.code)
                .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))

    total = await reader.fetchval(_STATEMENTS.get(("count", *shape), count), values)
    rows = await reader.fetch(_STATEMENTS.get(("page", sort, *shape), page), {**values, "limit": limit, "offset": offset})
    return rows, int(total)  # asyncpg Records are mappings


async def get(reader: Reader, p: Principal, code: str) -> Mapping[str, Any]:
    """One village in `p`'s scope as a row shaped like VillageOut (404 outside it)."""
    # One round trip with the township's name.
    statement = _STATEMENTS.get(("one", village_clause_key(p)), lambda: _out_select().where(
        Village.code == bindparam("code", type_=String), village_clause(p)))
    row = await reader.fetchrow(statement, {"code": code})
    if row is None:
        raise NotFound(f"Village {code} not found", code="village_not_found")
    return row  # an asyncpg Record is a mapping


async def create(session: AsyncSession, p: Principal, data: VillageCreate) -> VillageView:
    require(p, VILLAGES, VillageAction.add, detail="Only the county organisation department adds villages")
    township = (await session.execute(select(Division).where(
        Division.code == data.township_code, Division.level == DivisionLevel.township.value))).scalar_one_or_none()
    if township is None or township.parent_code != p.division_code:
        raise Unprocessable("Unknown township in your county", code="unknown_township",
                            errors=[{"loc": ["body", "township_code"], "msg": "not a township of your county",
                                     "type": "value_error"}])
    return await _insert(session, p, data, township)


async def _insert(session: AsyncSession, p: Principal, data: VillageCreate, township: Division) -> VillageView:
    """Add a village to `township` (the caller's right to has been checked)."""
    _check_position(data.lat, data.lng)
    if data.code[:9] != data.township_code[:9]:
        raise Unprocessable("A village code starts with its township's first 9 digits", code="code_outside_township",
                            errors=[{"loc": ["body", "code"], "msg": "must start with the township code's first 9 digits",
                                     "type": "value_error"}])
    exists = (await session.execute(select(Village.id).where(Village.code == data.code))).scalar_one_or_none()
    if exists is not None:
        raise Conflict(f"Village {data.code} already exists", code="village_exists")
    village = Village(
        code=data.code, name=data.name, township_code=data.township_code, county_code=township.parent_code,
        population=data.population, households=data.households, secretary_name=data.secretary_name,
        party_member_count=data.party_member_count, status=RectificationStatus.normal.value,
        problem_categories=[c.value for c in data.problem_categories], lat=data.lat, lng=data.lng,
    )
    session.add(village)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"Village {data.code} already exists", code="village_exists") from None
    await audit.record(session, p, "village.create", "village", village.code, after=audit.snapshot(village))
    return VillageView(village, township.name)


async def update(session: AsyncSession, p: Principal, code: str, data: VillagePatch, if_match: str | None) -> VillageView:
    village = await get_village(session, p, code)
    require(p, VILLAGES, VillageAction.edit, detail="Your role may not edit villages")
    expected_version(if_match, village.version)
    return await _apply(session, p, village, data.model_dump(exclude_unset=True))


async def _apply(session: AsyncSession, p: Principal, village: Village, changes: dict[str, Any]) -> VillageView:
    """Change `village`'s facts (the caller's right to and the version have been checked)."""
    for field in ("name", "population", "households", "party_member_count"):
        if field in changes and changes[field] is None:
            raise Unprocessable(f"{field} cannot be empty", errors=[
                {"loc": ["body", field], "msg": "may not be null", "type": "value_error"}])
    if "lat" in changes or "lng" in changes:
        _check_position(changes.get("lat", village.lat), changes.get("lng", village.lng))
    before = audit.snapshot(village)
    for field, value in changes.items():
        setattr(village, field, value)
    try:
        await session.flush()
    except StaleDataError:
        # Someone committed between our read and our write: same answer as a stale If-Match.
        raise PreconditionFailed() from None
    await session.refresh(village)
    await audit.record(session, p, "village.update", "village", village.code, before=before,
                       after=audit.snapshot(village))
    return VillageView(village, await _township_name(session, village.township_code))


# ---- bulk upserts by township systems (kit/bulk.py) ------------------------------------------------


async def bulk_upsert(session: AsyncSession, p: Principal, items: list[VillageUpsert]) -> bulk.BulkReport:
    """Villages of the client's township by code: new codes are added, changed facts written, equal
    ones left alone. Status and problem categories are not upserted (screening and rectification)."""
    require(p, VILLAGES, VillageAction.sync, detail="Only township systems upsert villages in bulk")
    township_code = bulk.township_of(p)
    township = (await session.execute(select(Division).where(Division.code == township_code))).scalar_one()
    await bulk.lock_keys(session, "village", [i.code for i in items])

    async def apply(item: VillageUpsert) -> bulk.Applied:
        fields = item.model_dump(exclude_unset=True, exclude={"code"})
        if item.code[:9] != township_code[:9]:
            raise Unprocessable("A village code starts with its township's first 9 digits",
                                code="code_outside_township", errors=[
                                    {"loc": ["body", "code"], "msg": "must start with your township code's first 9 digits",
                                     "type": "value_error"}])
        village = (await session.execute(select(Village).where(Village.code == item.code, village_clause(p))
                                         .with_for_update())).scalar_one_or_none()
        if village is None:
            out = await _insert(session, p, VillageCreate(code=item.code, township_code=township_code, **fields),
                                township)
            return bulk.Outcome.created, out.village.code, out.village.version
        diff = bulk.changed(village, fields)
        if not diff:
            return bulk.Outcome.unchanged, village.code, village.version
        out = await _apply(session, p, village, diff)
        return bulk.Outcome.updated, out.village.code, out.village.version

    return await bulk.run(session, items, lambda i: i.code, apply)
