"""Hot reads: SQL compiled once per shape, sent straight to an asyncpg connection.

For a short read, most of `session.execute` is per-call work around the statement (building and
hashing it, the ORM context, wrapping the result), several times what the database needs. The most
frequent reads instead build their statement once per *shape* (whose scope, which filters are set,
which sort), with named `bindparam`s for the values that change from request to request. The
compiled text and the order of its parameters are kept here; each request sends the text straight to
asyncpg, which prepares it once per connection and then only binds and executes.

The connection is one of the read path's own asyncpg pool (ReadPool: on the read replica when one is
set, with no transaction around the statements), or a session's where one is given (a test's
transaction, a write that reads). Values the statement carries itself (a scope's division code) are bound
at compile time, so the shape's key must hold everything they were computed from. Database errors
come out as SQLAlchemy's `DBAPIError`, like any other statement's (kit.errors answers them).

PostgreSQL plans a prepared statement for its values on its first five runs. From the sixth, it may
use a generic plan made once for any values, when the estimated cost of that plan is no worse. Over a
province's rows, that estimate can be far off: it guesses a third of the rows for a range such as
`done_at >= $1`. The task panel then went from 72 ms to 390 ms at the sixth run on a connection, and
the funds panel from 129 ms to 271 ms. A statement compiled with `plan_each_time` is prepared afresh
for each run, at the cost of one more round trip, so it is always planned for its own values. The
others keep the cached statement and its generic plan, which saves the planning on short reads.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from cunzhi.kit.errors import DomainError

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # numeric_dollar: $1, $2, asyncpg's own placeholders


class Compiled(NamedTuple):
    sql: str
    names: tuple[str, ...]  # the statement's parameters, in placeholder order
    fixed: Mapping[str, Any]  # values bound when the statement was built
    processors: tuple[Callable[[Any], Any] | None, ...]  # the column types' bind processing, by position
    plan_each_time: bool = False  # prepared afresh for each run (module docstring)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.fixed[name]
            out.append(value if process is None or value is None else process(value))
        return out


def compile_statement(stmt: ClauseElement, *, plan_each_time: bool = False) -> Compiled:
    compiled = stmt.compile(dialect=_DIALECT)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())
    fixed = compiled.construct_params(_check=False)
    processors = compiled._bind_processors
    # (A sequence of processors is for tuple types, which these statements do not bind.)
    return Compiled(compiled.string, names, fixed, tuple(processors.get(n) for n in names),  # type: ignore[misc]
                    plan_each_time)


async def send(driver: asyncpg.Connection, method: str, c: Compiled, args: Sequence[Any]) -> Any:
    """`c` run with `args` by the connection's `method` (fetch, fetchrow, fetchval): as the connection's
    cached statement, or as a statement of its own, planned for these values, when `c.plan_each_time`."""
    if c.plan_each_time:
        return await getattr(await driver.prepare(c.sql), method)(*args)
    return await getattr(driver, method)(c.sql, *args)


class Statements:
    """Compiled statements by shape key, the least recently used forgotten beyond `maxsize`."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, Compiled] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], ClauseElement], *, plan_each_time: bool = False) -> Compiled:
        """The statement of shape `key`, compiled from `build()` the first time; `plan_each_time` is taken
        then too, so the key must determine it (as it does everything the statement is built from)."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        found = compile_statement(build(), plan_each_time=plan_each_time)
        self._entries[key] = found
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._entries)


async def _nothing_to_reset(_conn: asyncpg.Connection) -> None:
    """A connection comes back as it left: the Reader sends only the SELECTs compiled here, which set
    nothing, listen to nothing and lock nothing (asyncpg still rolls back a transaction left open).
    asyncpg's default reset would cost a round trip (RESET ALL, UNLISTEN, ...) per request."""


# JIT off on the read pool: its statements are short aggregates whose plans cost enough to trigger
# JIT at province scale, where compiling took 1.1 s of a 1.3 s dashboard query (EXPLAIN ANALYZE).
READ_SERVER_SETTINGS = {"jit": "off"}


