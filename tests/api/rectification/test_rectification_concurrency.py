"""Two writes racing on the same round: two confirmations (one wins, the other gets 409) and two
corrections of the same score sheet with the same ETag (one wins, the other gets 412).

This needs real transactions that commit, so it runs on a database of its own (migrated, with a
minimal county) instead of the shared, rolled-back test transaction. Both requests are held at
the round's row lock until both are waiting there, then released together.
"""

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

COUNTY, TOWNSHIP = "239999000000", "239999100000"
VILLAGES = ["239999100201", "239999100202", "239999100203"]



@pytest.fixture(scope="module")
async def rect_county(race_county):  # type: ignore[no-untyped-def]
    return await race_county("cunzhi_rect_race", county=COUNTY, township=TOWNSHIP, villages=VILLAGES, pool_size=5,
                             users=[("race_admin", "county_admin", COUNTY, "县管理员"),
                                    ("race_township", "township_official", TOWNSHIP, "镇干部")])


async def _race(eng: AsyncEngine, rid: int, *requests: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    """Start the requests while the round's row is held, wait until every one of them waits on it,
    then let them go together."""
    async with eng.connect() as holder:
        tx = await holder.begin()
        await holder.execute(text("SELECT id FROM screening_rounds WHERE id = :id FOR UPDATE"), {"id": rid})
        tasks = [asyncio.create_task(make()) for make in requests]  # type: ignore[arg-type]
        for _ in range(500):
            # Activity statistics are a snapshot per transaction: take a fresh one each time.
            await holder.execute(text("SELECT pg_stat_clear_snapshot()"))
            waiting = (
                await holder.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query ILIKE '%screening_rounds%'"
                    )
                )
            ).scalar_one()
            if waiting == len(requests):
                break
            await asyncio.sleep(0.02)
        assert waiting == len(requests), "every request should be waiting on the round"
        await tx.commit()
        return list(await asyncio.gather(*tasks))


async def test_two_corrections_with_the_same_etag_one_wins(rect_county) -> None:  # type: ignore[no-untyped-def]
    from cunzhi.kit.audit import AuditEvent
    from cunzhi.rectification.models import ScoreSheet
    from cunzhi.villages.models import Village

    eng, maker = rect_county.engine, rect_county.maker
    (client,) = rect_county.clients(1, subnet="10.9.5")
    county, township = rect_county.headers("race_admin"), rect_county.headers("race_township")
    r = await client.post("/api/v1/screening-rounds", json={"title": "竞态更正"}, headers=county)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    crit = [c["code"] for c in r.json()["criteria"]]
    village = VILLAGES[0]
    r = await client.post(
        f"/api/v1/screening-rounds/{rid}/scores",
        json={"sheets": [{"village_code": village, "scores": dict.fromkeys(crit, 1)}]},
        headers=township,
    )
    assert r.status_code == 201, r.text
    url = f"/api/v1/screening-rounds/{rid}/scores/{village}"
    etag = (await client.get(url, headers=township)).headers["etag"]
    assert etag == 'W/"1"'
    bodies = [{"scores": dict.fromkeys(crit, 4)}, {"scores": dict.fromkeys(crit, 6)}]
    responses = await _race(
        eng,
        rid,
        *[
            (lambda b=b: client.put(url, json=b, headers={**township, "If-Match": etag}))  # type: ignore[misc]
            for b in bodies
        ],
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 412).json()
    assert winner["revision"] == 2 and loser["code"] == "precondition_failed" and loser["current_version"] == 2

    async with maker() as s:
        vid = (await s.execute(select(Village.id).where(Village.code == village))).scalar_one()
        rows = (
            (
                await s.execute(
                    select(ScoreSheet)
                    .where(ScoreSheet.round_id == rid, ScoreSheet.village_id == vid)
                    .order_by(ScoreSheet.revision)
                )
            )
            .scalars()
            .all()
        )
        assert [(x.revision, x.scores) for x in rows] == [(1, dict.fromkeys(crit, 1)), (2, winner["scores"])]
        assert rows[1].supersedes_id == rows[0].id
        corrections = (
            await s.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "screening_score_sheet.correct")
            )
        ).scalar_one()
        assert corrections == 1


async def test_two_confirmations_at_once_one_wins(rect_county) -> None:  # type: ignore[no-untyped-def]
    from cunzhi.kit.audit import AuditEvent
    from cunzhi.rectification.models import Case, Round
    from cunzhi.villages.models import Village

    eng, maker = rect_county.engine, rect_county.maker
    (client,) = rect_county.clients(1, subnet="10.9.6")
    h = rect_county.headers("race_admin")
    r = await client.post("/api/v1/screening-rounds", json={"title": "竞态排查"}, headers=h)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    crit = [c["code"] for c in r.json()["criteria"]]
    sheets = [{"village_code": v, "scores": {c: 9 if v != VILLAGES[2] else 1 for c in crit}} for v in VILLAGES]
    r = await client.post(f"/api/v1/screening-rounds/{rid}/scores", json={"sheets": sheets}, headers=h)
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/screening-rounds/{rid}/townships/{TOWNSHIP}/proposal", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "proposed"

    # Hold the round's row so both confirmations queue up behind it.
    confirm = f"/api/v1/screening-rounds/{rid}/confirm"
    responses = await _race(eng, rid, *[lambda: client.post(confirm, headers=h)] * 2)

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "illegal_transition" and loser["state"] == "confirmed"
    winner = next(r for r in responses if r.status_code == 200).json()
    assert {x["village_code"] for x in winner["listed"]} == set(VILLAGES[:2])

    async with maker() as s:
        assert (await s.execute(select(Round.status).where(Round.id == rid))).scalar_one() == "confirmed"
        assert (await s.execute(select(func.count()).select_from(Case))).scalar_one() == 2
        statuses = dict((await s.execute(select(Village.code, Village.status))).all())
        assert statuses == {VILLAGES[0]: "weak", VILLAGES[1]: "weak", VILLAGES[2]: "normal"}
        confirms = (
            await s.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "screening_round.confirm"))
        ).scalar_one()
        assert confirms == 1
