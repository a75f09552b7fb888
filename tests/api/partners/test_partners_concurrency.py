"""Two confirmations at the same instant: one wins, the other gets 409 and writes nothing.

Real transactions that commit are needed, so this runs on a database of its own (migrated to
head, with a minimal county) rather than in the shared rolled-back test transaction. Each
request has its own session and connection; both are held at the county's lock until both
wait there, then released together.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

COUNTY, TOWNSHIP = "239998000000", "239998100000"
VILLAGES = {
    "239998100201": ["weak_economy"],
    "239998100202": ["poor_public_order", "many_petitions"],
    "239998100203": ["weak_branch"],
}
UNITS = {"PU-R1": ["economic"], "PU-R2": ["political_legal"], "PU-R3": ["party_mass"], "PU-R4": ["technical"]}



@pytest.fixture(scope="module")
async def own_db(own_database) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import User
    from cunzhi.divisions.models import Division
    from cunzhi.partners.models import PartnerUnit
    from cunzhi.villages.models import Village

    eng = await own_database("cunzhi_pair_race", pool_size=6)
    async with async_sessionmaker(eng, expire_on_commit=False)() as s, s.begin():
        s.add(Division(code=COUNTY, name="竞态县", level="county"))
        await s.flush()
        s.add(Division(code=TOWNSHIP, name="竞态镇", level="township", parent_code=COUNTY))
        await s.flush()
        for i, (code, cats) in enumerate(VILLAGES.items()):
            s.add(Village(code=code, name=f"竞态{i}村", township_code=TOWNSHIP, county_code=COUNTY,
                          status="weak", problem_categories=cats))
        for code, strengths in UNITS.items():
            s.add(PartnerUnit(code=code, name=f"单位{code}", county_code=COUNTY, strengths=strengths))
        s.add(User(username="race_admin", password_hash="x", display_name="县管理员", role="county_admin",
                   division_code=COUNTY))
    yield eng


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
        uid = (await s.execute(select(User.id).where(User.username == "race_admin"))).scalar_one()
    token, _ = create_access_token(f"user:{uid}")
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(f"10.9.0.{i}", 40000)),
                                 base_url="http://testserver") for i in (1, 2)]
    yield clients, headers
    for c in clients:
        await c.aclose()


async def together(eng: AsyncEngine, *requests):  # type: ignore[no-untyped-def]
    """Hold the county's pairing lock until every request waits on it, then let them race."""
    async with eng.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(hashtext(:k))"), {"k": "cunzhi.pairings." + COUNTY})
        tasks = [asyncio.ensure_future(r) for r in requests]
        for _ in range(500):
            waiting = (await conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))).scalar_one()
            if waiting == len(tasks):
                break
            await asyncio.sleep(0.01)
        assert waiting == len(tasks), "the requests never met at the lock"
        await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": "cunzhi.pairings." + COUNTY})
        await conn.commit()
        return await asyncio.gather(*tasks)


async def _count_current(eng: AsyncEngine) -> int:
    from cunzhi.partners.models import Pairing

    async with async_sessionmaker(eng)() as s:
        return int((await s.execute(
            select(func.count()).select_from(Pairing).where(Pairing.ended_at.is_(None))
        )).scalar_one())


async def test_same_proposal_confirmed_twice_at_once(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    r = await a.post("/api/v1/pairing-proposals", json={}, headers=h)
    assert r.status_code == 201, r.text
    proposal = r.json()
    assert proposal["covered"] == 6
    url = f"/api/v1/pairing-proposals/{proposal['id']}/confirm"
    first, second = await together(own_db, a.post(url, headers=h), b.post(url, headers=h))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "proposal_not_open"
    assert await _count_current(own_db) == 6


async def test_two_proposals_of_one_county_confirmed_at_once(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    before = await _count_current(own_db)
    p1 = (await a.post("/api/v1/pairing-proposals",
                       json={"bans": [{"village_code": "239998100201", "partner_unit_id": 1}]}, headers=h)).json()
    p2 = (await b.post("/api/v1/pairing-proposals",
                       json={"bans": [{"village_code": "239998100202", "partner_unit_id": 2}]}, headers=h)).json()
    first, second = await together(
        own_db,
        a.post(f"/api/v1/pairing-proposals/{p1['id']}/confirm", headers=h),
        b.post(f"/api/v1/pairing-proposals/{p2['id']}/confirm", headers=h),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] in ("proposal_not_open", "proposal_stale")
    # the county still has exactly 2 units per village, never a mix of both proposals
    from cunzhi.partners.models import Pairing
    from cunzhi.villages.models import Village

    async with async_sessionmaker(own_db)() as s:
        rows = (await s.execute(
            select(Village.code, func.count()).join(Pairing, Pairing.village_id == Village.id)
            .where(Pairing.ended_at.is_(None)).group_by(Village.code)
        )).all()
    assert {code: n for code, n in rows} == dict.fromkeys(VILLAGES, 2)
    assert before == 6 and await _count_current(own_db) == 6
