"""The one clock: `now()` (aware, UTC) and `local_today()` (the county's calendar day).

Nothing else reads the system clock, so a UTC container and a Beijing laptop agree on what
"today" is, and tests move time with `travel()` instead of waiting for it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from cunzhi.config import get_settings

_offset = timedelta(0)
_frozen: datetime | None = None


@lru_cache
def zone() -> ZoneInfo:
    """The county's time zone (CUNZHI_TIMEZONE, Asia/Shanghai by default)."""
    return ZoneInfo(get_settings().timezone)


def now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def local_now() -> datetime:
    return now().astimezone(zone())


def local_today() -> date:
    """The county's calendar day."""
    return local_now().date()


def local_date(at: datetime) -> date:
    """The county's calendar day of an aware moment."""
    return at.astimezone(zone()).date()


@contextmanager
def travel(to: datetime | date | None = None, *, by: timedelta | None = None, frozen: bool = False) -> Iterator[None]:
    """Move the clock for the duration of the block (tests and demo tooling only).

    `to` a moment (or the start of a local day), or `by` an offset; `frozen` stops it there."""
    global _offset, _frozen
    saved = (_offset, _frozen)
    if isinstance(to, date) and not isinstance(to, datetime):
        to = datetime(to.year, to.month, to.day, 9, tzinfo=zone())
    if to is not None and to.tzinfo is None:
        raise ValueError("travel() needs an aware datetime")
    target = to if to is not None else now() + (by or timedelta(0))
    if frozen:
        _frozen = target.astimezone(UTC)
    else:
        _frozen = None
        _offset = target - datetime.now(UTC)
    try:
        yield
    finally:
        _offset, _frozen = saved
