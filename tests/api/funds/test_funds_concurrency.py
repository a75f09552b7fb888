"""Two API server processes on a database of their own (the migrated schema); 200 claims on one budget line fired
from both at once. The line never commits more than approved, every claim is either accepted or
refused with budget_exceeded, nothing is lost, and nothing is refused that would have fitted."""

import asyncio
import os
import random
import socket
import sys
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx

from cunzhi.db import normalise_url
from cunzhi.kit.clock import local_today

ROOT = Path(__file__).resolve().parents[3]
CUNZHI = Path(sys.executable).parent / "cunzhi"
APPROVED = Decimal("10000.00")
CLAIMS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def _seed(url: str) -> tuple[int, int]:
    """One village with an approved budget line, and its secretary. Plain SQL: nothing else is needed."""
    conn = await asyncpg.connect(_plain(url))
    try:
        await conn.execute("""
            INSERT INTO divisions (code, name, level) VALUES ('230199000000', '县', 'county');
            INSERT INTO divisions (code, name, level, parent_code) VALUES ('230199100000', '镇', 'township', '230199000000');
            INSERT INTO villages (code, name, township_code, county_code, population, households, party_member_count,
                                  status, problem_categories, version)
            VALUES ('230199100200', '村', '230199100000', '230199000000', 1, 1, 1, 'normal', '{}', 1);
        """)
        village = await conn.fetchval("SELECT id FROM villages WHERE code = '230199100200'")
        user = await conn.fetchval(
            "INSERT INTO users (username, password_hash, display_name, role, village_id, is_active) "
            "VALUES ('race', 'x', 'race', 'village_committee', $1, true) RETURNING id", village)
        budget = await conn.fetchval("INSERT INTO funds_budgets (village_id, year, status, note, version) "
                                     "VALUES ($1, $2, 'approved', '', 1) RETURNING id", village,
                                     local_today().year)
        line = await conn.fetchval(
            "INSERT INTO funds_budget_lines (budget_id, village_id, position, category, purpose, planned, approved) "
            "VALUES ($1, $2, 0, 'public_works', '道路', $3, $3) RETURNING id", budget, village, APPROVED)
        return user, line
    finally:
        await conn.close()


async def _wait_ready(base: str, proc: asyncio.subprocess.Process) -> None:
    # A busy two-core machine can take most of a minute to start two servers that import the whole app.
    deadline = asyncio.get_running_loop().time() + 90
    async with httpx.AsyncClient(base_url=base, timeout=2) as c:
        while asyncio.get_running_loop().time() < deadline:
            assert proc.returncode is None, "the server exited"
            try:
                if (await c.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{base} did not become ready")


async def test_two_servers_200_claims_one_line(fresh_database, tmp_path):  # type: ignore[no-untyped-def]
    url = await fresh_database("cunzhi_funds_race")
    servers: list[asyncio.subprocess.Process] = []
    try:
        user, line = await _seed(url)
        env = {**os.environ, "DATABASE_URL": url, "CUNZHI_STATIC_DIR": "", "CUNZHI_DB_POOL_SIZE": "10"}
        bases = []
        for i in range(2):
            port = _free_port()
            with (tmp_path / f"server{i}.log").open("wb") as log:
                servers.append(await asyncio.create_subprocess_exec(
                    str(CUNZHI), "serve", "--host", "127.0.0.1", "--port", str(port),
                    env=env, cwd=ROOT, stdout=log, stderr=asyncio.subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        await asyncio.gather(*(_wait_ready(b, s) for b, s in zip(bases, servers, strict=True)))

        from cunzhi.kit.security import create_access_token

        token, _ = create_access_token(f"user:{user}")
        headers = {"Authorization": f"Bearer {token}"}
        rng = random.Random(2026)
        amounts = [Decimal(rng.randrange(1, 15000)) / 100 for _ in range(CLAIMS)]  # 0.01 .. 149.99
        limits = httpx.Limits(max_connections=50)
        clients = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in bases]

        async def fire(i: int) -> httpx.Response:
            # As a client would: a 503 (every connection out for the pool's timeout, on a machine
            # busier than this test) kept nothing and is sent again after its Retry-After.
            for _ in range(10):
                r = await clients[i % 2].post(
                    "/api/v1/funds/villages/230199100200/claims", headers=headers,
                    json={"line_id": line, "amount": f"{amounts[i]:.2f}", "purpose": f"claim {i}", "payee": "x"})
                if r.status_code != 503:
                    return r
                await asyncio.sleep(float(r.headers["Retry-After"]))
            return r

        try:
            responses = await asyncio.gather(*(fire(i) for i in range(CLAIMS)))
        finally:
            for c in clients:
                await c.aclose()

        accepted = [i for i, r in enumerate(responses) if r.status_code == 201]
        refused = [i for i, r in enumerate(responses) if r.status_code == 409
                   and r.json()["code"] == "budget_exceeded"]
        others = [(r.status_code, r.text[:200]) for r in responses if r.status_code not in (201, 409)]
        assert not others and len(accepted) + len(refused) == CLAIMS, others
        assert accepted and refused, "the amounts were chosen to overshoot the line"

        conn = await asyncpg.connect(_plain(url))
        try:
            committed, approved = await conn.fetchrow(
                "SELECT committed, approved FROM funds_budget_lines WHERE id = $1", line)
            rows = await conn.fetch("SELECT amount, purpose FROM funds_claims WHERE line_id = $1", line)
            events = await conn.fetchval("SELECT count(*) FROM funds_events WHERE entity = 'claim'")
            audited = await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'claim.create'")
        finally:
            await conn.close()
        assert committed <= approved == APPROVED
        # Nothing lost: every accepted claim is a row, each row an accepted claim, and the line holds their sum.
        assert sorted(r["purpose"] for r in rows) == sorted(f"claim {i}" for i in accepted)
        assert committed == sum(amounts[i] for i in accepted) == sum(r["amount"] for r in rows)
        assert events == audited == len(accepted)
        # Nothing refused that would have fitted: the line only filled up, so each refusal was over
        # what was left then, which is at least what is left now.
        left = approved - committed
        assert all(amounts[i] > left for i in refused)
        assert {responses[i].json()["status"] for i in accepted} == {"draft"}
    finally:
        for s in servers:
            s.terminate()
        for s in servers:
            try:
                await asyncio.wait_for(s.wait(), timeout=10)
            except TimeoutError:
                s.kill()
                await s.wait()
