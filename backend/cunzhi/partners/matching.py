"""Optimal assignment of helpers to weak villages: partner-unit pairing and cadre postings.

Pure module: no I/O, no database, no clock. The service layer builds a :class:`Problem`
from the database, calls :func:`solve` and stores the :class:`Result`.

The model
---------
* A **village** has problem categories and a number of **slots** (2 partner units by default,
  1 stationed cadre for postings).
* A **unit** (a partner unit, or a cadre) has strengths (for cadres: expertise) and a
  **capacity** (2 villages by default, 1 for a cadre).
* The **weight table** maps ``category -> strength -> int``. A pair's **score** is the sum over
  the village's categories of the best weight any of the unit's strengths has for that category
  (0 when the unit has no strength listed for it). The **reasons** of a pair are the
  ``(category, strength, weight)`` triples behind that sum (non-zero weights only), so a screen
  can say "贫困 ↔ 有经济实力".
* A unit is never paired twice with the same village; a village never gets more units than it
  has slots; a unit never helps more villages than its capacity.
* **Pins** are pairs that must be made; **bans** are pairs that must never be made;
  **existing** pairs are those in force today and are kept when that costs nothing.

The objective (lexicographic, decided here and relied on by the screens)
-----------------------------------------------------------------------
1. cover as many village slots as the capacity allows (a pair scoring 0 still covers a slot);
2. among those, maximise the total score;
3. among those, keep as many existing pairs as possible.

Pins are pre-assigned first (they count towards all three totals), so the optimum is over the
assignments that contain every pin. The rest is one min-cost max-flow (OR-Tools):
``source -> village (slots left) -> unit (1 per pair) -> sink (capacity left)``. The max flow is
the coverage; every pair arc costs ``(s_max - score) * K + (1 - kept)`` with ``K`` greater than
the number of existing pairs, so among maximum flows the cheapest one has the highest score
and, at equal score, the most kept pairs. All costs are non-negative integers: the result is
exact, not a heuristic.

Pairing stays inside a county: a province is a set of independent county problems, solved by
:func:`solve_many`.

Input errors (a pin on a banned pair, more pins than a village's slots or a unit's capacity,
unknown ids, duplicate ids, negative numbers) are collected by :func:`validate` and raised
together as :class:`MatchingInputError`; :func:`solve` never fails on a mere shortage of
capacity: it reports which villages stay uncovered and why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from ortools.graph.python import min_cost_flow

Id = Hashable
Pair = tuple[Id, Id]  # (village_id, unit_id)
Weights = Mapping[str, Mapping[str, int]]

#: Default partner-unit weights (domain.md, "Default match weights"); the county edits them.
DEFAULT_PAIRING_WEIGHTS: dict[str, dict[str, int]] = {
    "weak_economy": {
        "economic": 3,
        "political_legal": 0,
        "party_mass": 0,
        "technical": 1,
    },
    "poor_public_order": {
        "economic": 0,
        "political_legal": 3,
        "party_mass": 0,
        "technical": 0,
    },
    "many_petitions": {
        "economic": 0,
        "political_legal": 2,
        "party_mass": 1,
        "technical": 0,
    },
    "weak_branch": {
        "economic": 0,
        "political_legal": 0,
        "party_mass": 3,
        "technical": 0,
    },
    "irregular_activity": {
        "economic": 0,
        "political_legal": 0,
        "party_mass": 2,
        "technical": 0,
    },
    "no_fit_secretary": {
        "economic": 0,
        "political_legal": 0,
        "party_mass": 2,
        "technical": 0,
    },
    "specialty_farming": {
        "economic": 1,
        "political_legal": 0,
        "party_mass": 0,
        "technical": 3,
    },
}

#: Default cadre-posting weights: category -> cadre expertise (domain.md, "Pairing and stationing").
DEFAULT_POSTING_WEIGHTS: dict[str, dict[str, int]] = {
    "many_petitions": {"mass_work": 3},
    "specialty_farming": {"technical": 3},
    "irregular_activity": {"organising": 3},
}

UncoveredReason = Literal["no_capacity", "no_allowed_unit"]


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Village:
    id: Id
    categories: frozenset[str]
    slots: int = 2

    def __init__(self, id: Id, categories: Iterable[str] = (), slots: int = 2) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "categories", frozenset(categories))
        object.__setattr__(self, "slots", slots)


@dataclass(frozen=True, slots=True)
class Unit:
    """A helper: a partner unit (strengths) or a stationed cadre (expertise)."""

    id: Id
    strengths: frozenset[str]
    capacity: int = 2

    def __init__(
        self, id: Id, strengths: Iterable[str] = (), capacity: int = 2
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "strengths", frozenset(strengths))
        object.__setattr__(self, "capacity", capacity)


@dataclass(frozen=True, slots=True)
class Problem:
    villages: tuple[Village, ...]
    units: tuple[Unit, ...]
    weights: Weights = field(default_factory=lambda: DEFAULT_PAIRING_WEIGHTS)
    pins: tuple[Pair, ...] = ()
    bans: tuple[Pair, ...] = ()
    existing: tuple[Pair, ...] = ()
    #: pairs scoring below this are never proposed (pins are exempt); None: every pair allowed
    min_score: int | None = None

    def __init__(
        self,
        villages: Iterable[Village],
        units: Iterable[Unit],
        weights: Weights | None = None,
        *,
        pins: Iterable[Pair] = (),
        bans: Iterable[Pair] = (),
        existing: Iterable[Pair] = (),
        min_score: int | None = None,
    ) -> None:
        object.__setattr__(self, "villages", tuple(villages))
        object.__setattr__(self, "units", tuple(units))
        object.__setattr__(
            self, "weights", DEFAULT_PAIRING_WEIGHTS if weights is None else weights
        )
        object.__setattr__(self, "pins", tuple(tuple(p) for p in pins))
        object.__setattr__(self, "bans", tuple(tuple(p) for p in bans))
        object.__setattr__(self, "existing", tuple(tuple(p) for p in existing))
        object.__setattr__(self, "min_score", min_score)


def posting_problem(
    villages: Iterable[tuple[Id, Iterable[str]]],
    cadres: Iterable[tuple[Id, Iterable[str]]],
    weights: Weights | None = None,
    *,
    cadres_per_village: int = 1,
    villages_per_cadre: int = 1,
    pins: Iterable[Pair] = (),
    bans: Iterable[Pair] = (),
    existing: Iterable[Pair] = (),
) -> Problem:
    """A stationed-cadre posting problem: same engine, cadres' expertise as strengths."""
    return Problem(
        [Village(vid, cats, cadres_per_village) for vid, cats in villages],
        [Unit(cid, expertise, villages_per_cadre) for cid, expertise in cadres],
        DEFAULT_POSTING_WEIGHTS if weights is None else weights,
        pins=pins,
        bans=bans,
        existing=existing,
    )


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    category: str
    strength: str
    weight: int


