"""Webhooks: township systems hear about events of their township.

- The county admin subscribes an API client's URL to event types (exact, a prefix ending in ".",
  or "*") that some listed event type matches (webhooks/catalog.py); the signing secret (Standard
  Webhooks, `whsec_...`) is shown once.
- The outbox consumer `webhooks` (kit/events.py) runs in the relay's transaction: for an event
  about a village (its payload names `village_id`), every active subscription of an active client
  of that village's township whose types match, and whose client holds the read scope of the
  event's area (catalog.py: `funds:read` for claims), gets a delivery row, and a delivery job is queued.
  Events come only from committed changes, so a rolled-back write sends nothing.
- The job `webhooks.deliver` (every minute, and right after deliveries are queued) POSTs each due
  delivery, signed with the `standardwebhooks` package (headers webhook-id, webhook-timestamp,
  webhook-signature), logs the attempt (status code, the answer's first characters or the error),
  and on anything but a 2xx tries again later: 30 s, 1 min, 2 min, … (doubling, at most 6 h), up
  to MAX_ATTEMPTS, then the delivery is failed. Any delivery can be replayed (queued again).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import any_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from cunzhi.auth.models import ApiClient
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, clock, crypto, events, jobs
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.users.permissions import USERS, UserAction
from cunzhi.villages.models import Village
from cunzhi.webhooks import catalog, destinations
from cunzhi.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from cunzhi.webhooks.schemas import SubscriptionCreate

DELIVER_TASK = "webhooks.deliver"
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 10.0
BATCH = 50


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones (1 -> 30 s, doubling, at most 6 h)."""
    return int(min(FIRST_RETRY_SECONDS * 2 ** min(attempts - 1, 20), MAX_RETRY_SECONDS))


matches = catalog.matches


# ---- subscriptions (the county admin) ----------------------------------------------------------


async def _client(session: AsyncSession, admin: Principal, client_id: str) -> ApiClient:
    require(admin, USERS, UserAction.manage_clients, detail=f"Role {admin.role.value} may not do this")
    townships = select(Division.code).where(Division.parent_code == admin.division_code)
    client = (await session.execute(select(ApiClient).where(
        ApiClient.client_id == client_id, ApiClient.division_code.in_(townships)))).scalar_one_or_none()
    if client is None:
        raise NotFound("API client not found", code="api_client_not_found")
    return client


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    attempts: Sequence[WebhookAttempt]


async def create_subscription(session: AsyncSession, admin: Principal, client_id: str,
                              data: SubscriptionCreate) -> tuple[WebhookSubscription, str]:
    """The new subscription and its signing secret (shown in this answer only)."""
    client = await _client(session, admin, client_id)
    if not client.is_active:
        raise Conflict("A deactivated client gets no webhooks", code="api_client_inactive")
    unknown = [(i, t) for i, t in enumerate(data.event_types) if not catalog.pattern_reaches(t)]
    if unknown:
        raise Unprocessable("No event sent to webhooks has this type (docs/integration.md lists them)",
                            code="webhook_event_unknown", errors=[
                                {"loc": ["body", "event_types", i], "msg": f"{t} matches no event sent to webhooks",
                                 "type": "webhook_event_unknown"} for i, t in unknown])
    try:
        await destinations.check(str(data.url))
    except destinations.DestinationRefused as exc:
        raise Unprocessable(exc.detail, code=f"webhook_url_{exc.reason}", errors=[
            {"loc": ["body", "url"], "msg": exc.detail, "type": f"webhook_url_{exc.reason}"}]) from None
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    sub = WebhookSubscription(api_client_id=client.id, url=str(data.url), event_types=sorted(set(data.event_types)),
                              secret_encrypted=crypto.encrypt(secret))
    session.add(sub)
    await session.flush()
    await session.refresh(sub)
    await audit.record(session, admin, "webhook_subscription.create", "webhook_subscription", sub.id,
                       after=audit.snapshot(sub, "secret_encrypted"))
    return sub, secret


