"""Benchmark of the pairing engine at province scale.

    backend/.venv/bin/python tests/bench/bench_matching.py [--counties 200] [--villages 100]
                                                            [--units 50] [--sample 5] [--seed 7]

Default: 20,000 weak villages in 200 counties with 10,000 partner units (2 slots per village,
capacity 2 per unit, so half the slots cannot be covered: the shortage path is exercised too),
some existing pairings, pins and bans. Prints

* the solve time of one county and of the whole province (serial, and with a 2-process pool),
* the objective (covered slots, total score, kept existing pairs),
* the ratio of the objective to the optimum of an exact, independent solver (OR-Tools CP-SAT,
  an integer program) on sampled counties: it must be 1.0, or the script exits with status 1,
* ratios against baselines measured in the same run: a greedy matcher (highest score first)
  and the CP-SAT solve time.

Targets: one county < 50 ms, the province < 5 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from ortools.sat.python import cp_model

from cunzhi.partners.matching import (
    DEFAULT_PAIRING_WEIGHTS,
    Problem,
    Unit,
    Village,
    pair_score,
    solve,
    solve_many,
)

CATEGORIES = list(DEFAULT_PAIRING_WEIGHTS)
CATEGORY_ODDS = [
    5,
    2,
    2,
    3,
    3,
    2,
    2,
]  # poverty and a weak branch are the commonest findings
STRENGTHS = ["economic", "political_legal", "party_mass", "technical"]


def county(rng: random.Random, c: int, n_villages: int, n_units: int) -> Problem:
    villages = [
        Village(
            f"c{c}v{i}",
            set(rng.choices(CATEGORIES, CATEGORY_ODDS, k=rng.randint(1, 3))),
            2,
        )
        for i in range(n_villages)
    ]
    units = [
        Unit(f"c{c}u{j}", set(rng.sample(STRENGTHS, rng.randint(1, 2))), 2)
        for j in range(n_units)
    ]
    # yesterday's pairings: a unit keeps up to two random villages
    existing = []
    for u in units:
        if rng.random() < 0.6:
            for v in rng.sample(villages, 2):
                existing.append((v.id, u.id))
    bans = [(rng.choice(villages).id, rng.choice(units).id) for _ in range(5)]
    pins: list[tuple[str, str]] = []
    used_v: set[str] = set()
    used_u: set[str] = set()
    for _ in range(3):
        v, u = rng.choice(villages), rng.choice(units)
        if (v.id, u.id) not in bans and v.id not in used_v and u.id not in used_u:
            pins.append((v.id, u.id))
            used_v.add(v.id)
            used_u.add(u.id)
    return Problem(villages, units, pins=pins, bans=bans, existing=existing)


def exact_cpsat(problem: Problem) -> tuple[tuple[int, int, int], float]:
    """Independent exact optimum as an integer program (CP-SAT), lexicographic by weights."""
    t0 = time.perf_counter()
    bans, pins, existing = set(problem.bans), set(problem.pins), set(problem.existing)
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    score: dict[tuple[str, str], int] = {}
    for v in problem.villages:
        for u in problem.units:
            key = (v.id, u.id)
            if key in bans and key not in pins:
                continue
            x[key] = model.new_bool_var(f"x_{v.id}_{u.id}")
            score[key] = pair_score(v.categories, u.strengths, problem.weights)[0]
            if key in pins:
                model.add(x[key] == 1)
    for v in problem.villages:
        model.add(
            sum(x[(v.id, u.id)] for u in problem.units if (v.id, u.id) in x) <= v.slots
        )
    for u in problem.units:
        model.add(
            sum(x[(v.id, u.id)] for v in problem.villages if (v.id, u.id) in x)
            <= u.capacity
        )
    kept_big = len(existing) + 1
    score_big = (sum(max(s, 0) for s in score.values()) + 1) * kept_big
    model.maximize(
        sum(
            x[k] * (score_big + score[k] * kept_big + (1 if k in existing else 0))
            for k in x
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 120
    status = solver.solve(model)
    assert status == cp_model.OPTIMAL, solver.status_name(status)
    chosen = [k for k in x if solver.value(x[k])]
    objective = (
        len(chosen),
        sum(score[k] for k in chosen),
        sum(1 for k in chosen if k in existing),
    )
    return objective, time.perf_counter() - t0


def greedy(problem: Problem) -> tuple[int, int, int]:
    """Baseline: pins first, then the highest-scoring allowed pair while capacity lasts."""
    bans, pins, existing = set(problem.bans), set(problem.pins), set(problem.existing)
    slots = {v.id: v.slots for v in problem.villages}
    cap = {u.id: u.capacity for u in problem.units}
    chosen: list[tuple[str, str, int]] = []
    cand = []
    for v in problem.villages:
        for u in problem.units:
            s = pair_score(v.categories, u.strengths, problem.weights)[0]
            if (v.id, u.id) in pins:
                chosen.append((v.id, u.id, s))
                slots[v.id] -= 1
                cap[u.id] -= 1
            elif (v.id, u.id) not in bans:
                cand.append((-s, (v.id, u.id) not in existing, v.id, u.id, s))
    cand.sort()
    for _, _, vid, uid, s in cand:
        if slots[vid] > 0 and cap[uid] > 0:
            chosen.append((vid, uid, s))
            slots[vid] -= 1
            cap[uid] -= 1
    return (
        len(chosen),
        sum(s for _, _, s in chosen),
        sum(1 for v, u, _ in chosen if (v, u) in existing),
    )


def add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def ratio(a: int, b: int) -> str:
    return f"{a / b:.4f}" if b else ("1.0000" if a == 0 else "inf")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=200)
    ap.add_argument(
        "--villages", type=int, default=100, help="weak villages per county"
    )
    ap.add_argument("--units", type=int, default=50, help="partner units per county")
    ap.add_argument("--sample", type=int, default=5, help="counties checked by CP-SAT")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    problems = [county(rng, c, args.villages, args.units) for c in range(args.counties)]
    gen = time.perf_counter() - t0
    n_v = sum(len(p.villages) for p in problems)
    n_u = sum(len(p.units) for p in problems)
    print(
        f"province: {n_v} weak villages, {n_u} partner units, {len(problems)} counties "
        f"(generated in {gen:.2f} s)"
    )

    solve(problems[0])  # warm-up: imports, first allocation
    county_times = []
    for p in problems[: min(20, len(problems))]:
        t = time.perf_counter()
        solve(p)
        county_times.append(time.perf_counter() - t)
    one = statistics.median(county_times)
    print(
        f"one county ({args.villages} villages x {args.units} units): "
        f"median {one * 1000:.1f} ms, max {max(county_times) * 1000:.1f} ms "
        f"(target < 50 ms) {'OK' if max(county_times) < 0.05 else 'SLOW'}"
    )

    t = time.perf_counter()
    results = solve_many(problems)
    serial = time.perf_counter() - t
    t = time.perf_counter()
    pooled = solve_many(problems, workers=2)
    pool_time = time.perf_counter() - t
    assert [r.objective for r in pooled] == [r.objective for r in results]
    total = (0, 0, 0)
    for r in results:
        total = add(total, r.objective)
    slots = sum(r.totals.slots for r in results)
    fully = sum(r.totals.villages_fully_covered for r in results)
    print(
        f"province solve: serial {serial:.2f} s, 2-process pool {pool_time:.2f} s "
        f"(target < 5 s) {'OK' if min(serial, pool_time) < 5 else 'SLOW'}"
    )
    print(
        f"objective: covered {total[0]}/{slots} slots, score {total[1]}, "
        f"kept {total[2]} existing pairs; villages fully covered {fully}/{n_v}"
    )

    # exactness against an independent integer program on sampled counties
    sample = random.Random(args.seed + 1).sample(
        range(len(problems)), min(args.sample, len(problems))
    )
    ok = True
    sat_times = []
    for c in sample:
        exact, sat_t = exact_cpsat(problems[c])
        sat_times.append(sat_t)
        mine = results[c].objective
        same = mine == exact
        ok &= same
        print(
            f"  county {c:3d}: engine {mine} vs CP-SAT {exact}: ratio covered "
            f"{ratio(mine[0], exact[0])}, score {ratio(mine[1], exact[1])}, kept "
            f"{ratio(mine[2], exact[2])}  (CP-SAT {sat_t * 1000:.0f} ms)"
        )
    print(
        f"ratio to exact optimum on {len(sample)} sampled counties: "
        f"{'1.0' if ok else 'MISMATCH'}"
    )

    # baselines measured in this run
    t = time.perf_counter()
    g_total = (0, 0, 0)
    for p in problems:
        g_total = add(g_total, greedy(p))
    g_time = time.perf_counter() - t
    print(
        f"baseline greedy: covered {g_total[0]}, score {g_total[1]}, kept {g_total[2]} in "
        f"{g_time:.2f} s; engine/greedy: covered {ratio(total[0], g_total[0])}, "
        f"score {ratio(total[1], g_total[1])}, time {ratio(int(serial * 1e6), int(g_time * 1e6))}"
    )
    mean_sat = statistics.mean(sat_times) if sat_times else 0
    print(
        f"baseline CP-SAT per county: mean {mean_sat * 1000:.0f} ms; engine/CP-SAT time "
        f"{ratio(int(one * 1e6), int(mean_sat * 1e6))}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
