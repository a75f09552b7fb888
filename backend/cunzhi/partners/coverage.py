"""Pairing coverage as SQL expressions: how many partner units a village holds on a day and how many it
needs (the county's setting, else the default). One definition for the dashboard's pairing panel and the
village register's pairing filter, so the register's total is the panel's figure."""

from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, bindparam, func, or_, select

from cunzhi.partners.models import Pairing, PairingSettings
from cunzhi.villages.models import Village

LISTED = ("weak", "rectifying")  # villages that need partner units


def active_pairings(day: Any) -> ColumnElement[bool]:
    return (Pairing.start_date <= day) & or_(Pairing.end_date.is_(None), Pairing.end_date >= day)


def village_units() -> tuple[Any, Any]:
    """The village's units on bindparam `day` and the units it needs (bindparam `default_units` where the
    county has no setting), as correlated scalar subqueries labelled units and required."""
    day = bindparam("day", type_=Date)
    units = (select(func.count()).where(Pairing.village_id == Village.id, active_pairings(day))
             .correlate(Village).scalar_subquery())
    required = func.coalesce(
        select(PairingSettings.slots_per_village).where(PairingSettings.county_code == Village.county_code)
        .correlate(Village).scalar_subquery(), bindparam("default_units", type_=Integer))
    return units.label("units"), required.label("required")


def short_of_units() -> ColumnElement[bool]:
    """A listed village holding fewer units than it needs on `day`."""
    units, required = village_units()
    # The statuses written out, not IN: kit.prepared cannot expand an IN list.
    return or_(*(Village.status == s for s in LISTED)) & (units < required)


def accepted_holding() -> ColumnElement[bool]:
    """An accepted village still holding a unit on `day`."""
    units, _ = village_units()
    return (Village.status == "accepted") & (units > 0)
