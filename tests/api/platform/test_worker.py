"""The job worker, the unit of work and the outbox, on real PostgreSQL with real commits.

These tests commit (a worker on its own connections cannot see the test's rolled-back
transaction), so each works in queues, task names and event types of its own and removes its
job rows afterwards."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cunzhi.kit import events, jobs
from cunzhi.kit.errors import Conflict
from cunzhi.kit.uow import after_commit, unit_of_work


async def _delete_jobs(engine: AsyncEngine, queue: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM job_failures WHERE job_id IN (SELECT id FROM procrastinate_jobs "
                                "WHERE queue_name = :q)"), {"q": queue})
        await conn.execute(text("DELETE FROM procrastinate_jobs WHERE queue_name = :q"), {"q": queue})


async def _run_workers(apps: list[Any], queue: str, seconds: float) -> None:
    """Run each app's worker on `queue`, on its own psycopg pool, for `seconds`, then stop them."""
    from cunzhi.worker.app import run_worker

    runs = [asyncio.create_task(run_worker(app, name=f"w{i}", queues=[queue], install_signal_handlers=False))
            for i, app in enumerate(apps)]
    await asyncio.sleep(seconds)
    for run in runs:
        run.cancel()
    await asyncio.gather(*runs, return_exceptions=True)


@pytest.fixture
async def ticks(engine: AsyncEngine) -> AsyncIterator[str]:
    table = f"test_ticks_{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {table} (ts bigint NOT NULL, worker text NOT NULL)"))
    yield table
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE {table}"))


async def test_a_periodic_job_runs_once_per_tick_with_two_workers(engine: AsyncEngine, ticks: str) -> None:
    from cunzhi.worker.app import make_app

    queue = f"q_{ticks}"

    def app_for(worker: str) -> Any:
        app = make_app(jobs=[])

        @app.periodic(cron="* * * * * *", periodic_id="tick")  # every second
        @app.task(name="test.tick", queue=queue)
        async def tick(timestamp: int) -> None:
            async with engine.begin() as conn:
                await conn.execute(text(f"INSERT INTO {ticks} (ts, worker) VALUES (:t, :w)"),
                                   {"t": timestamp, "w": worker})

        return app

    try:
        await _run_workers([app_for("a"), app_for("b")], queue, 4.5)
        async with engine.connect() as conn:
            rows = (await conn.execute(text(f"SELECT ts, count(*) AS n FROM {ticks} GROUP BY ts ORDER BY ts"))).all()
    finally:
        await _delete_jobs(engine, queue)
    assert len(rows) >= 3, rows  # both workers scheduled every second for 4.5 s
    assert all(n == 1 for _, n in rows), rows  # ... and each tick ran exactly once


