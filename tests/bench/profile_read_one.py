"""Where one village read's time goes in process: the API against the bare app, ASGI called directly.

    backend/.venv/bin/python tests/bench/profile_read_one.py [--requests 5000] [--profile api] [--profile bare] [--path list]

Builds a scratch database as bench_read_path.py does (the same province, loaded with COPY), then
calls each app (`cunzhi.main:create_app` and bare_app.py) as an ASGI callable, one request after
another (or `--concurrency` at a time), for a county official's `GET /api/v1/villages/{code}` (or the list with `--path list`).
Prints per request the wall time and the process's CPU time in microseconds, median of five runs;
the CPU time leaves out the wait for PostgreSQL (on the same machine), so it is the figure that
moves with the app's own work and the least with the machine's other load. `--profile api` (or bare)
then runs that side's requests under cProfile and prints where its time went. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_read_path as bench  # noqa: E402  (the province, its loader and the scratch database's name)


def _scope(path: str, query: bytes, token: str | None) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"profile"), (b"accept", b"*/*")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
            "state": {}}


async def _call(app: Any, path: str, query: bytes, token: str | None) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(path, query, token), receive, send)
    return status


async def _time(app: Any, path: str, query: bytes, token: str | None, n: int, concurrency: int = 1) -> tuple[float, float]:
    """Wall and CPU microseconds per request over `n` requests, `concurrency` at a time."""

    async def client(count: int) -> None:
        for _ in range(count):
            await _call(app, path, query, token)

    w0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client(n // concurrency) for _ in range(concurrency)))
    n = n // concurrency * concurrency
    return (time.perf_counter() - w0) / n * 1e6, (time.process_time() - c0) / n * 1e6


async def measure(args: argparse.Namespace, county: str, one_code: str, user_id: int) -> None:
    os.environ.update({"BARE_COUNTY": county, "BARE_DSN": bench._plain(bench._url(bench.DB))})
    import bare_app

    from cunzhi.kit.security import create_access_token
    from cunzhi.main import create_app

    api = create_app()
    token, _ = create_access_token(f"user:{user_id}")
    if args.path == "list":
        path, query = "/api/v1/villages", b"limit=50&sort=code"
    else:
        path, query = f"/api/v1/villages/{one_code}", b""
    async with api.router.lifespan_context(api), bare_app.lifespan(bare_app.app):
        for app, t in ((api, token), (bare_app.app, None)):
            status = await _call(app, path, query, t)
            assert status == 200, status
            await _time(app, path, query, t, max(200, args.requests // 5))  # warm: pools, caches, prepared statements
        runs: dict[str, list[tuple[float, float]]] = {"api": [], "bare": []}
        for _ in range(5):  # alternating, as the HTTP bench does
            runs["api"].append(await _time(api, path, query, token, args.requests, args.concurrency))
            runs["bare"].append(await _time(bare_app.app, path, query, None, args.requests, args.concurrency))
        print(f"GET {path}{'?' + query.decode() if query else ''}: {args.requests} requests, {args.concurrency} at a time, "
              "5 runs")
        print(f"{'side':<6}{'wall us':>9}{'cpu us':>9}")
        med = {}
        for side, rs in runs.items():
            med[side] = (statistics.median(w for w, _ in rs), statistics.median(c for _, c in rs))
            print(f"{side:<6}{med[side][0]:>9.0f}{med[side][1]:>9.0f}")
        print(f"api - bare: {med['api'][0] - med['bare'][0]:.0f} us wall, {med['api'][1] - med['bare'][1]:.0f} us cpu; "
              f"bare / api cpu {med['bare'][1] / med['api'][1]:.2f}")
        for side in args.profile:
            app, t = (api, token) if side == "api" else (bare_app.app, None)
            profiler = cProfile.Profile()
            profiler.enable()
            await _time(app, path, query, t, args.requests, args.concurrency)
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs()
            # The number of Python calls moves with the app's work alone, whatever else the machine runs.
            print(f"--- {side} under cProfile: {stats.total_calls / args.requests:.0f} calls per request")
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)
            if args.dump:
                stats.dump_stats(f"{args.dump}.{side}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once (the pool holds 10)")
    parser.add_argument("--profile", action="append", choices=("api", "bare"), default=[],
                        help="then run this side's requests under cProfile (may be given twice)")
    parser.add_argument("--dump", help="also write each profile to DUMP.api / DUMP.bare (for pstats)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--path", choices=("one", "list"), default="one")
    parser.add_argument("--counties", type=int, default=200)
    parser.add_argument("--per-county", type=int, default=100)
    args = parser.parse_args()
    # Before anything reads the settings (they are read once).
    os.environ.update({"DATABASE_URL": bench._url(bench.DB), "CUNZHI_STATIC_DIR": ""})

    from cunzhi.cli import run_migrations
    from cunzhi.db import normalise_url

    os.environ["CUNZHI_SECRET_KEY"] = bench.SECRET

    async def admin(sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(bench._plain(bench._url("postgres")))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{bench.DB}"'))
    try:
        run_migrations(normalise_url(bench._url(bench.DB)))
        county, one_code, user_id = asyncio.run(bench.load(args.counties, args.per_county))
        asyncio.run(measure(args, county, one_code, user_id))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{bench.DB}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
