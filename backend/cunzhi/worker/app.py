"""The Procrastinate app: its connector, the tasks of tasks.JOBS and the failure log.

Procrastinate talks to PostgreSQL through psycopg (its async PsycopgConnector), on the same
database as the API; it needs no broker. `make_app()` builds a fresh app each time, so a test
can run two workers in one process.
"""

import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import text

from cunzhi.worker.tasks import JOBS, Job

log = logging.getLogger("cunzhi.worker")


def libpq_url(url: str | None = None) -> str:
    """The database URL for psycopg (ours is spelled for asyncpg)."""
    from cunzhi.db import database_url

    url = url or database_url()
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix):]
    return url


async def _record_failure(job_id: int, attempt: int, task_name: str, error: str) -> None:
    from cunzhi.db import get_engine

    async with get_engine().begin() as conn:
        await conn.execute(text(
            "INSERT INTO job_failures (job_id, attempt, task_name, error) VALUES (:j, :a, :t, :e) "
            "ON CONFLICT (job_id, attempt) DO UPDATE SET error = EXCLUDED.error, failed_at = now()"),
            {"j": job_id, "a": attempt, "t": task_name, "e": error[:4000]})


async def report(call_next: Callable[[], Any], context: JobContext, worker: Any) -> Any:
    """Worker middleware: one log line per job, and a failure's error kept for GET /api/v1/jobs."""
    job = context.job
    started = time.monotonic()
    try:
        result = await call_next()
    except BaseException as exc:
        took = time.monotonic() - started
        log.error("job %s #%s failed after %.2fs: %s: %s", job.task_name, job.id, took, type(exc).__name__, exc)
        if job.id is not None and isinstance(exc, Exception):
            try:
                await _record_failure(job.id, job.attempts, job.task_name,
                                      "".join(traceback.format_exception_only(exc)).strip())
            except Exception:
                log.exception("could not record the failure of job #%s", job.id)
        raise
    log.info("job %s #%s done in %.2fs: %s", job.task_name, job.id, time.monotonic() - started, result)
    return result


def _register(app: App, job: Job) -> None:
    async def task(timestamp: int | None = None, **kwargs: Any) -> Any:
        return await job.run(**kwargs)

    task.__name__ = job.name.replace(".", "_")
    registered = app.task(name=job.name, lock=job.lock)(task)
    if job.cron:
        app.periodic(cron=job.cron, periodic_id=job.name)(registered)


def make_app(jobs: Iterable[Job] | None = None) -> App:
    app = App(connector=PsycopgConnector(), worker_defaults={"worker_middleware": [report]})
    for job in (JOBS.values() if jobs is None else jobs):
        _register(app, job)
    return app


@asynccontextmanager
async def opened(app: App, url: str | None = None, *, max_size: int = 4) -> AsyncIterator[App]:
    """Open `app` on a psycopg pool of our own (the URL is known only once the database runs)."""
    pool = AsyncConnectionPool(libpq_url(url), open=False, min_size=1, max_size=max_size,
                               check=AsyncConnectionPool.check_connection)
    await pool.open(wait=True)
    try:
        async with app.open_async(pool):
            yield app
    finally:
        await pool.close()


async def run_worker(app: App, *, concurrency: int = 2, name: str | None = None, url: str | None = None,
                     queues: list[str] | None = None, install_signal_handlers: bool = True) -> None:
    async with opened(app, url, max_size=concurrency + 3):
        log.info("worker %s started; periodic: %s", name or "worker", ", ".join(
            f"{p.task.name} ({p.cron})" for p in app.periodic_registry.periodic_tasks.values()))
        options: dict[str, Any] = {"queues": queues} if queues else {}
        await app.run_worker_async(concurrency=concurrency, name=name or "worker",
                                   install_signal_handlers=install_signal_handlers, **options)
