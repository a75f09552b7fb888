"""Hot reads: SQL compiled once per shape, sent on the session's own asyncpg connection.

For a short read, most of `session.execute` is per-call work around the statement (building and
hashing it, the ORM context, wrapping the result), several times what the database needs. The most
frequent reads instead build their statement once per *shape* (whose scope, which filters are set,
which sort), with named `bindparam`s for the values that change from request to request. The
compiled text and the order of its parameters are kept here; each request sends the text straight to
asyncpg, which prepares it once per connection and then only binds and executes.

The connection is the session's: a test's transaction, the read replica and the pool apply as they
do to every other statement. Values the statement carries itself (a scope's division code) are bound
at compile time, so the shape's key must hold everything they were computed from. Database errors
come out as SQLAlchemy's `DBAPIError`, like any other statement's (kit.errors answers them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

from cunzhi.db import NO_TRANSACTION

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # numeric_dollar: $1, $2, asyncpg's own placeholders


class Compiled(NamedTuple):
    sql: str
    names: tuple[str, ...]  # the statement's parameters, in placeholder order
    fixed: Mapping[str, Any]  # values bound when the statement was built
    processors: tuple[Callable[[Any], Any] | None, ...]  # the column types' bind processing, by position

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.fixed[name]
            out.append(value if process is None or value is None else process(value))
        return out


def compile_statement(stmt: ClauseElement) -> Compiled:
    compiled = stmt.compile(dialect=_DIALECT)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())
    fixed = compiled.construct_params(_check=False)
    processors = compiled._bind_processors
    # (A sequence of processors is for tuple types, which these statements do not bind.)
    return Compiled(compiled.string, names, fixed, tuple(processors.get(n) for n in names))  # type: ignore[misc]


class Statements:
    """Compiled statements by shape key, the least recently used forgotten beyond `maxsize`."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, Compiled] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], ClauseElement]) -> Compiled:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        found = compile_statement(build())
        self._entries[key] = found
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._entries)


class Reader:
    """An asyncpg connection for statements from `Statements`; `async with` it.

    On an engine (`Reader(engine=...)`, the read path's dependency in kit.deps), or on a session with
    nothing begun on it (a production read session, see cunzhi.db), a connection is checked out of
    the pool when the first statement runs and back in at the end, without a session's transaction
    and connection objects around it. On any other session (a test's, one in a transaction) the
    statements run on the session's own connection and see what it sees."""

    def __init__(self, session: AsyncSession | None = None, *, engine: AsyncEngine | None = None) -> None:
        if (session is None) == (engine is None):
            raise TypeError("a Reader reads through a session or an engine")
        self.session, self.engine = session, engine
        self._conn: AsyncConnection | None = None  # the session's
        self._pooled: PoolProxiedConnection | None = None  # or our own from the pool
        self._driver: asyncpg.Connection | None = None

    async def __aenter__(self) -> Reader:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        pooled, self._pooled, self._driver = self._pooled, None, None
        if pooled is not None:
            await greenlet_spawn(pooled.close)

    def _pool_owner(self) -> AsyncEngine | None:
        if self.engine is not None:
            return self.engine
        assert self.session is not None
        bind = self.session.bind
        if self.session.info.get(NO_TRANSACTION) and isinstance(bind, AsyncEngine) and not self.session.in_transaction():
            return bind
        return None

    async def _connection(self) -> asyncpg.Connection:
        if self._driver is None:
            engine = self._pool_owner()
            if engine is not None:
                self._pooled = await engine.raw_connection()
                self._driver = self._pooled.driver_connection
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
        driver = await self._connection()
        args: Sequence[Any] = c.arguments(values)
        try:
            return await getattr(driver, method)(c.sql, *args)
        except asyncpg.PostgresError as exc:
            raise DBAPIError(c.sql, args, exc) from exc
        except (OSError, asyncpg.InterfaceError) as exc:
            # The connection is gone: the pool must not hand it out again.
            if self._pooled is not None:
                pooled, self._pooled, self._driver = self._pooled, None, None
                await greenlet_spawn(pooled.invalidate, exc)
            elif self._conn is not None:
                await self._conn.invalidate(exc)
            raise DBAPIError(c.sql, args, exc, connection_invalidated=True) from exc
