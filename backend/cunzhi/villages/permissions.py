"""Who may change villages. Keyed by `Role`; checked with `kit.permissions` (scope apart: 404 outside it)."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal


class VillageAction(StrEnum):
    add = "add"
    edit = "edit"
    sync = "sync"  # bulk upserts of a township system's villages


VILLAGES: dict[VillageAction, frozenset[Role]] = {
    VillageAction.add: roles(Role.county_admin),
    # township systems (API clients, with villages:write) keep their villages' facts as a township official does
    VillageAction.edit: roles(Role.county_admin, Role.township_official, Role.api_client),
    VillageAction.sync: roles(Role.api_client),
}


def village_actions(p: Principal) -> list[str]:
    """What `p` may do with a village it sees."""
    return [a.value for a in allowed(p, VILLAGES, [VillageAction.edit])]
