"""Two writes racing on the same round: two confirmations (one wins, the other gets 409) and two
corrections of the same score sheet with the same ETag (one wins, the other gets 412).

This needs real transactions that commit, so it runs on a database of its own (migrated, with a
minimal county) instead of the shared, rolled-back test transaction. Both requests are held at
the round's row lock until both are waiting there, then released together.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

COUNTY, TOWNSHIP = "239999000000", "239999100000"
VILLAGES = ["239999100201", "239999100202", "239999100203"]



@pytest.fixture(scope="module")
async def own_db(own_database) -> AsyncIterator[tuple[AsyncEngine, str]]:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import User
    from cunzhi.divisions.models import Division
    from cunzhi.villages.models import Village

    eng = await own_database("cunzhi_rect_race", pool_size=5)
    async with async_sessionmaker(eng, expire_on_commit=False)() as s, s.begin():
        s.add(Division(code=COUNTY, name="竞态县", level="county"))
        await s.flush()
        s.add(Division(code=TOWNSHIP, name="竞态镇", level="township", parent_code=COUNTY))
        await s.flush()
        for i, code in enumerate(VILLAGES):
            s.add(Village(code=code, name=f"竞态{i}村", township_code=TOWNSHIP, county_code=COUNTY))
        s.add(
            User(username="race_admin", password_hash="x", display_name="县管理员", role="county_admin", division_code=COUNTY)
        )
        s.add(
            User(
                username="race_township",
                password_hash="x",
                display_name="镇干部",
                role="township_official",
                division_code=TOWNSHIP,
            )
        )
    yield eng, eng.url.render_as_string(hide_password=False)


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


async def test_two_corrections_with_the_same_etag_one_wins(own_db: tuple[AsyncEngine, str]) -> None:
    from cunzhi.auth.models import User
    from cunzhi.db import SESSION_SCOPES
    from cunzhi.kit.audit import AuditEvent
    from cunzhi.kit.security import create_access_token
    from cunzhi.main import create_app
    from cunzhi.rectification.models import ScoreSheet
    from cunzhi.villages.models import Village

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
        ids = dict((await s.execute(select(User.username, User.id))).all())
    county, township = (
        {"Authorization": "Bearer " + create_access_token(f"user:{ids[name]}")[0]} for name in ("race_admin", "race_township")
    )

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
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


async def test_two_confirmations_at_once_one_wins(own_db: tuple[AsyncEngine, str]) -> None:
    from cunzhi.auth.models import User
    from cunzhi.db import SESSION_SCOPES
    from cunzhi.kit.audit import AuditEvent
    from cunzhi.kit.security import create_access_token
    from cunzhi.main import create_app
    from cunzhi.rectification.models import Case, Round
    from cunzhi.villages.models import Village

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
        uid = (await s.execute(select(User.id).where(User.username == "race_admin"))).scalar_one()
    h = {"Authorization": f"Bearer {create_access_token(f'user:{uid}')[0]}"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
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
