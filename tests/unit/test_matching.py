"""The pairing / posting engine: exactness against brute force, invariants, pins, bans, reasons."""

from __future__ import annotations

import itertools
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunzhi.partners.matching import (
    DEFAULT_PAIRING_WEIGHTS,
    DEFAULT_POSTING_WEIGHTS,
    MatchingInputError,
    Problem,
    Reason,
    Unit,
    Village,
    fingerprint,
    pair_score,
    posting_problem,
    solve,
    solve_many,
)

CATEGORIES = sorted(DEFAULT_PAIRING_WEIGHTS)
STRENGTHS = ["economic", "political_legal", "party_mass", "technical"]


# --------------------------------------------------------------------------------------------
# Brute force: every assignment, compared lexicographically
# --------------------------------------------------------------------------------------------


def brute_force(problem: Problem) -> tuple[int, int, int]:
    villages, units = problem.villages, problem.units
    bans, pins, existing = set(problem.bans), set(problem.pins), set(problem.existing)
    scores = {
        (v.id, u.id): pair_score(v.categories, u.strengths, problem.weights)[0]
        for v in villages
        for u in units
    }

    def allowed(v: Village, u: Unit) -> bool:
        if (v.id, u.id) in pins:
            return True
        if (v.id, u.id) in bans:
            return False
        return problem.min_score is None or scores[v.id, u.id] >= problem.min_score

    options: list[list[tuple]] = []
    for v in villages:
        must = {u.id for u in units if (v.id, u.id) in pins}
        cands = [u.id for u in units if allowed(v, u)]
        opts = []
        for k in range(v.slots + 1):
            for combo in itertools.combinations(cands, k):
                if must <= set(combo):
                    opts.append(combo)
        options.append(opts)

    best = (-1, -1, -1)
    cap = {u.id: u.capacity for u in units}

    def rec(i: int, load: dict, cov: int, sc: int, kept: int) -> None:
        nonlocal best
        if i == len(villages):
            best = max(best, (cov, sc, kept))
            return
        vid = villages[i].id
        for combo in options[i]:
            if any(load[u] + 1 > cap[u] for u in combo):
                continue
            for u in combo:
                load[u] += 1
            rec(
                i + 1,
                load,
                cov + len(combo),
                sc + sum(scores[vid, u] for u in combo),
                kept + sum((vid, u) in existing for u in combo),
            )
            for u in combo:
                load[u] -= 1

    rec(0, {u.id: 0 for u in units}, 0, 0, 0)
    return best


@st.composite
def problems(draw, max_villages: int = 4, max_units: int = 4) -> Problem:
    n_v = draw(st.integers(1, max_villages))
    n_u = draw(st.integers(0, max_units))
    villages = [
        Village(
            f"v{i}",
            draw(st.sets(st.sampled_from(CATEGORIES), max_size=3)),
            draw(st.integers(0, 2)),
        )
        for i in range(n_v)
    ]
    units = [
        Unit(
            f"u{j}",
            draw(st.sets(st.sampled_from(STRENGTHS), max_size=2)),
            draw(st.integers(0, 2)),
        )
        for j in range(n_u)
    ]
    pairs = [(v.id, u.id) for v in villages for u in units]
    weights = draw(
        st.one_of(
            st.just(DEFAULT_PAIRING_WEIGHTS),
            st.fixed_dictionaries(
                {
                    c: st.fixed_dictionaries({s: st.integers(0, 4) for s in STRENGTHS})
                    for c in CATEGORIES
                }
            ),
        )
    )
    bans = (
        draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []
    )
    existing = (
        draw(st.lists(st.sampled_from(pairs), max_size=4, unique=True)) if pairs else []
    )
    # pins that fit: not banned, within slots and capacity
    pins: list[tuple[str, str]] = []
    if pairs:
        slots = {v.id: v.slots for v in villages}
        cap = {u.id: u.capacity for u in units}
        for pair in draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True)):
            if pair in bans or slots[pair[0]] == 0 or cap[pair[1]] == 0:
                continue
            slots[pair[0]] -= 1
            cap[pair[1]] -= 1
            pins.append(pair)
    min_score = draw(st.one_of(st.none(), st.integers(0, 3)))
    return Problem(
        villages,
        units,
        weights,
        pins=pins,
        bans=bans,
        existing=existing,
        min_score=min_score,
    )


