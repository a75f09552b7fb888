"""The register's list filtered by the days filed between (filed_from, filed_to): both bounds
inclusive, with the other filters, in the caller's scope; days written otherwise or the wrong way
round refused (422)."""

from datetime import date, timedelta

import httpx
import pytest
from discipline_helpers import VILLAGE_T01, VILLAGE_T02
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.discipline.models import DisciplineCase
from cunzhi.kit import clock
from cunzhi.villages.models import Village

URL = "/api/v1/discipline/cases"


async def _recount(db: AsyncSession, first: date, last: date, township: str | None = None) -> int:
    stmt = (select(func.count()).select_from(DisciplineCase).join(Village, Village.id == DisciplineCase.village_id)
            .where(Village.county_code == "230199000000", DisciplineCase.filed_on >= first,
                   DisciplineCase.filed_on <= last))
    if township:
        stmt = stmt.where(Village.township_code == township)
    return int((await db.execute(stmt)).scalar_one())


async def _seed(new_case) -> tuple[date, date]:  # type: ignore[no-untyped-def]
    """Cases on the first and last day of a window, the days just outside it, in two townships."""
    first = date(clock.local_today().year - 1, 4, 10)
    last = first + timedelta(days=20)
    plan = [(first - timedelta(days=1), VILLAGE_T01, "bribery"), (first, VILLAGE_T01, "bribery"),
            (first + timedelta(days=5), VILLAGE_T02, "other"), (last, VILLAGE_T02, "bribery"),
            (last + timedelta(days=1), VILLAGE_T01, "bribery")]
    for n, (day, village, kind) in enumerate(plan):
        await new_case("inspector", case_number=f"W-{n}", filed_on=day.isoformat(), village_code=village,
                       violation=kind)
    return first, last


async def test_both_bounds_are_inclusive(client: httpx.AsyncClient, auth, new_case, db: AsyncSession) -> None:
    first, last = await _seed(new_case)
    h = await auth("inspector")
    r = await client.get(URL, params={"filed_from": first.isoformat(), "filed_to": last.isoformat(), "limit": 200},
                         headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["total"] == await _recount(db, first, last)
    mine = [c["case_number"] for c in got["items"] if c["case_number"].startswith("W-")]
    assert sorted(mine) == ["W-1", "W-2", "W-3"]
    assert all(first.isoformat() <= c["filed_on"] <= last.isoformat() for c in got["items"])
    # one day: both bounds the same
    one = (await client.get(URL, params={"filed_from": first.isoformat(), "filed_to": first.isoformat(),
                                         "limit": 200}, headers=h)).json()
    assert one["total"] == await _recount(db, first, first) and "W-1" in [c["case_number"] for c in one["items"]]
    # one bound only
    since = (await client.get(URL, params={"filed_from": last.isoformat(), "limit": 200}, headers=h)).json()
    assert {"W-3", "W-4"} <= {c["case_number"] for c in since["items"]}
    assert all(c["filed_on"] >= last.isoformat() for c in since["items"])
    until = (await client.get(URL, params={"filed_to": first.isoformat(), "limit": 200}, headers=h)).json()
    assert {"W-0", "W-1"} <= {c["case_number"] for c in until["items"]}
    assert all(c["filed_on"] <= first.isoformat() for c in until["items"])
    # with the other filters
    kinds = (await client.get(URL, params={"filed_from": first.isoformat(), "filed_to": last.isoformat(),
                                           "village_code": VILLAGE_T02, "violation": "bribery"}, headers=h)).json()
    assert [c["case_number"] for c in kinds["items"] if c["case_number"].startswith("W-")] == ["W-3"]
    pending = (await client.get(URL, params={"filed_from": first.isoformat(), "filed_to": last.isoformat(),
                                             "outcome": "pending", "limit": 200}, headers=h)).json()
    assert {c["outcome"] for c in pending["items"]} == {"pending"}
    assert {"W-1", "W-2", "W-3"} <= {c["case_number"] for c in pending["items"]}


async def test_a_township_sees_only_its_own_within_the_days(client: httpx.AsyncClient, auth, new_case,
                                                            db: AsyncSession) -> None:
    first, last = await _seed(new_case)
    h = await auth("inspector01")
    got = (await client.get(URL, params={"filed_from": first.isoformat(), "filed_to": last.isoformat(),
                                         "limit": 200}, headers=h)).json()
    assert {c["village"]["township_code"] for c in got["items"]} == {"230199100000"}
    assert got["total"] == await _recount(db, first, last, "230199100000")
    assert [c["case_number"] for c in got["items"] if c["case_number"].startswith("W-")] == ["W-1"]


@pytest.mark.parametrize("params", [
    {"filed_from": "2025-03-05T00:00:00"}, {"filed_to": "1700000000"}, {"filed_from": "2025-3-5"},
    {"filed_to": "2025-02-30"}, {"filed_from": "yesterday"},
])
async def test_a_day_written_otherwise_is_refused(client: httpx.AsyncClient, auth, params) -> None:  # type: ignore[no-untyped-def]
    r = await client.get(URL, params=params, headers=await auth("inspector"))
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    assert r.json()["errors"][0]["loc"] == ["query", next(iter(params))]


async def test_the_days_the_wrong_way_round_are_refused(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(URL, params={"filed_from": "2025-06-02", "filed_to": "2025-06-01"},
                         headers=await auth("inspector"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "date_range_invalid" and r.json()["errors"][0]["loc"] == ["query", "filed_from"]
