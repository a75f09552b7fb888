"""The kit's state machine: declared edges only, refusals with the stable code, the answer's shape."""

from enum import StrEnum

import pytest

from cunzhi.kit.errors import IllegalTransition
from cunzhi.kit.states import Machine


class S(StrEnum):
    a = "a"
    b = "b"
    c = "c"


class E(StrEnum):
    go = "go"
    back = "back"
    stop = "stop"


EDGES = {(S.a, E.go): S.b, (S.b, E.back): S.a, (S.b, E.stop): S.c, (S.a, E.stop): S.c}


def test_next_follows_the_table_and_returns_the_declared_state() -> None:
    m = Machine("thing", S, E, EDGES)
    assert m.next(S.a, E.go) is S.b
    assert m.next("b", "back") is S.a  # plain strings (database values) work too


def test_anything_else_is_illegal_with_the_stable_code() -> None:
    m = Machine("thing", S, E, EDGES)
    with pytest.raises(IllegalTransition) as info:
        m.next(S.c, E.go)
    err = info.value
    assert (err.status, err.code) == (409, "illegal_transition")
    assert err.extra == {"state": "c", "action": "go"}
    with pytest.raises(IllegalTransition):
        m.next("vanished", "go")
    with pytest.raises(IllegalTransition):
        m.next("a", "teleport")


def test_the_refusal_can_name_the_machine_and_call_the_step_an_event() -> None:
    m = Machine("thing", S, E, EDGES, verb="event", named=True)
    with pytest.raises(IllegalTransition) as info:
        m.next("c", "back")
    assert info.value.extra == {"machine": "thing", "state": "c", "event": "back"}


def test_actions_are_in_table_order_and_can_agrees() -> None:
    m = Machine("thing", S, E, EDGES)
    assert m.actions(S.a) == [E.go, E.stop]
    assert m.allowed("b") == [E.back, E.stop]
    assert m.actions(S.c) == []
    assert m.can("a", "go") and m.allows(S.a, E.go) and not m.can("c", "go")
    assert m.states == (S.a, S.b, S.c) and m.events == (E.go, E.back, E.stop)


def test_edges_naming_unknown_states_or_actions_are_refused_at_declaration() -> None:
    class Other(StrEnum):
        z = "z"

    with pytest.raises(ValueError, match="unknown"):
        Machine("thing", S, E, {(S.a, E.go): Other.z})  # type: ignore[dict-item]


def test_every_domain_machine_is_the_kit_machine() -> None:
    from cunzhi.assets.workflows import ASSET_MACHINE, RESOURCE_MACHINE
    from cunzhi.funds.budgets import BUDGET_MACHINE
    from cunzhi.funds.claims import OVER_LIMIT, UNDER_LIMIT
    from cunzhi.rectification.states import CASE, ROUND, VILLAGE

    for m in (ASSET_MACHINE, RESOURCE_MACHINE, BUDGET_MACHINE, OVER_LIMIT, UNDER_LIMIT, CASE, ROUND, VILLAGE):
        assert isinstance(m, Machine), m


def test_assets_no_longer_import_from_funds() -> None:
    import ast
    import pathlib

    import cunzhi.assets.workflows as workflows

    tree = ast.parse(pathlib.Path(workflows.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.startswith("cunzhi.funds") for m in imported), imported
