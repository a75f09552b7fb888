"""The rules of the discipline-case register: cases in scope (the person's name and the notes only
for the discipline committees), filing and editing a case, and the yearly counts with the change on
the year before, aggregated in SQL. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Numeric, case, cast, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cunzhi.discipline.models import DisciplineCase
from cunzhi.discipline.permissions import CASES, CaseAction, case_actions, register_actions
from cunzhi.discipline.schemas import (
    DisciplineCaseCreate,
    DisciplineCasePatch,
    DisciplineCaseStats,
    DisciplineYearCount,
)
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, events
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import may, require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import county_prefix, village_clause
from cunzhi.villages.models import Village

ENTITY = "discipline_case"
PRIVATE = ("person_name", "notes")  # never in the outbox (webhooks) nor in the audit log's clear text
MAX_YEARS = 50
Township = aliased(Division)


def field_error(loc: str, msg: str, code: str) -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", loc], "msg": msg, "type": "value_error"}])


# ---- reading ------------------------------------------------------------------------------------

def _query() -> Any:
    return (select(DisciplineCase, Village.code, Village.name, Village.township_code, Township.name)
            .join(Village, Village.id == DisciplineCase.village_id)
            .join(Township, Township.code == Village.township_code))


@dataclass(frozen=True)
class CaseView:
    """A case as `p` may read it: the person's name and the notes are None unless `p` reads names."""

    case: DisciplineCase
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    person_name: str | None
    notes: str | None
    names_visible: bool
    allowed_actions: list[str]


def _view(row: Any, p: Principal) -> CaseView:
    c: DisciplineCase = row[0]
    names = may(p, CASES, CaseAction.read_names)
    return CaseView(c, row[1], row[2], row[3], row[4], person_name=c.person_name if names else None,
                    notes=c.notes if names else None, names_visible=names, allowed_actions=case_actions(p))


@dataclass
class CaseFilter:
    year: int | None = None
    township_code: str | None = None
    village_code: str | None = None
    violation: str | None = None
    outcome: str | None = None
    filed_from: date | None = None  # filed on or after this day
    filed_to: date | None = None  # filed on or before this day


async def _check_filter(session: AsyncSession, p: Principal, f: CaseFilter) -> None:
    """A township or village named in a filter must be in scope: 404 otherwise (as for a read);
    the days filed between must not be the wrong way round (422)."""
    if f.filed_from is not None and f.filed_to is not None and f.filed_from > f.filed_to:
        raise Unprocessable("filed_from is after filed_to", code="date_range_invalid", errors=[
            {"loc": ["query", "filed_from"], "msg": "after filed_to", "type": "value_error"}])
    if f.village_code:
        found = (await session.execute(select(Village.id).where(
            Village.code == f.village_code, village_clause(p)))).scalar_one_or_none()
        if found is None:
            raise NotFound(f"Village {f.village_code} not found", code="village_not_found")
    if f.township_code:
        found = (await session.execute(select(Village.id).where(
            Village.township_code == f.township_code, village_clause(p)).limit(1))).scalar_one_or_none()
        if found is None:
            raise NotFound(f"Township {f.township_code} not found", code="township_not_found")


