"""Two confirmations at the same instant: one wins, the other gets 409 and writes nothing.

Real transactions that commit are needed, so this runs on a database of its own (migrated to
head, with a minimal county) rather than in the shared rolled-back test transaction. Each
request has its own session and connection; both are held at the county's lock until both
wait there, then released together.
"""

import asyncio

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

COUNTY, TOWNSHIP = "239998000000", "239998100000"
VILLAGES = {
    "239998100201": ["weak_economy"],
    "239998100202": ["poor_public_order", "many_petitions"],
    "239998100203": ["weak_branch"],
}
UNITS = {"PU-R1": ["economic"], "PU-R2": ["political_legal"], "PU-R3": ["party_mass"], "PU-R4": ["technical"]}


@pytest.fixture(scope="module")
async def county(race_county):  # type: ignore[no-untyped-def]
    from cunzhi.partners.models import PartnerUnit

    rc = await race_county("cunzhi_pair_race", county=COUNTY, township=TOWNSHIP,
                           villages={code: {"status": "weak", "problem_categories": cats} for code, cats in VILLAGES.items()},
                           users=[("race_admin", "county_admin", COUNTY, "县管理员")])
    async with rc.maker() as s, s.begin():
        for code, strengths in UNITS.items():
            s.add(PartnerUnit(code=code, name=f"单位{code}", county_code=COUNTY, strengths=strengths))
    return rc


@pytest.fixture(scope="module")
def own_db(county) -> AsyncEngine:  # type: ignore[no-untyped-def]
    return county.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def race(county) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    return county.clients(subnet="10.9.0"), county.headers("race_admin")


async def together(eng: AsyncEngine, *requests):  # type: ignore[no-untyped-def]
    """Hold the county's pairing lock until every request waits on it, then let them race."""
    async with eng.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(hashtext(:k))"), {"k": "cunzhi.pairings." + COUNTY})
        tasks = [asyncio.ensure_future(r) for r in requests]
        await until_waiting(conn, len(tasks), "the requests never met at the lock")
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
