"""The lock and a village's write at the same instant: a publication, a committee review, a correction.

Each pair is fired together over two HTTP clients after both requests are made to wait on the round's
row (the test holds its lock until both wait, then lets them go), in either order. Afterwards either
the write landed before the lock, or it was refused with the lock's error (month_locked); nothing is
ever written into a locked month.

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county)."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from racing import meet_at_row
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239996000000", "239996100000", "239996100201"
API = "/api/v1/disclosures"
Clients = tuple[httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture(scope="module")
async def county(race_county):  # type: ignore[no-untyped-def]
    return await race_county("cunzhi_disclosure_lock_race", county=COUNTY, township=TOWNSHIP,
                             villages={VILLAGE: {"status": "weak"}}, names=("竞态二县", "竞态二镇", "竞态二村"),
                             users=[("lr_township", "township_official", TOWNSHIP, "乡镇干部"),
                                    ("lr_secretary", "village_committee", VILLAGE, "村书记"),
                                    ("lr_committee", "supervision_committee", VILLAGE, "监委会")])


@pytest.fixture(scope="module")
def own_db(county) -> AsyncEngine:  # type: ignore[no-untyped-def]
    return county.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def race(county) -> tuple[Clients, dict[str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    a, b = county.clients(subnet="10.9.4")
    return (a, b), {name.removeprefix("lr_"): county.headers(name) for name in county.users}


async def _round(c: httpx.AsyncClient, h: dict[str, str], year: int, month: int) -> int:
    """A round of the month, opened on its first day, publish-by the 5th (no template: party,
    village and finance items are added or made as needed)."""
    with clock.travel(date(year, month, 1)):
        made = await c.post(f"{API}/rounds", headers=h, json={"township_code": TOWNSHIP, "year": year, "month": month,
                                                              "publish_by": f"{year}-{month:02d}-05",
                                                              "from_template": False})
        assert made.status_code == 201, made.text
        rid: int = made.json()["id"]
        item = await c.post(f"{API}/rounds/{rid}/items", headers=h, json={"section": "village", "title": "村务事项"})
        assert item.status_code == 201, item.text
    return rid


async def _meet(own_db: AsyncEngine, rid: int,
                calls: list[Callable[[], Awaitable[httpx.Response]]]) -> list[httpx.Response]:
    return await meet_at_row(own_db, "disclosure_rounds", rid, calls, "the requests never met at the round's row")


async def _locked_at(own_db: AsyncEngine, rid: int) -> datetime | None:
    async with own_db.connect() as conn:
        row = (await conn.execute(text("SELECT status, locked_at FROM disclosure_rounds WHERE id = :i"),
                                  {"i": rid})).one()
    assert (row.status == "locked") == (row.locked_at is not None)
    return row.locked_at  # type: ignore[no-any-return]


async def _rows(own_db: AsyncEngine, sql: str, rid: int) -> list[Any]:
    async with own_db.connect() as conn:
        return list((await conn.execute(text(sql), {"i": rid})).all())


def _lock(c: httpx.AsyncClient, h: dict[str, str], rid: int, etag: str) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: c.post(f"{API}/rounds/{rid}/lock", headers={**h, "If-Match": etag})


@pytest.mark.parametrize("first", ["lock", "publish"])
async def test_lock_and_a_publication_at_the_same_instant(race, own_db: AsyncEngine, first: str) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    year, month = 2027, 3 if first == "lock" else 4
    rid = await _round(a, h["township"], year, month)
    with clock.travel(date(year, month, 6)):
        board = await a.get(f"{API}/rounds/{rid}", headers=h["township"])
        page = await b.get(f"{API}/rounds/{rid}/villages/{VILLAGE}", headers=h["secretary"])
        assert page.status_code == 200, page.text
        entries = [{"item_id": i["id"], "text": "本月村务：详见公开栏"} for i in page.json()["items"]
                   if i["section"] != "finance"]
        lock = _lock(a, h["township"], rid, board.headers["ETag"])

        def pub() -> Awaitable[httpx.Response]:
            return b.post(f"{API}/rounds/{rid}/villages/{VILLAGE}/publish", json={"entries": entries},
                          headers={**h["secretary"], "If-Match": page.headers["ETag"]})

        locked, published = await _meet(own_db, rid, [lock, pub]) if first == "lock" else \
            reversed(await _meet(own_db, rid, [pub, lock]))
    locked_at = await _locked_at(own_db, rid)
    pubs = await _rows(own_db, "SELECT published_at FROM disclosure_publications WHERE round_id = :i", rid)
    if published.status_code == 200:
        # The publication came first; it now waits for its inspection, so the lock is refused.
        assert locked.status_code == 409 and locked.json()["code"] == "round_not_inspected", locked.text
        assert locked_at is None and len(pubs) == 1
    else:
        assert published.status_code == 409 and published.json()["code"] == "month_locked", published.text
        assert locked.status_code == 200, locked.text
        assert locked_at is not None and pubs == []
    # Either way, both orders are possible and the one asked for first won the row.
    assert (published.status_code == 200) == (first == "publish")


@pytest.mark.parametrize("first", ["lock", "review"])
async def test_lock_and_a_committee_review_at_the_same_instant(race, own_db: AsyncEngine, first: str) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    year, month = 2027, 5 if first == "lock" else 6
    rid = await _round(a, h["township"], year, month)
    with clock.travel(date(year, month, 6)):
        board = await a.get(f"{API}/rounds/{rid}", headers=h["township"])
        lock = _lock(a, h["township"], rid, board.headers["ETag"])

        def rev() -> Awaitable[httpx.Response]:
            return b.post(f"{API}/rounds/{rid}/villages/{VILLAGE}/reviews", headers=h["committee"],
                          json={"opinion": "本月未见公开，已提醒村委会"})

        locked, reviewed = await _meet(own_db, rid, [lock, rev]) if first == "lock" else \
            reversed(await _meet(own_db, rid, [rev, lock]))
    assert locked.status_code == 200, locked.text
    locked_at = await _locked_at(own_db, rid)
    assert locked_at is not None
    reviews = await _rows(own_db, "SELECT r.reviewed_at FROM disclosure_reviews r JOIN disclosure_round_villages v "
                                  "ON v.id = r.round_village_id WHERE v.round_id = :i", rid)
    if reviewed.status_code == 201:
        assert len(reviews) == 1 and reviews[0].reviewed_at < locked_at
    else:
        assert reviewed.status_code == 409 and reviewed.json()["code"] == "month_locked", reviewed.text
        assert reviews == []
    assert (reviewed.status_code == 201) == (first == "review")


@pytest.mark.parametrize("first", ["lock", "correction"])
async def test_lock_and_a_correction_at_the_same_instant(race, own_db: AsyncEngine, first: str) -> None:  # type: ignore[no-untyped-def]
    """A correction of the locked month before, recorded in a month being locked."""
    (a, b), h = race
    year, before = 2028, 1 if first == "lock" else 3
    prev = await _round(a, h["township"], year, before)
    with clock.travel(date(year, before, 6)):
        board = await a.get(f"{API}/rounds/{prev}", headers=h["township"])
        done = await a.post(f"{API}/rounds/{prev}/lock", headers={**h["township"], "If-Match": board.headers["ETag"]})
        assert done.status_code == 200, done.text
    rid = await _round(a, h["township"], year, before + 1)
    with clock.travel(date(year, before + 1, 6)):
        board = await a.get(f"{API}/rounds/{rid}", headers=h["township"])
        lock = _lock(a, h["township"], rid, board.headers["ETag"])

        def correct() -> Awaitable[httpx.Response]:
            return b.post(f"{API}/rounds/{rid}/corrections", headers=h["township"], json={
                "village_code": VILLAGE, "reason": "上月公开漏列一笔支出", "text": "补充说明：上月支出一笔"})

        locked, corrected = await _meet(own_db, rid, [lock, correct]) if first == "lock" else \
            reversed(await _meet(own_db, rid, [correct, lock]))
    assert locked.status_code == 200, locked.text
    locked_at = await _locked_at(own_db, rid)
    assert locked_at is not None
    rows = await _rows(own_db, "SELECT recorded_at FROM disclosure_corrections WHERE round_id = :i", rid)
    if corrected.status_code == 201:
        assert len(rows) == 1 and rows[0].recorded_at < locked_at
    else:
        assert corrected.status_code == 409 and corrected.json()["code"] == "month_locked", corrected.text
        assert rows == []
    assert (corrected.status_code == 201) == (first == "correction")
