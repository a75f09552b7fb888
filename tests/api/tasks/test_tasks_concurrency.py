"""Two updates of one task at the same instant with the same If-Match: one wins, the other is 412.

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county).
The test holds the task's row lock until both requests wait for it, then lets them go together."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239996000000", "239996100000", "239996100201"



@pytest.fixture(scope="module")
async def own_db(own_database) -> AsyncIterator[tuple[AsyncEngine, int]]:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import User
    from cunzhi.divisions.models import Division
    from cunzhi.tasks.models import Task, TaskItem, TaskUnit
    from cunzhi.villages.models import Village

    eng = await own_database("cunzhi_task_race", pool_size=6)
    async with async_sessionmaker(eng, expire_on_commit=False)() as s, s.begin():
        s.add(Division(code=COUNTY, name="竞态县", level="county"))
        await s.flush()
        s.add(Division(code=TOWNSHIP, name="竞态镇", level="township", parent_code=COUNTY))
        await s.flush()
        village = Village(code=VILLAGE, name="竞态村", township_code=TOWNSHIP, county_code=COUNTY, status="weak")
        s.add(village)
        s.add(User(username="race_township", password_hash="x", display_name="乡镇干部", role="township_official",
                   division_code=TOWNSHIP))
        s.add(TaskUnit(county_code=COUNTY, code="km", name="公里"))
        item = TaskItem(county_code=COUNTY, category="construction", code="road", name="改路")
        s.add(item)
        await s.flush()
        task = Task(county_code=COUNTY, village_id=village.id, item_id=item.id, title="修路", target=Decimal(5),
                    unit="km", due_date=clock.local_today() + timedelta(days=30),
                    responsible_kind="village_committee", status="planned", assigned_level="township",
                    assigned_by="race_township")
        s.add(task)
        await s.flush()
        task_id = task.id
    yield eng, task_id


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
        uid = (await s.execute(select(User.id).where(User.username == "race_township"))).scalar_one()
    token, _ = create_access_token(f"user:{uid}")
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(f"10.9.2.{i}", 40000)),
                                 base_url="http://testserver") for i in (1, 2)]
    yield clients, {"Authorization": f"Bearer {token}"}
    for c in clients:
        await c.aclose()


async def test_two_updates_with_the_same_etag(race, own_db) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    eng, task_id = own_db
    url = f"/api/v1/tasks/{task_id}"
    got = await a.get(url, headers=h)
    assert got.status_code == 200, got.text
    headers = {**h, "If-Match": got.headers["ETag"]}
    async with eng.connect() as conn:
        await conn.execute(text("SELECT 1 FROM tasks WHERE id = :i FOR UPDATE"), {"i": task_id})
        calls = [asyncio.ensure_future(a.patch(url, headers=headers, json={"title": "甲改"})),
                 asyncio.ensure_future(b.patch(url, headers=headers, json={"title": "乙改"}))]
        waiting = 0
        for _ in range(500):
            waiting = (await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar_one()
            if waiting >= 2:
                break
            await asyncio.sleep(0.01)
        assert waiting >= 2, "the updates never met at the row"
        await conn.commit()
    first, second = await asyncio.gather(*calls)
    assert sorted([first.status_code, second.status_code]) == [200, 412], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    now = await a.get(url, headers=h)
    assert now.json()["title"] == winner.json()["title"]
    assert now.json()["version"] == got.json()["version"] + 1
    assert [x["kind"] for x in now.json()["history"]].count("edit") == 1
