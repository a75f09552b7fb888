"""Presence that can be trusted: villages have a position; a check-in far from it, with poor GPS
accuracy, uploaded long after it was made, or for a village without a position is kept but flagged;
attendance counts flagged days apart, only posted days up to today are the denominator, and the
county or township reviews flagged check-ins (accept / reject with a note, once, audited)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from cadres_helpers import T01, VILLAGE, now_iso
from sqlalchemy import select

from cunzhi.kit import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
ATT = "/api/v1/cadres/attendance"
BEIJING = (39.9042, 116.4074)  # about 1,000 km from the demo county


def month_of(d: date) -> str:
    return d.strftime("%Y-%m")


async def _row(client: httpx.AsyncClient, h: dict[str, str], month: str, cadre_id: int | None = None):  # type: ignore[no-untyped-def]
    out = (await client.get(ATT, params={"month": month, "village_code": VILLAGE}, headers=h)).json()
    rows = [r for r in out["rows"] if r["village_code"] == VILLAGE and (cadre_id is None or r["cadre_id"] == cadre_id)]
    return out, rows


# ---- 3. the denominator: posted days up to today ------------------------------------------


async def test_attendance_counts_only_days_of_the_posting_up_to_today(client: httpx.AsyncClient, auth) -> None:
    """On the 2nd of a month, a cadre posted all month long has 2 posted days, not 31."""
    today = clock.local_today()
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 2)
    h = await auth("township01")
    with clock.travel(nxt):
        out, rows = await _row(client, h, month_of(nxt))
    assert out["days_in_month"] >= 28 and out["counted_until"] == nxt.isoformat()
    mine = next(r for r in rows if r["cadre_name"] != "郑长海")
    assert mine["posted_days"] == 2
    # the month that is over counts all its posted days; a future month none
    out, rows = await _row(client, h, month_of(today))
    assert out["counted_until"] == today.isoformat()
    assert next(r for r in rows if r["cadre_id"] == mine["cadre_id"])["posted_days"] == today.day


async def test_a_posting_ended_mid_month_counts_its_days_only(client: httpx.AsyncClient, auth) -> None:
    """郑长海's earlier posting in the demo village ended before the current one began."""
    h = await auth("admin")
    hist = (await client.get(f"/api/v1/cadres/villages/{VILLAGE}/postings", headers=h)).json()["items"]
    earlier = next(p for p in hist if p["cadre_name"] == "郑长海")
    end = date.fromisoformat(earlier["end_date"])
    _, rows = await _row(client, h, month_of(end), earlier["cadre_id"])
    assert rows and rows[0]["posted_days"] == end.day


# ---- 2. village positions ------------------------------------------------------------------


