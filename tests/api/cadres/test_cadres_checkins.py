"""Check-ins from the phone: once a day per village, the phone's time within a window, GPS ranges,
idempotent replays, append-only storage, cursor pages and who may read or write."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from cadres_helpers import (
    OTHER_T01_VILLAGE,
    VILLAGE,
    audit_count,
    checkin_body,
    new_key,
    now_iso,
    table_count,
)
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.models import Checkin
from cunzhi.kit.audit import AuditEvent

URL = "/api/v1/cadres/checkins"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_check_in_today_then_a_second_time_is_refused(client: httpx.AsyncClient, auth, checkin,
                                                            db: AsyncSession) -> None:
    r = await client.get("/api/v1/cadres/me/today", headers=await auth("cadre01"))
    assert r.status_code == 200, r.text
    day = r.json()
    assert day["village"]["code"] == VILLAGE and day["checkin"] is None

    before = await audit_count(db)
    r = await checkin(note="村部值班", village_code=VILLAGE)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["village_code"] == VILLAGE and c["note"] == "村部值班" and c["photos"] == []
    assert c["local_date"] == datetime.now(SHANGHAI).date().isoformat() == day["today"]
    assert c["lat"] == 45.7581 and c["accuracy_m"] == 12.5
    assert datetime.fromisoformat(c["received_at"]) >= datetime.fromisoformat(c["checked_at"]) - timedelta(minutes=5)
    assert await audit_count(db) == before + 1
    event = (await db.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert (event.action, event.entity_id) == ("cadre_checkin.create", str(c["id"]))

    r = await client.get("/api/v1/cadres/me/today", headers=await auth("cadre01"))
    assert r.json()["checkin"]["id"] == c["id"]

    n = await table_count(db, Checkin)
    r = await checkin()
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "already_checked_in" and r.json()["checkin_id"] == c["id"]
    assert await table_count(db, Checkin) == n


async def test_the_same_write_twice_is_stored_once(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    key, body = new_key(), checkin_body()
    first = await client.post(URL, json=body, headers=await auth("cadre01", key))
    assert first.status_code == 201, first.text
    again = await client.post(URL, json=body, headers=await auth("cadre01", key))
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    # the same key with another body is refused by the middleware, nothing written
    other = await client.post(URL, json={**body, "note": "改了"}, headers=await auth("cadre01", key))
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert first.json()["client_key"] == key


async def test_the_service_recognises_a_key_the_middleware_has_not_seen(client: httpx.AsyncClient, auth,
                                                                       db: AsyncSession) -> None:
    """A check-in stored through the batch sync and replayed as a single POST answers 200, the stored one."""
    key, body = new_key(), checkin_body()
    r = await client.post("/api/v1/cadres/sync", json={"items": [{"key": key, "kind": "checkin", "body": body}]},
                          headers=await auth("cadre01"))
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    stored = r.json()["results"][0]["checkin"]
    r = await client.post(URL, json=body, headers=await auth("cadre01", key))
    assert r.status_code == 200, r.text
    assert r.headers["idempotent-replayed"] == "true" and r.json()["id"] == stored["id"]
    r = await client.post(URL, json={**body, "accuracy_m": 99}, headers=await auth("cadre01", new_key() + "x"))
    assert r.status_code == 409 and r.json()["code"] == "already_checked_in"


async def test_an_offline_check_in_keeps_the_phone_time_and_its_day(checkin, fresh_cadre_user) -> None:
    three_days_ago = (datetime.now(SHANGHAI) - timedelta(days=3)).replace(hour=8, minute=5, second=0, microsecond=0)
    r = await checkin("cadre_t1", checked_at=three_days_ago.isoformat())
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["local_date"] == three_days_ago.date().isoformat()
    assert datetime.fromisoformat(c["checked_at"]) == three_days_ago
    assert datetime.fromisoformat(c["received_at"]) > three_days_ago + timedelta(days=2)


async def test_the_day_is_the_day_in_shanghai_not_in_utc(checkin, fresh_cadre_user) -> None:
    # 23:30 UTC two days ago is 07:30 the next morning in Shanghai
    utc_day = datetime.now(UTC).date() - timedelta(days=2)
    at = datetime(utc_day.year, utc_day.month, utc_day.day, 23, 30, tzinfo=UTC)
    r = await checkin("cadre_t1", checked_at=at.isoformat().replace("+00:00", "Z"))
    assert r.status_code == 201, r.text
    assert r.json()["local_date"] == (utc_day + timedelta(days=1)).isoformat()
    # a check-in at 23:59 Shanghai the day before is another day
    late = datetime(utc_day.year, utc_day.month, utc_day.day, 23, 59, tzinfo=SHANGHAI)
    r = await checkin("cadre_t1", checked_at=late.isoformat())
    assert r.status_code == 201 and r.json()["local_date"] == utc_day.isoformat()
    # 00:10 Shanghai on the first one's day: the same day, refused
    r = await checkin("cadre_t1", checked_at=(late + timedelta(minutes=11)).isoformat())
    assert r.status_code == 409 and r.json()["local_date"] == (utc_day + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(("overrides", "loc", "code"), [
    ({"lat": 90.5}, "lat", "validation_error"),
    ({"lat": -91}, "lat", "validation_error"),
    ({"lng": 180.01}, "lng", "validation_error"),
    ({"accuracy_m": 0}, "accuracy_m", "validation_error"),
    ({"accuracy_m": -3}, "accuracy_m", "validation_error"),
    ({"accuracy_m": 200_000}, "accuracy_m", "validation_error"),
    ({"lat": "north"}, "lat", "validation_error"),
    ({"lat": None}, "lat", "validation_error"),
    ({"checked_at": "2026-05-01T08:00:00"}, "checked_at", "validation_error"),  # no offset
    ({"checked_at": "yesterday"}, "checked_at", "validation_error"),
    ({"checked_at": now_iso(timedelta(days=8))}, "checked_at", "client_time_in_future"),
    ({"checked_at": now_iso(timedelta(minutes=20))}, "checked_at", "client_time_in_future"),
    ({"checked_at": now_iso(-timedelta(days=7, minutes=5))}, "checked_at", "client_time_too_old"),
    ({"note": ""}, "note", "validation_error"),
    ({"note": "x" * 501}, "note", "validation_error"),
    ({"village_code": "12"}, "village_code", "validation_error"),
    ({"extra": 1}, "extra", "validation_error"),
])
async def test_bad_input_is_refused_and_nothing_is_written(checkin, db: AsyncSession, overrides, loc,
                                                           code) -> None:  # type: ignore[no-untyped-def]
    n, events = await table_count(db, Checkin), await audit_count(db)
    r = await checkin(**overrides)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == code
    assert any(e["loc"][-1] == loc for e in problem["errors"]), problem
    assert await table_count(db, Checkin) == n and await audit_count(db) == events


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_not_a_number_and_infinity_are_refused(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                     literal: str) -> None:
    n = await table_count(db, Checkin)
    raw = f'{{"checked_at": "{now_iso()}", "lat": {literal}, "lng": 126.6, "accuracy_m": 10}}'.encode()
    r = await client.post(URL, content=raw, headers={**await auth("cadre01", new_key()),
                                                     "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert await table_count(db, Checkin) == n


async def test_another_village_is_out_of_scope(checkin, db: AsyncSession) -> None:
    n = await table_count(db, Checkin)
    r = await checkin(village_code=OTHER_T01_VILLAGE)
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    assert await table_count(db, Checkin) == n


@pytest.mark.parametrize("username", ["township01", "admin", "secretary01", "partner01", "committee01"])
async def test_only_cadres_check_in(checkin, db: AsyncSession, username: str) -> None:
    n = await table_count(db, Checkin)
    r = await checkin(username)
    assert r.status_code == 403, r.text
    assert await table_count(db, Checkin) == n


async def test_a_cadre_account_without_a_cadre_record_cannot_check_in(client: httpx.AsyncClient, db: AsyncSession,
                                                                    token_for) -> None:
    from cunzhi.auth.models import User
    from cunzhi.villages.models import Village

    vid = (await db.execute(select(Village.id).where(Village.code == VILLAGE))).scalar_one()
    db.add(User(username="cadre_nobody", password_hash="x", display_name="无档案", role="cadre", village_id=vid))
    await db.flush()
    r = await client.post(URL, json=checkin_body(), headers=await token_for("cadre_nobody"))
    assert r.status_code == 403 and r.json()["code"] == "not_a_stationed_cadre"


async def test_check_ins_are_append_only_in_the_database(checkin, db: AsyncSession) -> None:
    r = await checkin()
    assert r.status_code == 201
    cid = r.json()["id"]
    for sql in (f"UPDATE cadre_checkins SET lat = 0 WHERE id = {cid}", f"DELETE FROM cadre_checkins WHERE id = {cid}"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.begin_nested():
                await db.execute(text(sql))
    # the local day is the database's own reading of the phone's time, and agrees with the API's
    row = (await db.execute(select(Checkin).where(Checkin.id == cid))).scalar_one()
    assert row.local_date == row.checked_at.astimezone(SHANGHAI).date()


async def test_pages_by_cursor_newest_day_first(client: httpx.AsyncClient, auth) -> None:
    h = await auth("township01")
    seen: list[tuple[str, int]] = []
    cursor = None
    for _ in range(20):
        params: dict[str, str | int] = {"village_code": VILLAGE, "limit": 4}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(URL, params=params, headers=h)
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [(c["local_date"], c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) >= 10  # the demo has about 17 days of the last 21
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    r = await client.get(URL, params={"village_code": VILLAGE, "limit": 200}, headers=h)
    assert [(c["local_date"], c["id"]) for c in r.json()["items"]] == seen
    # a range
    start = date.fromisoformat(seen[-1][0]) + timedelta(days=3)
    r = await client.get(URL, params={"village_code": VILLAGE, "date_from": start.isoformat()}, headers=h)
    assert all(c["local_date"] >= start.isoformat() for c in r.json()["items"])
    for bad in ("not-a-cursor", "MjAyNi0wMS0wMXx4"):
        r = await client.get(URL, params={"cursor": bad}, headers=h)
        assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(("username", "sees"), [
    ("cadre01", True), ("township01", True), ("admin", True), ("inspector", True), ("partner01", True),
    ("secretary01", True), ("township02", False),
])
async def test_who_reads_the_village_check_ins(client: httpx.AsyncClient, auth, username: str, sees: bool) -> None:
    h = await auth(username)
    r = await client.get(URL, params={"village_code": VILLAGE}, headers=h)
    if sees:
        assert r.status_code == 200 and r.json()["items"], r.text
        assert {c["village_code"] for c in r.json()["items"]} == {VILLAGE}
    else:
        assert r.status_code == 404 and r.json()["code"] == "village_not_found"
        r = await client.get(URL, headers=h)
        assert r.status_code == 200 and r.json()["items"] == []


async def test_a_cadre_never_sees_another_village(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(URL, params={"village_code": OTHER_T01_VILLAGE}, headers=await auth("cadre01"))
    assert r.status_code == 404
    r = await client.get(URL, params={"limit": 200}, headers=await auth("cadre01"))
    assert {c["village_code"] for c in r.json()["items"]} == {VILLAGE}


async def test_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post(URL, json=checkin_body())).status_code == 401
    assert (await client.get(URL)).status_code == 401
