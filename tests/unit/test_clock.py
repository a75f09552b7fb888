"""The one clock: the county's day, whatever the server's zone, and moved by tests."""

from datetime import UTC, date, datetime, timedelta

import pytest

from cunzhi.kit import clock


def test_local_today_is_the_countys_day_not_utcs() -> None:
    # 20:00 UTC on 1 December is already 04:00 on 2 December in Beijing.
    with clock.travel(datetime(2026, 12, 1, 20, 0, tzinfo=UTC), frozen=True):
        assert clock.now() == datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
        assert clock.local_today() == date(2026, 12, 2)


def test_travel_by_offset_keeps_running_and_restores() -> None:
    before = clock.now()
    with clock.travel(by=timedelta(days=1)):
        moved = clock.now()
        assert timedelta(hours=23) < moved - before < timedelta(days=1, minutes=1)
    assert clock.now() - before < timedelta(minutes=1)


def test_travel_to_a_day_lands_inside_that_local_day() -> None:
    with clock.travel(date(2027, 3, 1)):
        assert clock.local_today() == date(2027, 3, 1)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError), clock.travel(datetime(2026, 1, 1)):
        pass
