"""Pure rules of cadres' field work: the local day, the client-time window, log dates, months,
cursors and photo types."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunzhi.cadres.rules import (
    MAX_AGE,
    SKEW,
    TIMEZONE,
    NaiveTime,
    client_time_problem,
    decode_cursor,
    encode_cursor,
    local_date,
    log_date_problem,
    month_bounds,
)
from cunzhi.kit.uploads import sniff_image

SERVER = datetime(2026, 5, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.mark.parametrize(("at", "day"), [
    (datetime(2026, 5, 1, 15, 59, 59, tzinfo=UTC), date(2026, 5, 1)),  # 23:59:59 Shanghai
    (datetime(2026, 5, 1, 16, 0, tzinfo=UTC), date(2026, 5, 2)),  # midnight Shanghai
    (datetime(2026, 5, 2, 0, 30, tzinfo=timezone(timedelta(hours=8))), date(2026, 5, 2)),
    (datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=-7))), date(2026, 5, 2)),  # 03:00 next day
    (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),  # the new year arrives in Shanghai first
])
def test_local_date_is_the_day_in_shanghai(at: datetime, day: date) -> None:
    assert local_date(at) == day


def test_a_naive_time_has_no_day() -> None:
    with pytest.raises(NaiveTime):
        local_date(datetime(2026, 5, 1, 8, 0))
    with pytest.raises(NaiveTime):
        client_time_problem(datetime(2026, 5, 1, 8, 0), SERVER)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_local_date_agrees_with_the_fixed_offset(at: datetime) -> None:
    # Shanghai has kept UTC+8 without daylight saving since 1991
    assert local_date(at) == (at + timedelta(hours=8)).date()
    assert local_date(at, TIMEZONE) == at.astimezone(TIMEZONE).date()


@pytest.mark.parametrize(("client", "problem"), [
    (SERVER, None),
    (SERVER + SKEW, None),
    (SERVER + SKEW + timedelta(seconds=1), "client_time_in_future"),
    (SERVER + timedelta(days=1), "client_time_in_future"),
    (SERVER - timedelta(hours=3), None),
    (SERVER - MAX_AGE, None),
    (SERVER - MAX_AGE - timedelta(seconds=1), "client_time_too_old"),
    (SERVER - timedelta(days=365), "client_time_too_old"),
    (SERVER.astimezone(timezone(timedelta(hours=8))) - timedelta(days=6), None),
])
def test_client_time_window(client: datetime, problem: str | None) -> None:
    assert client_time_problem(client, SERVER) == problem


def test_the_window_can_be_given() -> None:
    assert client_time_problem(SERVER - timedelta(days=2), SERVER, max_age=timedelta(days=1)) == "client_time_too_old"
    assert client_time_problem(SERVER + timedelta(minutes=1), SERVER, skew=timedelta(0)) == "client_time_in_future"


def test_log_dates() -> None:
    written = datetime(2026, 5, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 May in Shanghai
    assert log_date_problem(date(2026, 5, 2), written) is None
    assert log_date_problem(date(2026, 5, 3), written) == "log_date_in_future"
    assert log_date_problem(date(2026, 4, 1), written) is None  # 31 days back
    assert log_date_problem(date(2026, 3, 31), written) == "log_date_too_old"


@pytest.mark.parametrize(("month", "first", "last"), [
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026-04", date(2026, 4, 1), date(2026, 4, 30)),
])
def test_month_bounds(month: str, first: date, last: date) -> None:
    assert month_bounds(month) == (first, last)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "", "２０２６-01", "2026-01-01"])
def test_bad_months(month: str) -> None:
    with pytest.raises(ValueError):
        month_bounds(month)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), st.integers(1, 2**31 - 1))
def test_cursor_round_trip(day: date, row_id: int) -> None:
    token = encode_cursor(day, row_id)
    assert token.isascii() and len(token) <= 64 and "=" not in token
    c = decode_cursor(token)
    assert (c.day, c.id) == (day, row_id)


@pytest.mark.parametrize("token", ["", "x", "!!!!", "MjAyNi0wMS0wMXx4", "MjAyNi0xMy0wMXwx", "bm9waXBl",
                                   "MjAyNi0wMS0wMXwwMDA", "MjAyNi0wMS0wMXwtMQ", "a" * 65,
                                   "MjAyNi0wMS0wMXw5OTk5OTk5OTk5OTk"])
def test_bad_cursors(token: str) -> None:
    with pytest.raises(ValueError):
        decode_cursor(token)


@pytest.mark.parametrize(("content", "media_type"), [
    (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\nrest", "image/png"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
    (b"GIF89a", None),
    (b"%PDF-1.4", None),
    (b"", None),
    (b"\xff\xd8", None),
])
def test_photo_types_come_from_the_bytes(content: bytes, media_type: str | None) -> None:
    assert sniff_image(content) == media_type


# ---- presence: distance, flags, posted days -----------------------------------------------

def test_distance_is_great_circle_metres() -> None:
    from cunzhi.cadres.rules import distance_m

    assert distance_m(45.7581, 126.6425, 45.7581, 126.6425) == 0
    # one thousandth of a degree of latitude is about 111 m
    assert 110 < distance_m(45.0, 126.0, 45.001, 126.0) < 112
    # Harbin to Beijing: about 1,050 km
    assert 1_000_000 < distance_m(45.7581, 126.6425, 39.9042, 116.4074) < 1_100_000


def test_checkin_flags() -> None:
    from datetime import UTC, datetime, timedelta

    from cunzhi.cadres.rules import checkin_flags

    at = datetime(2026, 12, 2, 1, tzinfo=UTC)
    kw = {"max_distance_m": 2000, "max_accuracy_m": 500, "offline_tolerance": timedelta(hours=48)}
    home = (45.7581, 126.6425)
    dist, flags = checkin_flags(lat=45.7590, lng=126.6430, accuracy_m=15, checked_at=at, received_at=at,
                                village=home, **kw)
    assert flags == [] and dist is not None and dist < 200
    _, flags = checkin_flags(lat=39.9, lng=116.4, accuracy_m=900, checked_at=at,
                             received_at=at + timedelta(hours=48, seconds=1), village=home, **kw)
    assert flags == ["far_from_village", "poor_accuracy", "late_upload"]
    _, flags = checkin_flags(lat=45.77, lng=126.6425, accuracy_m=10, checked_at=at,
                             received_at=at + timedelta(hours=48), village=home, **kw)
    assert flags == []  # 1.3 km and exactly 48 h late: within both
    dist, flags = checkin_flags(lat=45.7, lng=126.6, accuracy_m=10, checked_at=at, received_at=at, village=None, **kw)
    assert dist is None and flags == ["village_unlocated"]


def test_posted_days_count_only_days_that_have_happened() -> None:
    from datetime import date

    from cunzhi.cadres.rules import posted_days

    first, last = date(2026, 12, 1), date(2026, 12, 31)
    assert posted_days([(date(2026, 1, 1), None)], first, last, date(2026, 12, 2)) == 2
    assert posted_days([(date(2026, 1, 1), None)], first, last, date(2027, 1, 5)) == 31
    assert posted_days([(date(2026, 1, 1), None)], first, last, date(2026, 11, 30)) == 0
    # ended on the 10th, a new one from the 20th, today the 25th; overlaps are counted once
    periods = [(date(2026, 1, 1), date(2026, 12, 10)), (date(2026, 12, 20), None), (date(2026, 12, 21), None)]
    assert posted_days(periods, first, last, date(2026, 12, 25)) == 10 + 6
    assert posted_days([(date(2026, 12, 5), date(2026, 12, 4))], first, last, date(2026, 12, 25)) == 0  # void