async def list_subscriptions(session: AsyncSession, admin: Principal,
                             client_id: str) -> Sequence[WebhookSubscription]:
    client = await _client(session, admin, client_id)
    rows = (await session.execute(select(WebhookSubscription).where(WebhookSubscription.api_client_id == client.id)
                                  .order_by(WebhookSubscription.id))).scalars()
    return rows.all()


async def _subscription(session: AsyncSession, admin: Principal, client_id: str, sub_id: int) -> WebhookSubscription:
    client = await _client(session, admin, client_id)
    sub = (await session.execute(select(WebhookSubscription).where(
        WebhookSubscription.id == sub_id, WebhookSubscription.api_client_id == client.id))).scalar_one_or_none()
    if sub is None:
        raise NotFound("Webhook subscription not found", code="webhook_not_found")
    return sub


async def deactivate_subscription(session: AsyncSession, admin: Principal, client_id: str,
                                  sub_id: int) -> WebhookSubscription:
    sub = await _subscription(session, admin, client_id, sub_id)
    before = audit.snapshot(sub, "secret_encrypted")
    sub.is_active = False
    await session.flush()
    await audit.record(session, admin, "webhook_subscription.deactivate", "webhook_subscription", sub.id,
                       before=before, after=audit.snapshot(sub, "secret_encrypted"))
    return sub


async def _with_attempts(session: AsyncSession, deliveries: Sequence[WebhookDelivery]) -> list[DeliveryView]:
    """The deliveries with their attempts, read in one query."""
    log: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if log:
        for a in (await session.execute(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(log))
                                        .order_by(WebhookAttempt.id))).scalars():
            log[a.delivery_id].append(a)
    return [DeliveryView(d, log[d.id]) for d in deliveries]


async def list_deliveries(session: AsyncSession, admin: Principal, client_id: str, sub_id: int,
                          *, limit: int) -> list[DeliveryView]:
    sub = await _subscription(session, admin, client_id, sub_id)
    rows = (await session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
                                  .order_by(WebhookDelivery.id.desc()).limit(limit))).scalars().all()
    return await _with_attempts(session, rows)


async def replay(session: AsyncSession, admin: Principal, client_id: str, sub_id: int, delivery_id: int) -> DeliveryView:
    """Queue a delivery again (delivered or failed alike), with a fresh set of attempts."""
    sub = await _subscription(session, admin, client_id, sub_id)
    d = (await session.execute(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == sub.id).with_for_update())).scalar_one_or_none()
    if d is None:
        raise NotFound("Delivery not found", code="webhook_delivery_not_found")
    if not sub.is_active:
        raise Conflict("The subscription is deactivated", code="webhook_inactive")
    d.status, d.attempts, d.next_attempt_at, d.delivered_at = "pending", 0, clock.now(), None
    await session.flush()
    await audit.record(session, admin, "webhook_delivery.replay", "webhook_delivery", d.id)
    await jobs.defer(session, DELIVER_TASK, lock=DELIVER_TASK, queueing_lock=DELIVER_TASK)
    return (await _with_attempts(session, [d]))[0]


# ---- the outbox consumer -------------------------------------------------------------------------


async def _township_of(session: AsyncSession, payload: dict[str, Any]) -> str | None:
    vid = payload.get("village_id")
    if isinstance(vid, int) and 0 < vid < 2**31:
        return (await session.execute(select(Village.township_code).where(Village.id == vid))).scalar_one_or_none()
    code = payload.get("village_code")
    if isinstance(code, str) and len(code) == 12:
        return (await session.execute(select(Village.township_code).where(Village.code == code))).scalar_one_or_none()
    return None


