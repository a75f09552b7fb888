"""Append-only, hash-chained audit log of every write.

Writers append events unchained, with no lock: two transactions in different townships never
wait for each other. `seal` then chains the committed, unsealed events in the order it finds
them: each gets the next sealing number (`seq`), the hash of the event sealed before it
(`prev_hash`) and its own hash over that link and its content. Changing, inserting or removing a
sealed event breaks the chain from there on (`verify`, `cunzhi audit verify`). Only sealers wait
for each other (an advisory lock held by `seal` alone). A trigger refuses DELETE, TRUNCATE and
every UPDATE except setting the three seal columns once (from NULL), so even sealing cannot
rewrite an event. The worker seals periodically; `cunzhi audit verify` seals first.
"""

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit import clock
from cunzhi.kit.principal import Principal

GENESIS = "0" * 64
_SEAL_LOCK = 0x6375_6E7A_6869  # "cunzhi": sealers only; writers never take it
_SEAL_BATCH = 2000


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_unsealed", "id", postgresql_where=text("seq IS NULL")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Set once by seal(); NULL while the event is not sealed yet.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, *exclude: str) -> dict[str, Any]:
    """The column values of an ORM object, JSON-ready (Decimal as string)."""
    cols = obj.__table__.columns
    return {c.key: _plain(getattr(obj, c.key)) for c in cols if c.key not in exclude}


def chain_hash(prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               before: Any, after: Any) -> str:
    payload = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(), actor, action, entity, entity_id, before, after],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


async def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one (unsealed) event in the caller's transaction; takes no lock."""
    actor_key = actor.key if actor else "system"
    actor_name = actor.name if actor else "system"
    event = AuditEvent(
        at=clock.now(), actor=actor_key, actor_name=actor_name, action=action, entity=entity,
        entity_id=str(entity_id), before=_plain(before), after=_plain(after),
    )
    session.add(event)
    await session.flush()
    return event


def _event_hash(prev_hash: str, ev: Any) -> str:
    return chain_hash(prev_hash, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before, ev.after)


async def seal(session: AsyncSession) -> int:
    """Chain every committed, unsealed event after the last sealed one; returns how many.

    Runs in the caller's transaction (commit it to keep the seals). Two sealers queue on an
    advisory lock held to their commit, so the chain never forks; writers are not affected.
    Events of transactions still open are not visible yet and are sealed by a later call.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SEAL_LOCK})
    last = (await session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc()).limit(1))).first()
    seq: int = last[0] or 0 if last else 0
    prev_hash: str = str(last[1]) if last else GENESIS
    sealed = 0
    cols = (AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.entity,
            AuditEvent.entity_id, AuditEvent.before, AuditEvent.after)
    while True:
        rows = (await session.execute(
            select(*cols).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(_SEAL_BATCH))).all()
        if not rows:
            return sealed
        params = []
        for ev in rows:
            seq += 1
            digest = _event_hash(prev_hash, ev)
            params.append({"id": ev.id, "seq": seq, "p": prev_hash, "h": digest})
            prev_hash = digest
        await session.execute(text(
            "UPDATE audit_events SET seq = :seq, prev_hash = :p, hash = :h WHERE id = :id AND seq IS NULL"), params)
        sealed += len(rows)


@dataclass
class VerifyResult:
    checked: int
    broken_at: int | None
    reason: str | None
    unsealed: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def _sealed(session: AsyncSession) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (await session.execute(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(2000)
        )).scalars().all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq or 0


async def verify(session: AsyncSession) -> VerifyResult:
    """Walk the sealed chain; report the first event whose place, link or hash does not match,
    and how many events are not sealed yet (call `seal` first to include them)."""
    prev_hash, n = GENESIS, 0
    unsealed = int((await session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None)))).scalar_one())
    async for ev in _sealed(session):
        n += 1
        if ev.seq != n:
            return VerifyResult(n, ev.id, f"sealed event {n} is missing (a row was removed)", unsealed)
        if ev.prev_hash != prev_hash:
            return VerifyResult(n, ev.id, "link to the previous event is broken (a row was removed, inserted or "
                                          "reordered)", unsealed)
        if _event_hash(prev_hash, ev) != ev.hash:
            return VerifyResult(n, ev.id, "content does not match its hash (the row was changed)", unsealed)
        prev_hash = ev.hash
    return VerifyResult(n, None, None, unsealed)


# SQL shared by migrations: a trigger function that refuses changes to append-only tables.
FORBID_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION cunzhi_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def forbid_change_sql(table: str) -> list[str]:
    """Statements that make `table` append-only (use in a migration's upgrade())."""
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION cunzhi_forbid_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION cunzhi_forbid_change()",
    ]


# The audit log's own trigger: the seal columns may be set once (NULL -> value), nothing else changes.
SEAL_ONCE_FUNCTION = """
CREATE OR REPLACE FUNCTION cunzhi_audit_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
     AND NEW.hash IS NOT NULL
     AND to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash' = to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'table % is append-only: % is not allowed (only sealing, once)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())