async def test_a_job_deferred_by_a_request_that_fails_is_never_run(engine: AsyncEngine, ticks: str) -> None:
    from cunzhi.kit.deps import SessionDep
    from cunzhi.main import create_app
    from cunzhi.worker.app import make_app

    queue = f"q_{ticks}"
    router = APIRouter(prefix="/api/v1/test-defer")

    @router.post("/{what}", status_code=201)
    async def defer_then(what: str, session: SessionDep) -> dict[str, int | None]:
        job_id = await jobs.defer(session, "test.record", queue=queue, args={"what": what})
        if what == "fail":
            raise Conflict("refused after deferring", code="test_refused")
        return {"job_id": job_id}

    app = create_app()  # the real session dependency: one committed or rolled-back transaction
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        ok = await client.post("/api/v1/test-defer/ok")
        failed = await client.post("/api/v1/test-defer/fail")
    assert ok.status_code == 201 and failed.status_code == 409

    worker = make_app(jobs=[])

    @worker.task(name="test.record", queue=queue)
    async def record(what: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(text(f"INSERT INTO {ticks} (ts, worker) VALUES (0, :w)"), {"w": what})

    try:
        await _run_workers([worker], queue, 1.5)
        async with engine.connect() as conn:
            ran = (await conn.execute(text(f"SELECT worker FROM {ticks}"))).scalars().all()
            queued = (await conn.execute(text("SELECT args->>'what', status::text FROM procrastinate_jobs "
                                              "WHERE queue_name = :q"), {"q": queue})).all()
    finally:
        await _delete_jobs(engine, queue)
    assert ran == ["ok"]
    assert queued == [("ok", "succeeded")]  # the failed request's job never existed


async def test_a_failed_job_keeps_its_error_for_the_jobs_list(engine: AsyncEngine, ticks: str) -> None:
    from cunzhi.worker import service
    from cunzhi.worker.app import make_app
    from cunzhi.worker.schemas import JobStatus

    queue = f"q_{ticks}"
    worker = make_app(jobs=[])

    @worker.task(name="test.boom", queue=queue)
    async def boom() -> None:
        raise RuntimeError("the township system did not answer")

    async with unit_of_work() as session:
        job_id = await jobs.defer(session, "test.boom", queue=queue)
    try:
        await _run_workers([worker], queue, 1.5)
        async with unit_of_work() as session:
            admin = await _admin(session)
            job = await service.get_job(session, admin, job_id or 0)
    finally:
        await _delete_jobs(engine, queue)
    assert job.status is JobStatus.failed and job.finished_at is not None
    assert job.error == "RuntimeError: the township system did not answer"


async def _admin(session: Any) -> Any:
    from sqlalchemy import select

    from cunzhi.auth.models import User
    from cunzhi.kit.codes import Role
    from cunzhi.kit.principal import Principal

    uid = (await session.execute(select(User.id).where(User.username == "admin"))).scalar_one()
    return Principal(kind="user", id=uid, name="admin", role=Role.county_admin, division_code="230199000000",
                     division_level="county")


async def test_the_unit_of_work_runs_after_commit_hooks_only_after_a_commit() -> None:
    seen: list[str] = []

    async def hook(name: str) -> None:
        seen.append(name)

    async with unit_of_work() as session:
        await session.execute(text("SELECT 1"))
        after_commit(session, lambda: hook("once"), key="k")
        after_commit(session, lambda: hook("twice"), key="k")  # same key: registered once
        assert seen == []
    with pytest.raises(RuntimeError):
        async with unit_of_work() as session:
            after_commit(session, lambda: hook("rolled back"))
            raise RuntimeError
    assert seen == ["once"]


async def test_outbox_rows_exist_for_committed_events_only_and_are_relayed_in_order(engine: AsyncEngine) -> None:
    from cunzhi.worker.tasks import relay_outbox

    kind = f"test{uuid.uuid4().hex[:8]}."
    delivered: list[tuple[int, str]] = []

    @events.consumer(kind, kind)
    async def collect(session: Any, event: events.Delivered) -> None:
        delivered.append((event.id, event.event_type))

    try:
        async with unit_of_work() as session:
            for n in range(3):
                await events.emit(session, None, f"{kind}{n}", "test", n, after={"n": n})
        with pytest.raises(RuntimeError):
            async with unit_of_work() as session:
                await events.emit(session, None, f"{kind}rolled_back", "test", 9, after={"n": 9})
                raise RuntimeError
        async with unit_of_work() as session:
            await events.emit(session, None, f"{kind}3", "test", 3, after={"n": 3})

        async with engine.connect() as conn:
            stored = (await conn.execute(text(
                "SELECT o.event_type, a.action FROM outbox_events o JOIN audit_events a ON a.id = o.audit_event_id "
                "WHERE o.event_type LIKE :k ORDER BY o.id"), {"k": kind + "%"})).all()
        assert [t for t, _ in stored] == [f"{kind}{n}" for n in range(4)]
        assert all(t == action for t, action in stored)  # each outbox row has its audit event

        await relay_outbox()
        assert [t for _, t in delivered] == [f"{kind}{n}" for n in range(4)]
        assert [i for i, _ in delivered] == sorted(i for i, _ in delivered)
        await relay_outbox()  # relayed once
        assert len(delivered) == 4
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT count(*) FROM outbox_events WHERE event_type LIKE :k "
                                            "AND relayed_at IS NULL"), {"k": kind + "%"})).scalar_one()
        assert left == 0
    finally:
        events._consumers.pop(kind, None)


