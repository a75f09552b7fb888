"""Races between requests that really commit: a test's own connection holds a lock, starts the
requests, waits here until they all wait for that lock, then lets them go at the same instant."""

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

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