@events.consumer("webhooks", "*")
async def enqueue(session: AsyncSession, event: events.Delivered) -> None:
    kind = catalog.EVENT_TYPES.get(event.event_type)
    if kind is None:
        return  # not a listed type (webhooks/catalog.py): no area, so no client may hear it
    township = await _township_of(session, event.payload)
    if township is None:
        return  # not about one village: no township system is told
    # Only clients that may read the event's area hear it (a villages:read client gets no claims).
    subs = (await session.execute(
        select(WebhookSubscription).join(ApiClient, ApiClient.id == WebhookSubscription.api_client_id)
        .where(WebhookSubscription.is_active, ApiClient.is_active, ApiClient.division_code == township,
               any_(ApiClient.scopes) == kind.scope))).scalars().all()
    now = clock.now()
    queued = 0
    for sub in subs:
        if not matches(list(sub.event_types), event.event_type):
            continue
        body = {"type": event.event_type, "timestamp": event.created_at.isoformat(),
                "data": {"entity": event.entity, "id": event.entity_id, **event.payload}}
        session.add(WebhookDelivery(subscription_id=sub.id, outbox_event_id=event.id,
                                    message_id=f"msg_{event.id}_{sub.id}", event_type=event.event_type,
                                    payload=body, status="pending", attempts=0, next_attempt_at=now))
        queued += 1
    if queued:
        await session.flush()
        await jobs.defer(session, DELIVER_TASK, lock=DELIVER_TASK, queueing_lock=DELIVER_TASK)


# ---- delivering ---------------------------------------------------------------------------------


def signed_headers(secret: str, message_id: str, body: str, at: Any) -> dict[str, str]:
    signature = Webhook(secret).sign(message_id, at, body)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature, "content-type": "application/json"}


async def deliver_due(session: AsyncSession, http: httpx.AsyncClient, *, limit: int = BATCH) -> dict[str, int]:
    """Try every due delivery once (locked, so two workers never send one twice at a time)."""
    now = clock.now()
    rows = (await session.execute(
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True))).all()
    done = {"delivered": 0, "retrying": 0, "failed": 0}
    for d, sub in rows:
        body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":"))
        at = clock.now()
        status: int | None = None
        excerpt: str | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            headers = signed_headers(crypto.decrypt(sub.secret_encrypted), d.message_id, body, at)
            answer = await destinations.post(http, sub.url, content=body.encode(), headers=headers,
                                             timeout_seconds=TIMEOUT_SECONDS)
            status, excerpt = answer.status_code, answer.text[:500]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        except destinations.DestinationRefused as exc:
            error = f"refused: {exc.detail}"[:500]
        took = int((time.monotonic() - started) * 1000)
        session.add(WebhookAttempt(delivery_id=d.id, at=at, status_code=status, response_excerpt=excerpt,
                                   error=error, duration_ms=took))
        d.attempts += 1
        d.last_status_code = status
        if status is not None and 200 <= status < 300:
            d.status, d.delivered_at, d.next_attempt_at = "succeeded", clock.now(), None
            done["delivered"] += 1
        elif d.attempts >= MAX_ATTEMPTS or not sub.is_active:
            d.status, d.next_attempt_at = "failed", None
            done["failed"] += 1
        else:
            d.next_attempt_at = clock.now() + timedelta(seconds=retry_delay(d.attempts))
            done["retrying"] += 1
    await session.flush()
    return done


async def pending_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(WebhookDelivery)
                                      .where(WebhookDelivery.status == "pending"))).scalar_one())


async def rotate_secrets(session: AsyncSession) -> int:
    """Re-encrypt every stored signing secret under the current key (after CUNZHI_SECRET_KEY
    changed and the old one moved to CUNZHI_PREVIOUS_SECRET_KEYS). Rows are locked so a delivery
    reading one meanwhile gets either version, both readable. Returns how many were rewritten."""
    subs = (await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id).with_for_update())).all()
    for sub in subs:
        sub.secret_encrypted = crypto.rotate(sub.secret_encrypted)
    return len(subs)
