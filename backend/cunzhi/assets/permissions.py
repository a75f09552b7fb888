"""Who takes which step with collective assets and resources. Keyed by `Role`; checked with
`kit.permissions`. Scope (the item's village or township) is checked apart, before these."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.assets.workflows import ASSET_MACHINE, RESOURCE_MACHINE, AssetAction, ResourceAction
from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal


class RegistryAction(StrEnum):
    register = "register"


_VILLAGE_OR_AGENCY = roles(Role.village_committee, Role.township_agency)

REGISTRY: dict[RegistryAction, frozenset[Role]] = {RegistryAction.register: _VILLAGE_OR_AGENCY}

ASSET: dict[AssetAction, frozenset[Role]] = {
    AssetAction.value: _VILLAGE_OR_AGENCY,
    AssetAction.approve: roles(Role.township_official),
    AssetAction.return_: roles(Role.township_official),
    AssetAction.dispose: roles(Role.township_agency),  # it books the proceeds
}

RESOURCE: dict[ResourceAction, frozenset[Role]] = {
    ResourceAction.survey: _VILLAGE_OR_AGENCY,
    ResourceAction.value: _VILLAGE_OR_AGENCY,
    ResourceAction.approve: roles(Role.township_official),
    ResourceAction.return_: roles(Role.township_official),
    ResourceAction.open_tender: _VILLAGE_OR_AGENCY,
    ResourceAction.tender_failed: _VILLAGE_OR_AGENCY,
    ResourceAction.record_letting: _VILLAGE_OR_AGENCY,
    ResourceAction.end_letting: _VILLAGE_OR_AGENCY,
}


def asset_actions(p: Principal, status: str) -> list[AssetAction]:
    return allowed(p, ASSET, ASSET_MACHINE.actions(status))


def resource_actions(p: Principal, status: str) -> list[ResourceAction]:
    return allowed(p, RESOURCE, RESOURCE_MACHINE.actions(status))
