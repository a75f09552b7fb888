"""Every legal and every illegal edge of the screening and rectification status machines."""

import itertools

import pytest

from cunzhi.kit.errors import DomainError
from cunzhi.rectification.states import (
    CASE,
    CASE_TO_VILLAGE,
    LISTABLE_VILLAGE_STATES,
    OPEN_CASE_STATES,
    ROUND,
    VILLAGE,
    CaseEvent,
    CaseStatus,
    IllegalTransition,
    Machine,
    RoundEvent,
    RoundStatus,
    VillageEvent,
    VillageStatus,
)

# The expected tables, written out independently of the module so a changed edge fails here.
VILLAGE_LEGAL = {
    ("normal", "list"): "weak",
    ("accepted", "list"): "weak",
    ("weak", "start"): "rectifying",
    ("rectifying", "accept"): "accepted",
    ("accepted", "reopen"): "rectifying",
}
CASE_LEGAL = {
    ("open", "start"): "rectifying",
    ("rectifying", "submit"): "submitted",
    ("rectifying", "accept"): "accepted",
    ("submitted", "accept"): "accepted",
    ("submitted", "return"): "rectifying",
    ("accepted", "return"): "rectifying",
}
ROUND_LEGAL = {
    ("open", "begin_scoring"): "scoring",
    ("scoring", "propose"): "proposed",
    ("proposed", "confirm"): "confirmed",
    ("open", "close"): "closed",
    ("scoring", "close"): "closed",
    ("proposed", "close"): "closed",
}

MACHINES = [
    (VILLAGE, VillageStatus, VillageEvent, VILLAGE_LEGAL),
    (CASE, CaseStatus, CaseEvent, CASE_LEGAL),
    (ROUND, RoundStatus, RoundEvent, ROUND_LEGAL),
]


def _all_edges():
    for machine, states, events, legal in MACHINES:
        for s, e in itertools.product(states, events):
            yield pytest.param(machine, s.value, e.value, legal.get((s.value, e.value)), id=f"{machine.name}:{s.value}-{e.value}")


@pytest.mark.parametrize(("machine", "state", "event", "expected"), list(_all_edges()))
def test_every_edge(machine: Machine, state: str, event: str, expected: str | None) -> None:
    if expected is None:
        assert not machine.can(state, event)
        with pytest.raises(IllegalTransition) as info:
            machine.next(state, event)
        err = info.value
        assert isinstance(err, DomainError)
        assert err.status == 409
        assert err.code == "illegal_transition"
        assert err.extra == {"machine": machine.name, "state": state, "event": event}
    else:
        assert machine.can(state, event)
        assert machine.next(state, event) == expected


@pytest.mark.parametrize(("machine", "states", "events", "legal"), MACHINES, ids=lambda m: getattr(m, "name", ""))
def test_tables_match_exactly(machine: Machine, states, events, legal) -> None:
    assert dict(machine.edges) == legal
    assert machine.states == tuple(s.value for s in states)
    assert machine.events == tuple(e.value for e in events)


def test_village_status_values_are_the_glossary() -> None:
    assert [s.value for s in VillageStatus] == ["normal", "weak", "rectifying", "accepted"]


def test_happy_paths() -> None:
    s = "normal"
    for e in ("list", "start", "accept", "reopen", "accept", "list"):
        s = VILLAGE.next(s, e)
    assert s == "weak"
    c = "open"
    for e in ("start", "submit", "return", "submit", "accept", "return", "accept"):
        c = CASE.next(c, e)
    assert c == "accepted"
    r = "open"
    for e in ("begin_scoring", "propose", "confirm"):
        r = ROUND.next(r, e)
    assert r == "confirmed"


def test_terminal_round_states_allow_nothing() -> None:
    assert ROUND.allowed("confirmed") == []
    assert ROUND.allowed("closed") == []
    with pytest.raises(IllegalTransition):
        ROUND.next("closed", "confirm")
    with pytest.raises(IllegalTransition):
        ROUND.next("confirmed", "confirm")


def test_allowed_lists_events_in_order() -> None:
    assert CASE.allowed("rectifying") == ["submit", "accept"]
    assert CASE.allowed("submitted") == ["accept", "return"]
    assert VILLAGE.allowed("accepted") == ["list", "reopen"]
    assert ROUND.allowed("open") == ["begin_scoring", "close"]


def test_unknown_state_or_event_is_illegal() -> None:
    with pytest.raises(IllegalTransition):
        VILLAGE.next("vanished", "list")
    with pytest.raises(IllegalTransition):
        VILLAGE.next("normal", "teleport")


def test_case_events_drive_the_village_consistently() -> None:
    """Following a case event with its village event never hits an illegal village edge."""
    village_of_case = {"open": "weak", "rectifying": "rectifying", "submitted": "rectifying", "accepted": "accepted"}
    for (case_state, event), case_next in CASE.edges.items():
        v = village_of_case[case_state]
        ve = CASE_TO_VILLAGE.get((case_state, event))
        v_next = VILLAGE.next(v, ve) if ve else v
        assert v_next == village_of_case[case_next], (case_state, event)
    # Only legal case edges have a village follow-up.
    assert set(CASE_TO_VILLAGE) <= set(CASE.edges)


def test_derived_sets() -> None:
    assert {"open", "rectifying", "submitted"} == OPEN_CASE_STATES
    assert {"normal", "accepted"} == LISTABLE_VILLAGE_STATES
