"""Benchmark of the phone's offline batch sync: a cadre back in signal after a week sends 1,000 queued
writes (a check-in a day and work logs, a few of them invalid), against a bare asyncpg `executemany`.

    backend/.venv/bin/python tests/bench/bench_sync.py [--items 1000] [--batch 1000,100] [--rounds 3]

Builds a scratch database on DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432),
migrates it and seeds the demo county, then times, as the demo cadre (`cadre01`):

* the sync: the items sent as batches of each `--batch` size to `POST /api/v1/cadres/sync` through the
  whole app in process (auth, validation, idempotency keys, the one-check-in-a-day rule, flags, the
  audit log): by default all 1,000 in one request (the target's batch) and, as the phone sends them
  on a weak signal, in ten of 100;
* the replay: the same batches again (every item a duplicate: what a phone does after a lost answer);
* the floor: the rows the sync stored inserted with bare asyncpg `executemany` into the same tables
  (rolled back), timed on the connection's second pass, as warm as the app's pool.

The app runs its lifespan, as under uvicorn (the startup's heap frozen out of the garbage collector:
without it a full collection of the set-up's objects, 200 ms, fell in one round in two or three). A
warm-up round (pools, prepared statements, first imports) is run and not counted; then each round
on fresh keys. Prints each round, the median over `--rounds` rounds, items/s and the ratio against
the bare insert. Target: 1,000 items under 1 s and within 3x the bare insert. The database is dropped
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "backend"))

BASE = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
DB = f"cunzhi_bench_{secrets.token_hex(3)}"


def _url(name: str) -> str:
    head, _, tail = BASE.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + tail if tail else "")


os.environ["DATABASE_URL"] = _url(DB)
os.environ.setdefault("CUNZHI_SECRET_KEY", "bench-secret-" + "k" * 40)
os.environ["CUNZHI_STATIC_DIR"] = ""

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from cunzhi.db import normalise_url  # noqa: E402

ROLES = ["informant", "mediator", "supervisor", "coordinator", "clerk", "researcher", "security_officer"]


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def make_items(n: int, tag: str, now: datetime, lat: float, lng: float) -> list[dict]:
    """A check-in a day for the last week, the rest work logs; one in fifty invalid."""
    items: list[dict] = []
    for d in range(7):
        at = now - timedelta(days=6 - d, hours=1)
        items.append({"key": f"{tag}-c{d}", "kind": "checkin", "body": {
            "checked_at": at.isoformat(), "lat": lat, "lng": lng, "accuracy_m": 15.0, "note": "到村"}})
    i = 0
    while len(items) < n:
        at = now - timedelta(days=6 - i % 7, hours=2, minutes=i % 50)
        body: dict = {"written_at": at.isoformat(), "text": f"走访农户第{i}户，了解集体经济和就业情况。",
                      "roles": [ROLES[i % 7], ROLES[(i + 3) % 7]], "members_recruited": i % 2,
                      "activities_held": i % 3}
        if i % 50 == 49:
            body["roles"] = []  # refused for this item alone
        items.append({"key": f"{tag}-l{i}", "kind": "log", "body": body})
        i += 1
    return items


async def bare_insert(items: list[dict], cadre_id: int, village_id: int, user_id: int) -> float:
    """The rows of `items` (those the sync stored) through executemany, in a transaction rolled back."""
    conn = await asyncpg.connect(_plain(_url(DB)))
    try:
        checkins, logs = [], []
        for it in items:
            b = it["body"]
            if it["kind"] == "checkin":
                # Days far ahead: the app's check-ins hold the real days (once a day), and this is rolled back.
                at = datetime.fromisoformat(b["checked_at"]) + timedelta(days=3650)
                checkins.append((cadre_id, village_id, user_id, "bare-" + it["key"], "0" * 64, at, b["lat"], b["lng"],
                                 b["accuracy_m"], b["note"]))
            else:
                at = datetime.fromisoformat(b["written_at"])
                logs.append((cadre_id, village_id, user_id, "bare-" + it["key"], "0" * 64, at, at.date(), b["text"],
                             b["roles"], b["members_recruited"], b["activities_held"], 0, 0, 0))
        # Twice, the first pass not timed: the app's side runs on warm pooled connections with their
        # statements prepared, and a fresh connection's first pass (its backend's catalog caches, the
        # prepare) was 20-35% slower than the second.
        for _pass in range(2):  # the second timed
            tr = conn.transaction()
            await tr.start()
            t = time.perf_counter()
            await conn.executemany(
                "INSERT INTO cadre_checkins (cadre_id, village_id, user_id, client_key, body_hash, checked_at, lat, lng,"
                " accuracy_m, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", checkins)
            await conn.executemany(
                "INSERT INTO cadre_logs (cadre_id, village_id, user_id, client_key, body_hash, written_at, log_date,"
                " text, roles, members_recruited, activities_held, members_active, policy_issues, discipline_issues)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                logs)
            took = time.perf_counter() - t
            await tr.rollback()
        return took
    finally:
        await conn.close()


async def time_batches(args: argparse.Namespace, client: Any, batch: int, first_week: int, user_id: int, cadre_id: int,
                       village_id: int, lat: float, lng: float) -> tuple[float, float, float, int, int]:
    """`args.rounds` rounds (after a warm-up) of a week's queue sent as batches of `batch`, from week
    `first_week` on: the sync's, the replay's and the bare insert's medians, and the last round's
    created and refused counts."""
    from cunzhi.kit import clock
    from cunzhi.kit.security import create_access_token

    syncs: list[float] = []
    replays: list[float] = []
    bares: list[float] = []
    created = refused = 0
    for rnd in range(args.rounds + 1):  # round 0 the warm-up
        # Each round a week later (the app runs in this process): its check-ins fall on days of their own.
        with clock.travel(by=timedelta(days=7 * (first_week + rnd))):
            token, _ = create_access_token(f"user:{user_id}")
            headers = {"Authorization": f"Bearer {token}"}
            items = make_items(args.items, f"r{rnd}-{secrets.token_hex(2)}", clock.now().astimezone(UTC),
                               lat, lng)
            batches = [items[i:i + batch] for i in range(0, len(items), batch)]
            # Encoded before the clock starts, as the phone has its queue's JSON before it sends:
            # timed, the client's stdlib encoding was a third of the time measured.
            headers["Content-Type"] = "application/json"
            bodies = [json.dumps({"items": b}, ensure_ascii=False, separators=(",", ":")).encode() for b in batches]
            t = time.perf_counter()
            out = [await client.post("/api/v1/cadres/sync", headers=headers, content=b) for b in bodies]
            syncs.append(time.perf_counter() - t)
            assert all(r.status_code == 200 for r in out), out[0].text[:500]
            created = sum(r.json()["created"] for r in out)
            refused = sum(r.json()["refused"] for r in out)
            codes = [x["code"] for r in out for x in r.json()["results"] if x["status"] == "refused"]
            # The demo county's own check-ins hold some of the first week's days: those are refused too.
            assert created + refused == len(items) and codes.count("validation_error") == sum(
                1 for it in items if it["kind"] == "log" and not it["body"]["roles"]), (created, refused, codes)
            t = time.perf_counter()
            again = [await client.post("/api/v1/cadres/sync", headers=headers, content=b) for b in bodies]
            replays.append(time.perf_counter() - t)
            assert sum(r.json()["duplicates"] for r in again) == created
            stored = {x["key"] for r in out for x in r.json()["results"] if x["status"] == "created"}
            bares.append(await bare_insert([it for it in items if it["key"] in stored], cadre_id, village_id,
                                           user_id))
            if rnd == 0:
                syncs.clear(), replays.clear(), bares.clear()
            else:
                print(f"batch {batch}, round {rnd}: sync {syncs[-1]:.3f} s, replay {replays[-1]:.3f} s, bare {bares[-1]:.3f} s,"
                      f" ratio {syncs[-1] / bares[-1]:.1f}")
    return statistics.median(syncs), statistics.median(replays), statistics.median(bares), created, refused


async def run(args: argparse.Namespace) -> None:
    from cunzhi.cli import run_migrations
    from cunzhi.db import dispose_engine
    from cunzhi.demo import seed
    from cunzhi.main import create_app

    admin = await asyncpg.connect(_plain(_url("postgres")))
    await admin.execute(f'CREATE DATABASE "{DB}"')
    try:
        await asyncio.to_thread(run_migrations, normalise_url(_url(DB)))
        await seed()
        conn = await asyncpg.connect(_plain(_url(DB)))
        user_id, village_id = await conn.fetchrow("SELECT id, village_id FROM users WHERE username = 'cadre01'")
        cadre_id = await conn.fetchval("SELECT id FROM cadres WHERE user_id = $1", user_id)
        lat, lng = await conn.fetchrow("SELECT coalesce(lat, 45.7), coalesce(lng, 126.6) FROM villages WHERE id = $1",
                                       village_id)
        app = create_app()
        figures = []
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600) as client:
            for k, batch in enumerate(args.batch):  # each size on weeks of its own
                figures.append((batch, *await time_batches(args, client, batch, k * (args.rounds + 1), user_id,
                                                            cadre_id, village_id, float(lat), float(lng))))
        await conn.close()
        await dispose_engine()
        n = args.items
        print(f"{n} items a round, median of {args.rounds} rounds after a warm-up; ratio = app time / bare executemany")
        print(f"{'batch':>6}  {'side':<8}{'seconds':>9}{'items/s':>10}{'ratio':>8}")
        for batch, s, rp, b, created, refused in figures:
            for side, took in (("sync", s), ("replay", rp), ("bare", b)):
                print(f"{batch:>6}  {side:<8}{took:>9.3f}{n / took:>10.0f}{took / b:>8.1f}")
            print(f"{'':>6}  ({created} created, {refused} refused)")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--batch", type=lambda v: [int(x) for x in v.split(",")], default=[1000, 100],
                        help="batch sizes, comma-separated: 1,000 (a week's queue in one request, the target's"
                             " figure) and 100 (the phone's chunk on a weak signal)")
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))
