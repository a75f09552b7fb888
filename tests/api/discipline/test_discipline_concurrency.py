"""Two filings of one case number at the same instant: one is filed, the other is 409
`case_number_taken` (the county's unique case numbers hold under a race, never a 500).

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county).
The test holds the village's row lock (the inserts' foreign-key check waits for it) until both
requests wait, then lets them go together."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

COUNTY, TOWNSHIP, VILLAGE = "239995000000", "239995100000", "239995100201"



@pytest.fixture(scope="module")
async def own_db(own_database) -> AsyncIterator[tuple[AsyncEngine, int]]:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import User
    from cunzhi.divisions.models import Division
    from cunzhi.villages.models import Village

    eng = await own_database("cunzhi_discipline_race", pool_size=6)
    async with async_sessionmaker(eng, expire_on_commit=False)() as s, s.begin():
        s.add(Division(code=COUNTY, name="竞态县", level="county"))
        await s.flush()
        s.add(Division(code=TOWNSHIP, name="竞态镇", level="township", parent_code=COUNTY))
        await s.flush()
        village = Village(code=VILLAGE, name="竞态村", township_code=TOWNSHIP, county_code=COUNTY, status="weak")
        s.add(village)
        s.add(User(username="race_inspector", password_hash="x", display_name="竞态镇纪委",
                   role="discipline_inspector", division_code=TOWNSHIP))
        await s.flush()
        village_id = village.id
    yield eng, village_id


@pytest.fixture(scope="module")
async def race(own_db) -> AsyncIterator[tuple[list[httpx.AsyncClient], dict[str, str]]]:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import User
    from cunzhi.db import SESSION_SCOPES
    from cunzhi.kit.security import create_access_token
    from cunzhi.main import create_app

    eng, _ = own_db
    maker = async_sessionmaker(eng, expire_on_commit=False, autoflush=False)

    async def real_session() -> AsyncIterator[AsyncSession]:
        async with maker() as session, session.begin():
            yield session

    app = create_app()
    for scope in SESSION_SCOPES:
        app.dependency_overrides[scope] = real_session
    app.state.engine_getter = lambda: eng
    async with maker() as s:
        uid = (await s.execute(select(User.id).where(User.username == "race_inspector"))).scalar_one()
    token, _ = create_access_token(f"user:{uid}")
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(f"10.9.3.{i}", 40000)),
                                 base_url="http://testserver") for i in (1, 2)]
    yield clients, {"Authorization": f"Bearer {token}"}
    for c in clients:
        await c.aclose()


def _body(name: str) -> dict[str, str]:
    return {"case_number": "竞纪案〔2025〕1号", "filed_on": "2025-04-01", "village_code": VILLAGE,
            "person_role": "village_head", "person_name": name, "violation": "bribery"}


async def test_two_filings_of_one_case_number(race, own_db) -> None:  # type: ignore[no-untyped-def]
    from cunzhi.discipline.models import DisciplineCase
    from cunzhi.kit.events import OutboxEvent

    (a, b), h = race
    eng, village_id = own_db
    async with eng.connect() as conn:
        await conn.execute(text("SELECT 1 FROM villages WHERE id = :i FOR UPDATE"), {"i": village_id})
        calls = [asyncio.ensure_future(a.post("/api/v1/discipline/cases", headers=h, json=_body("甲"))),
                 asyncio.ensure_future(b.post("/api/v1/discipline/cases", headers=h, json=_body("乙")))]
        waiting = 0
        for _ in range(500):
            waiting = (await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar_one()
            if waiting >= 2:
                break
            await asyncio.sleep(0.01)
        assert waiting >= 2, "the filings never met at the village"
        await conn.commit()
    first, second = await asyncio.gather(*calls)
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "case_number_taken"
    async with async_sessionmaker(eng)() as s:
        assert (await s.execute(select(func.count()).select_from(DisciplineCase))).scalar_one() == 1
        events = (await s.execute(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.entity == "discipline_case"))).scalar_one()
        assert events == 1  # the refused filing left no event