def check_invariants(problem: Problem, result) -> None:
    slots = {v.id: v.slots for v in problem.villages}
    cap = {u.id: u.capacity for u in problem.units}
    pairs = [(a.village_id, a.unit_id) for a in result.assignments]
    assert len(pairs) == len(set(pairs)), "a unit paired twice with one village"
    for vid, n in _count(p[0] for p in pairs).items():
        assert n <= slots[vid]
    for uid, n in _count(p[1] for p in pairs).items():
        assert n <= cap[uid]
    assert set(problem.pins) <= set(pairs)
    assert not (set(problem.bans) - set(problem.pins)) & set(pairs)
    for a in result.assignments:
        assert a.pinned == ((a.village_id, a.unit_id) in set(problem.pins))
        assert a.kept == ((a.village_id, a.unit_id) in set(problem.existing))
        assert a.score == sum(r.weight for r in a.reasons)
    t = result.totals
    assert t.covered == len(pairs)
    assert t.slots == sum(slots.values())
    assert (
        t.uncovered == t.slots - t.covered == sum(u.missing for u in result.uncovered)
    )
    assert t.score == sum(a.score for a in result.assignments)
    assert t.kept == sum(a.kept for a in result.assignments)
    covered = _count(p[0] for p in pairs)
    for u in result.uncovered:
        assert u.missing == slots[u.village_id] - covered.get(u.village_id, 0) > 0
    assert {u.village_id for u in result.uncovered} == {
        vid for vid, n in slots.items() if covered.get(vid, 0) < n
    }


def _count(items) -> dict:
    out: dict = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_optimal_against_brute_force(problem: Problem) -> None:
    result = solve(problem)
    check_invariants(problem, result)
    assert result.objective == brute_force(problem)


@settings(max_examples=150, deadline=None)
@given(problems(max_villages=8, max_units=7))
def test_invariants_on_larger_instances(problem: Problem) -> None:
    result = solve(problem)
    check_invariants(problem, result)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_uncovered_reasons(problem: Problem) -> None:
    """no_allowed_unit: fewer units may ever pair with the village than its slots;
    no_capacity: otherwise, and then every allowed unit not paired with it is full."""
    result = solve(problem)
    pairs = {(a.village_id, a.unit_id) for a in result.assignments}
    load = _count(a.unit_id for a in result.assignments)
    pins, bans = set(problem.pins), set(problem.bans)
    for unc in result.uncovered:
        v = next(v for v in problem.villages if v.id == unc.village_id)
        allowed = [
            u
            for u in problem.units
            if (v.id, u.id) in pins
            or (
                (v.id, u.id) not in bans
                and (
                    problem.min_score is None
                    or pair_score(v.categories, u.strengths, problem.weights)[0]
                    >= problem.min_score
                )
            )
        ]
        if len(allowed) < v.slots:
            assert unc.reason == "no_allowed_unit"
        else:
            assert unc.reason == "no_capacity"
            for u in allowed:
                if (v.id, u.id) not in pairs:
                    assert load.get(u.id, 0) == u.capacity


@settings(max_examples=100, deadline=None)
@given(problems(max_villages=5, max_units=5))
def test_result_does_not_depend_on_existing_beyond_tie_break(problem: Problem) -> None:
    """Existing pairs only break ties: coverage and score are those of the problem without them."""
    without = Problem(
        problem.villages,
        problem.units,
        problem.weights,
        pins=problem.pins,
        bans=problem.bans,
        min_score=problem.min_score,
    )
    assert solve(problem).objective[:2] == solve(without).objective[:2]


# --------------------------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------------------------


