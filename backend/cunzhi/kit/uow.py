"""One unit of work for requests, jobs and the CLI: it owns the transaction.

It commits when the block ends normally and rolls back when it raises (unless the error asks
to keep its writes, like a counted failed login); services only flush. Work that must happen
only once the change is durable (waking the outbox relay, say) registers an after-commit
hook with `after_commit(session, fn)`; hooks run after a successful commit, never after a
rollback, and a failing hook is logged, not raised: the change is already committed.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger("cunzhi.uow")
Hook = Callable[[], Awaitable[None]]
_HOOKS = "cunzhi.after_commit"


def keeps_writes(exc: BaseException) -> bool:
    """Errors that must still commit what was written (a failed login is counted, a reused
    refresh token's family is revoked) although the client gets an error."""
    return bool(getattr(exc, "keep_writes", False))


def after_commit(session: AsyncSession, hook: Hook, *, key: str | None = None) -> None:
    """Run `hook` once the session's transaction has committed (dropped on rollback); a hook
    with a `key` is registered once per transaction however often it is asked for."""
    hooks: dict[object, Hook] = session.info.setdefault(_HOOKS, {})
    hooks.setdefault(key if key is not None else object(), hook)


def _take_hooks(session: AsyncSession) -> list[Hook]:
    hooks: dict[object, Hook] = session.info.pop(_HOOKS, {})
    return list(hooks.values())


async def run_hooks(hooks: list[Hook]) -> None:
    for hook in hooks:
        try:
            await hook()
        except Exception:  # the change is committed; a hook is a nudge, not part of it
            log.exception("after-commit hook %r failed", hook)


async def finish(session: AsyncSession, exc: BaseException | None) -> None:
    """Commit (no error, or one that keeps its writes) or roll back, then run or drop the hooks."""
    if exc is None or keeps_writes(exc):
        await session.commit()
        await run_hooks(_take_hooks(session))
    else:
        await session.rollback()
        _take_hooks(session)


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession] | None = None) -> AsyncIterator[AsyncSession]:
    """`async with unit_of_work() as session:` one transaction, committed or rolled back here."""
    if maker is None:
        from cunzhi.db import get_sessionmaker

        maker = get_sessionmaker()
    async with maker() as session:
        await session.begin()
        try:
            yield session
        except BaseException as exc:
            await finish(session, exc)
            raise
        await finish(session, None)
