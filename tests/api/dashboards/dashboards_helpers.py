"""Shared values for the dashboard tests (demo county 230199000000): the townships and the months
a panel is asked for, written and ended as the tests recount them (not by the service's own code)."""

from datetime import date, datetime, time

from cunzhi.kit import clock

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
BASE = "/api/v1/dashboards"


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_end(month: str) -> datetime:
    """The first moment after `month` (YYYY-MM), in the county's calendar."""
    y, m = int(month[:4]), int(month[5:])
    return datetime.combine(date(y + (m == 12), m % 12 + 1, 1), time(0), tzinfo=clock.zone())