def test_follows_the_village_problem_with_reasons() -> None:
    villages = [
        Village("poor", ["weak_economy"]),
        Village("disorder", ["poor_public_order"]),
    ]
    units = [
        Unit("finance", ["economic"]),
        Unit("police", ["political_legal"]),
        Unit("trade", ["economic"]),
        Unit("court", ["political_legal"]),
    ]
    result = solve(Problem(villages, units))
    got = {(a.village_id, a.unit_id): a for a in result.assignments}
    assert set(got) == {
        ("poor", "finance"),
        ("poor", "trade"),
        ("disorder", "police"),
        ("disorder", "court"),
    }
    assert got["poor", "finance"].reasons == (Reason("weak_economy", "economic", 3),)
    assert got["disorder", "court"].reasons == (
        Reason("poor_public_order", "political_legal", 3),
    )
    assert result.totals.score == 12
    assert result.uncovered == ()


def test_score_sums_best_weight_per_category() -> None:
    score, reasons = pair_score(
        ["weak_economy", "specialty_farming", "poor_public_order"],
        ["economic", "technical"],
        DEFAULT_PAIRING_WEIGHTS,
    )
    # weak_economy: economic 3 (> technical 1); specialty_farming: technical 3; public order: 0
    assert score == 6
    assert reasons == (
        Reason("specialty_farming", "technical", 3),
        Reason("weak_economy", "economic", 3),
    )
    assert pair_score(["weak_branch"], [], DEFAULT_PAIRING_WEIGHTS) == (0, ())


def test_optimal_not_greedy() -> None:
    """Greedy takes the 5-point pair first and loses; the optimum covers both villages well."""
    weights = {"a": {"x": 5, "y": 4}, "b": {"x": 4, "y": 0}}
    villages = [Village("va", ["a"], 1), Village("vb", ["b"], 1)]
    units = [Unit("ux", ["x"], 1), Unit("uy", ["y"], 1)]
    result = solve(Problem(villages, units, weights))
    assert {(a.village_id, a.unit_id) for a in result.assignments} == {
        ("va", "uy"),
        ("vb", "ux"),
    }
    assert result.objective == (2, 8, 0)


def test_coverage_comes_before_score() -> None:
    """A zero-score pair still covers a slot; score never buys an uncovered slot."""
    weights = {"a": {"x": 9}}
    villages = [Village("va", ["a"], 1), Village("vb", [], 1)]
    units = [Unit("ux", ["x"], 1), Unit("uy", [], 1)]
    result = solve(Problem(villages, units, weights))
    assert result.objective == (2, 9, 0)
    with_threshold = solve(Problem(villages, units, weights, min_score=1))
    assert with_threshold.objective == (1, 9, 0)
    assert [(u.village_id, u.reason) for u in with_threshold.uncovered] == [
        ("vb", "no_allowed_unit")
    ]


def test_existing_pairs_kept_when_free_and_dropped_when_score_improves() -> None:
    villages = [Village("v", ["weak_economy"], 1)]
    units = [
        Unit("a", ["economic"], 1),
        Unit("b", ["economic"], 1),
        Unit("c", ["party_mass"], 1),
    ]
    kept = solve(Problem(villages, units, existing=[("v", "b")]))
    assert [(a.unit_id, a.kept) for a in kept.assignments] == [("b", True)]
    dropped = solve(Problem(villages, units, existing=[("v", "c")]))
    assert [(a.unit_id, a.kept) for a in dropped.assignments] == [("a", False)]
    assert dropped.totals.existing == 1 and dropped.totals.kept == 0


def test_pins_and_bans() -> None:
    villages = [Village("v", ["weak_economy"], 2)]
    units = [
        Unit("a", ["economic"]),
        Unit("b", ["economic"]),
        Unit("c", ["party_mass"]),
    ]
    result = solve(Problem(villages, units, pins=[("v", "c")], bans=[("v", "a")]))
    got = {(a.unit_id, a.pinned) for a in result.assignments}
    assert got == {("c", True), ("b", False)}
    assert result.totals.pinned == 1


def test_shortage_reported_not_failed() -> None:
    villages = [Village(f"v{i}", ["weak_branch"]) for i in range(3)]
    units = [Unit("a", ["party_mass"]), Unit("b", ["party_mass"])]
    result = solve(Problem(villages, units))
    assert result.totals.covered == 4
    assert result.totals.uncovered == 2
    assert all(u.reason == "no_capacity" for u in result.uncovered)
    banned = solve(Problem(villages, units, bans=[("v0", "a")]))
    assert ("v0", "no_allowed_unit") in {
        (u.village_id, u.reason) for u in banned.uncovered
    }


