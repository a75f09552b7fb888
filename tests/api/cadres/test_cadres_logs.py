"""Work logs (民情日记): the seven roles, the three promotions and two oversights, dates, pages, scope."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from cadres_helpers import VILLAGE, audit_count, log_body, new_key, now_iso, table_count
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.models import WorkLog

URL = "/api/v1/cadres/logs"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_write_a_log_with_roles_promotions_and_oversights(client: httpx.AsyncClient, auth,
                                                                db: AsyncSession) -> None:
    events = await audit_count(db)
    body = log_body(roles=["supervisor", "informant", "mediator"], members_recruited=1, activities_held=2,
                    members_active=15, policy_issues=1, discipline_issues=0,
                    oversight_note="低保评议未按程序公示", text="参加村民代表会议，监督低保评议。")
    r = await client.post(URL, json=body, headers=await auth("cadre01", new_key()))
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["roles"] == ["informant", "mediator", "supervisor"]  # in the order of the seven roles
    assert (g["members_recruited"], g["activities_held"], g["members_active"]) == (1, 2, 15)
    assert (g["policy_issues"], g["discipline_issues"], g["oversight_note"]) == (1, 0, "低保评议未按程序公示")
    assert g["log_date"] == datetime.now(SHANGHAI).date().isoformat() and g["village_code"] == VILLAGE
    assert await audit_count(db) == events + 1

    mine = (await client.get(URL, params={"mine": True, "limit": 1}, headers=await auth("cadre01"))).json()
    assert mine["items"][0]["id"] == g["id"] and mine["next_cursor"]
    r = await client.get(URL, params={"village_code": VILLAGE, "role": "supervisor"}, headers=await auth("township01"))
    assert g["id"] in [x["id"] for x in r.json()["items"]]
    assert all("supervisor" in x["roles"] for x in r.json()["items"])


async def test_a_log_may_be_dated_back_but_not_ahead(client: httpx.AsyncClient, auth) -> None:
    today = datetime.now(SHANGHAI).date()
    r = await client.post(URL, json=log_body(log_date=(today - timedelta(days=3)).isoformat()),
                          headers=await auth("cadre01", new_key()))
    assert r.status_code == 201 and r.json()["log_date"] == (today - timedelta(days=3)).isoformat()
    r = await client.post(URL, json=log_body(log_date=(today + timedelta(days=1)).isoformat()),
                          headers=await auth("cadre01", new_key()))
    assert r.status_code == 422 and r.json()["code"] == "log_date_in_future"
    r = await client.post(URL, json=log_body(log_date=(today - timedelta(days=40)).isoformat()),
                          headers=await auth("cadre01", new_key()))
    assert r.status_code == 422 and r.json()["code"] == "log_date_too_old"


@pytest.mark.parametrize(("overrides", "loc"), [
    ({"roles": []}, "roles"),
    ({"roles": ["informant", "informant"]}, "roles"),
    ({"roles": ["chairman"]}, "roles"),
    ({"text": ""}, "text"),
    ({"text": "字" * 5001}, "text"),
    ({"members_recruited": -1}, "members_recruited"),
    ({"activities_held": 1.5}, "activities_held"),
    ({"members_active": 10_001}, "members_active"),
    ({"policy_issues": 2}, None),  # problems found but not described
    ({"discipline_issues": 1, "oversight_note": ""}, "oversight_note"),
    ({"written_at": "2026-05-01 20:00"}, "written_at"),
    ({"written_at": now_iso(timedelta(days=9))}, "written_at"),
    ({"log_date": "2026-02-30"}, "log_date"),
    ({"colour": "red"}, "colour"),
])
async def test_bad_logs_are_refused_and_nothing_is_written(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                           overrides, loc) -> None:  # type: ignore[no-untyped-def]
    n, events = await table_count(db, WorkLog), await audit_count(db)
    r = await client.post(URL, json=log_body(**overrides), headers=await auth("cadre01", new_key()))
    assert r.status_code == 422, r.text
    if loc:
        assert any(loc in e["loc"] for e in r.json()["errors"]), r.json()
    assert await table_count(db, WorkLog) == n and await audit_count(db) == events


async def test_only_the_cadre_writes_logs(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    n = await table_count(db, WorkLog)
    for username in ("township01", "admin", "secretary01", "partner01"):
        r = await client.post(URL, json=log_body(), headers=await auth(username, new_key()))
        assert r.status_code == 403, (username, r.text)
    assert await table_count(db, WorkLog) == n


async def test_logs_are_append_only(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    r = await client.post(URL, json=log_body(), headers=await auth("cadre01", new_key()))
    gid = r.json()["id"]
    for sql in (f"UPDATE cadre_logs SET text = 'x' WHERE id = {gid}", f"DELETE FROM cadre_logs WHERE id = {gid}",
                "TRUNCATE cadre_logs CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.begin_nested():
                await db.execute(text(sql))


async def test_log_pages_by_cursor(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    first = (await client.get(URL, params={"village_code": VILLAGE, "limit": 3}, headers=h)).json()
    second = (await client.get(URL, params={"village_code": VILLAGE, "limit": 3, "cursor": first["next_cursor"]},
                               headers=h)).json()
    a = [(x["log_date"], x["id"]) for x in first["items"]]
    b = [(x["log_date"], x["id"]) for x in second["items"]]
    assert len(a) == 3 and b and max(b) < min(a)
    r = await client.get(URL, params={"village_code": VILLAGE}, headers=await auth("township02"))
    assert r.status_code == 404
