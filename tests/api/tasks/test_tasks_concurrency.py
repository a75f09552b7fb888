"""Two updates of one task at the same instant with the same If-Match: one wins, the other is 412.

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county).
The test holds the task's row lock until both requests wait for it, then lets them go together."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import text

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239996000000", "239996100000", "239996100201"


@pytest.fixture(scope="module")
async def own_db(race_county) -> AsyncIterator[tuple[Any, int]]:  # type: ignore[no-untyped-def]
    from cunzhi.tasks.models import Task, TaskItem, TaskUnit

    rc = await race_county("cunzhi_task_race", county=COUNTY, township=TOWNSHIP, villages={VILLAGE: {"status": "weak"}},
                           users=[("race_township", "township_official", TOWNSHIP, "乡镇干部")])
    async with rc.maker() as s, s.begin():
        s.add(TaskUnit(county_code=COUNTY, code="km", name="公里"))
        item = TaskItem(county_code=COUNTY, category="construction", code="road", name="改路")
        s.add(item)
        await s.flush()
        task = Task(county_code=COUNTY, village_id=rc.villages[VILLAGE], item_id=item.id, title="修路", target=Decimal(5),
                    unit="km", due_date=clock.local_today() + timedelta(days=30),
                    responsible_kind="village_committee", status="planned", assigned_level="township",
                    assigned_by="race_township")
        s.add(task)
        await s.flush()
        task_id = task.id
    yield rc, task_id


@pytest.fixture(scope="module")
def race(own_db) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    rc, _ = own_db
    return rc.clients(subnet="10.9.2"), rc.headers("race_township")


async def test_two_updates_with_the_same_etag(race, own_db) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    rc, task_id = own_db
    eng = rc.engine
    url = f"/api/v1/tasks/{task_id}"
    got = await a.get(url, headers=h)
    assert got.status_code == 200, got.text
    headers = {**h, "If-Match": got.headers["ETag"]}
    async with eng.connect() as conn:
        await conn.execute(text("SELECT 1 FROM tasks WHERE id = :i FOR UPDATE"), {"i": task_id})
        calls = [asyncio.ensure_future(a.patch(url, headers=headers, json={"title": "甲改"})),
                 asyncio.ensure_future(b.patch(url, headers=headers, json={"title": "乙改"}))]
        await until_waiting(conn, 2, "the updates never met at the row")
        await conn.commit()
    first, second = await asyncio.gather(*calls)
    assert sorted([first.status_code, second.status_code]) == [200, 412], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    now = await a.get(url, headers=h)
    assert now.json()["title"] == winner.json()["title"]
    assert now.json()["version"] == got.json()["version"] + 1
    assert [x["kind"] for x in now.json()["history"]].count("edit") == 1