@dataclass(frozen=True, slots=True)
class Assignment:
    village_id: Id
    unit_id: Id
    score: int
    reasons: tuple[Reason, ...]
    pinned: bool = False
    kept: bool = False


@dataclass(frozen=True, slots=True)
class Uncovered:
    village_id: Id
    missing: int
    #: no_capacity: every unit allowed for this village is already full;
    #: no_allowed_unit: fewer units may be paired with it (bans, min_score) than it has slots
    reason: UncoveredReason


@dataclass(frozen=True, slots=True)
class Totals:
    slots: int
    covered: int
    uncovered: int
    score: int
    kept: int
    existing: int
    pinned: int
    villages: int
    villages_fully_covered: int


@dataclass(frozen=True, slots=True)
class Result:
    assignments: tuple[Assignment, ...]
    uncovered: tuple[Uncovered, ...]
    totals: Totals

    @property
    def objective(self) -> tuple[int, int, int]:
        """(covered slots, total score, kept existing pairs): compared lexicographically."""
        return (self.totals.covered, self.totals.score, self.totals.kept)


@dataclass(frozen=True, slots=True)
class InputIssue:
    code: str
    message: str
    loc: tuple[str | int, ...]
    village_id: Id | None = None
    unit_id: Id | None = None


class MatchingInputError(ValueError):
    def __init__(self, issues: Sequence[InputIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(i.message for i in self.issues))


# --------------------------------------------------------------------------------------------
# Scores and reasons
# --------------------------------------------------------------------------------------------


def check_weight_table(codes: Sequence[str], weights: Mapping[Any, Mapping[str, int]], noun: str) -> None:
    """A county's weight table names only the codes it defines, each once (strengths for
    pairing, expertise for postings). Raises ValueError, for use in a request validator."""
    if len(set(codes)) != len(codes):
        raise ValueError(f"{noun} codes must not repeat")
    for cat, row in weights.items():
        for code in row:
            if code not in codes:
                raise ValueError(f"weights[{getattr(cat, 'value', cat)}] names unknown {noun} {code!r}")



def pair_score(
    categories: Iterable[str], strengths: Iterable[str], weights: Weights
) -> tuple[int, tuple[Reason, ...]]:
    """Score of one pair and the reasons behind it (one per category with a non-zero best)."""
    strengths = sorted(set(strengths))
    total = 0
    reasons: list[Reason] = []
    for cat in sorted(set(categories)):
        row = weights.get(cat, {})
        best: tuple[int, str] | None = None
        for s in strengths:
            w = int(row.get(s, 0))
            if best is None or w > best[0]:
                best = (w, s)
        if best is None:
            continue
        total += best[0]
        if best[0] != 0:
            reasons.append(Reason(cat, best[1], best[0]))
    return total, tuple(reasons)


def _score_matrix(
    villages: Sequence[Village], units: Sequence[Unit], weights: Weights
) -> np.ndarray:
    """scores[v, u] for every pair, vectorised (same rule as :func:`pair_score`)."""
    cats = sorted({c for v in villages for c in v.categories})
    strs = sorted({s for u in units for s in u.strengths})
    n_v, n_u = len(villages), len(units)
    if not cats or not strs or not n_v or not n_u:
        return np.zeros((n_v, n_u), dtype=np.int64)
    ci = {c: i for i, c in enumerate(cats)}
    si = {s: i for i, s in enumerate(strs)}
    w = np.zeros((len(cats), len(strs)), dtype=np.int64)
    for c, row in weights.items():
        if c in ci:
            for s, val in row.items():
                if s in si:
                    w[ci[c], si[s]] = int(val)
    a = np.zeros((n_v, len(cats)), dtype=np.int64)
    for i, v in enumerate(villages):
        for c in v.categories:
            a[i, ci[c]] = 1
    b = np.zeros((n_u, len(strs)), dtype=bool)
    for j, u in enumerate(units):
        for s in u.strengths:
            b[j, si[s]] = True
    floor = np.iinfo(np.int64).min // 4
    masked = np.where(b[:, None, :], w[None, :, :], floor)  # (U, C, S)
    best = masked.max(axis=2)  # (U, C)
    best[best == floor] = 0  # a unit without strengths scores 0
    return a @ best.T  # (V, U)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def validate(problem: Problem) -> list[InputIssue]:
    issues: list[InputIssue] = []
    vslots: dict[Id, int] = {}
    ucap: dict[Id, int] = {}
    for i, v in enumerate(problem.villages):
        if v.id in vslots:
            issues.append(
                InputIssue(
                    "duplicate_village",
                    f"village {v.id} listed twice",
                    ("villages", i),
                    village_id=v.id,
                )
            )
        if not isinstance(v.slots, int) or v.slots < 0:
            issues.append(
                InputIssue(
                    "invalid_slots",
                    f"village {v.id}: slots must be >= 0",
                    ("villages", i, "slots"),
                    village_id=v.id,
                )
            )
        vslots[v.id] = max(int(v.slots), 0)
    for i, u in enumerate(problem.units):
        if u.id in ucap:
            issues.append(
                InputIssue(
                    "duplicate_unit",
                    f"unit {u.id} listed twice",
                    ("units", i),
                    unit_id=u.id,
                )
            )
        if not isinstance(u.capacity, int) or u.capacity < 0:
            issues.append(
                InputIssue(
                    "invalid_capacity",
                    f"unit {u.id}: capacity must be >= 0",
                    ("units", i, "capacity"),
                    unit_id=u.id,
                )
            )
        ucap[u.id] = max(int(u.capacity), 0)
    for c, row in problem.weights.items():
        for s, w in row.items():
            if isinstance(w, bool) or not isinstance(w, (int, np.integer)):
                issues.append(
                    InputIssue(
                        "invalid_weight",
                        f"weight {c}/{s} must be an integer",
                        ("weights", c, s),
                    )
                )

    def check_refs(kind: str, pairs: tuple[Pair, ...]) -> None:
        for i, pair in enumerate(pairs):
            if len(pair) != 2:
                issues.append(
                    InputIssue("invalid_pair", f"{kind}[{i}] is not a pair", (kind, i))
                )
                continue
            vid, uid = pair
            if vid not in vslots:
                issues.append(
                    InputIssue(
                        "unknown_village",
                        f"{kind}: unknown village {vid}",
                        (kind, i, "village_id"),
                        village_id=vid,
                        unit_id=uid,
                    )
                )
            if uid not in ucap:
                issues.append(
                    InputIssue(
                        "unknown_unit",
                        f"{kind}: unknown unit {uid}",
                        (kind, i, "unit_id"),
                        village_id=vid,
                        unit_id=uid,
                    )
                )

    check_refs("pins", problem.pins)
    check_refs("bans", problem.bans)
    bans = set(problem.bans)
    pins = list(dict.fromkeys(problem.pins))  # a pin given twice is one pin
    per_village: dict[Id, int] = {}
    per_unit: dict[Id, int] = {}
    for pin in pins:
        if len(pin) != 2:
            continue
        vid, uid = pin
        if pin in bans:
            issues.append(
                InputIssue(
                    "pin_banned",
                    f"pair {vid}-{uid} is both pinned and banned",
                    ("pins", problem.pins.index(pin)),
                    village_id=vid,
                    unit_id=uid,
                )
            )
        per_village[vid] = per_village.get(vid, 0) + 1
        per_unit[uid] = per_unit.get(uid, 0) + 1
    for vid, n in per_village.items():
        if vid in vslots and n > vslots[vid]:
            issues.append(
                InputIssue(
                    "pins_exceed_slots",
                    f"village {vid} has {n} pinned units but {vslots[vid]} slots",
                    ("pins",),
                    village_id=vid,
                )
            )
    for uid, n in per_unit.items():
        if uid in ucap and n > ucap[uid]:
            issues.append(
                InputIssue(
                    "pins_exceed_capacity",
                    f"unit {uid} is pinned to {n} villages but its capacity is "
                    f"{ucap[uid]}",
                    ("pins",),
                    unit_id=uid,
                )
            )
    return issues


# --------------------------------------------------------------------------------------------
# Solver
# --------------------------------------------------------------------------------------------


def solve(problem: Problem) -> Result:
    """Exact lexicographic optimum (coverage, score, kept). Raises MatchingInputError."""
    issues = validate(problem)
    if issues:
        raise MatchingInputError(issues)

    villages, units = problem.villages, problem.units
    n_v, n_u = len(villages), len(units)
    vidx = {v.id: i for i, v in enumerate(villages)}
    uidx = {u.id: j for j, u in enumerate(units)}
    scores = _score_matrix(villages, units, problem.weights)

    allowed = np.ones((n_v, n_u), dtype=bool)
    for vid, uid in problem.bans:
        allowed[vidx[vid], uidx[uid]] = False
    if problem.min_score is not None:
        allowed &= scores >= problem.min_score
    existing = np.zeros((n_v, n_u), dtype=bool)
    for pair in problem.existing:
        if len(pair) == 2 and pair[0] in vidx and pair[1] in uidx:
            existing[vidx[pair[0]], uidx[pair[1]]] = True

    slots_left = np.array([v.slots for v in villages], dtype=np.int64)
    cap_left = np.array([u.capacity for u in units], dtype=np.int64)
    chosen = np.zeros((n_v, n_u), dtype=bool)
    pinned = np.zeros((n_v, n_u), dtype=bool)
    for vid, uid in dict.fromkeys(problem.pins):
        i, j = vidx[vid], uidx[uid]
        pinned[i, j] = chosen[i, j] = True
        slots_left[i] -= 1
        cap_left[j] -= 1

    arc_mask = allowed & ~pinned & (slots_left > 0)[:, None] & (cap_left > 0)[None, :]
    vi, uj = np.nonzero(arc_mask)
    if len(vi):
        _flow(vi, uj, scores, existing, slots_left, cap_left, chosen, n_v, n_u)

    return _result(problem, scores, allowed, existing, pinned, chosen)


def _flow(
    vi: np.ndarray,
    uj: np.ndarray,
    scores: np.ndarray,
    existing: np.ndarray,
    slots_left: np.ndarray,
    cap_left: np.ndarray,
    chosen: np.ndarray,
    n_v: int,
    n_u: int,
) -> None:
    pair_scores = scores[vi, uj]
    pair_kept = existing[vi, uj].astype(np.int64)
    k = int(pair_kept.sum()) + 1
    s_max = int(pair_scores.max())
    costs = (s_max - pair_scores) * k + (1 - pair_kept)

    source, sink = 0, n_v + n_u + 1
    v_nodes = np.arange(1, n_v + 1, dtype=np.int32)
    u_nodes = np.arange(n_v + 1, n_v + n_u + 1, dtype=np.int32)
    n_pairs = len(vi)
    tails = np.concatenate(
        [np.full(n_v, source, np.int32), v_nodes[vi], u_nodes]
    ).astype(np.int32)
    heads = np.concatenate([v_nodes, u_nodes[uj], np.full(n_u, sink, np.int32)]).astype(
        np.int32
    )
    caps = np.concatenate(
        [np.maximum(slots_left, 0), np.ones(n_pairs, np.int64), np.maximum(cap_left, 0)]
    ).astype(np.int64)
    unit_costs = np.concatenate(
        [np.zeros(n_v, np.int64), costs, np.zeros(n_u, np.int64)]
    ).astype(np.int64)

    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, unit_costs)
    supply = int(caps[:n_v].sum())
    smcf.set_nodes_supplies(
        np.array([source, sink], np.int32), np.array([supply, -supply], np.int64)
    )
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:  # pragma: no cover - the graph is always well formed
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = np.asarray(smcf.flows(np.arange(n_v, n_v + n_pairs, dtype=np.int32)))
    used = flows > 0
    chosen[vi[used], uj[used]] = True


