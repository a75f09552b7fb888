"""Benchmark of the villages API at province scale, against bare asyncpg in the same run.

    backend/.venv/bin/python tests/bench/bench_villages.py [--counties 200] [--per-county 100] [--rounds 200]

Builds a scratch database on DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432),
migrates it, loads a province with COPY (200 counties, 1,600 townships, 20,000 villages), then times:

* the filtered, sorted, paged list a county official opens (`GET /api/v1/villages?...`) and one
  village read, through the whole app in-process (auth, scope filter, validation, JSON), and
* the same SQL sent by bare asyncpg on one connection (the floor),

and prints medians, p95 and the ratio app / baseline. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

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

CATEGORIES = ["no_fit_secretary", "weak_economy", "poor_public_order", "many_petitions",
              "irregular_activity", "weak_branch", "specialty_farming"]


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def load(counties: int, per_county: int) -> tuple[str, int]:
    rng = random.Random(11)
    conn = await asyncpg.connect(_plain(_url(DB)))
    try:
        divisions = [("230000000000", "省", "province", None), ("230100000000", "市", "city", "230000000000")]
        villages = []
        for c in range(counties):
            county = f"23{1 + c // 90:02d}{10 + c % 90:02d}000000"
            divisions.append((county, f"县{c}", "county", "230100000000"))
            for t in range(8):
                township = f"{county[:6]}{100 + t:03d}000"
                divisions.append((township, f"县{c}乡{t}", "township", county))
            for v in range(per_county):
                t = v % 8
                weak = rng.random() < 0.2
                villages.append((f"{county[:6]}{100 + t:03d}{200 + v // 8:03d}", f"村{c}-{v}",
                                 f"{county[:6]}{100 + t:03d}000", county, rng.randrange(500, 5000),
                                 rng.randrange(100, 1500), f"书记{v}", rng.randrange(10, 99),
                                 "weak" if weak else "normal",
                                 sorted(rng.sample(CATEGORIES, rng.randrange(1, 4))) if weak else [], 1))
        # Parents first: the city row's parent must exist before it.
        for row in divisions:
            await conn.execute("INSERT INTO divisions (code, name, level, parent_code) VALUES ($1, $2, $3, $4)", *row)
        await conn.copy_records_to_table(
            "villages", records=villages,
            columns=["code", "name", "township_code", "county_code", "population", "households", "secretary_name",
                     "party_member_count", "status", "problem_categories", "version"])
        await conn.execute("ANALYZE")
        county0 = divisions[2][0]
        user_id = await conn.fetchval(
            "INSERT INTO users (username, password_hash, display_name, role, division_code, is_active) "
            "VALUES ('bench', 'x', 'bench', 'county_admin', $1, true) RETURNING id", county0)
        return county0, int(user_id)
    finally:
        await conn.close()


def stats(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


async def run(args: argparse.Namespace) -> None:
    from cunzhi.cli import run_migrations
    from cunzhi.kit.security import create_access_token
    from cunzhi.main import create_app

    admin = await asyncpg.connect(_plain(_url("postgres")))
    await admin.execute(f'CREATE DATABASE "{DB}"')
    try:
        await asyncio.to_thread(run_migrations, normalise_url(_url(DB)))
        t0 = time.perf_counter()
        county, user_id = await load(args.counties, args.per_county)
        print(f"loaded {args.counties * args.per_county} villages in {time.perf_counter() - t0:.1f} s")

        township = f"{county[:6]}101000"
        list_sql = ("SELECT count(*) FROM villages WHERE county_code = $1 AND township_code = $2 AND status = $3",
                    "SELECT v.*, d.name FROM villages v JOIN divisions d ON d.code = v.township_code "
                    "WHERE v.county_code = $1 AND v.township_code = $2 AND v.status = $3 "
                    "ORDER BY v.population DESC, v.code LIMIT 50")
        one_code = f"{county[:6]}101200"

        conn = await asyncpg.connect(_plain(_url(DB)))
        base_list, base_one = [], []
        for _ in range(args.rounds):
            t = time.perf_counter()
            await conn.fetchval(list_sql[0], county, township, "normal")
            await conn.fetch(list_sql[1], county, township, "normal")
            base_list.append(time.perf_counter() - t)
            t = time.perf_counter()
            await conn.fetchrow("SELECT v.*, d.name FROM villages v JOIN divisions d ON d.code = v.township_code "
                                "WHERE v.code = $1 AND v.county_code = $2", one_code, county)
            base_one.append(time.perf_counter() - t)
        await conn.close()

        app = create_app()
        token, _ = create_access_token(f"user:{user_id}")
        headers = {"Authorization": f"Bearer {token}"}
        app_list, app_one = [], []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            params = {"township_code": township, "status": "normal", "sort": "-population", "limit": 50}
            for _ in range(10):  # warm the pool and the code paths
                await client.get("/api/v1/villages", params=params, headers=headers)
            for _ in range(args.rounds):
                t = time.perf_counter()
                r = await client.get("/api/v1/villages", params=params, headers=headers)
                app_list.append(time.perf_counter() - t)
                assert r.status_code == 200 and r.json()["total"] > 0, r.text
                t = time.perf_counter()
                r = await client.get(f"/api/v1/villages/{one_code}", headers=headers)
                app_one.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
        from cunzhi.db import dispose_engine

        await dispose_engine()

        print(f"{'operation':<34}{'median ms':>10}{'p95 ms':>10}{'ratio':>8}")
        for name, app_s, base_s in (("list township (filter, sort, page)", app_list, base_list),
                                    ("read one village", app_one, base_one)):
            (am, ap), (bm, bp) = stats(app_s), stats(base_s)
            print(f"{name + ' app':<34}{am:>10.2f}{ap:>10.2f}{am / bm:>8.1f}")
            print(f"{name + ' asyncpg':<34}{bm:>10.2f}{bp:>10.2f}{1.0:>8.1f}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=200)
    parser.add_argument("--per-county", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(run(parser.parse_args()))
