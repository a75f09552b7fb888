from typing import Annotated

from fastapi import Depends, Path, Query

from cunzhi.kit.deps import SessionDep
from cunzhi.kit.permissions import gate
from cunzhi.kit.principal import Principal
from cunzhi.kit.routing import DomainRouter
from cunzhi.users.permissions import USERS, UserAction
from cunzhi.webhooks import service
from cunzhi.webhooks.models import WebhookSubscription
from cunzhi.webhooks.schemas import AttemptOut, DeliveryOut, SubscriptionCreate, SubscriptionCreated, SubscriptionOut

Admin = Annotated[Principal, Depends(gate(USERS, UserAction.manage_clients))]
ClientId = Annotated[str, Path(max_length=64)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
BigId = Annotated[int, Path(ge=1, le=2**63 - 1)]
router = DomainRouter(prefix="/api/v1/api-clients/{client_id}/webhooks", tags=["webhooks"])


def _sub_out(s: WebhookSubscription) -> SubscriptionOut:
    return SubscriptionOut(id=s.id, url=s.url, event_types=list(s.event_types), is_active=s.is_active,
                           created_at=s.created_at)


def _delivery_out(v: service.DeliveryView) -> DeliveryOut:
    d = v.delivery
    return DeliveryOut(
        id=d.id, message_id=d.message_id, event_type=d.event_type, status=d.status, attempts=d.attempts,
        last_status_code=d.last_status_code, next_attempt_at=d.next_attempt_at, delivered_at=d.delivered_at,
        created_at=d.created_at, payload=d.payload,
        log=[AttemptOut(at=a.at, status_code=a.status_code, response_excerpt=a.response_excerpt, error=a.error,
                        duration_ms=a.duration_ms) for a in v.attempts])


@router.get("", response_model=list[SubscriptionOut], name="list",
            summary="List the webhook subscriptions of an API client",
            description="County administrator of the client's county only; signing secrets are never shown again.")
async def list_subscriptions(client_id: ClientId, admin: Admin, session: SessionDep) -> list[SubscriptionOut]:
    return [_sub_out(s) for s in await service.list_subscriptions(session, admin, client_id)]


@router.post("", response_model=SubscriptionCreated, status_code=201, name="create",
             summary="Subscribe the client's URL to event types; the signing secret is in this answer only")
async def create_subscription(client_id: ClientId, body: SubscriptionCreate, admin: Admin,
                              session: SessionDep) -> SubscriptionCreated:
    """Subscribes an API client's HTTPS URL to event types; the signing secret is in this answer only. County admin
    only; a URL that points at a private address or does not resolve is 422, a deactivated client 409."""
    sub, secret = await service.create_subscription(session, admin, client_id, body)
    return SubscriptionCreated(**_sub_out(sub).model_dump(), secret=secret)


@router.post("/{subscription_id}/deactivate", response_model=SubscriptionOut, name="deactivate",
             summary="Deactivate a webhook subscription: no new events go to it",
             description="County administrator only. Its delivery log stays readable.")
async def deactivate_subscription(client_id: ClientId, subscription_id: Id, admin: Admin,
                                  session: SessionDep) -> SubscriptionOut:
    return _sub_out(await service.deactivate_subscription(session, admin, client_id, subscription_id))


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryOut], name="deliveries",
            summary="The delivery log, newest first: attempts, status codes, response excerpts")
async def list_deliveries(client_id: ClientId, subscription_id: Id, admin: Admin, session: SessionDep,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[DeliveryOut]:
    """The delivery log of a webhook subscription, newest first: event, attempts, response status codes and
    excerpts. County admin only; an unknown subscription is 404."""
    return [_delivery_out(v) for v in await service.list_deliveries(session, admin, client_id, subscription_id,
                                                                   limit=limit)]


@router.post("/{subscription_id}/deliveries/{delivery_id}/replay", response_model=DeliveryOut, name="replay",
             summary="Send a delivery again (queued at once, with fresh attempts)")
async def replay(client_id: ClientId, subscription_id: Id, delivery_id: BigId, admin: Admin,
                 session: SessionDep) -> DeliveryOut:
    """Queues a webhook delivery again at once, with fresh attempts, for example after the township system was down.
    County admin only; an inactive subscription is 409."""
    return _delivery_out(await service.replay(session, admin, client_id, subscription_id, delivery_id))