def _result(
    problem: Problem,
    scores: np.ndarray,
    allowed: np.ndarray,
    existing: np.ndarray,
    pinned: np.ndarray,
    chosen: np.ndarray,
) -> Result:
    villages, units = problem.villages, problem.units
    assignments: list[Assignment] = []
    for i, j in zip(*np.nonzero(chosen), strict=True):
        v, u = villages[i], units[j]
        score, reasons = pair_score(v.categories, u.strengths, problem.weights)
        assignments.append(
            Assignment(
                v.id, u.id, score, reasons, bool(pinned[i, j]), bool(existing[i, j])
            )
        )
    covered_per_village = chosen.sum(axis=1)
    possible_per_village = (allowed | pinned).sum(axis=1)
    uncovered: list[Uncovered] = []
    for i, v in enumerate(villages):
        missing = v.slots - int(covered_per_village[i])
        if missing > 0:
            reason: UncoveredReason = (
                "no_allowed_unit"
                if int(possible_per_village[i]) < v.slots
                else "no_capacity"
            )
            uncovered.append(Uncovered(v.id, missing, reason))
    slots = sum(v.slots for v in villages)
    covered = int(chosen.sum())
    totals = Totals(
        slots=slots,
        covered=covered,
        uncovered=slots - covered,
        score=int(scores[chosen].sum()),
        kept=int((chosen & existing).sum()),
        existing=int(existing.sum()),
        pinned=int(pinned.sum()),
        villages=len(villages),
        villages_fully_covered=sum(
            1 for i, v in enumerate(villages) if int(covered_per_village[i]) >= v.slots
        ),
    )
    return Result(tuple(assignments), tuple(uncovered), totals)


