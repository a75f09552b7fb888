"""Who manages accounts and township systems' API clients. Keyed by `Role`; checked with `kit.permissions`."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import roles


class UserAction(StrEnum):
    manage_accounts = "manage_accounts"  # people's accounts
    manage_clients = "manage_clients"  # township systems' API clients
    read_audit = "read_audit"  # the county's audit log


USERS: dict[UserAction, frozenset[Role]] = {
    UserAction.manage_accounts: roles(Role.county_admin),
    UserAction.manage_clients: roles(Role.county_admin),
    UserAction.read_audit: roles(Role.county_admin, Role.discipline_inspector),
}