class ReadPoolBusy(DomainError):
    status, code, title = 503, "database_busy", "The database is busy"

    def __init__(self) -> None:
        super().__init__("No read connection came free in time; try again shortly", headers={"Retry-After": "1"})


class ReadPool:
    """asyncpg's own pool for the Reader's statements, apart from SQLAlchemy's.

    The hot reads hold a connection for one or two statements. SQLAlchemy's pool around asyncpg
    costs more per checkout than those statements (a greenlet, a timeout, the fairy), and its
    overflow connections are closed when they come back and opened again under the next burst;
    asyncpg's pool keeps up to `size` connections open and hands them out directly. Opened on first
    use in the running event loop (a new loop, as after a CLI step, gets a new pool)."""

    def __init__(self, url: str, size: int, acquire_timeout: float = 5.0) -> None:
        self.url, self.size, self.acquire_timeout = url, size, acquire_timeout
        self._pool: asyncpg.Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening: asyncio.Lock | None = None
        self._held = 0  # connections handed out and not yet given back

    def connect_args(self) -> dict[str, Any]:
        """What asyncpg.connect gets for the URL: SQLAlchemy's own reading of it (host lists,
        ?ssl=...), less the options that are SQLAlchemy's adapter's and not asyncpg's."""
        _args, kwargs = _DIALECT.create_connect_args(make_url(self.url))  # type: ignore[no-untyped-call]
        for own in ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback"):
            kwargs.pop(own, None)
        kwargs["server_settings"] = {**READ_SERVER_SETTINGS, **kwargs.get("server_settings", {})}
        # A connection the server closed is opened again inside an untimed acquire: bound that
        # connect by the same time a request would wait for a free connection (asyncpg's is 60 s).
        kwargs.setdefault("timeout", self.acquire_timeout)
        return dict(kwargs)

    async def _open(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if self._opening is None or self._loop is not loop:
            self._opening, self._loop, self._pool, self._held = asyncio.Lock(), loop, None, 0
        async with self._opening:
            if self._pool is None:
                # All `size` connections opened at once: no request of a burst waits for a connect.
                self._pool = await asyncpg.create_pool(min_size=self.size, max_size=self.size,
                                                       reset=_nothing_to_reset, **self.connect_args())
        return self._pool

    async def acquire(self) -> asyncpg.Connection:
        """A connection, or ReadPoolBusy (503) when none came free within `acquire_timeout` seconds:
        a request waits that long at most instead of for ever behind a stuck burst."""
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = await self._open()
        # Reserved before the wait, given back when the connection is back in asyncpg's queue: while
        # fewer than `size` are reserved, one is in the queue and is taken at once, so no timer is
        # set. A connection the server closed is opened again on the way, within the connect timeout
        # (connect_args). Otherwise the wait is bounded by asyncio's own timeout rather than asyncpg's, which
        # costs a task per acquire and sets a second timer around the release.
        busy = self._held >= self.size
        self._held += 1
        try:
            if not busy:
                return await pool.acquire()
            try:
                async with asyncio.timeout(self.acquire_timeout):
                    return await pool.acquire()
            except TimeoutError:
                raise ReadPoolBusy() from None
        except BaseException:
            self._held -= 1
            raise

    async def release(self, conn: asyncpg.Connection) -> None:
        if self._pool is not None:
            try:
                await self._pool.release(conn)
            finally:
                self._held = max(0, self._held - 1)  # (not below 0 for a connection of a pool since closed)

    async def close(self) -> None:
        pool, self._pool, self._opening, self._held = self._pool, None, None, 0
        if pool is not None and self._loop is asyncio.get_running_loop():
            await pool.close()


class Reader:
    """A connection for statements from `Statements`; `async with` it around them.

    On a pool (`Reader(pool=...)`, the read path's, see kit.deps), a connection is taken from the
    pool when the first statement runs and given back at the end of the block: no transaction, each
    statement on its own. A pooled connection found dead by its first statement (the database was
    restarted since it was last used) is dropped and the statement sent once more on another one,
    which a read may safely do. On a session (a test's, one in a transaction) the statements run on
    the session's own connection and see what it sees; `sessions` (a factory of a session's
    context, as a test's override of the read session) opens one for the block."""

    def __init__(self, session: AsyncSession | None = None, *, pool: ReadPool | None = None,
                 sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = None) -> None:
        if sum(x is not None for x in (session, pool, sessions)) != 1:
            raise TypeError("a Reader reads through a session, a pool or a session factory")
        self.session, self.pool, self.sessions = session, pool, sessions
        self._opened: AbstractAsyncContextManager[AsyncSession] | None = None
        self._entered = False
        self._conn: AsyncConnection | None = None  # the session's
        self._driver: asyncpg.Connection | None = None
        self._pooled: asyncpg.Connection | None = None  # or one from the pool
        self._used = False  # a statement already ran on the pooled connection

    async def __aenter__(self) -> Reader:
        if self.sessions is not None:
            self._opened = self.sessions()
            self.session = await self._opened.__aenter__()
        self._entered = True
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._entered = False
        pooled, self._pooled, self._driver, self._conn = self._pooled, None, None, None
        if pooled is not None:
            assert self.pool is not None
            await self.pool.release(pooled)
        if self._opened is not None:
            opened, self._opened, self.session = self._opened, None, None
            await opened.__aexit__(*exc)

    async def _connection(self) -> asyncpg.Connection:
        if self._driver is None:
            if not self._entered:
                raise RuntimeError("a Reader is used inside `async with` (its connection goes back at the end)")
            if self.pool is not None:
                self._pooled = self._driver = await self.pool.acquire()
                self._used = False
            else:
                assert self.session is not None
                self._conn = await self.session.connection()
                self._driver = (await self._conn.get_raw_connection()).driver_connection
        return self._driver

    async def fetch(self, c: Compiled, values: Mapping[str, Any]) -> list[asyncpg.Record]:
        return await self._run("fetch", c, values)

    async def fetchrow(self, c: Compiled, values: Mapping[str, Any]) -> asyncpg.Record | None:
        return await self._run("fetchrow", c, values)

    async def fetchval(self, c: Compiled, values: Mapping[str, Any]) -> Any:
        return await self._run("fetchval", c, values)

    async def _run(self, method: str, c: Compiled, values: Mapping[str, Any]) -> Any:
        args: Sequence[Any] = c.arguments(values)
        # Sent again once, on another connection, when the first statement on a pooled one finds it dead.
        retry = self.pool is not None and not self._used
        while True:
            driver = await self._connection()
            try:
                result = await send(driver, method, c, args)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError) as exc:
                if not await self._drop(driver, exc):  # the connection is fine: the statement's own error
                    raise DBAPIError(c.sql, args, exc) from exc
                if not retry:
                    raise DBAPIError(c.sql, args, exc, connection_invalidated=True) from exc
                retry = False
                continue
            self._used = True
            return result

    async def _drop(self, driver: asyncpg.Connection, exc: BaseException) -> bool:
        """Forget `driver` if `exc` left it closed (True); an error on a live connection is False.
        An InternalClientError counts as closed: the server's farewell (FATAL, then the socket's end)
        reached an idle connection before its closing did, and its protocol is left mid-error."""
        if not _closed(driver) and not isinstance(exc, asyncpg.InternalClientError):
            return False
        if self._pooled is not None:
            pooled, self._pooled, self._driver = self._pooled, None, None
            assert self.pool is not None
            if pooled._con is not None:  # still ours (a lost connection the pool has already taken back)
                pooled.terminate()
            await self.pool.release(pooled)  # the pool opens a new one in its place when next needed
        elif self._conn is not None:
            self._driver = None
            await self._conn.invalidate(exc)
        return True


def _closed(driver: asyncpg.Connection) -> bool:
    """Whether the connection is closed. asyncpg takes a pooled connection back from its holder the
    moment the server ends it (the proxy is detached, and asking it anything raises InterfaceError),
    so a detached proxy is a closed connection too."""
    if isinstance(driver, asyncpg.pool.PoolConnectionProxy) and driver._con is None:
        return True
    return driver.is_closed()
