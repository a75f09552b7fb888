"""The dashboards over HTTP against the same panels' SQL on a bare asyncpg connection.

    backend/.venv/bin/python tests/bench/bench_dashboards.py [--quick] [--scale 1.0] [--requests 200] [--panels tasks,funds]

Builds a scratch database on DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432),
migrates it and loads a province with COPY: the divisions and villages of bench_read_path.load
(200 counties, 1,600 townships, 20,000 villages), then partner units (10,000) and pairings, cadres
(20,000) and postings, check-ins (2 million, some flagged and reviewed), rectification cases, tasks
(500,000), budgets with lines, claims and their trail, and ledger entries (2 million). `--scale`
multiplies the row counts of everything below the villages.

Starts the API with uvicorn (one worker, access log off) and times each dashboard endpoint
sequentially over HTTP, for a county official and for a province-wide account: median and p95 of
`--requests` requests (a quarter of that for the province) after a warm-up, on one keep-alive
connection (Client: a socket and httptools' parser). Not httpx nor http.client: their own work per
request is the client's cost, not the API's latency, and the bare side has no client library at all.
Against the same server, `GET /healthz` took 0.85 ms at the median with httpx, 0.39 ms with
http.client and 0.19 ms with Client, of which 0.06 ms inside the app.
In this process the same panel runs against a bare asyncpg
connection: the statements the API sends (compiled once by kit.prepared), without HTTP, auth,
the pool or JSON, timed the same way, each run right after one HTTP request (the two sides
alternate, so the machine's other load moves both alike); the first answers of the two sides must
be the same figures, byte for byte, or the run stops. Prints both and the ratio (targets:
county p95 < 50 ms and <= 1.5x the bare query; province p95 < 500 ms), then the HTTP floor: the
same client's time for `GET /healthz` (HTTP alone: client, socket, uvicorn, the middleware) and for
the dashboard overview `GET /api/v1/dashboards` (a panel's request without its statement: the same
caller, scope, reader and JSON). The database is dropped at the end unless `--keep`
(then `--db NAME` times again against it without loading). `--quick` is a smoke run on a small province.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_read_path as rp  # noqa: E402  (the province loader, the server runner, the scratch database)

ROOT = rp.ROOT
PANELS = ("rectification", "pairing", "cadres", "tasks", "funds")


def _n(base: int, scale: float) -> int:
    return max(1, int(base * scale))


async def load_more(scale: float) -> dict[str, Any]:
    """Everything the dashboards read, for the villages bench_read_path.load put there, with COPY.

    Triggers (the ledger's balance, append-only guards) and foreign-key checks are skipped for the
    load (session_replication_role = replica); the accounts' balances are then set to their ledger
    sums in one statement and cadre_presence_months, task_village_summaries,
    task_village_category_summaries and the claims' status_since are rebuilt, so the data is what the
    triggers would have kept."""
    import asyncpg

    rng = random.Random(17)
    today = date.today()
    now = datetime.now(UTC)
    conn = await asyncpg.connect(rp._plain(rp._url(rp.DB)))
    counts: dict[str, int] = {}
    try:
        await conn.execute("SET session_replication_role = replica")
        villages = await conn.fetch("SELECT id, county_code, status FROM villages ORDER BY id")
        counties = sorted({v["county_code"] for v in villages})
        by_county: dict[str, list[Any]] = {}
        for v in villages:
            by_county.setdefault(v["county_code"], []).append(v)
        # Some weak villages are being rectified or were accepted.
        weak_ids = [v["id"] for v in villages if v["status"] == "weak"]
        accepted = set(rng.sample(weak_ids, len(weak_ids) // 5))
        rectifying = set(rng.sample([i for i in weak_ids if i not in accepted], len(weak_ids) // 3))
        await conn.execute("UPDATE villages SET status = 'accepted' WHERE id = ANY($1::int[])", list(accepted))
        await conn.execute("UPDATE villages SET status = 'rectifying' WHERE id = ANY($1::int[])", list(rectifying))

        units_per_county = _n(50, scale)
        units = [(f"PU{ci:03d}-{u:03d}", f"单位{ci}-{u}", c, ["economic"], 2, 1)
                 for ci, c in enumerate(counties) for u in range(units_per_county)]
        await conn.copy_records_to_table("partner_units", records=units,
                                         columns=["code", "name", "county_code", "strengths", "capacity", "version"])
        unit_ids: dict[str, list[int]] = {}
        for r in await conn.fetch("SELECT id, county_code FROM partner_units ORDER BY id"):
            unit_ids.setdefault(r["county_code"], []).append(r["id"])
        pairings, cases = [], []
        for c, vs in by_county.items():
            ids = unit_ids[c]
            k = 0
            for v in vs:
                if v["status"] == "normal":
                    continue
                for j in range(min(rng.choice((1, 2, 2, 2)), len(ids))):
                    pairings.append((ids[(k + j) % len(ids)], v["id"], today - timedelta(days=rng.randrange(30, 300))))
                k += 1
                opened = now - timedelta(days=rng.randrange(60, 400))
                acc = opened + timedelta(days=rng.randrange(30, 59)) if v["id"] in accepted else None
                cases.append((v["id"], "accepted" if acc else "rectifying", ["weak_branch"], opened, acc, 1))
        await conn.copy_records_to_table("pairings", records=pairings,
                                         columns=["partner_unit_id", "village_id", "start_date"])
        await conn.copy_records_to_table("rectification_cases", records=cases, columns=[
            "village_id", "status", "categories", "opened_at", "accepted_at", "version"])
        counts.update(units=len(units), pairings=len(pairings), cases=len(cases))

        cadres_per_village = max(1, round(_n(20_000, scale) / len(villages)))
        cadres = [(v["county_code"], f"干部{v['id']}-{j}", "县直单位", 1) for v in villages
                  for j in range(cadres_per_village)]
        await conn.copy_records_to_table("cadres", records=cadres, columns=["county_code", "name", "home_unit", "version"])
        cadre_rows = await conn.fetch("SELECT id FROM cadres ORDER BY id")
        user_id = await conn.fetchval(
            "INSERT INTO users (username, password_hash, display_name, role, village_id, is_active) "
            "VALUES ('bench-cadre', 'x', 'c', 'cadre', $1, true) RETURNING id", villages[0]["id"])
        postings, checkins = [], []
        per_cadre = max(1, _n(2_000_000, scale) // len(cadre_rows))
        for i, cr in enumerate(cadre_rows):
            v = villages[(i // cadres_per_village) % len(villages)]
            start = today - timedelta(days=200)
            postings.append((cr["id"], v["id"], "committee_member", start))
            for d in rng.sample(range(1, 180), min(per_cadre, 179)):
                at = datetime.combine(today - timedelta(days=d), datetime.min.time(), UTC) + timedelta(hours=1)
                flags = ["far_from_village"] if rng.random() < 0.03 else []
                checkins.append((cr["id"], v["id"], user_id, "b", at, at, 45.0, 126.0, 10.0, flags))
        await conn.copy_records_to_table("cadre_postings", records=postings,
                                         columns=["cadre_id", "village_id", "post", "start_date"])
        await conn.copy_records_to_table("cadre_checkins", records=checkins, columns=[
            "cadre_id", "village_id", "user_id", "body_hash", "checked_at", "received_at", "lat", "lng", "accuracy_m",
            "flags"])
        del checkins
        await conn.execute(
            "INSERT INTO cadre_checkin_reviews (checkin_id, village_id, decision, note, reviewed_by) "
            "SELECT id, village_id, CASE WHEN id % 2 = 0 THEN 'accepted' ELSE 'rejected' END, 'x', 'bench' "
            "FROM cadre_checkins WHERE cardinality(flags) > 0 AND id % 3 > 0")
        counts.update(cadres=len(cadres), postings=len(postings),
                      checkins=await conn.fetchval("SELECT count(*) FROM cadre_checkins"))

        items = [(c, "construction", "road", "道路硬化", 1) for c in counties]
        await conn.copy_records_to_table("task_items", records=items,
                                         columns=["county_code", "category", "code", "name", "version"])
        item_of = {r["county_code"]: r["id"] for r in await conn.fetch("SELECT id, county_code FROM task_items")}
        per_village = max(1, _n(500_000, scale) // len(villages))
        tasks = []
        for v in villages:
            n = rng.randrange(0, 2 * per_village + 1)
            for _ in range(n):
                created = now - timedelta(days=rng.randrange(1, 330))
                status = rng.choice(("planned", "in_progress", "done", "accepted", "overdue"))
                done_at = created + timedelta(days=rng.randrange(1, 30)) if status in ("done", "accepted") else None
                tasks.append((v["county_code"], v["id"], item_of[v["county_code"]], "任务", Decimal("10"), "km",
                              Decimal("5"), today + timedelta(days=rng.randrange(-60, 90)), "village_committee",
                              status, "county", "bench", created, done_at, 1))
        await conn.copy_records_to_table("tasks", records=tasks, columns=[
            "county_code", "village_id", "item_id", "title", "target", "unit", "progress", "due_date",
            "responsible_kind", "status", "assigned_level", "assigned_by", "created_at", "done_at", "version"])
        counts["tasks"] = len(tasks)
        del tasks

        year = today.year
        await conn.copy_records_to_table("funds_budgets", records=[(v["id"], year, "approved", "", 1) for v in villages],
                                         columns=["village_id", "year", "status", "note", "version"])
        budget_of = {r["village_id"]: r["id"] for r in await conn.fetch("SELECT id, village_id FROM funds_budgets")}
        cats = ("office", "allowances", "public_works", "production", "welfare")
        lines = [(budget_of[v["id"]], v["id"], i, cat, "用途", Decimal("50000"), Decimal("50000"), Decimal("20000"),
                  Decimal("10000")) for v in villages for i, cat in enumerate(cats)]
        await conn.copy_records_to_table("funds_budget_lines", records=lines, columns=[
            "budget_id", "village_id", "position", "category", "purpose", "planned", "approved", "committed", "paid"])
        line_rows = await conn.fetch("SELECT id, budget_id, village_id FROM funds_budget_lines ORDER BY id")
        claims = []
        for ln in line_rows:
            status = rng.choice(("submitted", "committee_signed", "township_approved", "paid", "paid", "paid"))
            at = now - timedelta(days=rng.randrange(0, 40))
            claims.append((ln["village_id"], ln["budget_id"], ln["id"], Decimal("1000"), "用途", "收款人", status,
                           rng.random() < 0.5, "bench", at, at, at))
        await conn.copy_records_to_table("funds_claims", records=claims, columns=[
            "village_id", "budget_id", "line_id", "amount", "purpose", "payee", "status", "needs_approval",
            "created_by", "created_at", "updated_at", "submitted_at"])
        await conn.execute(
            "INSERT INTO funds_events (entity, entity_id, village_id, action, from_state, to_state, actor, actor_name, "
            "actor_role, at) SELECT 'claim', id, village_id, 'step', 'draft', status, 'user:1', 'b', 'x', "
            "submitted_at FROM funds_claims")
        await conn.execute(
            "INSERT INTO funds_accounts (village_id, balance, opened_by) SELECT id, 0, 'bench' FROM villages")
        per_ledger = max(1, _n(2_000_000, scale) // len(villages))
        ledger = [(v["id"], "income", Decimal("100.00"), today - timedelta(days=rng.randrange(0, 365)), "rent", "收入",
                   "bench") for v in villages for _ in range(per_ledger)]
        await conn.copy_records_to_table("funds_ledger_entries", records=ledger, columns=[
            "village_id", "kind", "amount", "booked_on", "source", "description", "booked_by"])
        counts["ledger"] = len(ledger)
        del ledger
        await conn.execute(
            "UPDATE funds_accounts a SET balance = s.total FROM (SELECT village_id, sum(amount) AS total "
            "FROM funds_ledger_entries GROUP BY village_id) s WHERE s.village_id = a.village_id")
        await conn.execute("SET session_replication_role = origin")
        # The load skipped the triggers that keep cadre_presence_months and the task summaries:
        # fill them as they would have.
        await conn.execute("SELECT cadre_presence_months_rebuild()")
        await conn.execute("SELECT task_village_summaries_rebuild()")
        await conn.execute("SELECT task_village_category_summaries_rebuild()")
        await conn.execute("SELECT funds_claims_status_since_rebuild()")
        await conn.execute("ANALYZE")
        province_user = await conn.fetchval(
            "INSERT INTO users (username, password_hash, display_name, role, division_code, is_active) "
            "VALUES ('bench-province', 'x', 'p', 'county_admin', '230000000000', true) RETURNING id")
        counts["province_user"] = int(province_user)
        return counts
    finally:
        await conn.close()


class BareReader:
    """kit.prepared's Reader over one bare asyncpg connection: the same compiled statements, nothing
    around. A statement planned each time (a province's) is prepared for its run, as the Reader does."""

    def __init__(self, conn: Any) -> None:
        from cunzhi.kit.prepared import send

        self.conn, self.send = conn, send

    async def _run(self, method: str, c: Any, values: Any) -> Any:
        return await self.send(self.conn, method, c, c.arguments(values))

    async def fetch(self, c: Any, values: Any) -> Any:
        return await self._run("fetch", c, values)

    async def fetchrow(self, c: Any, values: Any) -> Any:
        return await self._run("fetchrow", c, values)

    async def fetchval(self, c: Any, values: Any) -> Any:
        return await self._run("fetchval", c, values)


class Client:
    """One keep-alive HTTP/1.1 connection to the API with the caller's token, each answer read to its
    end before the clock stops: the request written on a plain socket, the answer parsed by httptools
    (uvicorn's own parser). http.client parses every answer's headers with the email package, which
    took half of `GET /healthz` (the module docstring has the figures)."""

    def __init__(self, base: str, token: str) -> None:
        import socket
        from urllib.parse import urlsplit

        import httptools

        self.parser = httptools.HttpResponseParser
        url = urlsplit(base)
        host = url.hostname or "127.0.0.1"
        self.sock = socket.create_connection((host, url.port or 80), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.headers = f"Host: {url.netloc}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()

    def get(self, path: str) -> tuple[int, bytes]:
        answer = _Answer()
        parser = self.parser(answer)
        self.sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.headers)
        while not answer.complete:
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError(f"GET {path}: the server closed the connection mid-answer")
            parser.feed_data(data)
        return parser.get_status_code(), b"".join(answer.body)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


class _Answer:
    """httptools' callbacks for one answer: its body, and whether it has all come."""

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.complete = False

    def on_body(self, chunk: bytes) -> None:
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        self.complete = True


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def time_pair(dsn: str, base: str, token: str, principal: Any, panel: str, n: int) -> tuple[list[float], list[float]]:
    """`n` requests over HTTP and `n` runs of the same panel on a bare connection, alternating one and
    the other (after 3 of each as a warm-up): the machine's other load then moves both sides alike.
    Timed in two blocks, one side after the other, a change of load between the blocks landed on one
    side only: on a shared 2-core machine the tasks panel's HTTP p50 went from 8 to 32 ms between
    runs of the same code, while the server's log showed its statement taking the same time for the
    API's connection as for the bare one."""
    import asyncpg
    from pydantic_core import to_json

    from cunzhi.dashboards import service
    from cunzhi.kit.prepared import READ_SERVER_SETTINGS

    # the read pool's session settings (JIT off), so both sides run the same plans
    conn = await asyncpg.connect(dsn, server_settings=READ_SERVER_SETTINGS)
    http, bare = [], []
    try:
        reader = BareReader(conn)
        with Client(base, token) as client:
            for i in range(n + 3):
                t = time.perf_counter()
                status, body = client.get(f"/api/v1/dashboards/{panel}")
                h = (time.perf_counter() - t) * 1000
                if status != 200:
                    raise SystemExit(f"{panel}: {status} {body[:300]!r}")
                t = time.perf_counter()
                figures = await service.PANELS[panel](reader, principal, None, service.period(None))  # type: ignore[arg-type]
                b = (time.perf_counter() - t) * 1000
                if i == 0 and to_json(figures) != body:  # the two sides time the same figures
                    raise SystemExit(f"{panel}: the API answered other figures than the bare statements")
                if i >= 3:
                    http.append(h)
                    bare.append(b)
        return http, bare
    finally:
        await conn.close()


def http_floor(base: str, token: str, path: str, n: int) -> list[float]:
    """`n` timed GETs of `path` (after 3 untimed) with the panels' client, for reading a panel's gap."""
    samples = []
    with Client(base, token) as client:
        for i in range(n + 3):
            t = time.perf_counter()
            status, body = client.get(path)
            if status != 200:
                raise SystemExit(f"{path}: {status} {body[:300]!r}")
            if i >= 3:
                samples.append((time.perf_counter() - t) * 1000)
    return samples


def run(args: argparse.Namespace) -> None:
    import asyncpg

    from cunzhi.cli import run_migrations
    from cunzhi.db import normalise_url

    os.environ["CUNZHI_SECRET_KEY"] = rp.SECRET
    from cunzhi.kit.codes import Role
    from cunzhi.kit.principal import Principal
    from cunzhi.kit.security import create_access_token

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(rp._plain(rp._url("postgres")))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def users() -> tuple[str, int, int]:
        conn = await asyncpg.connect(rp._plain(rp._url(rp.DB)))
        try:
            county_row = await conn.fetchrow("SELECT id, division_code FROM users WHERE username = 'bench'")
            province = await conn.fetchval("SELECT id FROM users WHERE username = 'bench-province'")
            return county_row["division_code"], int(county_row["id"]), int(province)
        finally:
            await conn.close()

    if args.db:
        rp.DB = args.db
    tmp = Path(tempfile.mkdtemp(prefix="cunzhi-bench-dash-"))
    api = None
    try:
        if args.db:  # a province loaded by an earlier --keep run
            county, county_user, province_user = asyncio.run(users())
            counts = {"province_user": province_user}
        else:
            asyncio.run(admin(f'CREATE DATABASE "{rp.DB}"'))
            run_migrations(normalise_url(rp._url(rp.DB)))
            t0 = time.perf_counter()
            county, _one, county_user = asyncio.run(rp.load(args.counties, args.per_county))
            counts = asyncio.run(load_more(args.scale))
            print(f"loaded {args.counties * args.per_county} villages in {args.counties} counties and "
                  f"{ {k: v for k, v in counts.items() if k != 'province_user'} } in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            if args.keep:
                print(f"kept database {rp.DB} (run again with --db {rp.DB}; drop it when done)", flush=True)
        env = {**os.environ, "DATABASE_URL": rp._url(rp.DB), "CUNZHI_STATIC_DIR": "", "CUNZHI_SECRET_KEY": rp.SECRET,
               "PYTHONPATH": str(ROOT / "backend")}
        api = rp.Server("api", "cunzhi.main:create_app", env, ROOT, tmp / "api.log")
        api.wait_ready()
        who = {
            "county": (create_access_token(f"user:{county_user}")[0],
                       Principal(kind="user", id=county_user, name="bench", role=Role.county_admin,
                                 division_code=county, division_level="county")),
            "province": (create_access_token(f"user:{counts['province_user']}")[0],
                         Principal(kind="user", id=counts["province_user"], name="p", role=Role.county_admin,
                                   division_code="230000000000", division_level="province")),
        }
        dsn = rp._plain(rp._url(rp.DB))
        print(f"{'panel':<14}{'scope':<10}{'http p50':>10}{'http p95':>10}{'bare p50':>10}{'bare p95':>10}"
              f"{'ratio p50':>10}{'ratio p95':>10}{'target':>14}", flush=True)
        for scope, (token, principal) in who.items():
            for panel in args.panels:
                n = args.requests if scope == "county" else max(5, args.requests // 4)
                http, bare = asyncio.run(time_pair(dsn, api.base, token, principal, panel, n))
                (h50, h95), (b50, b95) = stats(http), stats(bare)
                target = "<50ms, <=1.5x" if scope == "county" else "<500ms"
                ok = (h95 < 50 and h95 / b95 <= 1.5) if scope == "county" else h95 < 500
                print(f"{panel:<14}{scope:<10}{h50:>10.1f}{h95:>10.1f}{b50:>10.1f}{b95:>10.1f}{h50 / b50:>10.2f}"
                      f"{h95 / b95:>10.2f}{target:>14}{'' if ok else '  MISSED'}", flush=True)
        for what, path in (("HTTP alone", "/healthz"), ("a panel without its statement", "/api/v1/dashboards")):
            f50, f95 = stats(http_floor(api.base, who["county"][0], path, args.requests))
            print(f"HTTP floor, {what} (GET {path}, county account): p50 {f50:.2f} ms, p95 {f95:.2f} ms", flush=True)
    finally:
        if api is not None:
            api.stop()
        if not (args.keep or args.db):
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{rp.DB}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: a small province")
    parser.add_argument("--counties", type=int, default=200)
    parser.add_argument("--per-county", type=int, default=100)
    parser.add_argument("--scale", type=float, default=1.0, help="rows below the villages, times this")
    parser.add_argument("--requests", type=int, default=200,
                        help="timed requests per county panel (a quarter of that per province panel)")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database (its name is printed)")
    parser.add_argument("--db", help="time against a database kept by an earlier --keep run (not dropped)")
    parser.add_argument("--panels", default=",".join(PANELS), help="comma-separated panels to time (default: all)")
    args = parser.parse_args()
    args.panels = [p for p in args.panels.split(",") if p]
    unknown = set(args.panels) - set(PANELS)
    if unknown:
        parser.error(f"unknown panels: {', '.join(sorted(unknown))}")
    if args.quick:
        args.counties, args.per_county, args.scale, args.requests = 4, 60, 0.01, 5
    run(args)


if __name__ == "__main__":
    main()
