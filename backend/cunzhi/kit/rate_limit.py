"""Per-client (and, for the public endpoints, per-address) request limits, counted in PostgreSQL so
they hold across any number of API processes.

A fixed window of one minute: each request of an API client adds one to its row for the current
minute with a single atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), so concurrent
requests in different processes each see a distinct count and exactly the limit's worth pass.
The upsert runs on the caller-lookup session, which has no transaction of its own: the count is
committed at once, also for a request that then fails or is refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.config import get_settings
from cunzhi.db import Base
from cunzhi.kit.errors import DomainError
from cunzhi.kit.principal import Principal

WINDOW_SECONDS = 60


class ClientRateWindow(Base):
    """Requests of one API client within one minute (no foreign key: the counter must not wait on,
    or be blocked by, the client's row; old windows are deleted by the worker's clean-up)."""

    __tablename__ = "client_rate_windows"

    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RateLimited(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests from this API client; try again later"


_HIT = text(
    "INSERT INTO client_rate_windows AS w (client_id, window_start, hits, last_at)"
    " VALUES (:client, to_timestamp(floor(extract(epoch FROM clock_timestamp()) / :w) * :w), 1, clock_timestamp())"
    " ON CONFLICT (client_id, window_start) DO UPDATE SET hits = w.hits + 1, last_at = excluded.last_at"
    " RETURNING w.hits, extract(epoch FROM (w.window_start + make_interval(secs => :w)) - clock_timestamp())"
)


def client_limit(own: int | None) -> int:
    """The limit that applies to a client whose own setting is `own` (None: the server's; 0: none)."""
    return get_settings().client_rate_limit_per_minute if own is None else own


async def hit(session: AsyncSession, principal: Principal) -> None:
    """Count one request of an API client; 429 with Retry-After past its limit: its own
    (api_clients.rate_limit_per_minute) or else CUNZHI_CLIENT_RATE_LIMIT_PER_MINUTE; 0 is none."""
    if principal.kind != "client":
        return
    limit = client_limit(principal.rate_limit_per_minute)
    if limit <= 0:
        return
    hits, left = (await session.execute(_HIT, {"client": principal.id, "w": WINDOW_SECONDS})).one()
    if hits > limit:
        retry = max(1, int(float(left)) + 1)
        raise RateLimited(f"At most {limit} requests a minute", headers={"Retry-After": str(retry)},
                          extra={"limit": limit}, keep_writes=True)


class AddressRateWindow(Base):
    """Requests of one network address to the public endpoints within one minute."""

    __tablename__ = "address_rate_windows"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


_HIT_ADDRESS = text(
    "INSERT INTO address_rate_windows AS w (address, window_start, hits, last_at)"
    " VALUES (:address, to_timestamp(floor(extract(epoch FROM clock_timestamp()) / :w) * :w), 1, clock_timestamp())"
    " ON CONFLICT (address, window_start) DO UPDATE SET hits = w.hits + 1, last_at = excluded.last_at"
    " RETURNING w.hits, extract(epoch FROM (w.window_start + make_interval(secs => :w)) - clock_timestamp())"
)


async def hit_address(session: AsyncSession, address: str | None) -> None:
    """Count one public request of `address`; 429 with Retry-After past CUNZHI_PUBLIC_RATE_LIMIT_PER_MINUTE.
    The count is kept even when the answer is the 429 (keep_writes)."""
    limit = get_settings().public_rate_limit_per_minute
    if limit <= 0:
        return
    hits, left = (await session.execute(_HIT_ADDRESS, {"address": (address or "unknown")[:64],
                                                       "w": WINDOW_SECONDS})).one()
    if hits > limit:
        retry = max(1, int(float(left)) + 1)
        raise RateLimited(f"At most {limit} requests a minute", headers={"Retry-After": str(retry)},
                          extra={"limit": limit}, keep_writes=True, code="rate_limited")


async def purge(session: AsyncSession, *, older_than_seconds: int = 3600) -> int:
    """Forget windows that ended long ago."""
    result = await session.execute(text(
        "DELETE FROM client_rate_windows WHERE window_start < clock_timestamp() - make_interval(secs => :s)"),
        {"s": older_than_seconds})
    gone = int(getattr(result, "rowcount", 0) or 0)
    result = await session.execute(text(
        "DELETE FROM address_rate_windows WHERE window_start < clock_timestamp() - make_interval(secs => :s)"),
        {"s": older_than_seconds})
    return gone + int(getattr(result, "rowcount", 0) or 0)
