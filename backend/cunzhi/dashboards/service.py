"""Dashboard panels: aggregates computed by PostgreSQL, never by loading rows into Python.

Every statement is built once per shape (kit.prepared: whose scope, whether a township is chosen)
and runs on the read path (ReaderDep: the replica when CUNZHI_DATABASE_READ_URL is set). The scope
is kit.scope's `village_clause`, so a township official sees its township, a partner unit the
villages it is paired with today, a village account its village.

Each panel answers figures and, for each figure, a drill-down: the path and query of the list that
returns the rows behind it (an existing list endpoint with its own filters where one exists, else
`GET /api/v1/dashboards/rows?figure=...`, whose filters are exactly the figure's).

Extension points (marked EXTENSION below): further panels add themselves to `PANELS` (with an export
sheet in export.py) and their to-do items to `TODO_SOURCES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)

from cunzhi.cadres.models import Cadre, Checkin, CheckinReview, Posting, PresenceMonth, WorkLog
from cunzhi.config import get_settings
from cunzhi.discipline.models import DisciplineCase
from cunzhi.discipline.permissions import CASES, CaseAction
from cunzhi.disclosures.models import Correction, Publication, RoundVillage
from cunzhi.disclosures.models import Review as DisclosureReview
from cunzhi.disclosures.models import Round as DisclosureRound
from cunzhi.disclosures.models import RoundVillage as DisclosureVillage
from cunzhi.divisions.models import Division
from cunzhi.funds import scope as funds_scope
from cunzhi.funds.models import Budget, BudgetLine, Claim
from cunzhi.kit import clock
from cunzhi.kit.codes import Role
from cunzhi.kit.errors import NotFound, Unprocessable
from cunzhi.kit.permissions import require
from cunzhi.kit.prepared import Compiled, Reader, Statements
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import spans_counties, village_clause, village_clause_key
from cunzhi.partners import coverage
from cunzhi.partners.models import Pairing, PartnerUnit
from cunzhi.rectification.models import Case, Measure, Round, RoundTownship, ScoreSheet
from cunzhi.tasks.models import Task, TaskItem, TaskVillageCategorySummary, TaskVillageSummary
from cunzhi.tasks.rules import PENDING as TASKS_PENDING
from cunzhi.tasks.rules import Category
from cunzhi.villages.models import Village

_STATEMENTS = Statements()
API = "/api/v1"
# Fewer villages with tasks than this (or fewer accepted villages than THIN_ACCEPTED) and the
# task-load panel says its comparison is thin.
THIN_VILLAGES = 10
THIN_ACCEPTED = 3
TREND_MONTHS = 12
OPEN_CASES = ("open", "rectifying", "submitted")
LISTED = coverage.LISTED  # villages that need partner units and cadres
WAITING_STEPS = {  # claim step -> the status it waits in (and needs_approval, when it matters)
    "sign": ("submitted", None),
    "approve": ("committee_signed", True),
    "pay_direct": ("committee_signed", False),
    "pay": ("township_approved", None),
}
LOAD_BUCKETS = ("0", "1-2", "3-5", "6-10", "11+")
CATEGORY_ORDER = {c.value: i for i, c in enumerate(Category)}  # the kinds of tasks as domain.md lists them
DISCLOSURE_MONTHS = 12  # the compliance trend: the chosen month and the 11 before it
DISCIPLINE_YEARS = 5  # cases per year: the chosen month's year and the 4 before it


# ---- the period and the filter ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    month: str
    first: date
    last: date
    asof: date  # the month's last day, or today within the current month
    end_at: datetime  # the moment the month ends (the county's midnight), for timestamps

    @property
    def year(self) -> int:
        return self.first.year


def period(month: str | None) -> Period:
    today = clock.local_today()
    if month is None:
        month = f"{today.year:04d}-{today.month:02d}"
    try:
        year_s, _, month_s = month.partition("-")
        first = date(int(year_s), int(month_s), 1)
        if len(month) != 7 or not (2000 <= first.year <= 2100):
            raise ValueError(month)
    except ValueError:
        raise Unprocessable("month must be YYYY-MM", code="validation_error", errors=[
            {"loc": ["query", "month"], "msg": "must be YYYY-MM", "type": "value_error"}]) from None
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return Period(month, first, last, max(min(last, today), first - timedelta(days=1)),
                  datetime.combine(nxt, time(0), tzinfo=clock.zone()))


def _month_ends(p: Period, months: int) -> list[datetime]:
    out, y, m = [], p.first.year, p.first.month
    for _ in range(months):
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        out.append(datetime.combine(nxt, time(0), tzinfo=clock.zone()))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _isum(col: Any) -> Any:
    """A sum of counts as an integer (PostgreSQL sums bigints as numeric)."""
    return cast(func.coalesce(func.sum(col), 0), Integer)


def _one_of(col: Any, values: Any) -> ColumnElement[bool]:
    """`col` equal to one of these constants (written out, so the statement compiles once: kit.prepared
    cannot expand an IN list)."""
    return or_(*(col == v for v in values))


def _where(p: Principal, township: bool) -> list[ColumnElement[bool]]:
    """The scope over `Village`, and the chosen township (bound as `township_code`)."""
    where = [village_clause(p)]
    if township:
        where.append(Village.township_code == bindparam("township_code", type_=String))
    return where


def _key(name: str, p: Principal, township: str | None, *extra: object) -> tuple[object, ...]:
    return (name, village_clause_key(p), township is not None, *extra)


def _statement(p: Principal, key: tuple[object, ...], build: Callable[[], Any]) -> Compiled:
    """The statement of shape `key` (which holds `p`'s scope), planned each time over many counties."""
    return _STATEMENTS.get(key, build, plan_each_time=spans_counties(p))


async def _fetch(reader: Reader, p: Principal, key: tuple[object, ...], build: Callable[[], Any],
                 values: Mapping[str, Any]) -> list[Any]:
    return await reader.fetch(_statement(p, key, build), values)


async def _fetch_sets(reader: Reader, p: Principal, key: tuple[object, ...], builds: Mapping[str, Callable[[], Any]],
                      values: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Several row sets of one panel in one statement (one round trip): each set's rows as a JSON
    array built by PostgreSQL, in the set's own order. A JSON
    number with a fraction comes back as a Decimal (money is never a float), a timestamp as its ISO text."""

    def build() -> Any:
        cols = []
        for name, make in builds.items():
            sub = make().subquery(f"{name}_set")  # an alias no column of the set is named after
            # as text: a session's connection decodes json itself, the read pool's does not
            agg = cast(func.coalesce(func.json_agg(sub.table_valued()), literal_column("'[]'::json")), Text)
            cols.append(select(agg).select_from(sub).scalar_subquery().label(name))
        return select(*cols)

    row = await reader.fetchrow(_statement(p, key, build), values)
    assert row is not None
    return {name: json.loads(row[name], parse_float=Decimal) for name in builds}


async def check_township(reader: Reader, p: Principal, township: str | None) -> None:
    """404 for a township none of whose villages `p` sees (existence does not leak)."""
    if township is None:
        return
    found = await reader.fetchval(_statement(p, _key("township", p, township), lambda: select(
        exists().where(*_where(p, True)))), {"township_code": township})
    if not found:
        raise NotFound(f"Township {township} not found", code="township_not_found")


def _link(path: str, **query: object) -> str:
    return _cached_link(path, tuple(query.items()))


@lru_cache(maxsize=8192)
def _cached_link(path: str, query: tuple[tuple[str, object], ...]) -> str:
    """A drill link, built once per path and query: a panel has dozens (urlencode is most of the
    Python a county panel spends besides the statement), and they repeat from request to request."""
    q = {k: ("true" if v is True else "false" if v is False else v) for k, v in query if v is not None}
    return f"{API}{path}" + (f"?{urlencode(q, doseq=True)}" if q else "")


def _rows_link(figure: str, township: str | None, **query: object) -> str:
    return _link("/dashboards/rows", figure=figure, township_code=township, **query)


def _d(r: Any) -> dict[str, Any]:
    return dict(r)


# ---- rectification ------------------------------------------------------------------------------


async def rectification(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    values = {"township_code": township} if township else {}

    def by_status() -> Any:
        return (select(Village.status, func.count().label("villages")).where(*_where(p, bool(township)))
                .group_by(Village.status).order_by(Village.status))

    def by_category() -> Any:
        cat = func.unnest(Village.problem_categories).table_valued("category").render_derived()
        return (select(cat.c.category, Village.status, func.count().label("villages"))
                .select_from(Village).join(cat, true())
                .where(*_where(p, bool(township)), Village.status != "normal")
                .group_by(cat.c.category, Village.status).order_by(cat.c.category, Village.status))

    def trend() -> Any:
        months = (func.unnest(bindparam("ends", type_=ARRAY(DateTime(timezone=True))),
                              bindparam("labels", type_=ARRAY(String)))
                  .table_valued("month_end", "month").render_derived(name="m"))
        ends = months.c.month_end
        cases = (select(Case.opened_at, Case.accepted_at).join(Village, Village.id == Case.village_id)
                 .where(*_where(p, bool(township))).subquery("c"))
        return (select(months.c.month,
                       func.count(cases.c.opened_at).filter(cases.c.opened_at < ends).label("listed"),
                       func.count(cases.c.accepted_at).filter(cases.c.accepted_at < ends).label("accepted"))
                .select_from(months).outerjoin(cases, true()).group_by(ends, months.c.month).order_by(ends))

    ends = _month_ends(per, TREND_MONTHS)
    labels = [f"{m.year:04d}-{m.month:02d}" for m in ((e.astimezone(clock.zone()) - timedelta(days=1)).date()
                                                      for e in ends)]
    sets = await _fetch_sets(reader, p, _key("rectification", p, township),
                             {"by_status": by_status, "by_category": by_category, "trend": trend},
                             {**values, "ends": ends, "labels": labels})
    status_rows, cat_rows = sets["by_status"], sets["by_category"]
    cases_link = _link("/rectification-cases", township_code=township)
    months = [{**r, "open": r["listed"] - r["accepted"], "drill": cases_link} for r in sets["trend"]]
    return {
        "month": per.month, "township_code": township,
        "by_status": [{**r, "drill": _link("/villages", township_code=township, status=r["status"])}
                      for r in status_rows],
        "by_category": [{**r, "drill": _link("/villages", township_code=township, status=r["status"],
                                                 category=r["category"])} for r in cat_rows],
        "trend": months,
    }


# ---- pairing coverage ---------------------------------------------------------------------------


_active_pairings = coverage.active_pairings
_village_units = coverage.village_units


def _unit_load(p: Principal, township: bool) -> Any:
    """Partner units with a pairing today in scope, with all their pairings today and capacity."""
    day = bindparam("day", type_=Date)
    in_scope = select(Pairing.partner_unit_id).join(Village, Village.id == Pairing.village_id).where(
        _active_pairings(day), *_where(p, township))
    load = (select(func.count()).where(Pairing.partner_unit_id == PartnerUnit.id, _active_pairings(day))
            .correlate(PartnerUnit).scalar_subquery())
    return select(PartnerUnit.id, PartnerUnit.code, PartnerUnit.name, PartnerUnit.capacity,
                  load.label("villages")).where(PartnerUnit.id.in_(in_scope))


async def pairing(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    values: dict[str, Any] = {"day": per.asof, "default_units": get_settings().units_per_village}
    if township:
        values["township_code"] = township

    def villages() -> Any:
        units, required = _village_units()
        inner = (select(Village.township_code, Village.status, units, required)
                 .where(*_where(p, bool(township)), _one_of(Village.status, [*LISTED, "accepted"])).subquery())
        listed = _one_of(inner.c.status, LISTED)
        return (select(inner.c.township_code, Division.name.label("township_name"),
                       func.count().filter(listed).label("listed"),
                       func.count().filter(listed & (inner.c.units >= inner.c.required)).label("covered"),
                       func.count().filter(listed & (inner.c.units < inner.c.required)).label("below_required"),
                       cast(func.coalesce(func.sum(func.greatest(inner.c.required - inner.c.units, 0))
                                          .filter(listed), 0), Integer).label("missing_units"),
                       func.count().filter((inner.c.status == "accepted") & (inner.c.units > 0))
                       .label("accepted_holding"))
                .join(Division, Division.code == inner.c.township_code)
                .group_by(inner.c.township_code, Division.name).order_by(inner.c.township_code))

    def units() -> Any:
        u = _unit_load(p, bool(township)).subquery()
        return select(func.count().label("units_paired"),
                      func.count().filter(u.c.villages > u.c.capacity).label("over_capacity"),
                      _isum(u.c.villages).label("pairings"))

    sets = await _fetch_sets(reader, p, _key("pairing", p, township), {"villages": villages, "units": units}, values)
    rows, urow = sets["villages"], sets["units"][0]
    totals = {k: sum(int(r[k]) for r in rows) for k in
              ("listed", "covered", "below_required", "missing_units", "accepted_holding")}
    return {
        "month": per.month, "as_of": per.asof, "township_code": township,
        "totals": {**totals, **urow},
        "by_township": rows,
        "drill": {
            "below_required": _link("/villages", township_code=township, pairing="short_of_units", pairing_on=per.asof),
            "over_capacity": _rows_link("units_over_capacity", township, month=per.month),
            "accepted_holding": _link("/villages", township_code=township, pairing="accepted_holding",
                                      pairing_on=per.asof),
            "pairings": _link("/pairings", current=True),
        },
    }


# ---- cadre presence -----------------------------------------------------------------------------


def _presence(p: Principal, township: bool) -> Any:
    """One row per cadre and village of the month: posted days up to `asof`, days present that count,
    flagged check-ins by review state, and the days required of this cadre (capped by posted days)."""
    first, last, asof = (bindparam("first", type_=Date), bindparam("last", type_=Date),
                         bindparam("asof", type_=Date))
    scoped = select(Village.id).where(*_where(p, township))
    one = literal_column("1", Integer)
    span = (func.least(func.coalesce(Posting.end_date, asof), asof) - func.greatest(Posting.start_date, first)
            + one)
    posted = (select(Posting.cadre_id, Posting.village_id,
                     func.sum(func.greatest(span, 0)).label("posted_days"))
              .where(Posting.village_id.in_(scoped), Posting.start_date <= last,
                     or_(Posting.end_date.is_(None), and_(Posting.end_date >= first,
                                                          Posting.end_date >= Posting.start_date)))
              .group_by(Posting.cadre_id, Posting.village_id).subquery("posted"))
    # The month's check-ins as cadre_presence_months keeps them (triggers, same transaction): one
    # row per cadre and village instead of a month of check-ins. A cadre checks in once a day per
    # village, so its check-ins that count are its days present.
    pm = PresenceMonth
    seen = (select(pm.cadre_id, pm.village_id, pm.days, pm.flagged_pending, pm.flagged_accepted,
                   pm.flagged_rejected)
            .where(pm.village_id.in_(scoped), pm.month == first,
                   pm.days + pm.flagged_pending + pm.flagged_rejected > 0)
            .subquery("seen"))
    cadre_id = func.coalesce(posted.c.cadre_id, seen.c.cadre_id)
    village_id = func.coalesce(posted.c.village_id, seen.c.village_id)
    posted_days = func.coalesce(posted.c.posted_days, 0)
    days = func.coalesce(seen.c.days, 0)
    required = func.least(bindparam("required", type_=Integer), posted_days)
    return select(
        cadre_id.label("cadre_id"), village_id.label("village_id"), posted_days.label("posted_days"),
        days.label("days"), required.label("required"), (days < required).label("below"),
        func.coalesce(seen.c.flagged_pending, 0).label("flagged_pending"),
        func.coalesce(seen.c.flagged_accepted, 0).label("flagged_accepted"),
        func.coalesce(seen.c.flagged_rejected, 0).label("flagged_rejected"),
    ).select_from(posted.join(seen, and_(posted.c.cadre_id == seen.c.cadre_id,
                                         posted.c.village_id == seen.c.village_id), full=True))


def _presence_values(per: Period, township: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {"first": per.first, "last": per.last, "asof": per.asof,
                              "required": get_settings().cadre_required_days}
    if township:
        values["township_code"] = township
    return values


async def cadres(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    values = _presence_values(per, township)

    def build() -> Any:
        pr = _presence(p, bool(township)).subquery()
        return (select(Village.township_code, Division.name.label("township_name"),
                       func.count().label("cadres"),
                       func.count().filter(pr.c.posted_days > 0).label("posted"),
                       _isum(pr.c.days).label("days"),
                       _isum(pr.c.posted_days).label("posted_days"),
                       func.count().filter(pr.c.below).label("below_required"),
                       _isum(pr.c.flagged_pending).label("flagged_pending"),
                       _isum(pr.c.flagged_accepted).label("flagged_accepted"),
                       _isum(pr.c.flagged_rejected).label("flagged_rejected"))
                .join(Village, Village.id == pr.c.village_id)
                .join(Division, Division.code == Village.township_code)
                .group_by(Village.township_code, Division.name).order_by(Village.township_code))

    rows = await _fetch(reader, p, _key("cadres", p, township), build, values)
    keys = ("cadres", "posted", "days", "posted_days", "below_required", "flagged_pending", "flagged_accepted",
            "flagged_rejected")
    totals = {k: sum(int(r[k]) for r in rows) for k in keys}
    return {
        "month": per.month, "as_of": per.asof, "township_code": township,
        "required_days": values["required"], "totals": totals,
        "by_township": [_d(r) for r in rows],
        "drill": {
            "attendance": _link("/cadres/attendance", month=per.month, township_code=township),
            "below_required": _rows_link("cadres_below_required", township, month=per.month),
            "flagged": _link("/cadres/checkins", flagged=True, township_code=township, date_from=per.first,
                             date_to=per.last),
            "flagged_pending": _link("/cadres/checkins", flagged=True, reviewed=False, township_code=township,
                                     date_from=per.first, date_to=per.last),
        },
    }


# ---- task load beside the rectification outcome -------------------------------------------------


def _village_tasks(p: Principal, township: bool) -> Any:
    """Every village in scope with its tasks given by the month's end and those completed by then."""
    # task_village_summaries holds each village's tasks now (triggers, same transaction): one row per
    # village instead of every task of the scope (500,000 at province scale). For a past month, the
    # tasks created or completed since its end are taken away again (ix_tasks_created_at and
    # ix_tasks_done_at find them; none for the current month).
    end_at = bindparam("end_at", type_=DateTime(timezone=True))
    created_after = Task.created_at >= end_at
    completed_now = _one_of(Task.status, ("done", "accepted")) & Task.done_at.is_not(None)
    completed_later = completed_now & (created_after | (Task.done_at >= end_at))
    # on time: completed on or before the due day in the county's calendar, as the summary counts it
    on_time = cast(func.timezone(func.task_summaries_zone(), Task.done_at), Date) <= Task.due_date
    later = (select(Task.village_id, func.count().filter(created_after).label("tasks"),
                    func.count().filter(completed_later).label("completed"),
                    func.count().filter(completed_later & on_time).label("on_time"),
                    func.count().filter(created_after & (Task.status == "overdue")).label("overdue"))
             .where(Task.village_id.in_(select(Village.id).where(*_where(p, township))),
                    or_(Task.created_at >= end_at, Task.done_at >= end_at))
             .group_by(Task.village_id).subquery("later"))
    s = TaskVillageSummary
    zero = literal_column("0", Integer)

    def net(now: Any, after: Any) -> Any:
        return func.coalesce(now, zero) - func.coalesce(after, zero)

    return (select(Village.id, Village.code, Village.name, Village.township_code, Village.status,
                   net(s.tasks, later.c.tasks).label("tasks"),
                   net(s.completed, later.c.completed).label("completed"),
                   net(s.on_time, later.c.on_time).label("on_time"),
                   net(s.overdue, later.c.overdue).label("overdue"))
            .select_from(Village).outerjoin(s, s.village_id == Village.id)
            .outerjoin(later, later.c.village_id == Village.id)
            .where(*_where(p, township)))


def _village_category_tasks(p: Principal, township: bool, category: bool) -> Any:
    """Each village in scope with tasks of a kind (the category of their catalogue item): its tasks of
    that kind given by the month's end and those completed by then, as `_village_tasks` counts them.
    With `category`, only that kind's (bound as `category`)."""
    # task_village_category_summaries (triggers, migration 0340) holds them now; a past month takes
    # away the tasks created or completed since its end, as above. Every (village, category) that has
    # such tasks has a summary row (they exist now), so the summary's rows are the ones to correct.
    end_at = bindparam("end_at", type_=DateTime(timezone=True))
    created_after = Task.created_at >= end_at
    completed_now = _one_of(Task.status, ("done", "accepted")) & Task.done_at.is_not(None)
    completed_later = completed_now & (created_after | (Task.done_at >= end_at))
    on_time = cast(func.timezone(func.task_summaries_zone(), Task.done_at), Date) <= Task.due_date
    s = TaskVillageCategorySummary
    later_where = [Task.village_id.in_(select(Village.id).where(*_where(p, township))),
                   or_(Task.created_at >= end_at, Task.done_at >= end_at)]
    where = [*_where(p, township)]
    if category:
        later_where.append(TaskItem.category == bindparam("category", type_=String))
        where.append(s.category == bindparam("category", type_=String))
    later = (select(Task.village_id, TaskItem.category, func.count().filter(created_after).label("tasks"),
                    func.count().filter(completed_later).label("completed"),
                    func.count().filter(completed_later & on_time).label("on_time"),
                    func.count().filter(created_after & (Task.status == "overdue")).label("overdue"))
             .join(TaskItem, TaskItem.id == Task.item_id).where(*later_where)
             .group_by(Task.village_id, TaskItem.category).subquery("later_by_category"))
    zero = literal_column("0", Integer)

    def net(now: Any, after: Any) -> Any:
        return now - func.coalesce(after, zero)

    inner = (select(Village.id, Village.code, Village.name, Village.township_code, Village.status, s.category,
                    net(s.tasks, later.c.tasks).label("tasks"),
                    net(s.completed, later.c.completed).label("completed"),
                    net(s.on_time, later.c.on_time).label("on_time"),
                    net(s.overdue, later.c.overdue).label("overdue"))
             .select_from(s).join(Village, Village.id == s.village_id)
             .outerjoin(later, and_(later.c.village_id == s.village_id, later.c.category == s.category))
             .where(*where)).subquery("by_category")
    return select(inner).where(inner.c.tasks > 0)


def _bucket(col: Any) -> Any:
    return case((col == 0, "0"), (col <= 2, "1-2"), (col <= 5, "3-5"), (col <= 10, "6-10"), else_="11+")


async def tasks(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    values: dict[str, Any] = {"end_at": per.end_at}
    if township:
        values["township_code"] = township

    def groups() -> Any:
        vt = _village_tasks(p, bool(township)).subquery()
        bucket = _bucket(vt.c.tasks)
        return (select(vt.c.status, bucket.label("load"), func.count().label("villages"),
                       _isum(vt.c.tasks).label("tasks"),
                       _isum(vt.c.completed).label("completed"),
                       _isum(vt.c.on_time).label("on_time"),
                       _isum(vt.c.overdue).label("overdue"))
                .group_by(vt.c.status, bucket).order_by(vt.c.status, bucket))

    def by_category() -> Any:
        vc = _village_category_tasks(p, bool(township), False).subquery()
        return (select(vc.c.category, vc.c.status, func.count().label("villages"),
                       _isum(vc.c.tasks).label("tasks"),
                       _isum(vc.c.completed).label("completed"),
                       _isum(vc.c.on_time).label("on_time"),
                       _isum(vc.c.overdue).label("overdue"))
                .group_by(vc.c.category, vc.c.status).order_by(vc.c.category, vc.c.status))

    sets = await _fetch_sets(reader, p, _key("tasks", p, township), {"groups": groups, "by_category": by_category},
                             values)
    rows = sets["groups"]
    by_status: dict[str, dict[str, int]] = {}
    for r in rows:
        s = by_status.setdefault(r["status"], {"villages": 0, "with_tasks": 0, "tasks": 0, "completed": 0,
                                               "on_time": 0, "overdue": 0})
        s["villages"] += r["villages"]
        s["with_tasks"] += r["villages"] if r["load"] != "0" else 0
        for k in ("tasks", "completed", "on_time", "overdue"):
            s[k] += int(r[k])
    with_tasks = sum(s["with_tasks"] for s in by_status.values())
    accepted = by_status.get("accepted", {}).get("with_tasks", 0)
    thin = with_tasks < THIN_VILLAGES or accepted < THIN_ACCEPTED
    return {
        "month": per.month, "township_code": township,
        "groups": [{**_d(r), "drill": _rows_link("task_load", township, month=per.month, status=r["status"],
                                                 load=r["load"])} for r in rows],
        "by_status": [{"status": k, **v, "drill": _link("/villages", township_code=township, status=k)}
                      for k, v in sorted(by_status.items())],
        "by_category": [{**r, "drill": _rows_link("task_load", township, month=per.month, status=r["status"],
                                                  category=r["category"])}
                        for r in sorted(sets["by_category"], key=lambda r: (CATEGORY_ORDER[r["category"]],
                                                                             r["status"]))],
        "villages_with_tasks": with_tasks,
        "caveat": {"thin": thin, "villages_with_tasks": with_tasks, "accepted_with_tasks": accepted,
                   "min_villages": THIN_VILLAGES, "min_accepted": THIN_ACCEPTED},
        "drill": {"villages": _rows_link("task_load", township, month=per.month),
                  "tasks": _link("/tasks", township_code=township)},
    }


# ---- budget execution and waiting claims --------------------------------------------------------


def _claim_waits(p: Principal, township: bool) -> Any:
    """Claims waiting at a step, since they entered it (their trail), and whether too long."""
    # Looked up in the trail per claim it was 150-330 ms at province scale.
    since = funds_scope.in_status_since()
    step = case((Claim.status == "submitted", "sign"), (Claim.status == "township_approved", "pay"),
                (Claim.needs_approval, "approve"), else_="pay_direct")
    where = [*funds_scope.claims_visible(p), _one_of(Claim.status, ("submitted", "committee_signed", "township_approved"))]
    if township:
        where.append(Claim.village_id.in_(select(Village.id).where(*_where(p, True))))
    return (select(Claim.id, Claim.village_id, Claim.amount, Claim.status, Claim.needs_approval,
                   step.label("step"), since.label("since"))
            .select_from(Claim).where(*where))


async def funds(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    wait_days = get_settings().claim_wait_days
    values: dict[str, Any] = {"year": per.year, "cutoff": clock.now() - timedelta(days=wait_days)}
    if township:
        values["township_code"] = township

    def lines() -> Any:
        return (select(BudgetLine.category, func.count().label("lines"),
                       func.sum(BudgetLine.planned).label("planned"), func.sum(BudgetLine.approved).label("approved"),
                       func.sum(BudgetLine.committed).label("committed"), func.sum(BudgetLine.paid).label("paid"))
                .join(Budget, Budget.id == BudgetLine.budget_id).join(Village, Village.id == BudgetLine.village_id)
                .where(*_where(p, bool(township)), Budget.year == bindparam("year", type_=Integer),
                       _one_of(Budget.status, ("approved", "closed")))
                .group_by(BudgetLine.category).order_by(BudgetLine.category))

    def waits() -> Any:
        w = _claim_waits(p, bool(township)).subquery()
        cutoff = bindparam("cutoff", type_=DateTime(timezone=True))
        return (select(w.c.step, func.count().label("waiting"), func.sum(w.c.amount).label("amount"),
                       func.count().filter(w.c.since < cutoff).label("too_long"),
                       func.min(w.c.since).label("oldest_since"))
                .group_by(w.c.step).order_by(w.c.step))

    sets = await _fetch_sets(reader, p, _key("funds", p, township), {"lines": lines, "waits": waits}, values)
    line_rows = sets["lines"]
    by_step = {r["step"]: {**r, "oldest_since": datetime.fromisoformat(r["oldest_since"])}
               for r in sets["waits"]}
    steps = []
    for name, (status, needs) in WAITING_STEPS.items():
        r = by_step.get(name)
        steps.append({
            "step": name, "status": status, "waiting": r["waiting"] if r else 0,
            "amount": r["amount"] if r else "0.00", "too_long": r["too_long"] if r else 0,
            "oldest_since": r["oldest_since"] if r else None,
            "drill": _link("/funds/claims", status=status, needs_approval=needs, township_code=township),
            "drill_too_long": _link("/funds/claims", status=status, needs_approval=needs, township_code=township,
                                    waiting_over_days=wait_days),
        })
    return {
        "month": per.month, "year": per.year, "township_code": township, "wait_days": wait_days,
        "by_category": [{**r, "drill": _link("/funds/budgets", year=per.year)} for r in line_rows],
        "claims_waiting": steps,
    }


# ---- disclosure compliance per township and month -----------------------------------------------


def _ym(year: Any, month: Any) -> Any:
    return year * 12 + month


async def disclosures(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    """Each township's round of each month (the chosen month and the 11 before): its villages by
    state (pending, published, passed, failed), how many were late, and the corrections of locked months
    recorded in it."""
    to_ym = per.first.year * 12 + per.first.month
    values: dict[str, Any] = {"from_ym": to_ym - DISCLOSURE_MONTHS + 1, "to_ym": to_ym}
    if township:
        values["township_code"] = township

    def build() -> Any:
        r, rv = DisclosureRound, DisclosureVillage
        ym = _ym(r.year, r.month)
        return (select(r.year, r.month, Village.township_code, Division.name.label("township_name"),
                       r.id.label("round_id"), func.count().label("villages"),
                       *[func.count().filter(rv.status == s).label(s)
                         for s in ("pending", "published", "passed", "failed")],
                       func.count().filter(rv.late).label("late"),
                       _isum(select(func.count()).where(Correction.round_id == rv.round_id,
                                                        Correction.village_id == rv.village_id)
                             .correlate(rv).scalar_subquery()).label("corrections"))
                .select_from(rv).join(r, r.id == rv.round_id).join(Village, Village.id == rv.village_id)
                .join(Division, Division.code == Village.township_code)
                .where(*_where(p, bool(township)), ym >= bindparam("from_ym", type_=Integer),
                       ym <= bindparam("to_ym", type_=Integer))
                .group_by(r.year, r.month, Village.township_code, Division.name, r.id)
                .order_by(r.year, r.month, Village.township_code))

    rows = await _fetch(reader, p, _key("disclosures", p, township), build, values)
    keys = ("villages", "pending", "published", "passed", "failed", "late", "corrections")
    by_month: dict[str, dict[str, Any]] = {}
    by_township = []
    for r in rows:
        month = f"{r['year']:04d}-{r['month']:02d}"
        m = by_month.setdefault(month, {"month": month, **dict.fromkeys(keys, 0),
                                        "drill": _rows_link("disclosure_villages", township, month=month)})
        for k in keys:
            m[k] += r[k]
        if month == per.month:
            t = r["township_code"]
            by_township.append({
                "township_code": t, "township_name": r["township_name"], "round_id": r["round_id"],
                **{k: r[k] for k in keys},
                "drill": _rows_link("disclosure_villages", t, month=month),
                "drill_late": _rows_link("disclosure_villages", t, month=month, late=True),
                "drill_failed": _rows_link("disclosure_villages", t, month=month, disclosure_status="failed"),
                "drill_pending": _rows_link("disclosure_villages", t, month=month, disclosure_status="pending"),
            })
    totals = {k: sum(int(t[k]) for t in by_township) for k in keys}
    return {
        "month": per.month, "township_code": township, "totals": totals, "by_township": by_township,
        "trend": [by_month[k] for k in sorted(by_month)],
        "drill": {"villages": _rows_link("disclosure_villages", township, month=per.month),
                  "late": _rows_link("disclosure_villages", township, month=per.month, late=True),
                  "rounds": _link("/disclosures/rounds", township_code=township, year=per.year,
                                  month=per.first.month)},
    }


# ---- discipline cases per year ------------------------------------------------------------------


def _same_day(day: date, year: int) -> date:
    """`day`'s month and day in `year` (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


async def discipline(reader: Reader, p: Principal, township: str | None, per: Period) -> dict[str, Any]:
    """Discipline cases filed per year (the chosen month's year and the 4 before, each with its change
    on the year before), and the year so far by violation and outcome. Counts only: names stay in the
    register. The chosen year counts from 1 January to the month's end (today within the current
    month) and its change compares the same days of the year before; the earlier years are whole."""
    require(p, CASES, CaseAction.read, what="read the discipline-case register")
    # One year more than is shown, so the first year shown has its change on the year before too.
    first_year = per.year - DISCIPLINE_YEARS + 1
    asof = per.asof
    values: dict[str, Any] = {"from_day": date(first_year - 1, 1, 1), "asof": asof,
                              "before_from": date(per.year - 1, 1, 1), "before_to": _same_day(asof, per.year - 1),
                              "year_from": date(per.year, 1, 1)}
    if township:
        values["township_code"] = township
    filed = DisciplineCase.filed_on
    year_of = cast(func.extract("year", filed), Integer)

    def day(name: str) -> Any:
        return bindparam(name, type_=Date)

    def build() -> Any:
        # One pass over the scope's cases of the six years: per year (the chosen one up to `asof`),
        # the year before's same days, and the year so far by violation and by outcome (grouping sets).
        so_far = filed >= day("year_from")
        return (select(year_of.label("year"), DisciplineCase.violation, DisciplineCase.outcome,
                       func.count().label("cases"), func.count().filter(so_far).label("so_far"),
                       func.count().filter(filed >= day("before_from"), filed <= day("before_to")).label("before"),
                       func.grouping(year_of, DisciplineCase.violation, DisciplineCase.outcome).label("g"))
                .select_from(DisciplineCase).join(Village, Village.id == DisciplineCase.village_id)
                .where(*_where(p, bool(township)), filed >= day("from_day"), filed <= day("asof"))
                .group_by(func.grouping_sets(year_of, DisciplineCase.violation, DisciplineCase.outcome)))

    rows = await _fetch(reader, p, _key("discipline", p, township), build, values)
    # grouping(year, violation, outcome): 3 = by year, 5 = by violation, 6 = by outcome (bits set
    # for the columns not grouped). The violation and outcome sets only count the year so far.
    year_rows = {r["year"]: int(r["cases"]) for r in rows if r["g"] == 3}
    before = sum(int(r["before"]) for r in rows if r["g"] == 3)
    violations = sorted((r for r in rows if r["g"] == 5 and r["so_far"]), key=lambda r: r["violation"])
    outcomes = sorted((r for r in rows if r["g"] == 6 and r["so_far"]), key=lambda r: r["outcome"])
    # The chosen year's links carry the days its figures counted, so the list's total is the figure.
    so_far = {"filed_from": date(per.year, 1, 1), "filed_to": asof, "township_code": township}
    years = []
    for y in range(first_year, per.year + 1):
        n = year_rows.get(y, 0)
        years.append({"year": y, "cases": n, "change": n - (before if y == per.year else year_rows.get(y - 1, 0)),
                      "drill": _link("/discipline/cases", **so_far) if y == per.year
                      else _link("/discipline/cases", year=y, township_code=township)})
    return {
        "month": per.month, "year": per.year, "township_code": township, "by_year": years,
        "cases": year_rows.get(per.year, 0),
        "by_violation": [{"violation": r["violation"], "cases": r["so_far"],
                          "drill": _link("/discipline/cases", **so_far, violation=r["violation"])}
                         for r in violations],
        "by_outcome": [{"outcome": r["outcome"], "cases": r["so_far"],
                        "drill": _link("/discipline/cases", **so_far, outcome=r["outcome"])}
                       for r in outcomes],
        "drill": {"cases": _link("/discipline/cases", **so_far)},
    }


# ---- the panels ---------------------------------------------------------------------------------

Panel = Callable[[Reader, Principal, str | None, Period], Any]
PANELS: dict[str, Panel] = {
    "rectification": rectification,
    "pairing": pairing,
    "cadres": cadres,
    "tasks": tasks,
    "funds": funds,
    "disclosures": disclosures,
    "discipline": discipline,
    # EXTENSION: a further panel is added here, with an export sheet in dashboards/export.py.
}


# ---- the rows behind a figure -------------------------------------------------------------------


def _page(stmt: Any, order: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    sub = stmt.subquery("rows")

    def count() -> Any:
        return select(func.count()).select_from(sub)

    def page() -> Any:
        return (select(sub).order_by(*[sub.c[o] for o in order])
                .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))

    return count, page


def _village_cols() -> list[Any]:
    return [Village.code.label("village_code"), Village.name.label("village_name"), Village.township_code,
            Village.status]


def _figure(figure: str, p: Principal, township: bool, status: bool, load: bool, step: bool,
            disclosure_status: bool = False, late: bool = False, category: bool = False) -> tuple[Any, Any]:
    if figure in ("villages_below_units", "accepted_holding"):
        units, required = _village_units()
        inner = select(*_village_cols(), units, required).where(*_where(p, township)).subquery()
        cond = (_one_of(inner.c.status, LISTED) & (inner.c.units < inner.c.required)) if figure == "villages_below_units" \
            else ((inner.c.status == "accepted") & (inner.c.units > 0))
        return select(inner).where(cond), ("village_code",)
    if figure == "units_over_capacity":
        u = _unit_load(p, township).subquery()
        return (select(u.c.code.label("unit_code"), u.c.name.label("unit_name"), u.c.capacity, u.c.villages)
                .where(u.c.villages > u.c.capacity), ("unit_code",))
    if figure == "cadres_below_required":
        pr = _presence(p, township).subquery()
        return (select(pr.c.cadre_id, Cadre.name.label("cadre_name"), *_village_cols(), pr.c.posted_days,
                       pr.c.days, pr.c.required)
                .join(Village, Village.id == pr.c.village_id).join(Cadre, Cadre.id == pr.c.cadre_id)
                .where(pr.c.below), ("village_code", "cadre_id"))
    if figure == "task_load":
        # With a category: that kind's tasks per village, only the villages that have some.
        vt = (_village_category_tasks(p, township, True) if category else _village_tasks(p, township)).subquery()
        where = []
        if status:
            where.append(vt.c.status == bindparam("status", type_=String))
        if load:
            where.append(_bucket(vt.c.tasks) == bindparam("load", type_=String))
        share = func.round(cast(vt.c.on_time, Numeric) / func.nullif(vt.c.completed, 0), 3)
        kind = [vt.c.category] if category else []
        return (select(vt.c.code.label("village_code"), vt.c.name.label("village_name"), vt.c.township_code,
                       vt.c.status, *kind, vt.c.tasks, vt.c.completed, vt.c.on_time, share.label("on_time_share"),
                       vt.c.overdue).where(*where), ("village_code",))
    if figure == "claims_waiting":
        w = _claim_waits(p, township).subquery()
        where = [w.c.since < bindparam("cutoff", type_=DateTime(timezone=True))]
        if step:
            where.append(w.c.step == bindparam("step", type_=String))
        return (select(w.c.id.label("claim_id"), *_village_cols()[:3], w.c.amount, w.c.status.label("claim_status"),
                       w.c.step, w.c.since).join(Village, Village.id == w.c.village_id).where(*where),
                ("since", "claim_id"))
    if figure == "disclosure_villages":
        r, rv = DisclosureRound, DisclosureVillage
        where = [*_where(p, township), r.year == bindparam("year", type_=Integer),
                 r.month == bindparam("month_no", type_=Integer)]
        if disclosure_status:
            where.append(rv.status == bindparam("disclosure_status", type_=String))
        if late:
            where.append(rv.late.is_(True))
        return (select(r.id.label("round_id"), *_village_cols()[:3], rv.status.label("disclosure_status"), rv.late,
                       rv.published_at, rv.fix_by)
                .select_from(rv).join(r, r.id == rv.round_id).join(Village, Village.id == rv.village_id)
                .where(*where), ("township_code", "village_code"))
    if figure == "measures_overdue":
        return (select(Measure.id.label("measure_id"), Measure.case_id, *_village_cols()[:3], Measure.description,
                       Measure.owner, Measure.deadline)
                .join(Case, Case.id == Measure.case_id).join(Village, Village.id == Case.village_id)
                .where(*_where(p, township), _one_of(Case.status, OPEN_CASES), Measure.done.is_(False),
                       Measure.deadline < bindparam("today", type_=Date)), ("deadline", "measure_id"))
    if figure == "scores_missing":
        return (select(Round.id.label("round_id"), Round.title.label("round_title"), *_village_cols()[:3])
                .join(RoundTownship, RoundTownship.round_id == Round.id)
                .join(Village, Village.township_code == RoundTownship.township_code)
                .where(*_where(p, township), _one_of(Round.status, ("open", "scoring")),
                       RoundTownship.proposed_at.is_(None),
                       ~exists().where(ScoreSheet.round_id == Round.id, ScoreSheet.village_id == Village.id)),
                ("round_id", "village_code"))
    if figure in DISCLOSURE_FIGURES:
        return _disclosure_figure(figure, p, township)
    if figure == "cases_to_hand_in":
        return (select(Case.id.label("case_id"), *_village_cols()[:3], Case.opened_at)
                .join(Village, Village.id == Case.village_id)
                .where(*_where(p, township), Case.status == "rectifying",
                       exists().where(Measure.case_id == Case.id),
                       ~exists().where(Measure.case_id == Case.id, Measure.done.is_(False))),
                ("case_id",))
    if figure in ("checkin_missing", "log_missing"):
        today = bindparam("today", type_=Date)
        done = exists().where(Checkin.cadre_id == Posting.cadre_id, Checkin.village_id == Posting.village_id,
                              Checkin.local_date == today) if figure == "checkin_missing" else \
            exists().where(WorkLog.cadre_id == Posting.cadre_id, WorkLog.village_id == Posting.village_id,
                           WorkLog.log_date == today)
        return (select(Posting.id.label("posting_id"), Posting.cadre_id, Cadre.name.label("cadre_name"),
                       *_village_cols()[:3])
                .join(Cadre, Cadre.id == Posting.cadre_id).join(Village, Village.id == Posting.village_id)
                .where(*_where(p, township), Cadre.user_id == bindparam("user_id", type_=Integer), Cadre.active,
                       Posting.start_date <= today, or_(Posting.end_date.is_(None), Posting.end_date >= today), ~done),
                ("posting_id",))
    raise KeyError(figure)


DISCLOSURE_FIGURES = ("disclosures_to_inspect", "disclosures_to_publish", "disclosures_to_review")


def _disclosure_figure(figure: str, p: Principal, township: bool) -> tuple[Any, Any]:
    """A village's disclosure of a month waiting on someone: the township's inspection (published, the
    month not locked), the village's publication (pending or failed, the month open), the supervision
    committee's review of what was published (no review of the latest publication yet)."""
    rv, r = RoundVillage, DisclosureRound
    where: list[Any] = [*_where(p, township)]
    if figure == "disclosures_to_inspect":
        where += [r.status != "locked", rv.status == "published"]
    elif figure == "disclosures_to_publish":
        where += [r.status == "open", _one_of(rv.status, ("pending", "failed"))]
    else:
        latest = (select(func.max(Publication.id)).where(Publication.round_village_id == rv.id)
                  .correlate(rv).scalar_subquery())
        where += [r.status != "locked", rv.status == "published",
                  ~exists().where(DisclosureReview.round_village_id == rv.id,
                                  DisclosureReview.stage == "after_publication",
                                  DisclosureReview.publication_id == latest)]
    return (select(r.id.label("round_id"), r.year, r.month, r.publish_by, *_village_cols()[:3],
                   rv.status.label("disclosure_status"), rv.late, rv.fix_by)
            .join(rv, rv.round_id == r.id).join(Village, Village.id == rv.village_id).where(*where),
            ("round_id", "village_code"))


FIGURES = ("villages_below_units", "accepted_holding", "units_over_capacity", "cadres_below_required", "task_load",
           "claims_waiting", "measures_overdue", "scores_missing", *DISCLOSURE_FIGURES, "cases_to_hand_in",
           "checkin_missing", "log_missing", "disclosure_villages")


def _figure_values(per: Period, township: str | None, status: str | None, load: str | None,
                   step: str | None, disclosure_status: str | None = None,
                   category: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        **_presence_values(per, township), "day": per.asof, "default_units": get_settings().units_per_village,
        "end_at": per.end_at, "cutoff": clock.now() - timedelta(days=get_settings().claim_wait_days),
        "today": clock.local_today(), "year": per.year, "month_no": per.first.month,
    }
    if disclosure_status:
        values["disclosure_status"] = disclosure_status
    if category:
        values["category"] = category
    if status:
        values["status"] = status
    if load:
        values["load"] = load
    if step:
        values["step"] = step
    return values


async def figure_rows(reader: Reader, p: Principal, figure: str, *, township: str | None, per: Period,
                      status: str | None, load: str | None, step: str | None, limit: int,
                      offset: int, disclosure_status: str | None = None,
                      late: bool = False, category: str | None = None) -> tuple[list[dict[str, Any]], int]:
    shape = (figure, village_clause_key(p), township is not None, status is not None, load is not None,
             step is not None, disclosure_status is not None, late, category is not None)
    built: dict[str, Any] = {}

    def stmts() -> tuple[Callable[[], Any], Callable[[], Any]]:
        if "pair" not in built:
            stmt, order = _figure(figure, p, township is not None, status is not None, load is not None,
                                  step is not None, disclosure_status is not None, late, category is not None)
            built["pair"] = _page(stmt, order)
        return built["pair"]

    c_count = _statement(p, ("rows_count", *shape), lambda: stmts()[0]())
    c_page = _statement(p, ("rows_page", *shape), lambda: stmts()[1]())
    values = {**_figure_values(per, township, status, load, step, disclosure_status, category),
              "user_id": _user_id(p)}
    total = await reader.fetchval(c_count, {k: v for k, v in values.items() if k in c_count.names})
    page_values = {**values, "limit": limit, "offset": offset}
    rows = await reader.fetch(c_page, {k: v for k, v in page_values.items() if k in c_page.names})
    return [_d(r) for r in rows], int(total)


def _user_id(p: Principal) -> int:
    """The caller's user id, for the figures of one's own work (0, matching no one, for a machine client)."""
    return p.id if p.kind == "user" else 0


# ---- to-do counts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TodoSource:
    key: str
    roles: frozenset[Role]
    count: Callable[[Principal], Any]  # a scalar subquery counting what the link lists
    link: Callable[[Principal], str]


def _claims_count(status: str, needs: bool | None) -> Callable[[Principal], Any]:
    def build(p: Principal) -> Any:
        where = [*funds_scope.claims_visible(p), Claim.status == status]
        if needs is not None:
            where.append(Claim.needs_approval.is_(needs))
        return select(func.count()).select_from(Claim).where(*where).scalar_subquery()
    return build


def _scoped_count(model: Any, *where: Any) -> Callable[[Principal], Any]:
    def build(p: Principal) -> Any:
        return (select(func.count()).select_from(model).join(Village, Village.id == model.village_id)
                .where(village_clause(p), *where).scalar_subquery())
    return build


def _figure_count(figure: str) -> Callable[[Principal], Any]:
    def build(p: Principal) -> Any:
        stmt, _ = _figure(figure, p, False, False, False, False)
        return select(func.count()).select_from(stmt.subquery()).scalar_subquery()
    return build


_R = Role
_COUNTY, _TOWNSHIP = frozenset({_R.county_admin}), frozenset({_R.township_official})
_JUDGES = frozenset({_R.county_admin, _R.township_official})
TODO_SOURCES: tuple[TodoSource, ...] = (
    TodoSource("claims_to_sign", frozenset({_R.supervision_committee}), _claims_count("submitted", None),
               lambda p: _link("/funds/claims", status="submitted")),
    TodoSource("claims_to_approve", _TOWNSHIP, _claims_count("committee_signed", True),
               lambda p: _link("/funds/claims", status="committee_signed", needs_approval=True)),
    TodoSource("claims_to_pay", frozenset({_R.township_agency}), _claims_count("township_approved", None),
               lambda p: _link("/funds/claims", status="township_approved")),
    TodoSource("claims_to_pay_direct", frozenset({_R.township_agency}), _claims_count("committee_signed", False),
               lambda p: _link("/funds/claims", status="committee_signed", needs_approval=False)),
    TodoSource("claim_drafts", frozenset({_R.village_committee}), _claims_count("draft", None),
               lambda p: _link("/funds/claims", status="draft")),
    TodoSource("budgets_to_approve", _TOWNSHIP, _scoped_count(Budget, Budget.status == "submitted"),
               lambda p: _link("/funds/budgets", status="submitted")),
    TodoSource("cases_to_accept", _COUNTY, _scoped_count(Case, Case.status == "submitted"),
               lambda p: _link("/rectification-cases", status="submitted")),
    TodoSource("scores_to_enter", _JUDGES, _figure_count("scores_missing"),
               lambda p: _link("/dashboards/rows", figure="scores_missing")),
    TodoSource("measures_overdue", frozenset({*_JUDGES, _R.village_committee, _R.cadre}), _figure_count("measures_overdue"),
               lambda p: _link("/dashboards/rows", figure="measures_overdue")),
    TodoSource("tasks_to_accept", _JUDGES, _scoped_count(Task, Task.status == "done"),
               lambda p: _link("/tasks", status="done")),
    TodoSource("tasks_overdue", frozenset({_R.village_committee, _R.cadre, _R.partner_unit}),
               _scoped_count(Task, Task.status == "overdue"), lambda p: _link("/tasks", status="overdue")),
    TodoSource("checkins_to_review", _JUDGES,
               _scoped_count(Checkin, func.cardinality(Checkin.flags) > 0,
                             ~exists().where(CheckinReview.checkin_id == Checkin.id)),
               lambda p: _link("/cadres/checkins", flagged=True, reviewed=False)),
    TodoSource("tasks_due", frozenset({_R.village_committee, _R.cadre, _R.partner_unit}),
               _scoped_count(Task, _one_of(Task.status, TASKS_PENDING),
                             Task.due_date >= bindparam("today", type_=Date),
                             Task.due_date <= bindparam("due_soon_to", type_=Date)),
               lambda p: _link("/tasks", pending=True, due_from=clock.local_today().isoformat(),
                               due_to=_due_soon_to().isoformat())),
    TodoSource("cases_to_hand_in", _TOWNSHIP, _figure_count("cases_to_hand_in"),
               lambda p: _link("/dashboards/rows", figure="cases_to_hand_in")),
    TodoSource("disclosures_to_inspect", frozenset({_R.township_official, _R.discipline_inspector}),
               _figure_count("disclosures_to_inspect"),
               lambda p: _link("/dashboards/rows", figure="disclosures_to_inspect")),
    TodoSource("disclosures_to_publish", frozenset({_R.village_committee}), _figure_count("disclosures_to_publish"),
               lambda p: _link("/dashboards/rows", figure="disclosures_to_publish")),
    TodoSource("disclosures_to_review", frozenset({_R.supervision_committee}),
               _figure_count("disclosures_to_review"),
               lambda p: _link("/dashboards/rows", figure="disclosures_to_review")),
    TodoSource("checkin_missing", frozenset({_R.cadre}), _figure_count("checkin_missing"),
               lambda p: _link("/dashboards/rows", figure="checkin_missing")),
    TodoSource("log_missing", frozenset({_R.cadre}), _figure_count("log_missing"),
               lambda p: _link("/dashboards/rows", figure="log_missing")),
    # EXTENSION: discipline cases to record are added by their domain as further TodoSource entries.
)


def _due_soon_to() -> date:
    """The last due day a task counts as due soon: CUNZHI_TASK_REMIND_DAYS from today, as the reminder job."""
    return clock.local_today() + timedelta(days=get_settings().task_remind_days)


async def todo(reader: Reader, p: Principal) -> list[dict[str, Any]]:
    sources = [s for s in TODO_SOURCES if p.role in s.roles]
    if not sources:
        return []
    stmt = _statement(p, ("todo", p.role, village_clause_key(p)), lambda: select(
        *[s.count(p).label(s.key) for s in sources]))
    values = {**_figure_values(period(None), None, None, None, None), "user_id": _user_id(p),
              "due_soon_to": _due_soon_to()}
    row = await reader.fetchrow(stmt, {k: v for k, v in values.items() if k in stmt.names})
    assert row is not None
    return [{"key": s.key, "count": row[s.key], "link": s.link(p)} for s in sources]

