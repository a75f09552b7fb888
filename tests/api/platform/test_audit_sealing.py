"""The audit log without a global lock: writers append unchained events and never wait for each
other; `seal` chains committed events; `verify` finds a changed, inserted or removed sealed event;
the trigger allows nothing but sealing once."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cunzhi.kit import audit
from cunzhi.kit.codes import Role
from cunzhi.kit.principal import Principal

T01, T02 = "230199100000", "230199101000"


def _official(township: str, uid: int) -> Principal:
    return Principal(kind="user", id=uid, name=f"t{township}", role=Role.township_official, division_code=township,
                     division_level="township")


async def test_two_townships_write_audit_events_without_waiting(engine: AsyncEngine) -> None:
    """Each transaction appends while the other is still open. Under a lock held to commit the
    second append would wait for the first transaction to end: here it would time out."""
    async with engine.connect() as ca, engine.connect() as cb:
        a, b = AsyncSession(bind=ca), AsyncSession(bind=cb)
        try:
            for s in (a, b):
                await s.begin()
                await s.execute(text("SET LOCAL lock_timeout = '3s'"))
            await asyncio.wait_for(audit.record(a, _official(T01, 1), "village.update", "village", "230199100201"), 5)
            await asyncio.wait_for(audit.record(b, _official(T02, 2), "village.update", "village", "230199101201"), 5)
            await asyncio.wait_for(audit.record(a, _official(T01, 1), "village.update", "village", "230199100202"), 5)
            await asyncio.wait_for(audit.record(b, _official(T02, 2), "village.update", "village", "230199101202"), 5)
        finally:
            await a.rollback()
            await b.rollback()
            await a.close()
            await b.close()


async def test_events_of_an_open_transaction_are_sealed_later(engine: AsyncEngine, db: AsyncSession) -> None:
    async with engine.connect() as other:
        s = AsyncSession(bind=other)
        await s.begin()
        try:
            mine = await audit.record(s, None, "test.open", "thing", 1)
            await audit.seal(db)  # does not wait for, nor see, the open transaction's event
            result = await audit.verify(db)
            assert result.ok and result.unsealed == 0
            seq = (await db.execute(text("SELECT seq FROM audit_events WHERE id = :i"), {"i": mine.id})).first()
            assert seq is None
        finally:
            await s.rollback()
            await s.close()


async def _sealed_pair(db: AsyncSession) -> tuple[int, int]:
    first = await audit.record(db, None, "test.event", "thing", 1, after={"amount": "10.00"})
    second = await audit.record(db, None, "test.event", "thing", 2, after={"amount": "20.00"})
    await audit.record(db, None, "test.event", "thing", 3)
    assert await audit.seal(db) >= 3
    result = await audit.verify(db)
    assert result.ok and result.unsealed == 0, result
    await db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    return first.id, second.id


async def test_verify_detects_a_changed_sealed_event(db: AsyncSession) -> None:
    _, second = await _sealed_pair(db)
    await db.execute(text("UPDATE audit_events SET after = '{\"amount\": \"99.00\"}' WHERE id = :i"), {"i": second})
    db.expunge_all()
    result = await audit.verify(db)
    assert not result.ok and result.broken_at == second and "changed" in (result.reason or "")


async def test_verify_detects_a_removed_sealed_event(db: AsyncSession) -> None:
    first, _ = await _sealed_pair(db)
    await db.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": first})
    db.expunge_all()
    result = await audit.verify(db)
    assert not result.ok and "removed" in (result.reason or "")


async def test_verify_detects_an_inserted_sealed_event(db: AsyncSession) -> None:
    """A forged event slipped into the chain with a correct hash of its own still breaks the link
    of the event after it."""
    first, _ = await _sealed_pair(db)
    seq, link = (await db.execute(text("SELECT seq, hash FROM audit_events WHERE id = :i"), {"i": first})).one()
    await db.execute(text("UPDATE audit_events SET seq = -seq WHERE seq > :s"), {"s": seq})
    await db.execute(text("UPDATE audit_events SET seq = -seq + 1 WHERE seq < 0"))
    at = (await db.execute(text("SELECT now()"))).scalar_one()
    forged = audit.chain_hash(link, at, "system", "test.forged", "thing", "9", None, None)
    await db.execute(text(
        "INSERT INTO audit_events (at, actor, actor_name, action, entity, entity_id, seq, prev_hash, hash) "
        "VALUES (:at, 'system', 'system', 'test.forged', 'thing', '9', :seq, :p, :h)"),
        {"at": at, "seq": seq + 1, "p": link, "h": forged})
    db.expunge_all()
    result = await audit.verify(db)
    assert not result.ok and "link" in (result.reason or "")


@pytest.mark.parametrize("sql", [
    "UPDATE audit_events SET action = 'x' WHERE id = :i",  # content of an unsealed event
    "UPDATE audit_events SET seq = 999999999, prev_hash = 'x', hash = 'y', action = 'x' WHERE id = :i",
    "DELETE FROM audit_events WHERE id = :i",
])
async def test_trigger_refuses_changes_to_unsealed_events(db: AsyncSession, sql: str) -> None:
    ev = await audit.record(db, None, "test.event", "thing", 1)
    nested = await db.begin_nested()
    with pytest.raises(Exception, match="append-only"):
        await db.execute(text(sql), {"i": ev.id})
    await nested.rollback()


async def test_trigger_refuses_resealing(db: AsyncSession) -> None:
    ev = await audit.record(db, None, "test.event", "thing", 1)
    await audit.seal(db)
    nested = await db.begin_nested()
    with pytest.raises(Exception, match="append-only"):
        await db.execute(text("UPDATE audit_events SET prev_hash = hash WHERE id = :i"), {"i": ev.id})
    await nested.rollback()