def _where(p: Principal, f: CaseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [village_clause(p)]
    if f.year is not None:
        where.append(cast(func.extract("year", DisciplineCase.filed_on), Integer) == f.year)
    if f.township_code:
        where.append(Village.township_code == f.township_code)
    if f.village_code:
        where.append(Village.code == f.village_code)
    if f.violation:
        where.append(DisciplineCase.violation == f.violation)
    if f.outcome:
        where.append(DisciplineCase.outcome == f.outcome)
    if f.filed_from is not None:
        where.append(DisciplineCase.filed_on >= f.filed_from)
    if f.filed_to is not None:
        where.append(DisciplineCase.filed_on <= f.filed_to)
    return where


async def list_cases(session: AsyncSession, p: Principal, f: CaseFilter, *, limit: int,
                     offset: int) -> tuple[list[CaseView], int, list[str]]:
    """A page of cases, the count of all that match and what `p` may do with the register."""
    require(p, CASES, CaseAction.read, what="read the discipline-case register")
    await _check_filter(session, p, f)
    where = _where(p, f)
    total = (await session.execute(select(func.count()).select_from(DisciplineCase)
                                   .join(Village, Village.id == DisciplineCase.village_id).where(*where))).scalar_one()
    rows = (await session.execute(_query().where(*where).order_by(DisciplineCase.filed_on.desc(),
                                                                  DisciplineCase.id.desc())
                                  .limit(limit).offset(offset))).all()
    return [_view(r, p) for r in rows], int(total), register_actions(p)


async def get_case(session: AsyncSession, p: Principal, case_id: int) -> CaseView:
    require(p, CASES, CaseAction.read, what="read the discipline-case register")
    row = (await session.execute(_query().where(DisciplineCase.id == case_id, village_clause(p)))).first()
    if row is None:
        raise NotFound("Case not found", code="case_not_found")
    return _view(row, p)


# ---- yearly counts ------------------------------------------------------------------------------

async def stats(session: AsyncSession, p: Principal, f: CaseFilter, *, from_year: int | None,
                to_year: int | None) -> DisciplineCaseStats:
    """Cases per year of filing in `p`'s scope (narrowed by the filter), every year from `from_year`
    (default: the first year with a case, else `to_year`) to `to_year` (default: this year on the
    county's calendar), each with the year before's count, the change and the change in percent.

    One statement: a series of years from the year before `from_year` left-joined to the counts,
    `lag()` for the year before, and the percentage as PostgreSQL numeric: round(100 * change /
    previous, 1), half away from zero (-37.5 stays -37.5; 1 on 3 is 33.3, 2 on 3 is 66.7)."""
    require(p, CASES, CaseAction.read, what="read the discipline-case register")
    await _check_filter(session, p, f)
    hi = to_year if to_year is not None else clock.local_today().year
    if from_year is not None and from_year > hi:
        raise Unprocessable("from_year is after to_year", code="year_range_invalid", errors=[
            {"loc": ["query", "from_year"], "msg": "after to_year", "type": "value_error"}])
    year = cast(func.extract("year", DisciplineCase.filed_on), Integer)
    counts = (select(year.label("y"), func.count().label("n")).select_from(DisciplineCase)
              .join(Village, Village.id == DisciplineCase.village_id)
              .where(*_where(p, CaseFilter(township_code=f.township_code, village_code=f.village_code,
                                           violation=f.violation)))
              .group_by(year).cte("counts"))
    last = literal(hi, Integer)
    first_year = select(func.min(counts.c.y)).where(counts.c.y <= last).scalar_subquery()
    lo = func.least(func.coalesce(literal(from_year, Integer), first_year, last), last)
    lo = func.greatest(lo, literal(hi - MAX_YEARS + 1, Integer))
    series = select(func.generate_series(cast(lo - 1, Integer), last).label("y")).cte("years")
    n = func.coalesce(counts.c.n, 0)
    per_year = (select(series.c.y, n.label("cases"), func.lag(n).over(order_by=series.c.y).label("previous"))
                .select_from(series.outerjoin(counts, counts.c.y == series.c.y))).subquery()
    change = per_year.c.cases - per_year.c.previous
    percent = case((per_year.c.previous > 0,
                    func.round(cast(change, Numeric) * literal(Decimal(100), Numeric) / per_year.c.previous, 1)),
                   else_=None)
    rows = (await session.execute(select(per_year.c.y, per_year.c.cases, per_year.c.previous, change, percent)
                                  .where(per_year.c.previous.is_not(None)).order_by(per_year.c.y))).all()
    years = [DisciplineYearCount(year=y, cases=int(c), previous_year_cases=int(prev), change=int(d),
                       change_percent=None if pct is None else f"{Decimal(pct):.1f}")
             for y, c, prev, d, pct in rows]
    county = county_prefix(p) if p.division_level == "county" else None
    return DisciplineCaseStats(county_code=county, township_code=f.township_code or (
        p.division_code if p.division_level == "township" else None), village_code=f.village_code,
        violation=f.violation, from_year=years[0].year if years else hi, to_year=hi, years=years)


# ---- writing ------------------------------------------------------------------------------------

async def _village(session: AsyncSession, p: Principal, code: str) -> Village:
    """The village a case names: unknown and out of scope answer alike (422, nothing leaks)."""
    v = (await session.execute(select(Village).where(Village.code == code, village_clause(p)))).scalar_one_or_none()
    if v is None:
        raise field_error("village_code", "no such village in your area", "unknown_village")
    return v


def _check_filed_on(day: Any) -> None:
    if day > clock.local_today():
        raise field_error("filed_on", "the date is in the future", "filed_on_future")


def _trail(c: DisciplineCase) -> dict[str, Any]:
    """The case for the audit log: the private fields only as whether they are set."""
    snap = audit.snapshot(c)
    for key in PRIVATE:
        snap[key] = "[withheld]" if snap.get(key) else None
    return snap


def _payload(c: DisciplineCase, v: Village) -> dict[str, Any]:
    """What the outbox hands on (webhooks to the township's systems): no name, no notes."""
    return {"village_id": v.id, "village_code": v.code, "case_id": c.id, "case_number": c.case_number,
            "filed_on": c.filed_on, "person_role": c.person_role, "violation": c.violation, "outcome": c.outcome}


async def _save(session: AsyncSession, c: DisciplineCase) -> None:
    try:
        async with session.begin_nested():
            session.add(c)
            await session.flush()
    except IntegrityError as exc:
        if "uq_discipline_cases_number" in str(exc.orig):
            raise Conflict(f"The county already has a case {c.case_number}", code="case_number_taken",
                           errors=[{"loc": ["body", "case_number"], "msg": "already used in the county",
                                    "type": "value_error"}]) from None
        raise


async def create_case(session: AsyncSession, p: Principal, data: DisciplineCaseCreate) -> CaseView:
    require(p, CASES, CaseAction.create, what="file discipline cases")
    v = await _village(session, p, data.village_code)
    _check_filed_on(data.filed_on)
    c = DisciplineCase(county_code=v.county_code, village_id=v.id, case_number=data.case_number,
                       filed_on=data.filed_on, person_role=data.person_role.value, person_name=data.person_name,
                       violation=data.violation.value, outcome=data.outcome.value, notes=data.notes,
                       created_by=p.name, updated_by=p.name)
    await _save(session, c)
    await events.emit(session, p, "discipline_case.create", ENTITY, c.id, after=_trail(c), payload=_payload(c, v))
    return await get_case(session, p, c.id)


_REQUIRED = ("case_number", "filed_on", "village_code", "person_role", "person_name", "violation", "outcome")


async def update_case(session: AsyncSession, p: Principal, case_id: int, data: DisciplineCasePatch,
                      if_match: str | None) -> CaseView:
    c = (await session.execute(select(DisciplineCase).join(Village, Village.id == DisciplineCase.village_id)
                               .where(DisciplineCase.id == case_id, village_clause(p))
                               .with_for_update(of=DisciplineCase))).scalar_one_or_none()
    if c is None:
        raise NotFound("Case not found", code="case_not_found")
    require(p, CASES, CaseAction.edit, what="edit discipline cases")
    expected_version(if_match, c.version)
    changes = {k: getattr(data, k) for k in data.model_fields_set}
    for key in _REQUIRED:
        if key in changes and changes[key] is None:
            raise field_error(key, "may not be null", "validation_error")
    v = (await session.execute(select(Village).where(Village.id == c.village_id))).scalar_one()
    if "village_code" in changes and changes["village_code"] != v.code:
        v = await _village(session, p, changes["village_code"])
        if v.county_code != c.county_code:
            raise field_error("village_code", "the village is in another county", "unknown_village")
    if "filed_on" in changes and changes["filed_on"] != c.filed_on:
        _check_filed_on(changes["filed_on"])
    before = _trail(c)
    private_changed = [k for k in PRIVATE if k in changes and changes[k] != getattr(c, k)]
    c.village_id = v.id
    for key, value in changes.items():
        if key != "village_code":
            setattr(c, key, value.value if hasattr(value, "value") else value)
    c.updated_by = p.name
    await _save(session, c)
    await events.emit(session, p, "discipline_case.edit", ENTITY, c.id, before=before,
                      after={**_trail(c), "private_changed": private_changed}, payload=_payload(c, v))
    return await get_case(session, p, c.id)