async def test_a_village_position_is_set_by_coordinates(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    r = await client.get(f"/api/v1/villages/{VILLAGE}", headers=h)
    assert r.status_code == 200 and r.json()["lat"] is not None and r.json()["lng"] is not None
    etag = r.headers["ETag"]
    r = await client.patch(f"/api/v1/villages/{VILLAGE}", json={"lat": None}, headers={**h, "If-Match": etag})
    assert r.status_code == 422 and r.json()["code"] == "incomplete_position", r.text
    r = await client.patch(f"/api/v1/villages/{VILLAGE}", json={"lat": 95, "lng": 126.6},
                           headers={**h, "If-Match": etag})
    assert r.status_code == 422
    r = await client.patch(f"/api/v1/villages/{VILLAGE}", json={"lat": 45.8, "lng": 126.7},
                           headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert (r.json()["lat"], r.json()["lng"]) == (45.8, 126.7)
    listed = (await client.get("/api/v1/villages", params={"q": VILLAGE}, headers=h)).json()["items"]
    assert (listed[0]["lat"], listed[0]["lng"]) == (45.8, 126.7)


# ---- 2. flags --------------------------------------------------------------------------------


async def test_a_check_in_from_far_away_is_kept_but_flagged_and_not_counted(client: httpx.AsyncClient, auth,
                                                                           checkin) -> None:
    h = await auth("township01")
    month = month_of(clock.local_today())
    _, before = await _row(client, h, month)
    mine = next(r for r in before if r["cadre_name"] != "郑长海")
    r = await checkin(lat=BEIJING[0], lng=BEIJING[1])
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["flags"] == ["far_from_village"] and out["distance_m"] > 900_000 and out["counts"] is False
    _, after = await _row(client, h, month, mine["cadre_id"])
    assert after[0]["checkin_days"] == mine["checkin_days"]
    assert after[0]["flagged_days"] == mine["flagged_days"] + 1
    assert after[0]["flagged"][-1] == {"day": clock.local_today().isoformat(), "checkin_id": out["id"],
                                       "flags": ["far_from_village"], "review": None}


async def test_near_and_accurate_counts(client: httpx.AsyncClient, auth, checkin) -> None:
    r = await checkin(lat=45.7590, lng=126.6430, accuracy_m=20)
    assert r.status_code == 201
    assert r.json()["flags"] == [] and r.json()["counts"] is True and r.json()["distance_m"] < 2000


async def test_poor_accuracy_is_flagged(client: httpx.AsyncClient, checkin) -> None:
    r = await checkin(accuracy_m=1500)
    assert r.status_code == 201 and r.json()["flags"] == ["poor_accuracy"]


async def test_a_back_dated_check_in_beyond_the_offline_tolerance_is_flagged(client: httpx.AsyncClient, auth,
                                                                           checkin) -> None:
    r = await checkin(checked_at=now_iso(-timedelta(days=1)))
    # the demo has check-ins on some past days: find a free one within the tolerance
    assert r.status_code in (201, 409)
    if r.status_code == 201:
        assert "late_upload" not in r.json()["flags"]
    h = await auth("cadre01")
    days = {c["local_date"] for c in (await client.get("/api/v1/cadres/checkins", params={"mine": True, "limit": 100},
                                                         headers=h)).json()["items"]}
    free = next(d for d in range(3, 7) if (clock.local_today() - timedelta(days=d)).isoformat() not in days)
    at = datetime.combine(clock.local_today() - timedelta(days=free), datetime.min.time(), SHANGHAI) \
        + timedelta(hours=12)
    r = await checkin(checked_at=at.isoformat())
    assert r.status_code == 201, r.text
    assert r.json()["flags"] == ["late_upload"] and r.json()["counts"] is False


async def test_a_village_without_a_position_flags_every_check_in(client: httpx.AsyncClient, auth, checkin) -> None:
    h = await auth("admin")
    r = await client.get(f"/api/v1/villages/{VILLAGE}", headers=h)
    r = await client.patch(f"/api/v1/villages/{VILLAGE}", json={"lat": None, "lng": None},
                           headers={**h, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["lat"] is None
    r = await checkin()
    assert r.status_code == 201 and r.json()["flags"] == ["village_unlocated"] and r.json()["distance_m"] is None


# ---- 2. review --------------------------------------------------------------------------------


async def test_township_reviews_flagged_check_ins(client: httpx.AsyncClient, auth, checkin, db) -> None:
    from cunzhi.kit.events import OutboxEvent

    r = await checkin(lat=BEIJING[0], lng=BEIJING[1])
    cid = r.json()["id"]
    t01 = await auth("township01")
    page = (await client.get("/api/v1/cadres/checkins", params={"flagged": True, "reviewed": False},
                             headers=t01)).json()
    item = next(i for i in page["items"] if i["id"] == cid)
    assert item["allowed_actions"] == ["review_checkin"] and all(i["flags"] for i in page["items"])
    # another township does not see it; the cadre sees it but may not review it
    t02 = await auth("township02")
    assert cid not in [i["id"] for i in (await client.get("/api/v1/cadres/checkins", params={"flagged": True},
                                                            headers=t02)).json()["items"]]
    r = await client.post(f"/api/v1/cadres/checkins/{cid}/review", json={"decision": "accepted"}, headers=t02)
    assert r.status_code == 404
    me = await auth("cadre01")
    own = next(i for i in (await client.get("/api/v1/cadres/checkins", params={"flagged": True, "mine": True},
                                             headers=me)).json()["items"] if i["id"] == cid)
    assert own["allowed_actions"] == []
    r = await client.post(f"/api/v1/cadres/checkins/{cid}/review", json={"decision": "accepted"}, headers=me)
    assert r.status_code == 403

    r = await client.post(f"/api/v1/cadres/checkins/{cid}/review", json={"decision": "rejected"}, headers=t01)
    assert r.status_code == 422  # a rejection needs a note
    month = month_of(clock.local_today())
    _, before = await _row(client, t01, month, item["cadre_id"])
    r = await client.post(f"/api/v1/cadres/checkins/{cid}/review",
                          json={"decision": "accepted", "note": "在县里开会，电话核实"}, headers=t01)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["counts"] is True and out["review"]["decision"] == "accepted" and out["allowed_actions"] == []
    _, after = await _row(client, t01, month, item["cadre_id"])
    assert after[0]["checkin_days"] == before[0]["checkin_days"] + 1
    assert after[0]["flagged_days"] == before[0]["flagged_days"] - 1
    r = await client.post(f"/api/v1/cadres/checkins/{cid}/review",
                          json={"decision": "rejected", "note": "again"}, headers=await auth("admin"))
    assert r.status_code == 409 and r.json()["code"] == "checkin_already_reviewed"
    assert cid not in [i["id"] for i in (await client.get(
        "/api/v1/cadres/checkins", params={"flagged": True, "reviewed": False}, headers=t01)).json()["items"]]
    events = (await db.execute(select(OutboxEvent).where(OutboxEvent.event_type == "cadre_checkin.review",
                                                         OutboxEvent.entity_id == str(cid)))).scalars().all()
    assert len(events) == 1 and events[0].payload["decision"] == "accepted"


async def test_a_rejected_check_in_stays_uncounted_and_an_unflagged_one_has_nothing_to_review(
        client: httpx.AsyncClient, auth, checkin) -> None:
    plain = await checkin(checked_at=now_iso(-timedelta(hours=1)))
    if plain.status_code == 201:
        r = await client.post(f"/api/v1/cadres/checkins/{plain.json()['id']}/review",
                              json={"decision": "accepted"}, headers=await auth("admin"))
        assert r.status_code == 409 and r.json()["code"] == "checkin_not_flagged"
    h = await auth("cadre01")
    days = {c["local_date"] for c in (await client.get("/api/v1/cadres/checkins", params={"mine": True, "limit": 100},
                                                         headers=h)).json()["items"]}
    free = next(d for d in range(1, 7) if (clock.local_today() - timedelta(days=d)).isoformat() not in days)
    at = datetime.combine(clock.local_today() - timedelta(days=free), datetime.min.time(), SHANGHAI) \
        + timedelta(hours=10)
    r = await client.post("/api/v1/cadres/checkins", headers={**h, "Idempotency-Key": "far-rejected"},
                          json={"checked_at": at.isoformat(), "lat": BEIJING[0], "lng": BEIJING[1], "accuracy_m": 10})
    assert r.status_code == 201 and r.json()["flags"]
    cid = r.json()["id"]
    r = await client.post(f"/api/v1/cadres/checkins/{cid}/review",
                          json={"decision": "rejected", "note": "不在驻点村"}, headers=await auth("admin"))
    assert r.status_code == 200 and r.json()["counts"] is False
    _, rows = await _row(client, await auth("admin"), month_of(at.date()), r.json()["cadre_id"])
    assert any(f["checkin_id"] == cid and f["review"] == "rejected" for f in rows[0]["flagged"])
    assert at.date().isoformat() not in rows[0]["days"]
    assert {row["township_code"] for row in (await client.get(ATT, params={"month": month_of(at.date())},
                                                                 headers=await auth("township01"))).json()["rows"]} == {T01}
