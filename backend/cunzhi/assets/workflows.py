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

from cunzhi.funds.fsm import Machine


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


ASSET_MACHINE = Machine[AssetState, AssetAction](
    "asset",
    {
        (AssetState.registered, AssetAction.value): AssetState.valued,
        (AssetState.valued, AssetAction.value): AssetState.valued,
        (AssetState.valued, AssetAction.approve): AssetState.approved,
        (AssetState.valued, AssetAction.return_): AssetState.registered,
        (AssetState.approved, AssetAction.dispose): AssetState.disposed,
    },
)

ASSET_ACTION_ROLES: dict[AssetAction, frozenset[str]] = {
    AssetAction.value: frozenset({"village_committee", "township_agency"}),
    AssetAction.approve: frozenset({"township_official"}),
    AssetAction.return_: frozenset({"township_official"}),
    AssetAction.dispose: frozenset({"township_agency"}),  # it books the proceeds
}


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


RESOURCE_MACHINE = Machine[ResourceState, ResourceAction](
    "resource",
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

RESOURCE_ACTION_ROLES: dict[ResourceAction, frozenset[str]] = {
    ResourceAction.survey: frozenset({"village_committee", "township_agency"}),
    ResourceAction.value: frozenset({"village_committee", "township_agency"}),
    ResourceAction.approve: frozenset({"township_official"}),
    ResourceAction.return_: frozenset({"township_official"}),
    ResourceAction.open_tender: frozenset({"village_committee", "township_agency"}),
    ResourceAction.tender_failed: frozenset({"village_committee", "township_agency"}),
    ResourceAction.record_letting: frozenset({"village_committee", "township_agency"}),
    ResourceAction.end_letting: frozenset({"village_committee", "township_agency"}),
}
