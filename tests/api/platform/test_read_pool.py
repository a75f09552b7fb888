"""The read path's own asyncpg pool (kit.prepared.ReadPool) under the village reads, on the real
database: a connection the server killed is replaced without failing the read, and a pool with no
connection free answers 503 after its acquire timeout instead of keeping the request waiting."""

import asyncio
import time

import asyncpg
import pytest

from cunzhi.db import normalise_url, read_session_scope
from cunzhi.kit import deps
from cunzhi.kit.prepared import ReadPool, ReadPoolBusy

V_T01 = "230199100200"  # a village of township 01 (demo data, committed)


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture
async def pool_of_one(app, database_url, monkeypatch):  # type: ignore[no-untyped-def]
    """The app's village reads on a real ReadPool of one connection (the caller is still looked up in
    the test's session); the pool is closed at the end."""
    pool = ReadPool(normalise_url(database_url), 1, acquire_timeout=0.3)
    app.dependency_overrides.pop(read_session_scope)
    monkeypatch.setattr(deps, "get_read_pool", lambda: pool)
    yield pool
    await pool.close()


async def _backend_pid(pool: ReadPool) -> int:
    conn = await pool.acquire()
    try:
        return int(await conn.fetchval("SELECT pg_backend_pid()"))
    finally:
        await pool.release(conn)


async def _terminate(database_url: str, pid: int) -> None:
    admin = await asyncpg.connect(_plain(database_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        for _ in range(100):  # gone from the server, not only signalled
            if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"backend {pid} still alive")
    finally:
        await admin.close()


async def test_a_read_succeeds_after_its_pooled_connection_was_killed_by_the_server(client, token_for, pool_of_one,
                                                                         database_url):
    h = await token_for("admin")
    first = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
    assert first.status_code == 200
    pid = await _backend_pid(pool_of_one)  # the pool's one connection, the read's
    await _terminate(database_url, pid)

    r = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == first.json() and r.headers["ETag"] == first.headers["ETag"]
    assert await _backend_pid(pool_of_one) != pid  # served on a new connection in its place
    # The list too (two statements on one connection).
    assert (await client.get("/api/v1/villages?limit=5", headers=h)).status_code == 200


async def test_a_reader_whose_connection_dies_before_its_first_statement_sends_it_again(pool_of_one, database_url):
    """The race the retry is for: the connection is already the Reader's when the server kills it
    (a restart, an administrator), so the pool cannot swap it; its first statement finds it dead,
    and is sent once more on a new connection."""
    from sqlalchemy import func, select

    from cunzhi.kit.prepared import Reader, compile_statement

    statement = compile_statement(select(func.pg_backend_pid()))
    async with Reader(pool=pool_of_one) as reader:
        dead = (await reader._connection()).get_server_pid()  # taken, no statement yet
        await _terminate(database_url, dead)
        pid = await reader.fetchval(statement, {})
        assert pid != dead
        assert await reader.fetchval(statement, {}) == pid  # and the block goes on on the new one
    assert await _backend_pid(pool_of_one) == pid  # which went back to the pool


async def test_an_exhausted_read_pool_answers_503_after_its_timeout(client, token_for, pool_of_one):
    h = await token_for("admin")
    held = await pool_of_one.acquire()  # the only connection, busy elsewhere
    try:
        started = time.monotonic()
        r = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
        waited = time.monotonic() - started
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["retry-after"] == "1"
        body = r.json()
        assert body["status"] == 503 and body["code"] == "database_busy"
        assert 0.25 <= waited < 5  # the acquire timeout (0.3 s), not for ever
        r = await client.get("/api/v1/villages?limit=5", headers=h)
        assert r.status_code == 503 and r.json()["code"] == "database_busy"
    finally:
        await pool_of_one.release(held)
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers=h)).status_code == 200  # free again


