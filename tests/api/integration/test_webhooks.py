"""Webhooks: subscriptions per client, deliveries from the outbox (none for a rolled-back write,
none for another township), signed per Standard Webhooks and verified with the same library's
receiving side, retried with backoff against a receiver that fails twice, a log, and replay."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from sqlalchemy import select, text
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from cunzhi.config import get_settings
from cunzhi.kit import clock, events
from cunzhi.webhooks import service
from cunzhi.webhooks.models import WebhookDelivery

TOWNSHIP_01, TOWNSHIP_02 = "230199100000", "230199101000"
VILLAGE_01 = "230199100200"


class Receiver:
    """A local endpoint answering 500 `fail` times, then 200; it keeps what it got."""

    def __init__(self, fail: int) -> None:
        self.fail, self.got = fail, []  # type: ignore[var-annotated]
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.got.append((dict(self.headers.items()), body))
                code = 500 if len(outer.got) <= outer.fail else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"try later" if code == 500 else b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _private_allowed(monkeypatch):  # type: ignore[no-untyped-def]
    """These tests deliver to 127.0.0.1 (test_webhook_safety.py covers the refusal)."""
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = Receiver(fail=2)
    yield r
    r.close()


async def _subscribe(client, token_for, client_id, url, types):  # type: ignore[no-untyped-def]
    r = await client.post(f"/api/v1/api-clients/{client_id}/webhooks", headers=await token_for("admin"),
                          json={"url": url, "event_types": types})
    assert r.status_code == 201, r.text
    return r.json()


async def _village_id(db, code=VILLAGE_01):  # type: ignore[no-untyped-def]
    return (await db.execute(text("SELECT id FROM villages WHERE code = :c"), {"c": code})).scalar()


async def _relay_all(db) -> None:  # type: ignore[no-untyped-def]
    while await events.relay_next(db) is not None:
        pass


async def test_subscription_secret_once_and_input_checked(client, token_for, new_client):
    await new_client("hook-sys")
    sub = await _subscribe(client, token_for, "hook-sys", "https://example.org/hook", ["claim."])
    assert sub["secret"].startswith("whsec_")
    listed = (await client.get("/api/v1/api-clients/hook-sys/webhooks", headers=await token_for("admin"))).json()
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    for body in ({"url": "ftp://x/y", "event_types": ["*"]}, {"url": "https://x.org", "event_types": []},
                 {"url": "https://x.org", "event_types": ["Claim Submit"]}):
        r = await client.post("/api/v1/api-clients/hook-sys/webhooks", headers=await token_for("admin"), json=body)
        assert r.status_code == 422, body
    r = await client.get("/api/v1/api-clients/hook-sys/webhooks", headers=await token_for("township01"))
    assert r.status_code == 403


async def test_events_of_its_township_only_and_none_for_a_rolled_back_write(client, token_for, new_client, db):
    await _relay_all(db)  # whatever was waiting before
    await new_client("t1-hook")
    await new_client("t2-hook", township=TOWNSHIP_02)
    s1 = await _subscribe(client, token_for, "t1-hook", "https://t1.example.org/h", ["claim."])
    s2 = await _subscribe(client, token_for, "t2-hook", "https://t2.example.org/h", ["*"])
    other = await _subscribe(client, token_for, "t1-hook", "https://t1.example.org/cases", ["rectification_case.accept"])
    vid = await _village_id(db)
    # A write that rolls back: its event never leaves.
    nested = await db.begin_nested()
    await events.emit(db, None, "claim.submit", "claim", 999001, payload={"village_id": vid})
    await nested.rollback()
    await events.emit(db, None, "claim.approve", "claim", 999002, payload={"village_id": vid, "state": "approved"})
    await _relay_all(db)
    rows = (await db.execute(select(WebhookDelivery.subscription_id, WebhookDelivery.event_type, WebhookDelivery.payload)
                             .where(WebhookDelivery.subscription_id.in_([s1["id"], s2["id"], other["id"]])))).all()
    assert [(r[0], r[1]) for r in rows] == [(s1["id"], "claim.approve")]
    assert rows[0][2]["data"]["id"] == "999002" and rows[0][2]["type"] == "claim.approve"
    # Queued as a job in the same transaction.
    assert (await db.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'webhooks.deliver'"
                                  " AND status = 'todo'"))).scalar() >= 1


async def test_signed_delivery_retried_with_backoff_then_logged_and_replayed(client, token_for, new_client, db, receiver):
    await _relay_all(db)
    await new_client("retry-hook")
    sub = await _subscribe(client, token_for, "retry-hook", receiver.url, ["claim.pay"])
    await events.emit(db, None, "claim.pay", "claim", 424242, payload={"village_id": await _village_id(db), "amount": "12.50"})
    await _relay_all(db)
    async with httpx.AsyncClient() as http:
        with clock.travel(frozen=True):
            assert await service.deliver_due(db, http) == {"delivered": 0, "retrying": 1, "failed": 0}
            assert await service.deliver_due(db, http) == {"delivered": 0, "retrying": 0, "failed": 0}  # not due yet
        with clock.travel(by=timedelta(seconds=service.retry_delay(1) + 1), frozen=True):
            assert (await service.deliver_due(db, http))["retrying"] == 1
        with clock.travel(by=timedelta(seconds=service.retry_delay(1) + service.retry_delay(2) + 2), frozen=True):
            assert (await service.deliver_due(db, http))["delivered"] == 1
    assert len(receiver.got) == 3
    headers, body = receiver.got[-1]
    # The receiving side of the same library accepts it; a changed body is refused.
    verified = Webhook(sub["secret"]).verify(body, headers)
    assert verified["type"] == "claim.pay" and verified["data"]["amount"] == "12.50"
    assert headers["webhook-id"] == receiver.got[0][0]["webhook-id"]  # the same message on every try
    with pytest.raises(WebhookVerificationError):
        Webhook(sub["secret"]).verify(body.replace(b"12.50", b"99.50"), headers)

    admin = await token_for("admin")
    log = (await client.get(f"/api/v1/api-clients/retry-hook/webhooks/{sub['id']}/deliveries", headers=admin)).json()
    assert len(log) == 1 and log[0]["status"] == "succeeded" and log[0]["attempts"] == 3
    assert [a["status_code"] for a in log[0]["log"]] == [500, 500, 200]
    assert log[0]["log"][0]["response_excerpt"] == "try later"
    r = await client.post(f"/api/v1/api-clients/retry-hook/webhooks/{sub['id']}/deliveries/{log[0]['id']}/replay",
                          headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
    async with httpx.AsyncClient() as http:
        with clock.travel(by=timedelta(seconds=1), frozen=True):
            assert (await service.deliver_due(db, http))["delivered"] == 1
    assert len(receiver.got) == 4 and json.loads(receiver.got[-1][1])["type"] == "claim.pay"


async def test_unreachable_endpoint_fails_after_the_last_attempt(client, token_for, new_client, db):
    await _relay_all(db)
    await new_client("dead-hook")
    await _subscribe(client, token_for, "dead-hook", "http://127.0.0.1:9/nowhere", ["claim."])
    await events.emit(db, None, "claim.submit", "claim", 5150, payload={"village_id": await _village_id(db)})
    await _relay_all(db)
    waited = timedelta(0)
    async with httpx.AsyncClient() as http:
        for attempt in range(1, service.MAX_ATTEMPTS + 1):
            with clock.travel(by=waited, frozen=True):
                done = await service.deliver_due(db, http)
            assert done["failed" if attempt == service.MAX_ATTEMPTS else "retrying"] == 1, attempt
            waited += timedelta(seconds=service.retry_delay(attempt) + 1)
    d = (await db.execute(select(WebhookDelivery).where(WebhookDelivery.outbox_event_id.in_(
        select(text("id FROM outbox_events WHERE entity_id = '5150'")))))).scalar_one()
    assert d.status == "failed" and d.attempts == service.MAX_ATTEMPTS and d.last_status_code is None
