"""Races between requests that really commit: a test's own connection holds a lock, starts the
requests, waits here until they all wait for that lock, then lets them go at the same instant."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Only this database's waiters count: the run's other databases are clones of one template (the same
# table oids) whose tests wait for locks of their own at the same time. A waiter holds or awaits at
# least one lock tagged with its database (the table it reads, or the advisory lock itself), while
# the lock it waits for may carry none (a row's transaction id). pg_locks reads the lock manager
# live, where pg_stat_activity would answer from the transaction's first snapshot.
_WAITING_HERE = text(
    "SELECT count(*) FROM pg_locks w WHERE NOT w.granted AND w.pid IN (SELECT l.pid FROM pg_locks l"
    " WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))")


async def until_waiting(conn: AsyncConnection, n: int, what: str) -> None:
    """Returns once `n` sessions of this database wait for a lock; fails with `what` after 10 s."""
    waiting = 0
    for _ in range(1000):
        waiting = (await conn.execute(_WAITING_HERE)).scalar_one()
        if waiting >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what}: {waiting} of {n} waiting")


async def meet_at_row(engine: AsyncEngine, table: str, row_id: int, calls: list[Callable[[], Awaitable[Any]]],
                      what: str) -> list[Any]:
    """Holds `table`'s row `row_id`, starts the calls in this order (each once the one before waits
    for the row, so the first asks for it first), then lets them go at the same instant."""
    async with engine.connect() as conn:
        await conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :i FOR UPDATE"), {"i": row_id})
        futures = []
        for n, call in enumerate(calls, start=1):
            futures.append(asyncio.ensure_future(call()))
            await until_waiting(conn, n, what)
        await conn.commit()
    return list(await asyncio.gather(*futures))
