import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from cunzhi import models  # noqa: F401  (registers every table)
from cunzhi.db import Base, database_url

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _include(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # CUNZHI_AUTOGEN_PREFIX limits autogenerate to one domain's tables (e.g. "funds_").
    prefixes = context.config.attributes.get("only_prefixes")
    if type_ == "table" and prefixes:
        return any(name.startswith(p) for p in prefixes)
    return True


def _run(connection: Connection) -> None:
    import os

    only = os.environ.get("CUNZHI_AUTOGEN_TABLES")
    if only:
        context.config.attributes["only_prefixes"] = only.split(",")
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      include_object=_include)
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    url = context.config.attributes.get("url") or database_url()
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async())
