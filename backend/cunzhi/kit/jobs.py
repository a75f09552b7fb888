"""Deferring jobs from inside a transaction.

`defer()` inserts the job row through Procrastinate's own SQL function on the caller's
connection, in the caller's transaction, rather than through Procrastinate's connector (a
separate psycopg connection that would commit on its own). So a request, job or CLI step that
rolls back defers nothing, and one that commits has its job queued at the same instant; the
job table's insert trigger NOTIFYs the workers, and PostgreSQL delivers that only at commit.
(The other way, an outbox row relayed into a job, would add a relay hop of latency for
nothing: the outbox is for events with consumers, see kit/events.py.)

The SQL function and its composite type belong to the Procrastinate version pinned in
pyproject.toml, whose schema our migrations apply.
"""

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

log = logging.getLogger("cunzhi.jobs")

DEFAULT_QUEUE = "default"
RELAY_TASK = "outbox.relay"
RELAY_LOCK = "outbox-relay"

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, :queueing_lock,"
    " CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1])"
)


async def defer(
    db: AsyncSession | AsyncConnection,
    task: str,
    *,
    args: dict[str, Any] | None = None,
    queue: str = DEFAULT_QUEUE,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
    scheduled_at: datetime | None = None,
) -> int | None:
    """Queue `task` with `args` in the caller's transaction; its id, or None when a job with the
    same `queueing_lock` is already waiting (then this one is not needed)."""
    params = {"queue": queue, "task": task, "priority": priority, "lock": lock, "queueing_lock": queueing_lock,
              "args": json.dumps(args or {}), "scheduled_at": scheduled_at}
    if queueing_lock is None:
        ids = (await db.execute(_DEFER, params)).scalar_one()
        return int(ids[0])
    # A waiting twin is a unique violation: keep it inside a savepoint so the caller's
    # transaction goes on.
    try:
        async with db.begin_nested():
            ids = (await db.execute(_DEFER, params)).scalar_one()
    except IntegrityError:
        return None
    return int(ids[0])


async def nudge_relay() -> None:
    """Queue one outbox relay now (after a commit that wrote events); at most one waits at a time."""
    from cunzhi.db import get_engine

    async with get_engine().begin() as conn:
        await defer(conn, RELAY_TASK, lock=RELAY_LOCK, queueing_lock=RELAY_LOCK)
