"""Days and moments in request bodies are strict in every domain: a day is "YYYY-MM-DD" only (no
unix timestamp, no "2026-12-03T00:00:00"), a moment is an RFC 3339 string with its UTC offset (no
naive time, no number). Each lax body is a 422 naming the field (date_format / datetime_format),
and nothing is written; the same body written strictly gets past validation."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock

V01 = "230199100200"  # a village of township 01 (demo); cadre01's village


def _due(days: int = 30) -> str:
    return (clock.local_today() + timedelta(days=days)).isoformat()


def _now(offset: str = "+08:00") -> str:
    """Now, written with the given offset ("+08:00" or "Z")."""
    at = datetime.now(UTC) + (timedelta(hours=8) if offset == "+08:00" else timedelta(0))
    return at.strftime("%Y-%m-%dT%H:%M:%S") + offset


async def _count(db: AsyncSession, table: str) -> int:
    return int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # the names are fixed here


async def _road(client: Any, token_for: Any) -> int:
    r = await client.get("/api/v1/tasks/catalogue", headers=await token_for("admin"))
    return next(i["id"] for i in r.json()["items"] if i["code"] == "road")


def _task(item: int, **overrides: Any) -> dict[str, Any]:
    body = {"village_code": V01, "item_id": item, "title": "硬化村东道路", "duties": ["mobilise"], "target": "10",
            "unit": "km", "due_date": _due(), "responsible_kind": "village_committee"}
    return {**body, **overrides}


def _checkin(**overrides: Any) -> dict[str, Any]:
    return {"checked_at": _now(), "lat": 45.7581, "lng": 126.6425, "accuracy_m": 12.5, **overrides}


def _assert_refused(r: Any, loc: list[Any], kind: str) -> None:
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_error"
    mine = [e for e in problem["errors"] if e["loc"] == loc]
    assert mine and mine[0]["type"] == kind, problem["errors"]


@pytest.mark.parametrize("due_date", [1700000000, "2026-12-03T00:00:00", "2026-12-03T00:00:00+08:00", 20261203.0])
async def test_a_task_due_date_is_a_plain_day(client, token_for, db, due_date):
    item = await _road(client, token_for)
    h = await token_for("township01")
    before = await _count(db, "tasks")
    r = await client.post("/api/v1/tasks", json=_task(item, due_date=due_date), headers=h)
    _assert_refused(r, ["body", "due_date"], "date_format")
    assert await _count(db, "tasks") == before
    r = await client.post("/api/v1/tasks", json=_task(item), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["due_date"] == _due()


@pytest.mark.parametrize("start_date", [1700000000, "1700000000", "2026-12-03T00:00:00"])
async def test_a_posting_start_date_is_a_plain_day(client, token_for, db, start_date):
    h = await token_for("admin")
    before = await _count(db, "cadre_postings")
    r = await client.post("/api/v1/cadres/1/postings", headers=h,
                          json={"village_code": V01, "post": "committee_member", "start_date": start_date})
    _assert_refused(r, ["body", "start_date"], "date_format")
    assert await _count(db, "cadre_postings") == before


@pytest.mark.parametrize("checked_at", [
    "2026-12-03T08:30:00",  # naive: on which clock?
    1700000000,  # a unix timestamp
    "1700000000",
    "2026-12-03",  # a day is not a moment
])
async def test_a_checkin_time_carries_its_offset(client, token_for, db, checked_at):
    h = await token_for("cadre01")
    before = await _count(db, "cadre_checkins")
    r = await client.post("/api/v1/cadres/checkins", json=_checkin(checked_at=checked_at), headers=h)
    _assert_refused(r, ["body", "checked_at"], "datetime_format")
    assert await _count(db, "cadre_checkins") == before


async def test_a_checkin_with_its_offset_or_z_is_taken(client, token_for, db):
    h = await token_for("cadre01")
    before = await _count(db, "cadre_checkins")
    # What the phone sends: Date.prototype.toISOString(), UTC with milliseconds and a Z.
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    r = await client.post("/api/v1/cadres/checkins", json=_checkin(checked_at=at),
                          headers={**h, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code in (201, 409), r.text  # 409: already checked in today (another test)
    assert r.status_code == 409 or await _count(db, "cadre_checkins") == before + 1


async def test_a_naive_checkin_in_a_sync_batch_is_refused_for_that_item(client, token_for, db):
    h = await token_for("cadre01")
    before = await _count(db, "cadre_checkins")
    items = [{"key": str(uuid.uuid4()), "kind": "checkin", "body": _checkin(checked_at="2026-12-03T08:30:00")}]
    r = await client.post("/api/v1/cadres/sync", json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert (result["status"], result["http_status"], result["code"]) == ("refused", 422, "validation_error")
    assert result["errors"][0]["loc"] == ["body", "items", 0, "body", "checked_at"]
    assert result["errors"][0]["type"] == "datetime_format"
    assert await _count(db, "cadre_checkins") == before


async def test_a_progress_time_carries_its_offset(client, token_for, db):
    item = await _road(client, token_for)
    r = await client.post("/api/v1/tasks", json=_task(item), headers=await token_for("township01"))
    assert r.status_code == 201, r.text
    url = f"/api/v1/tasks/{r.json()['id']}/progress"
    h = await token_for("secretary01")
    before = await _count(db, "task_history")
    r = await client.post(url, headers=h, json={"amount": "1", "text": "完成路基", "at": "2026-12-03T08:30:00"})
    _assert_refused(r, ["body", "at"], "datetime_format")
    assert await _count(db, "task_history") == before
    r = await client.post(url, headers=h, json={"amount": "1", "text": "完成路基", "at": _now("Z")})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("who,path,body,field", [
    ("secretary01", f"/api/v1/funds/villages/{V01}/income",
     {"source": "other", "amount": "10.00", "received_on": 1700000000, "payer": "x"}, "received_on"),
    ("admin", "/api/v1/discipline/cases",
     {"case_number": "X1", "filed_on": "2026-01-02T00:00:00", "village_code": V01, "person_role": "secretary",
      "person_name": "张三", "violation": "other"}, "filed_on"),
    ("admin", "/api/v1/rectification-cases/1/measures", {"text": "x", "deadline": 1700000000}, "deadline"),
])
async def test_other_domains_refuse_a_lax_day(client, token_for, who, path, body, field):
    r = await client.post(path, json=body, headers=await token_for(who))
    assert r.status_code == 422, r.text
    mine = [e for e in r.json()["errors"] if e["loc"][:2] == ["body", field]]
    assert mine and mine[0]["type"] == "date_format", r.json()["errors"]
