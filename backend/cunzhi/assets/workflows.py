"""Disposal of collective assets and letting of collective resources. Pure: no I/O.

Assets (buildings, machinery) are disposed of only after valuation and approval:

    registered -value-> valued -approve-> approved -dispose-> disposed
                        valued -return-> registered  (approval refused, with reasons)
                        valued -value-> valued       (a new valuation replaces the last one)

Resources (land, ponds, forest) are let only after survey, valuation, approval and public tender:

    registered -survey-> surveyed -value-> valued -approve-> approved -open_tender-> tendering
    tendering -record_letting-> let   (the tender result is recorded with it)
    tendering -tender_failed-> approved  (no acceptable bid: tender again)
    valued -return-> surveyed           (approval refused, with reasons)
    let -end_letting-> registered        (the lease ended; a new letting starts from a new survey)
"""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.states import Machine


class AssetState(StrEnum):
    registered = "registered"
    valued = "valued"
    approved = "approved"
    disposed = "disposed"


class AssetAction(StrEnum):
    value = "value"
    approve = "approve"
    return_ = "return"
    dispose = "dispose"


ASSET_MACHINE = Machine(
    "asset",
    AssetState,
    AssetAction,
    {
        (AssetState.registered, AssetAction.value): AssetState.valued,
        (AssetState.valued, AssetAction.value): AssetState.valued,
        (AssetState.valued, AssetAction.approve): AssetState.approved,
        (AssetState.valued, AssetAction.return_): AssetState.registered,
        (AssetState.approved, AssetAction.dispose): AssetState.disposed,
    },
)


class ResourceState(StrEnum):
    registered = "registered"
    surveyed = "surveyed"
    valued = "valued"
    approved = "approved"
    tendering = "tendering"
    let = "let"


class ResourceAction(StrEnum):
    survey = "survey"
    value = "value"
    approve = "approve"
    return_ = "return"
    open_tender = "open_tender"
    tender_failed = "tender_failed"
    record_letting = "record_letting"
    end_letting = "end_letting"


RESOURCE_MACHINE = Machine(
    "resource",
    ResourceState,
    ResourceAction,
    {
        (ResourceState.registered, ResourceAction.survey): ResourceState.surveyed,
        (ResourceState.surveyed, ResourceAction.value): ResourceState.valued,
        (ResourceState.valued, ResourceAction.approve): ResourceState.approved,
        (ResourceState.valued, ResourceAction.return_): ResourceState.surveyed,
        (ResourceState.approved, ResourceAction.open_tender): ResourceState.tendering,
        (ResourceState.tendering, ResourceAction.record_letting): ResourceState.let,
        (ResourceState.tendering, ResourceAction.tender_failed): ResourceState.approved,
        (ResourceState.let, ResourceAction.end_letting): ResourceState.registered,
    },
)


# The role tables live in permissions.py; these names stay for code that imported them from here.
_MOVED = {"ASSET_ACTION_ROLES": "ASSET", "RESOURCE_ACTION_ROLES": "RESOURCE"}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        from cunzhi.assets import permissions

        return getattr(permissions, _MOVED[name])
    raise AttributeError(name)
