"""The read path over HTTP: the API as it runs in production against bare Starlette + asyncpg.

    backend/.venv/bin/python tests/bench/bench_read_path.py [--quick] [--seconds 10] [--connections 32,128]

Builds a scratch database on DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432),
migrates it and loads a province with COPY (200 counties, 1,600 townships, 20,000 villages). Starts
two servers with uvicorn (one worker, access log off): the API (`cunzhi.main:create_app`) and
`bare_app.py` sending the API's SQL with no auth, scope or validation. Then `wrk`, a separate load
process, drives a county official's reads against each, alternating A B A B at every connection count:

* the county's village list, first page: `GET /api/v1/villages?limit=50&sort=code` (total included);
* one village: `GET /api/v1/villages/{code}`.

Prints req/s and p50/p95/p99 latency per run, then per operation and connection count the median
req/s of each side and the ratio API / bare (targets: list >= 0.6, one village >= 0.5). The machine's
other load moves both sides alike, which is why they alternate. The database is dropped at the end.
`--quick` is the smoke run of `make test` (a small province, one short round): it checks the bench
works, not how fast anything is. Needs `wrk` (`apt-get install -y wrk`; `make bench` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "backend"))
UVICORN = ROOT / "backend" / ".venv" / "bin" / "uvicorn"

BASE = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
DB = f"cunzhi_bench_read_{secrets.token_hex(3)}"
SECRET = os.environ.get("CUNZHI_SECRET_KEY") or "bench-secret-" + "k" * 40

CATEGORIES = ["no_fit_secretary", "weak_economy", "poor_public_order", "many_petitions",
              "irregular_activity", "weak_branch", "specialty_farming"]

# wrk's report as one JSON line (latencies in microseconds), read back by this script.
WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %s"
done = function(summary, latency, requests)
  io.write(string.format('WRK {"requests": %%d, "seconds": %%f, "errors": %%d, "non2xx": %%d, '
    .. '"p50": %%f, "p95": %%f, "p99": %%f}\\n', summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _url(name: str) -> str:
    head, _, tail = BASE.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + tail if tail else "")


def _plain(url: str) -> str:
    from cunzhi.db import normalise_url

    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(counties: int, per_county: int) -> tuple[str, str, int]:
    """The province with COPY; returns the first county, one of its villages and a county admin's id."""
    import asyncpg

    rng = random.Random(11)
    divisions: list[tuple[str, str, str, str | None]] = [
        ("230000000000", "省", "province", None), ("230100000000", "市", "city", "230000000000")]
    counties_rows, townships, villages = [], [], []
    for c in range(counties):
        county = f"23{1 + c // 90:02d}{10 + c % 90:02d}000000"
        counties_rows.append((county, f"县{c}", "county", "230100000000"))
        for t in range(8):
            townships.append((f"{county[:6]}{100 + t:03d}000", f"县{c}乡{t}", "township", county))
        for v in range(per_county):
            t = v % 8
            weak = rng.random() < 0.2
            villages.append((f"{county[:6]}{100 + t:03d}{200 + v // 8:03d}", f"村{c}-{v}",
                             f"{county[:6]}{100 + t:03d}000", county, rng.randrange(500, 5000),
                             rng.randrange(100, 1500), f"书记{v}", rng.randrange(10, 99),
                             "weak" if weak else "normal",
                             sorted(rng.sample(CATEGORIES, rng.randrange(1, 4))) if weak else [], 1))
    conn = await asyncpg.connect(_plain(_url(DB)))
    try:
        # Parents before children (the parent_code foreign key is checked row by row).
        for rows in (divisions, counties_rows, townships):
            await conn.copy_records_to_table("divisions", records=rows, columns=["code", "name", "level", "parent_code"])
        await conn.copy_records_to_table(
            "villages", records=villages,
            columns=["code", "name", "township_code", "county_code", "population", "households", "secretary_name",
                     "party_member_count", "status", "problem_categories", "version"])
        await conn.execute("ANALYZE")
        county0 = counties_rows[0][0]
        user_id = await conn.fetchval(
            "INSERT INTO users (username, password_hash, display_name, role, division_code, is_active) "
            "VALUES ('bench', 'x', 'bench', 'county_admin', $1, true) RETURNING id", county0)
        return county0, villages[per_county // 2][0], int(user_id)
    finally:
        await conn.close()


class Server:
    def __init__(self, name: str, target: str, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.name, self.port = name, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [str(UVICORN), target, "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
             "--no-access-log", "--log-level", "warning", *(["--factory"] if target.endswith("create_app") else [])],
            env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        import httpx

        for _ in range(300):
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {self._log.name}")
            try:
                if httpx.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, seconds)}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    r = json.loads(line[4:])
    if r["errors"] or r["non2xx"]:
        raise SystemExit(f"{url}: {r['errors']} socket errors, {r['non2xx']} non-2xx answers\n{out}")
    return {"rps": r["requests"] / r["seconds"], "p50": r["p50"] / 1000, "p95": r["p95"] / 1000,
            "p99": r["p99"] / 1000}


