"""Who may change partner units and pairing. Keyed by `Role`; checked with `kit.permissions`.

Every write is the county organisation department's, in a county it sees (`kit.scope.sees_county`)."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import sees_county


class PartnerAction(StrEnum):
    edit_settings = "edit_settings"
    add_unit = "add_unit"
    edit_unit = "edit_unit"
    propose = "propose"
    rerun = "rerun"
    confirm = "confirm"
    end_pairing = "end_pairing"


PARTNERS: dict[PartnerAction, frozenset[Role]] = {a: roles(Role.county_admin) for a in PartnerAction}


def proposal_actions(p: Principal, *, county_code: str, open_: bool, stale: bool) -> list[str]:
    """The desk may run any proposal again (with its pins and bans); it confirms one while it is open
    and still matches today's inputs."""
    if not sees_county(p, county_code):
        return []
    candidates = [PartnerAction.rerun] + ([PartnerAction.confirm] if open_ and not stale else [])
    return [a.value for a in allowed(p, PARTNERS, candidates)]


def pairing_actions(p: Principal, *, county_code: str, open_: bool) -> list[str]:
    """A pairing not ended yet and not over may be ended."""
    if not open_ or not sees_county(p, county_code):
        return []
    return [a.value for a in allowed(p, PARTNERS, [PartnerAction.end_pairing])]
