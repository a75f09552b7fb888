"""The lock and an item added at the same instant: the round's row lock orders them, so an item is
either in the month before it was locked or refused with month_locked, never written after the lock.

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county).
The test holds the round's row lock until both requests wait for it, then lets them go together."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239997000000", "239997100000", "239997100201"
API = "/api/v1/disclosures"


@pytest.fixture(scope="module")
async def own_db(own_database) -> AsyncEngine:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import User
    from cunzhi.divisions.models import Division
    from cunzhi.villages.models import Village

    eng: AsyncEngine = await own_database("cunzhi_disclosure_race")
    async with async_sessionmaker(eng, expire_on_commit=False)() as s, s.begin():
        s.add(Division(code=COUNTY, name="竞态县", level="county"))
        await s.flush()
        s.add(Division(code=TOWNSHIP, name="竞态镇", level="township", parent_code=COUNTY))
        await s.flush()
        s.add(Village(code=VILLAGE, name="竞态村", township_code=TOWNSHIP, county_code=COUNTY, status="weak"))
        s.add(User(username="race_township", password_hash="x", display_name="乡镇干部", role="township_official",
                   division_code=TOWNSHIP))
    return eng


@pytest.fixture(scope="module")
async def race(own_db: AsyncEngine) -> AsyncIterator[tuple[list[httpx.AsyncClient], dict[str, str]]]:
    from cunzhi.auth.models import User
    from cunzhi.db import SESSION_SCOPES
    from cunzhi.kit.security import create_access_token
    from cunzhi.main import create_app

    maker = async_sessionmaker(own_db, expire_on_commit=False, autoflush=False)

    async def real_session() -> AsyncIterator[AsyncSession]:
        async with maker() as session, session.begin():
            yield session

    app = create_app()
    for scope in SESSION_SCOPES:
        app.dependency_overrides[scope] = real_session
    app.state.engine_getter = lambda: own_db
    async with maker() as s:
        uid = (await s.execute(select(User.id).where(User.username == "race_township"))).scalar_one()
    token, _ = create_access_token(f"user:{uid}")
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(f"10.9.3.{i}", 40000)),
                                 base_url="http://testserver") for i in (1, 2)]
    yield clients, {"Authorization": f"Bearer {token}"}
    for c in clients:
        await c.aclose()


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
            waiting = 0
            for _ in range(500):
                waiting = (await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar_one()
                if waiting >= 2:
                    break
                await asyncio.sleep(0.01)
            assert waiting >= 2, "the requests never met at the round's row"
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
