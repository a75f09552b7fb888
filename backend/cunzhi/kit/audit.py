"""Append-only, hash-chained audit log of every write.

Each event stores the hash of the one before it, so changing or removing a row breaks the
chain from there on (`cunzhi audit verify`). UPDATE, DELETE and TRUNCATE are refused by a
trigger; writers serialise on an advisory lock only for the instant of appending.
"""

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit import clock
from cunzhi.kit.principal import Principal

GENESIS = "0" * 64
_AUDIT_LOCK = 0x6375_6E7A_6869  # "cunzhi"


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


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
    """Append one event in the caller's transaction."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
    prev = (await session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))).scalar()
    prev_hash = prev or GENESIS
    at = clock.now()
    actor_key = actor.key if actor else "system"
    actor_name = actor.name if actor else "system"
    before_p, after_p = _plain(before), _plain(after)
    event = AuditEvent(
        at=at, actor=actor_key, actor_name=actor_name, action=action, entity=entity, entity_id=str(entity_id),
        before=before_p, after=after_p, prev_hash=prev_hash,
        hash=chain_hash(prev_hash, at, actor_key, action, entity, str(entity_id), before_p, after_p),
    )
    session.add(event)
    await session.flush()
    return event


@dataclass
class VerifyResult:
    checked: int
    broken_at: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def _events(session: AsyncSession) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (await session.execute(
            select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(2000)
        )).scalars().all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].id


async def verify(session: AsyncSession) -> VerifyResult:
    """Walk the chain; report the first event whose hash or link does not match."""
    prev_hash, n = GENESIS, 0
    async for ev in _events(session):
        n += 1
        if ev.prev_hash != prev_hash:
            return VerifyResult(n, ev.id, "link to the previous event is broken (a row was removed or reordered)")
        expected = chain_hash(ev.prev_hash, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before, ev.after)
        if expected != ev.hash:
            return VerifyResult(n, ev.id, "content does not match its hash (the row was changed)")
        prev_hash = ev.hash
    return VerifyResult(n, None, None)


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


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())
