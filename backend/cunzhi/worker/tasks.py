"""The registry of jobs: what runs, when, and under which lock.

The work of a job lives beside its domain (cadres/jobs.py, partners/jobs.py) as a function
of a session; here it runs inside one unit of work (kit/uow.py): committed when it returns,
rolled back when it raises, like a request. Periodic ones are Procrastinate periodic tasks:
every worker schedules the same ticks, and Procrastinate's unique (task, periodic id, tick)
row lets only one of them defer each tick, so two workers never run a tick twice. A `lock`
keeps two runs of the same job from overlapping.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import audit, events, jobs, rate_limit
from cunzhi.kit.uow import unit_of_work

log = logging.getLogger("cunzhi.worker")

RunFn = Callable[..., Awaitable[Any]]  # called with the job's arguments (none for periodic ones)


@dataclass(frozen=True)
class Job:
    name: str
    run: RunFn
    cron: str | None = None  # five fields (minute ...), or six with seconds first
    lock: str | None = None
    summary: str = ""


async def _posting_days() -> Any:
    from cunzhi.cadres.jobs import apply_posting_days

    async with unit_of_work() as session:
        return await apply_posting_days(session)


async def _pairing_days() -> Any:
    from cunzhi.partners.jobs import apply_pairing_days

    async with unit_of_work() as session:
        return await apply_pairing_days(session)


async def _task_overdue() -> Any:
    from cunzhi.tasks.jobs import sweep_overdue

    async with unit_of_work() as session:
        return {"overdue": await sweep_overdue(session)}


async def _task_reminders() -> Any:
    from cunzhi.tasks.jobs import remind_due_soon

    async with unit_of_work() as session:
        return {"reminded": await remind_due_soon(session)}


async def _task_import(import_id: int) -> Any:
    from cunzhi.tasks import imports

    try:
        async with unit_of_work() as session:
            return await imports.run(session, import_id)
    except Exception as exc:
        await imports.fail(import_id, exc)
        raise


async def _disclosure_month() -> Any:
    from cunzhi.disclosures.jobs import run_month

    async with unit_of_work() as session:
        return await run_month(session)


async def _purge_idempotency_keys() -> Any:
    from cunzhi.db import get_engine
    from cunzhi.kit.idempotency import purge_expired

    # purge_expired keeps its own short transaction on the engine: a big delete need not
    # wait for (or hold) this unit of work.
    return {"purged": await purge_expired(get_engine())}


async def _seal_audit() -> Any:
    async with unit_of_work() as session:
        return {"sealed": await audit.seal(session)}


async def _deliver_webhooks() -> Any:
    """Send the due webhook deliveries, each try logged; a failed one waits for its next try."""
    import httpx

    from cunzhi.webhooks.service import deliver_due

    done = {"delivered": 0, "retrying": 0, "failed": 0}
    async with httpx.AsyncClient(follow_redirects=False) as http:
        while True:
            async with unit_of_work() as session:
                batch = await deliver_due(session, http)
            for k, v in batch.items():
                done[k] += v
            if sum(batch.values()) == 0:
                return done


KEEP_DONE = "7 days"


async def _clean_up() -> Any:
    """Succeeded jobs and relayed outbox rows older than a week go; failed jobs stay to be read."""
    async with unit_of_work() as session:
        jobs_gone = len((await session.execute(text(
            "DELETE FROM procrastinate_jobs j WHERE j.status = 'succeeded' AND EXISTS (SELECT 1 FROM "
            "procrastinate_events e WHERE e.job_id = j.id AND e.type = 'succeeded' "
            f"AND e.at < now() - interval '{KEEP_DONE}') RETURNING j.id"))).all())
        outbox_gone = len((await session.execute(text(
            f"DELETE FROM outbox_events WHERE relayed_at < now() - interval '{KEEP_DONE}' RETURNING id"))).all())
        await session.execute(text(  # errors of jobs removed (here, or by hand)
            "DELETE FROM job_failures f WHERE NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.id = f.job_id)"))
        windows_gone = await rate_limit.purge(session)  # API clients' and addresses' request counts
    return {"jobs": jobs_gone, "outbox": outbox_gone, "rate_windows": windows_gone}


async def relay_outbox(max_rows: int = 1000) -> int:
    """Relay committed outbox rows in order, one unit of work per row (see kit/events.py)."""
    relayed = 0
    while relayed < max_rows:
        async with unit_of_work() as session:
            if await events.relay_next(session) is None:
                break
        relayed += 1
    return relayed


async def _relay() -> Any:
    return {"relayed": await relay_outbox()}


JOBS: dict[str, Job] = {j.name: j for j in (
    Job("cadres.posting_days", _posting_days, cron="*/10 * * * *", lock="cadres.posting_days",
        summary="postings whose start or end day has come: move the linked accounts, emit started/ended"),
    Job("partners.pairing_days", _pairing_days, cron="*/10 * * * *", lock="partners.pairing_days",
        summary="pairings whose start or end day has come: emit started/ended"),
    Job("tasks.overdue_sweep", _task_overdue, cron="1 * * * *", lock="tasks.overdue_sweep",
        summary="flag open tasks whose due date has passed as overdue (history row and task.mark_overdue)"),
    Job("tasks.due_soon", _task_reminders, cron="7 * * * *", lock="tasks.due_soon",
        summary="emit task.due_soon once for open tasks due within CUNZHI_TASK_REMIND_DAYS"),
    Job("tasks.import", _task_import,
        summary="import a task file kept by POST /api/v1/tasks/imports, all rows or none, with progress"),
    Job("disclosures.month", _disclosure_month, cron="3 * * * *", lock="disclosures.month",
        summary="open this month's disclosure rounds (from the county template) and flag late villages"),
    Job("idempotency.purge", _purge_idempotency_keys, cron="17 * * * *", lock="idempotency.purge",
        summary="delete Idempotency-Keys past their retention"),
    Job("audit.seal", _seal_audit, cron="* * * * *", lock="audit.seal",
        summary="seal appended audit events into the hash chain, in order"),
    Job("worker.clean_up", _clean_up, cron="41 3 * * *", lock="worker.clean_up",
        summary="forget succeeded jobs and relayed outbox rows after a week, and past rate-limit windows"),
    Job("webhooks.deliver", _deliver_webhooks, cron="* * * * *", lock="webhooks.deliver",
        summary="send due webhook deliveries, signed; retry with backoff"),
    Job(jobs.RELAY_TASK, _relay, cron="* * * * *", lock=jobs.RELAY_LOCK,
        summary="hand committed outbox events to their consumers, in order"),
)}


# ---- consumers of events ---------------------------------------------------------------------

from cunzhi.webhooks import service as _webhooks  # noqa: E402, F401  (registers the `webhooks` consumer)

_DAY_JOBS = {
    "cadre_posting.create": "cadres.posting_days",
    "cadre_posting.end": "cadres.posting_days",
    "cadre_proposal.confirm": "cadres.posting_days",
    "pairing_proposal.confirm": "partners.pairing_days",
    "pairing.end": "partners.pairing_days",
}


@events.consumer("day-jobs", *_DAY_JOBS)
async def defer_day_job(session: AsyncSession, event: events.Delivered) -> None:
    """A posting or pairing changed: run its day job now rather than at the next tick (a
    posting ended today moves its account at once). Deferred in the relay's transaction, so
    once per relayed event; a waiting run already covers it."""
    task = _DAY_JOBS[event.event_type]
    await jobs.defer(session, task, lock=task, queueing_lock=task)
