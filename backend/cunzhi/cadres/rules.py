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
import math
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


EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (haversine; ample for 2 km checks)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def checkin_flags(*, lat: float, lng: float, accuracy_m: float, checked_at: datetime, received_at: datetime,
                  village: tuple[float, float] | None, max_distance_m: float, max_accuracy_m: float,
                  offline_tolerance: timedelta) -> tuple[float | None, list[str]]:
    """(distance from the village, flags) of a check-in when it arrives. The check-in is kept either
    way; a flagged one counts in attendance only once reviewed and accepted.

    * `village_unlocated`: the posted village has no position, so presence cannot be checked;
    * `far_from_village`: farther than `max_distance_m` from it;
    * `poor_accuracy`: the phone's GPS accuracy is worse than `max_accuracy_m`;
    * `late_upload`: it reached the server more than `offline_tolerance` after it was made.
    """
    flags: list[str] = []
    dist: float | None = None
    if village is None:
        flags.append("village_unlocated")
    else:
        dist = round(distance_m(lat, lng, village[0], village[1]), 1)
        if dist > max_distance_m:
            flags.append("far_from_village")
    if accuracy_m > max_accuracy_m:
        flags.append("poor_accuracy")
    if received_at - checked_at > offline_tolerance:
        flags.append("late_upload")
    return dist, flags


def posted_days(periods: list[tuple[date, date | None]], first: date, last: date, today: date) -> int:
    """How many days of [first, last] up to `today` fall in at least one posting period (start, end
    inclusive; end None: open). Days that have not happened yet are not counted."""
    upto = min(last, today)
    days: set[date] = set()
    for start, end in periods:
        lo = max(start, first)
        hi = upto if end is None else min(end, upto)
        d = lo
        while d <= hi:
            days.add(d)
            d += timedelta(days=1)
    return len(days)


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