def test_no_units_at_all() -> None:
    result = solve(Problem([Village("v", ["weak_branch"])], []))
    assert result.assignments == ()
    assert [(u.village_id, u.missing, u.reason) for u in result.uncovered] == [
        ("v", 2, "no_allowed_unit")
    ]


@pytest.mark.parametrize(
    ("kwargs", "codes"),
    [
        ({"pins": [("v", "a")], "bans": [("v", "a")]}, {"pin_banned"}),
        ({"pins": [("v", "a"), ("v", "b"), ("v", "c")]}, {"pins_exceed_slots"}),
        (
            {"pins": [("w", "a"), ("v", "a")], "units_capacity": 1},
            {"pins_exceed_capacity"},
        ),
        ({"pins": [("nowhere", "a")]}, {"unknown_village"}),
        ({"bans": [("v", "nobody")]}, {"unknown_unit"}),
    ],
)
def test_input_errors_are_reported(kwargs: dict, codes: set[str]) -> None:
    cap = kwargs.pop("units_capacity", 2)
    villages = [Village("v", ["weak_branch"]), Village("w", [])]
    units = [Unit(x, ["party_mass"], cap) for x in "abc"]
    with pytest.raises(MatchingInputError) as err:
        solve(Problem(villages, units, **kwargs))
    assert {i.code for i in err.value.issues} == codes
    assert all(i.loc for i in err.value.issues)


def test_duplicate_and_negative_inputs() -> None:
    with pytest.raises(MatchingInputError) as err:
        solve(Problem([Village("v", [], -1), Village("v", [])], [Unit("a", [], -2)]))
    assert {i.code for i in err.value.issues} == {
        "invalid_slots",
        "duplicate_village",
        "invalid_capacity",
    }


def test_cadre_postings_use_the_same_engine() -> None:
    problem = posting_problem(
        [
            ("petitions", ["many_petitions"]),
            ("farming", ["specialty_farming"]),
            ("idle", ["irregular_activity"]),
        ],
        [
            ("tech", ["technical"]),
            ("organiser", ["organising"]),
            ("mass", ["mass_work"]),
        ],
    )
    assert problem.weights is DEFAULT_POSTING_WEIGHTS
    result = solve(problem)
    assert {(a.village_id, a.unit_id) for a in result.assignments} == {
        ("petitions", "mass"),
        ("farming", "tech"),
        ("idle", "organiser"),
    }
    assert result.totals.score == 9
    assert all(len(a.reasons) == 1 for a in result.assignments)


def test_solve_many_matches_serial_and_pickles() -> None:
    probs = [
        Problem(
            [Village(f"v{c}{i}", [CATEGORIES[(c + i) % 7]]) for i in range(6)],
            [Unit(f"u{c}{j}", [STRENGTHS[(c * j) % 4]]) for j in range(5)],
        )
        for c in range(4)
    ]
    serial = solve_many(probs)
    assert solve_many(probs, workers=2) == serial
    assert pickle.loads(pickle.dumps(serial[0])) == serial[0]  # noqa: S301


def test_fingerprint_changes_with_inputs_and_ignores_order() -> None:
    a = Problem(
        [Village("v", ["weak_branch"]), Village("w", [])], [Unit("u", ["party_mass"])]
    )
    b = Problem(
        [Village("w", []), Village("v", ["weak_branch"])], [Unit("u", ["party_mass"])]
    )
    c = Problem(
        [Village("v", ["weak_branch"]), Village("w", [])], [Unit("u", ["economic"])]
    )
    d = Problem(
        a.villages,
        a.units,
        {**DEFAULT_PAIRING_WEIGHTS, "weak_branch": {"party_mass": 2}},
    )
    assert fingerprint(a) == fingerprint(b)
    assert len({fingerprint(a), fingerprint(c), fingerprint(d)}) == 3
