"""A flagged check-in is an event (`cadre_checkin.flagged`): its outbox row is written with the
check-in and its audit event, by the single POST and by the phone's batch alike, once per check-in."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from cadres_helpers import VILLAGE, checkin_body, new_key
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit.audit import AuditEvent
from cunzhi.kit.events import OutboxEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
BEIJING = (39.9042, 116.4074)  # about 1,000 km from the demo county


async def _events_of(db: AsyncSession, checkin_ids: list[int]) -> list[tuple[OutboxEvent, AuditEvent]]:
    return [(o, a) for o, a in (await db.execute(
        select(OutboxEvent, AuditEvent).join(AuditEvent, AuditEvent.id == OutboxEvent.audit_event_id)
        .where(OutboxEvent.entity == "cadre_checkin", OutboxEvent.entity_id.in_([str(i) for i in checkin_ids]))
        .order_by(OutboxEvent.id))).all()]


def _days_ago(n: int, hour: int = 9) -> str:
    return (datetime.now(SHANGHAI) - timedelta(days=n)).replace(hour=hour, minute=0, second=0,
                                                                microsecond=0).isoformat()


async def test_a_flagged_check_in_is_an_event_an_unflagged_one_is_not(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    key, body = new_key(), checkin_body(lat=BEIJING[0], lng=BEIJING[1])
    far = await client.post("/api/v1/cadres/checkins", json=body, headers=await auth("cadre01", key))
    assert far.status_code == 201 and far.json()["flags"] == ["far_from_village"], far.text
    got = await _events_of(db, [far.json()["id"]])
    assert len(got) == 1
    event, audited = got[0]
    assert event.event_type == "cadre_checkin.flagged" and event.actor.startswith("user:")
    assert audited.action == "cadre_checkin.create" and audited.entity_id == str(far.json()["id"])
    assert event.payload["village_code"] == VILLAGE and event.payload["flags"] == ["far_from_village"]
    assert event.payload["distance_m"] == far.json()["distance_m"] > 900_000
    assert event.payload["checkin_id"] == far.json()["id"] and event.payload["cadre_id"] == far.json()["cadre_id"]
    assert event.payload["local_date"] == far.json()["local_date"]
    assert datetime.fromisoformat(event.payload["checked_at"]) == datetime.fromisoformat(far.json()["checked_at"])
    # the phone's replay of the same write is no second event
    again = await client.post("/api/v1/cadres/checkins", json=body, headers=await auth("cadre01", key))
    assert again.json()["id"] == far.json()["id"] and len(await _events_of(db, [far.json()["id"]])) == 1


async def test_an_unflagged_check_in_is_no_event(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    near = await client.post("/api/v1/cadres/checkins", json=checkin_body(lat=45.7590, lng=126.6430, accuracy_m=20),
                             headers=await auth("cadre01", new_key()))
    assert near.status_code == 201 and near.json()["flags"] == [], near.text
    assert await _events_of(db, [near.json()["id"]]) == []


async def test_the_batch_writes_each_flagged_check_in_s_event_once(client: httpx.AsyncClient, auth, db,  # type: ignore[no-untyped-def]
                                                                    fresh_cadre_user) -> None:
    """Uploaded days late, the week's check-ins are flagged `late_upload`: each one's event is in the
    outbox beside its audit event, as the single POST writes it; today's is not flagged."""
    h = await auth("cadre_t1")
    items = [{"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=_days_ago(n))} for n in (3, 4, 5)]
    items.append({"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=_days_ago(0, 0))})
    r = await client.post("/api/v1/cadres/sync", json={"items": items}, headers=h)
    assert r.status_code == 200 and r.json()["created"] == 4, r.text
    rows = [x["checkin"] for x in r.json()["results"]]
    assert [c["flags"] for c in rows] == [["late_upload"]] * 3 + [[]]
    got = await _events_of(db, [c["id"] for c in rows])
    assert [(o.event_type, o.entity_id) for o, _ in got] == [("cadre_checkin.flagged", str(c["id"])) for c in rows[:3]]
    for (event, audited), c in zip(got, rows, strict=False):
        assert audited.action == "cadre_checkin.create" and audited.entity_id == str(c["id"])
        assert event.actor == audited.actor and event.created_at == audited.at
        assert event.payload["village_code"] == c["village_code"] and event.payload["flags"] == ["late_upload"]
        assert event.payload["checkin_id"] == c["id"] and event.payload["cadre_id"] == c["cadre_id"]
        assert event.payload["local_date"] == c["local_date"] and event.payload["distance_m"] == c["distance_m"]
        assert datetime.fromisoformat(event.payload["checked_at"]) == datetime.fromisoformat(c["checked_at"])
    # the same batch again: duplicates, no new events
    again = await client.post("/api/v1/cadres/sync", json={"items": items}, headers=h)
    assert again.json()["duplicates"] == 4 and len(await _events_of(db, [c["id"] for c in rows])) == 3
