"""Events: what happened, written once in the transaction of the change, then relayed.

A service that records something happening (a claim submitted, a case accepted, a pairing
confirmed, a posting started) calls `emit()`. In the caller's transaction it writes the
domain's own trail row (when the caller passes one), the audit event and an outbox row, so a
change that rolls back leaves none of them and a committed one leaves all three.

The worker's relay job (cunzhi/worker/tasks.py) hands committed outbox rows, in id order, to
the consumers registered with `@consumer(...)`; each row is marked relayed in the same
transaction as its consumers' own writes, so a consumer that defers a job defers it exactly
once. Webhooks will be one more consumer.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import BigInteger, DateTime, Index, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit import audit, clock
from cunzhi.kit.principal import Principal

log = logging.getLogger("cunzhi.events")


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay's queue: rows not yet relayed, oldest first.
        Index("ix_outbox_events_pending", "id", postgresql_where=text("relayed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    audit_event_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    relayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


async def emit(
    session: AsyncSession,
    principal: Principal | None,
    event_type: str,
    entity: str,
    entity_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    trail: Base | None = None,
    audit_entity: str | None = None,
) -> OutboxEvent:
    """Record that `event_type` happened to `entity` `entity_id`, in the caller's transaction.

    `trail` is the domain's own trail row (added and flushed here); `audit_entity` names the
    entity in the audit log where it differs from the event's (e.g. "funds.claim")."""
    if trail is not None:
        session.add(trail)
        await session.flush()
    event = await audit.record(session, principal, event_type, audit_entity or entity, entity_id,
                               before=before, after=after)
    return await publish(session, principal, event_type, entity, entity_id,
                         payload if payload is not None else (after or {}), audit_event_id=event.id)


async def publish(session: AsyncSession, principal: Principal | None, event_type: str, entity: str, entity_id: Any,
                  payload: dict[str, Any], *, audit_event_id: int | None) -> OutboxEvent:
    """The outbox row alone, for a change whose audit event is already recorded under another
    action (a check-in stored, and flagged: one audit event, one `cadre_checkin.flagged` event)."""
    row = OutboxEvent(event_type=event_type, entity=entity, entity_id=str(entity_id),
                      actor=principal.key if principal else "system",
                      payload=to_jsonable_python(payload),  # Decimal as a string
                      audit_event_id=audit_event_id, created_at=clock.now())
    session.add(row)
    await session.flush()
    relay_after_commit(session)
    return row


# ---- consumers -------------------------------------------------------------------------------

Consumer = Callable[[AsyncSession, "Delivered"], Awaitable[None]]


@dataclass(frozen=True)
class Delivered:
    """An outbox row as a consumer sees it."""

    id: int
    event_type: str
    entity: str
    entity_id: str
    actor: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class _Registration:
    name: str
    prefixes: tuple[str, ...]
    fn: Consumer


_consumers: dict[str, _Registration] = {}


def consumer(name: str, *event_types: str) -> Callable[[Consumer], Consumer]:
    """Register `fn(session, event)` for these event types ("claim.submit", or a prefix ending in
    "." such as "claim.", or "*" for all). It runs in the relay's transaction: its writes commit
    together with the row being marked relayed, and raising stops the relay at that row."""

    def register(fn: Consumer) -> Consumer:
        _consumers[name] = _Registration(name, event_types or ("*",), fn)
        return fn

    return register


def _matches(prefixes: tuple[str, ...], event_type: str) -> bool:
    return any(p == "*" or p == event_type or (p.endswith(".") and event_type.startswith(p)) for p in prefixes)


def consumers_for(event_type: str) -> list[Consumer]:
    return [r.fn for r in _consumers.values() if _matches(r.prefixes, event_type)]


async def relay_next(session: AsyncSession) -> Delivered | None:
    """Hand the oldest unrelayed row to its consumers and mark it relayed; None when none is left.

    One row per call, each in the caller's transaction (the relay commits after every row), so
    a failing consumer holds back only the rows after it, in order. FOR UPDATE SKIP LOCKED keeps
    two relays apart even without the worker's lock; a row whose transaction has not committed
    is not seen and is relayed once it commits."""
    row = (await session.execute(
        select(OutboxEvent).where(OutboxEvent.relayed_at.is_(None)).order_by(OutboxEvent.id).limit(1)
        .with_for_update(skip_locked=True))).scalar_one_or_none()
    if row is None:
        return None
    event = Delivered(row.id, row.event_type, row.entity, row.entity_id, row.actor, row.payload, row.created_at)
    for fn in consumers_for(row.event_type):
        await fn(session, event)
    row.relayed_at = clock.now()
    await session.flush()
    return event


async def pending(session: AsyncSession) -> int:
    return int((await session.execute(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.relayed_at.is_(None)))).scalar_one())


def relay_after_commit(session: AsyncSession) -> None:
    """Ask the worker to relay now rather than at its next tick (only once the change committed)."""
    from cunzhi.kit import jobs
    from cunzhi.kit.uow import after_commit

    after_commit(session, jobs.nudge_relay, key="outbox.relay")