async def test_the_read_pool_opens_all_its_connections_at_once(database_url):
    pool = ReadPool(normalise_url(database_url), 3)
    try:
        conn = await pool.acquire()
        await pool.release(conn)
        assert pool._pool is not None and pool._pool.get_size() == 3  # no connect under the first burst
    finally:
        await pool.close()


async def test_reads_just_after_the_server_ended_their_connection_are_sent_again(pool_of_one, database_url):
    """The server's farewell (a FATAL message, then the socket's end) can reach an idle pooled
    connection a moment before its closing does; a statement sent in between finds the protocol
    mid-error (asyncpg's InternalClientError) and must be sent again on a new connection, not fail."""
    from sqlalchemy import func, select

    from cunzhi.kit.prepared import Reader, compile_statement

    statement = compile_statement(select(func.pg_backend_pid()))
    admin = await asyncpg.connect(_plain(database_url))
    try:
        for pause in (0, 0.0005, 0.001, 0.002) * 5:
            async with Reader(pool=pool_of_one) as reader:
                dead = await reader.fetchval(statement, {})
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", dead)
            await asyncio.sleep(pause)
            async with Reader(pool=pool_of_one) as reader:
                assert await reader.fetchval(statement, {}) != dead
    finally:
        await admin.close()


async def test_a_burst_beyond_the_pool_is_served_and_the_pool_waits_only_when_all_are_out(engine, database_url):
    """A connection is taken without a timer while one is free; a request finding all of them out
    waits for one (the acquire timeout); after the burst every connection is accounted back."""
    # The burst's last reads wait nine rounds of the others' statements: on a loaded machine that is
    # over 0.3 s, so the burst gets a request's own wait, and the busy check below the short one.
    pool = ReadPool(normalise_url(database_url), 2, acquire_timeout=5.0)
    try:

        async def read() -> int:
            conn = await pool.acquire()
            try:
                return int(await conn.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.01)"))
            finally:
                await pool.release(conn)

        pids = await asyncio.gather(*(read() for _ in range(20)))  # ten times the pool, all served
        assert len(set(pids)) == 2 and pool._held == 0
        pool.acquire_timeout = 0.3
        first, second = await pool.acquire(), await pool.acquire()
        try:
            started = time.monotonic()
            with pytest.raises(ReadPoolBusy):
                await pool.acquire()
            assert time.monotonic() - started >= 0.25
        finally:
            await pool.release(first)
        again = await pool.acquire()  # the freed one, at once
        await pool.release(again)
        await pool.release(second)
        assert pool._held == 0
    finally:
        await pool.close()


def test_a_reconnect_inside_an_untimed_acquire_is_bounded_by_the_acquire_timeout() -> None:
    from cunzhi.kit.prepared import ReadPool

    pool = ReadPool("postgresql+asyncpg://postgres@127.0.0.1:5432/x", size=2, acquire_timeout=3.0)
    assert pool.connect_args()["timeout"] == 3.0


async def test_a_write_that_finds_no_free_connection_is_503_with_retry_after(engine, database_url) -> None:  # type: ignore[no-untyped-def]
    """The write side's pool (SQLAlchemy's) ran out for its whole timeout: a 503 the client may
    retry, as the read pool answers, not a 500 that also drops the connection."""
    import httpx
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from cunzhi.main import create_app

    tiny = create_async_engine(normalise_url(database_url), pool_size=1, max_overflow=0, pool_timeout=0.2)
    app = create_app()

    @app.post("/test-only/write")
    async def write() -> dict[str, int]:
        async with tiny.connect() as conn:
            return {"one": (await conn.execute(text("SELECT 1"))).scalar_one()}

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            assert (await c.post("/test-only/write")).json() == {"one": 1}
            async with tiny.connect():  # the pool's only connection is out
                r = await c.post("/test-only/write")
            assert r.status_code == 503 and r.headers["Retry-After"] == "1"
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "database_busy"
            assert (await c.post("/test-only/write")).status_code == 200  # and served once one is free
    finally:
        await tiny.dispose()