def check_same_answer(api: Server, bare: Server, path: str, headers: dict[str, str]) -> None:
    """Both sides answer the same body: the comparison is of equal work."""
    import httpx

    a = httpx.get(api.base + path, headers=headers, timeout=10)
    b = httpx.get(bare.base + path, timeout=10)
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    # The API also says what the caller may do (allowed_actions, from the principal, no SQL).
    api_body = {k: v for k, v in a.json().items() if k != "allowed_actions"}
    assert api_body == b.json(), f"{path}: the API and the bare app disagree"


def run(args: argparse.Namespace) -> None:
    import asyncpg

    from cunzhi.cli import run_migrations
    from cunzhi.db import normalise_url

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench installs it)")
    os.environ["CUNZHI_SECRET_KEY"] = SECRET
    from cunzhi.kit.security import create_access_token

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_plain(_url("postgres")))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{DB}"'))
    servers: list[Server] = []
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-"))
    try:
        run_migrations(normalise_url(_url(DB)))
        t0 = time.perf_counter()
        county, one_code, user_id = asyncio.run(load(args.counties, args.per_county))
        print(f"loaded {args.counties * args.per_county} villages in {args.counties} counties "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)

        env = {**os.environ, "DATABASE_URL": _url(DB), "CUNZHI_STATIC_DIR": "", "CUNZHI_SECRET_KEY": SECRET,
               "BARE_DSN": _plain(_url(DB)), "BARE_COUNTY": county, "PYTHONPATH": str(ROOT / "backend")}
        api = Server("api", "cunzhi.main:create_app", env, ROOT, tmp / "api.log")
        bare = Server("bare", "bare_app:app", env, HERE, tmp / "bare.log")
        servers = [api, bare]
        for s in servers:
            s.wait_ready()
        token, _ = create_access_token(f"user:{user_id}")
        script = tmp / "auth.lua"
        script.write_text(WRK_SCRIPT % token)
        operations = {"list": "/api/v1/villages?limit=50&sort=code", "one": f"/api/v1/villages/{one_code}"}
        for path in operations.values():
            check_same_answer(api, bare, path, {"Authorization": f"Bearer {token}"})

        results: dict[tuple[str, int, str], list[dict[str, float]]] = {}
        print(f"{'operation':<6}{'conns':>6}{'round':>6}{'side':>6}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
              flush=True)
        for connections in args.connections:
            for op, path in operations.items():
                for s in servers:  # warm both: pools filled, code paths compiled
                    wrk(s.base + path, script, connections, args.warmup)
                for rnd in range(args.rounds):
                    # A B A B, the starting side swapped each round so neither always follows the other.
                    for s in (servers if rnd % 2 == 0 else servers[::-1]):
                        r = wrk(s.base + path, script, connections, args.seconds)
                        results.setdefault((op, connections, s.name), []).append(r)
                        print(f"{op:<6}{connections:>6}{rnd + 1:>6}{s.name:>6}{r['rps']:>10.0f}{r['p50']:>9.2f}"
                              f"{r['p95']:>9.2f}{r['p99']:>9.2f}", flush=True)

        print()
        print(f"{'operation':<6}{'conns':>6}{'api req/s':>11}{'bare req/s':>12}{'api p95':>9}{'bare p95':>9}{'ratio':>7}"
              f"{'target':>8}")
        targets = {"list": 0.6, "one": 0.5}
        for connections in args.connections:
            for op in operations:
                a, b = results[(op, connections, "api")], results[(op, connections, "bare")]
                ar, br = statistics.median(x["rps"] for x in a), statistics.median(x["rps"] for x in b)
                ap, bp = statistics.median(x["p95"] for x in a), statistics.median(x["p95"] for x in b)
                print(f"{op:<6}{connections:>6}{ar:>11.0f}{br:>12.0f}{ap:>9.2f}{bp:>9.2f}{ar / br:>7.2f}"
                      f"{targets[op]:>8.2f}")
    except BaseException:
        for s in servers:  # what the servers said, before their folder goes
            s._log.flush()
            tail = Path(s._log.name).read_text(errors="replace").splitlines()[-30:]
            print(f"--- {s.name} log (last lines)", *tail, sep="\n", file=sys.stderr)
        raise
    finally:
        for s in servers:
            s.stop()
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small province, one short round")
    parser.add_argument("--counties", type=int, default=200)
    parser.add_argument("--per-county", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs per operation and connection count")
    parser.add_argument("--connections", type=lambda v: [int(x) for x in v.split(",")], default=[32, 128])
    args = parser.parse_args()
    if args.quick:
        args.counties, args.per_county, args.seconds, args.warmup, args.rounds = 4, 60, 1, 1, 1
        args.connections = [8]
    run(args)


if __name__ == "__main__":
    main()