async def test_a_failing_consumer_holds_back_the_rows_after_it(engine: AsyncEngine) -> None:
    from cunzhi.worker.tasks import relay_outbox

    kind = f"test{uuid.uuid4().hex[:8]}."
    delivered: list[str] = []
    broken = {"on": True}

    @events.consumer(kind, kind)
    async def flaky(session: Any, event: events.Delivered) -> None:
        if event.event_type.endswith("b") and broken["on"]:
            raise RuntimeError("consumer down")
        delivered.append(event.event_type)

    try:
        async with unit_of_work() as session:
            for n in "abc":
                await events.emit(session, None, f"{kind}{n}", "test", 1)
        with pytest.raises(RuntimeError):
            await relay_outbox()
        assert delivered == [f"{kind}a"]
        broken["on"] = False
        await relay_outbox()
        assert delivered == [f"{kind}{n}" for n in "abc"]
    finally:
        events._consumers.pop(kind, None)


async def test_a_posting_event_defers_its_day_job_once(engine: AsyncEngine) -> None:
    """The real consumer: an ended posting's event defers the posting-day job in the relay's
    transaction (so the account moves now, not at the next tick); a waiting one covers the next."""
    from cunzhi.worker.tasks import relay_outbox

    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs WHERE task_name = 'cadres.posting_days' "
                                "AND status = 'todo'"))
    async with unit_of_work() as session:
        await events.emit(session, None, "cadre_posting.end", "cadre_posting", 0, after={"test": True})
        await events.emit(session, None, "cadre_posting.end", "cadre_posting", 0, after={"test": True})
    await relay_outbox()
    async with engine.begin() as conn:
        waiting = (await conn.execute(text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'cadres.posting_days' AND status = 'todo'"
        ))).scalar_one()
        await conn.execute(text("DELETE FROM procrastinate_jobs WHERE task_name = 'cadres.posting_days' "
                                "AND status = 'todo'"))
    assert waiting == 1


async def test_the_purge_job_forgets_idempotency_keys_past_retention(engine: AsyncEngine) -> None:
    from cunzhi.worker.tasks import JOBS

    caller = f"test:{uuid.uuid4().hex[:8]}"
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO idempotency_keys (caller, key, request_hash, state, created_at) VALUES "
            "(:c, 'old', 'h', 'done', now() - interval '3 days'), (:c, 'new', 'h', 'done', now())"), {"c": caller})
    result = await JOBS["idempotency.purge"].run()
    async with engine.begin() as conn:
        left = (await conn.execute(text("SELECT key FROM idempotency_keys WHERE caller = :c"), {"c": caller})).scalars()
        assert list(left) == ["new"]
        await conn.execute(text("DELETE FROM idempotency_keys WHERE caller = :c"), {"c": caller})
    assert result["purged"] >= 1


async def test_the_seal_job_chains_committed_audit_events(engine: AsyncEngine) -> None:
    from cunzhi.kit import audit
    from cunzhi.worker.tasks import JOBS

    async with unit_of_work() as session:
        event = await audit.record(session, None, "test.sealed_by_job", "test", uuid.uuid4().hex[:8])
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT seq FROM audit_events WHERE id = :i"), {"i": event.id})).scalar() is None
    result = await JOBS["audit.seal"].run()
    assert result["sealed"] >= 1
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT seq FROM audit_events WHERE id = :i"), {"i": event.id})).scalar() is not None
    async with unit_of_work() as session:
        assert (await audit.verify(session)).ok
