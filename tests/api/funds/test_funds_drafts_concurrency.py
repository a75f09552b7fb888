"""Two drafts on one budget line raised at the same instant, each to an amount that fits alone but not
together: one edit wins, the other is refused with budget_exceeded, and the line holds exactly the drafts'
sum. And two drafts moving between two lines in opposite directions at once both succeed (no deadlock).

Real commits are needed, so this runs on a database of its own (migrated to head, one village). The test
holds the line's row lock until both edits wait for it, then lets them go together."""

import asyncio
from decimal import Decimal

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cunzhi.kit.clock import local_today

API = "/api/v1/funds"
VILLAGE = "239995100201"


@pytest.fixture(scope="module")
async def county(race_county):  # type: ignore[no-untyped-def]
    rc = await race_county("cunzhi_draft_race", county="239995000000", township="239995100000",
                           villages={VILLAGE: {"population": 1, "households": 1, "party_member_count": 1}},
                           users=[("race_secretary", "village_committee", VILLAGE, "村书记")])
    async with rc.engine.begin() as conn:
        budget = (await conn.execute(text("INSERT INTO funds_budgets (village_id, year, status, note, version) "
                                          "VALUES (:v, :y, 'approved', '', 1) RETURNING id"),
                                     {"v": rc.villages[VILLAGE], "y": local_today().year})).scalar_one()
        for pos, purpose in enumerate(("道路", "办公")):
            await conn.execute(text(
                "INSERT INTO funds_budget_lines (budget_id, village_id, position, category, purpose, planned, approved)"
                " VALUES (:b, :v, :p, 'public_works', :u, 1000, 1000)"),
                {"b": budget, "v": rc.villages[VILLAGE], "p": pos, "u": purpose})
    return rc


@pytest.fixture(scope="module")
def own_db(county) -> AsyncEngine:  # type: ignore[no-untyped-def]
    return county.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def race(county) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    return county.clients(subnet="10.9.3"), county.headers("race_secretary")


async def _lines(eng: AsyncEngine) -> list[tuple[int, Decimal]]:
    async with eng.connect() as conn:
        return [(r[0], r[1]) for r in await conn.execute(
            text("SELECT id, committed FROM funds_budget_lines ORDER BY id"))]


async def _draft(client: httpx.AsyncClient, h: dict[str, str], line_id: int, amount: str) -> int:
    r = await client.post(f"{API}/villages/{VILLAGE}/claims", headers=h,
                          json={"line_id": line_id, "amount": amount, "purpose": "材料", "payee": "甲"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _together(eng: AsyncEngine, lock_sql: str, *calls):  # type: ignore[no-untyped-def]
    async with eng.connect() as conn:
        await conn.execute(text(lock_sql))
        futures = [asyncio.ensure_future(c) for c in calls]
        await until_waiting(conn, len(calls), "the edits never met at the line")
        await conn.commit()
    return await asyncio.gather(*futures)


async def _etag(client: httpx.AsyncClient, h: dict[str, str], claim_id: int) -> str:
    r = await client.get(f"{API}/claims/{claim_id}", headers=h)
    return r.headers["ETag"]


async def test_two_drafts_raised_at_once_never_pass_the_line(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    (road, _), _ = await _lines(own_db)
    first, second = await _draft(a, h, road, "100.00"), await _draft(a, h, road, "100.00")
    ea, eb = await _etag(a, h, first), await _etag(a, h, second)
    one, two = await _together(
        own_db, f"SELECT 1 FROM funds_budget_lines WHERE id = {road} FOR UPDATE",
        a.patch(f"{API}/claims/{first}", headers={**h, "If-Match": ea}, json={"amount": "600.00"}),
        b.patch(f"{API}/claims/{second}", headers={**h, "If-Match": eb}, json={"amount": "600.00"}))
    codes = sorted([one.status_code, two.status_code])
    assert codes == [200, 409], (one.text, two.text)
    loser = one if one.status_code == 409 else two
    assert loser.json()["code"] == "budget_exceeded"
    async with own_db.connect() as conn:
        held = (await conn.execute(text("SELECT sum(amount) FROM funds_claims WHERE line_id = :l AND status = 'draft'"),
                                   {"l": road})).scalar_one()
    assert held == Decimal("700.00")
    assert (await _lines(own_db))[0][1] == Decimal("700.00")


async def test_two_drafts_swapping_lines_at_once_both_move(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    (road, road_before), (office, office_before) = await _lines(own_db)
    on_road, on_office = await _draft(a, h, road, "10.00"), await _draft(a, h, office, "20.00")
    ea, eb = await _etag(a, h, on_road), await _etag(a, h, on_office)
    one, two = await _together(
        own_db, "SELECT 1 FROM funds_budget_lines FOR UPDATE",
        a.patch(f"{API}/claims/{on_road}", headers={**h, "If-Match": ea}, json={"line_id": office}),
        b.patch(f"{API}/claims/{on_office}", headers={**h, "If-Match": eb}, json={"line_id": road}))
    assert one.status_code == two.status_code == 200, (one.text, two.text)
    # road held 10 and office 20; now road holds the 20 and office the 10
    assert await _lines(own_db) == [(road, road_before + Decimal("20.00")), (office, office_before + Decimal("10.00"))]
