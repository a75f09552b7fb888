"""The lock and an item added at the same instant: the round's row lock orders them, so an item is
either in the month before it was locked or refused with month_locked, never written after the lock.

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county).
The test holds the round's row lock until both requests wait for it, then lets them go together."""

import asyncio
from datetime import date

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239997000000", "239997100000", "239997100201"
API = "/api/v1/disclosures"


@pytest.fixture(scope="module")
async def county(race_county):  # type: ignore[no-untyped-def]
    return await race_county("cunzhi_disclosure_race", county=COUNTY, township=TOWNSHIP,
                             villages={VILLAGE: {"status": "weak"}},
                             users=[("race_township", "township_official", TOWNSHIP, "乡镇干部")])


@pytest.fixture(scope="module")
def own_db(county) -> AsyncEngine:  # type: ignore[no-untyped-def]
    return county.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def race(county) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    return county.clients(subnet="10.9.3"), county.headers("race_township")


async def test_lock_and_an_item_at_the_same_instant(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    from cunzhi.disclosures.models import Item

    (a, b), h = race
    with clock.travel(date(2027, 3, 1)):
        made = await a.post(f"{API}/rounds", headers=h, json={"township_code": TOWNSHIP, "year": 2027, "month": 3,
                                                              "publish_by": "2027-03-05", "from_template": False})
        assert made.status_code == 201, made.text
    rid = made.json()["id"]
    with clock.travel(date(2027, 3, 6)):
        board = await a.get(f"{API}/rounds/{rid}", headers=h)
        assert board.status_code == 200, board.text
        before = len(board.json()["items"])  # the finance item is there from the start
        async with own_db.connect() as conn:
            await conn.execute(text("SELECT 1 FROM disclosure_rounds WHERE id = :i FOR UPDATE"), {"i": rid})
            calls = [asyncio.ensure_future(a.post(f"{API}/rounds/{rid}/lock",
                                                  headers={**h, "If-Match": board.headers["ETag"]})),
                     asyncio.ensure_future(b.post(f"{API}/rounds/{rid}/items", headers=h,
                                                  json={"section": "party", "title": "临时补充"}))]
            await until_waiting(conn, 2, "the requests never met at the round's row")
            await conn.commit()
        locked, added = await asyncio.gather(*calls)
    assert locked.status_code == 200, locked.text
    assert added.status_code in (201, 409), added.text
    async with async_sessionmaker(own_db)() as s:
        items = (await s.execute(select(func.count()).select_from(Item).where(Item.round_id == rid))).scalar_one()
    if added.status_code == 409:
        assert added.json()["code"] == "month_locked"
        assert items == before
    else:
        assert items == before + 1
    after = await a.get(f"{API}/rounds/{rid}", headers=h)
    assert after.json()["status"] == "locked"
