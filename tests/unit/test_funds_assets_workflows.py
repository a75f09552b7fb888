"""Every edge of the asset-disposal and resource-letting workflows."""

from itertools import product

import pytest

from cunzhi.assets.workflows import (
    ASSET_ACTION_ROLES,
    ASSET_MACHINE,
    RESOURCE_ACTION_ROLES,
    RESOURCE_MACHINE,
    AssetAction,
    AssetState,
    ResourceAction,
    ResourceState,
)
from cunzhi.funds.errors import IllegalTransition

AS, AA = AssetState, AssetAction
RS, RA = ResourceState, ResourceAction

ASSET_EDGES = {
    (AS.registered, AA.value): AS.valued,
    (AS.valued, AA.value): AS.valued,
    (AS.valued, AA.approve): AS.approved,
    (AS.valued, AA.return_): AS.registered,
    (AS.approved, AA.dispose): AS.disposed,
}
RESOURCE_EDGES = {
    (RS.registered, RA.survey): RS.surveyed,
    (RS.surveyed, RA.value): RS.valued,
    (RS.valued, RA.approve): RS.approved,
    (RS.valued, RA.return_): RS.surveyed,
    (RS.approved, RA.open_tender): RS.tendering,
    (RS.tendering, RA.record_letting): RS.let,
    (RS.tendering, RA.tender_failed): RS.approved,
    (RS.let, RA.end_letting): RS.registered,
}


@pytest.mark.parametrize("state,action", list(product(AS, AA)))
def test_asset_edges(state: AssetState, action: AssetAction) -> None:
    if (state, action) in ASSET_EDGES:
        assert ASSET_MACHINE.next(state, action) is ASSET_EDGES[(state, action)]
    else:
        with pytest.raises(IllegalTransition):
            ASSET_MACHINE.next(state, action)


@pytest.mark.parametrize("state,action", list(product(RS, RA)))
def test_resource_edges(state: ResourceState, action: ResourceAction) -> None:
    if (state, action) in RESOURCE_EDGES:
        assert RESOURCE_MACHINE.next(state, action) is RESOURCE_EDGES[(state, action)]
    else:
        with pytest.raises(IllegalTransition):
            RESOURCE_MACHINE.next(state, action)


def test_disposal_only_after_valuation_and_approval() -> None:
    """Every path from registered to disposed passes through valued and approved."""
    assert _all_paths_pass(ASSET_EDGES, AS.registered, AS.disposed, {AS.valued, AS.approved})


def test_letting_only_after_survey_valuation_approval_and_tender() -> None:
    must = {RS.surveyed, RS.valued, RS.approved, RS.tendering}
    assert _all_paths_pass(RESOURCE_EDGES, RS.registered, RS.let, must)


def test_every_action_has_roles() -> None:
    assert set(ASSET_ACTION_ROLES) == set(AA)
    assert set(RESOURCE_ACTION_ROLES) == set(RA)
    assert ASSET_MACHINE.actions(AS.valued) == [AA.value, AA.approve, AA.return_]


def _all_paths_pass(edges: dict, start, goal, must: set) -> bool:
    """True when the goal is unreachable from start once any one of `must` is removed."""
    graph: dict = {}
    for (s, _), t in edges.items():
        graph.setdefault(s, set()).add(t)
    for removed in must:
        seen, todo = {start}, [start]
        while todo:
            for t in graph.get(todo.pop(), ()):
                if t != removed and t not in seen:
                    seen.add(t)
                    todo.append(t)
        if goal in seen:
            return False
    return True