def solve_many(problems: Sequence[Problem], *, workers: int = 1) -> list[Result]:
    """Solve independent problems (one per county). ``workers > 1`` uses a process pool.

    On a 2-core machine the pool rarely pays for itself (a county solves in a few ms, while
    starting workers and pickling problems and results costs more): the default is serial.
    Input errors propagate as MatchingInputError from the first failing problem.
    """
    if workers <= 1 or len(problems) < 2:
        return [solve(p) for p in problems]
    chunk = max(1, len(problems) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(solve, problems, chunksize=chunk))


# --------------------------------------------------------------------------------------------
# Fingerprint of the inputs (to detect a stale proposal)
# --------------------------------------------------------------------------------------------


def fingerprint(problem: Problem) -> str:
    """Stable SHA-256 of everything that can change the answer (order-independent)."""
    doc = {
        "villages": sorted(
            [str(v.id), sorted(v.categories), v.slots] for v in problem.villages
        ),
        "units": sorted(
            [str(u.id), sorted(u.strengths), u.capacity] for u in problem.units
        ),
        "weights": sorted(
            [c, s, int(w)]
            for c, row in problem.weights.items()
            for s, w in row.items()
            if w
        ),
        "pins": sorted([str(a), str(b)] for a, b in set(problem.pins)),
        "bans": sorted([str(a), str(b)] for a, b in set(problem.bans)),
        "existing": sorted([str(a), str(b)] for a, b in set(problem.existing)),
        "min_score": problem.min_score,
    }
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()
