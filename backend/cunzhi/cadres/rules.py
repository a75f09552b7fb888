"""Pure rules of stationed cadres' field work (no I/O, no clock: callers pass the time).

* A check-in belongs to the **local day** (Asia/Shanghai) of the moment it was made on the phone,
  not of the moment it reached the server: a check-in made offline on Monday and replayed on
  Tuesday still counts for Monday. The database derives the same day from the stored client time
  (a generated column), and its unique constraint allows one check-in per cadre, village and day.
* The client's clock is trusted only within a **window**: not older than `MAX_AGE` (a phone may
  stay offline for a few days, not for weeks) and not later than the server's time plus `SKEW`.
* Lists of check-ins and work logs are append-only and long: they page by an opaque **cursor**
  that encodes the (day, id) of the last row shown.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Asia/Shanghai"
TIMEZONE = ZoneInfo(TIMEZONE_NAME)
#: How old a client time may be (an offline phone replaying its queue).
MAX_AGE = timedelta(days=7)
#: How far ahead of the server's clock a phone's clock may run.
SKEW = timedelta(minutes=5)
#: How many days before the day of writing a work log may be dated.
LOG_BACKDATE_DAYS = 31

SEVEN_ROLES = ("informant", "mediator", "supervisor", "coordinator", "clerk", "researcher", "security_officer")
POSTS = ("deputy_secretary", "committee_member")
DEFAULT_EXPERTISE: tuple[dict[str, str], ...] = (
    {"code": "mass_work", "label": "群众工作"},
    {"code": "technical", "label": "专业技术"},
    {"code": "organising", "label": "组织协调"},
)


class NaiveTime(ValueError):
    """A time without a UTC offset cannot be placed on a day."""


def local_date(at: datetime, tz: ZoneInfo = TIMEZONE) -> date:
    """The calendar day of `at` in the county's time zone (Asia/Shanghai)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveTime("time has no UTC offset")
    return at.astimezone(tz).date()


def client_time_problem(client: datetime, server: datetime, *, max_age: timedelta = MAX_AGE,
                        skew: timedelta = SKEW) -> str | None:
    """Why a client time is refused (`client_time_too_old`, `client_time_in_future`), or None."""
    if client.tzinfo is None or client.utcoffset() is None:
        raise NaiveTime("client time has no UTC offset")
    if server.tzinfo is None or server.utcoffset() is None:
        raise NaiveTime("server time has no UTC offset")
    if client > server + skew:
        return "client_time_in_future"
    if client < server - max_age:
        return "client_time_too_old"
    return None


def log_date_problem(log_day: date, written: datetime, *, backdate_days: int = LOG_BACKDATE_DAYS) -> str | None:
    """A work log may be dated on the day it is written or up to `backdate_days` before it."""
    day = local_date(written)
    if log_day > day:
        return "log_date_in_future"
    if log_day < day - timedelta(days=backdate_days):
        return "log_date_too_old"
    return None


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a month given as YYYY-MM (ValueError otherwise)."""
    year_s, sep, month_s = month.partition("-")
    if not sep or len(year_s) != 4 or len(month_s) != 2 or not (year_s + month_s).isascii() \
            or not (year_s.isdigit() and month_s.isdigit()):
        raise ValueError("month must be YYYY-MM")
    first = date(int(year_s), int(month_s), 1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


# ------------------------------------------------------------------------------------------
# Cursors over (day, id), newest first
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    day: date
    id: int


def encode_cursor(day: date, row_id: int) -> str:
    raw = f"{day.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """ValueError for anything that is not a cursor this module made."""
    if not token or len(token) > 64:
        raise ValueError("bad cursor")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("bad cursor") from None
    day_s, sep, id_s = raw.partition("|")
    if not sep or not id_s.isdigit() or not id_s.isascii():
        raise ValueError("bad cursor")
    row_id = int(id_s)
    if not 1 <= row_id <= 2**31 - 1:
        raise ValueError("bad cursor")
    return Cursor(date.fromisoformat(day_s), row_id)


# ------------------------------------------------------------------------------------------
# Photos: the type is read from the content, never from the name or the declared type
# ------------------------------------------------------------------------------------------


def sniff_image(content: bytes) -> str | None:
    """image/jpeg, image/png or image/webp from the first bytes; None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None
