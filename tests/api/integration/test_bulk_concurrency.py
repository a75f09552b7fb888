"""Two identical bulk upserts fired together: no duplicate, one creates and the other finds it all
unchanged. Real commits are needed, so this runs on a database of its own (migrated to head, a
minimal county). The test holds the first item's key lock until both requests wait for it."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239995000000", "239995100000", "239995100201"


@pytest.fixture(scope="module")
async def own_db(race_county) -> tuple[Any, int, int]:  # type: ignore[no-untyped-def]
    from cunzhi.auth.models import ApiClient
    from cunzhi.tasks.models import TaskItem, TaskUnit

    rc = await race_county("cunzhi_bulk_race", county=COUNTY, township=TOWNSHIP, villages={VILLAGE: {"status": "weak"}},
                           names=("并发县", "并发镇", "并发村"), pool_size=8)
    async with rc.maker() as s, s.begin():
        s.add(TaskUnit(county_code=COUNTY, code="km", name="公里"))
        item = TaskItem(county_code=COUNTY, category="construction", code="road", name="改路")
        s.add(item)
        client = ApiClient(client_id="race-sys", name="并发系统", secret_hash="x", division_code=TOWNSHIP,
                           is_active=True, scopes=["villages:write", "cadres:write", "tasks:write"])
        s.add(client)
        await s.flush()
        return rc, client.id, item.id


@pytest.fixture(scope="module")
def race(own_db) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    from cunzhi.kit.security import create_access_token

    rc, client_id, _ = own_db
    token, _ = create_access_token(f"client:{client_id}", extra={"role": "api_client", "sv": 1})
    return rc.clients(subnet="10.9.3"), {"Authorization": f"Bearer {token}"}


async def _together(eng: AsyncEngine, lock_key: str, a: httpx.AsyncClient, b: httpx.AsyncClient, path: str,
                    body: dict, h: dict[str, str]) -> list[httpx.Response]:  # type: ignore[type-arg]
    async with eng.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": lock_key})
        calls = [asyncio.ensure_future(c.post(path, json=body, headers=h)) for c in (a, b)]
        await until_waiting(conn, 2, "the two requests never met at the lock")
        await conn.commit()
    return list(await asyncio.gather(*calls))


def _outcomes(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [i["result"] for i in r.json()["items"]]


async def test_two_identical_bulk_upserts_at_once(race, own_db) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    rc, _, item_id = own_db
    eng = rc.engine
    villages = {"items": [{"code": "239995100301", "name": "甲村"}, {"code": "239995100302", "name": "乙村"},
                          {"code": VILLAGE, "name": "并发村", "population": 900}]}
    first, second = await _together(eng, "bulk:village:239995100301", a, b, "/api/v1/villages/bulk", villages, h)
    outcomes = sorted([_outcomes(first), _outcomes(second)])
    assert outcomes == [["created", "created", "updated"], ["unchanged", "unchanged", "unchanged"]]

    cadres = {"items": [{"external_id": "C-1", "name": "赵六", "home_unit": "县水利局"},
                        {"external_id": "C-2", "name": "钱七", "home_unit": "县财政局"}]}
    first, second = await _together(eng, f"bulk:cadre:{TOWNSHIP}:C-1", a, b, "/api/v1/cadres/bulk", cadres, h)
    assert sorted([_outcomes(first), _outcomes(second)]) == [["created", "created"], ["unchanged", "unchanged"]]
    assert [i["id"] for i in first.json()["items"]] == [i["id"] for i in second.json()["items"]]

    due = (clock.local_today() + timedelta(days=30)).isoformat()
    tasks = {"items": [{"external_id": "T-1", "village_code": VILLAGE, "item_id": item_id, "title": "修路",
                        "target": "2", "unit": "km", "due_date": due, "responsible_kind": "village_committee"}]}
    first, second = await _together(eng, f"bulk:task:{TOWNSHIP}:T-1", a, b, "/api/v1/tasks/bulk", tasks, h)
    assert sorted([_outcomes(first), _outcomes(second)]) == [["created"], ["unchanged"]]

    async with eng.connect() as conn:
        counts = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM villages WHERE code LIKE '2399951003%'),"
            " (SELECT count(*) FROM cadres WHERE external_source = :t),"
            " (SELECT count(*) FROM tasks WHERE external_source = :t),"
            " (SELECT version FROM villages WHERE code = :v)"), {"t": TOWNSHIP, "v": VILLAGE})).one()
    assert tuple(counts) == (2, 2, 1, 2)
