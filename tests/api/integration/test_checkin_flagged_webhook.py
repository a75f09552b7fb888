"""A township system hears of a flagged check-in in its township (`cadre_checkin.flagged`), from the
outbox row written with the check-in."""

import pytest
from sqlalchemy import select

from cunzhi.config import get_settings
from cunzhi.kit import events
from cunzhi.webhooks.models import WebhookDelivery

BEIJING = (39.9042, 116.4074)  # about 1,000 km from the demo county
TOWNSHIP_02 = "230199101000"


@pytest.fixture(autouse=True)
def _private_allowed(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)


async def _relay_all(db) -> None:  # type: ignore[no-untyped-def]
    while await events.relay_next(db) is not None:
        pass


async def test_a_flagged_check_in_reaches_its_township_s_system(client, token_for, new_client, db) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    await _relay_all(db)
    admin = await token_for("admin")
    subs = {}
    for client_id, township in (("flag-t1", None), ("flag-t2", TOWNSHIP_02)):
        await new_client(client_id, scopes=["cadres:read"], **({"township": township} if township else {}))
        r = await client.post(f"/api/v1/api-clients/{client_id}/webhooks", headers=admin,
                              json={"url": f"https://{client_id}.example.org/h", "event_types": ["cadre_checkin."]})
        assert r.status_code == 201, r.text
        subs[client_id] = r.json()["id"]
    body = {"checked_at": datetime.now(UTC).isoformat(), "lat": BEIJING[0], "lng": BEIJING[1], "accuracy_m": 10}
    r = await client.post("/api/v1/cadres/checkins", json=body, headers={**await token_for("cadre01"),
                                                                         "Idempotency-Key": "flag-hook-1"})
    assert r.status_code == 201 and r.json()["flags"] == ["far_from_village"], r.text
    await _relay_all(db)
    got = (await db.execute(select(WebhookDelivery.subscription_id, WebhookDelivery.event_type, WebhookDelivery.payload)
                            .where(WebhookDelivery.subscription_id.in_(subs.values())))).all()
    assert [(s, t) for s, t, _ in got] == [(subs["flag-t1"], "cadre_checkin.flagged")]
    data = got[0][2]["data"]
    assert data["entity"] == "cadre_checkin" and data["id"] == str(r.json()["id"])
    assert data["flags"] == ["far_from_village"] and data["village_code"] == r.json()["village_code"]
