"""Per-client rate limits: 429 with Retry-After past the limit, counted in PostgreSQL so that two
API processes share one count (requests fired at both at once)."""

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from cunzhi.config import get_settings
from cunzhi.db import normalise_url

ROOT = Path(__file__).resolve().parents[3]
CUNZHI = Path(sys.executable).parent / "cunzhi"
LIMIT = 10


async def test_429_with_retry_after_per_client_people_unaffected(client, new_client, token_for, monkeypatch):
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 3)
    _, a = await new_client("rl-a", scopes=["villages:read"])
    _, b = await new_client("rl-b", scopes=["villages:read"])
    codes = [(await client.get("/api/v1/villages", headers=a)).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = await client.get("/api/v1/villages", headers=a)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Another client has its own count; people are not limited.
    assert (await client.get("/api/v1/villages", headers=b)).status_code == 200
    admin = await token_for("admin")
    assert all([(await client.get("/api/v1/villages", headers=admin)).status_code == 200 for _ in range(5)])
    # Refused requests count too: still refused.
    assert (await client.get("/api/v1/villages", headers=a)).status_code == 429


async def test_refused_calls_count_too(client, new_client, monkeypatch):
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 2)
    _, a = await new_client("rl-scope", scopes=["villages:read"])
    for _ in range(2):
        r = await client.get("/api/v1/partner-units", headers=a)
        assert r.json()["code"] == "scope_missing"
    r = await client.get("/api/v1/villages", headers=a)
    assert r.status_code == 429


async def test_one_request_counts_once(client, new_client, monkeypatch):
    """A route that takes the caller twice (the dashboards': the caller and a reader, both from the
    token) still counts one request once."""
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 4)
    _, a = await new_client("rl-once", scopes=["villages:read", "dashboards:read"])
    for _ in range(2):
        assert (await client.get("/api/v1/dashboards/todo", headers=a)).status_code != 429
    assert [(await client.get("/api/v1/villages", headers=a)).status_code for _ in range(2)] == [200, 200]
    assert (await client.get("/api/v1/villages", headers=a)).status_code == 429


async def test_no_limit_when_zero(client, new_client, monkeypatch):
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 0)
    _, a = await new_client("rl-off", scopes=["villages:read"])
    assert all([(await client.get("/api/v1/villages/230199100200", headers=a)).status_code == 200
                for _ in range(5)])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def _start(url: str, log: Path) -> tuple[str, asyncio.subprocess.Process]:
    env = {**os.environ, "DATABASE_URL": url, "CUNZHI_STATIC_DIR": "",
           "CUNZHI_CLIENT_RATE_LIMIT_PER_MINUTE": str(LIMIT), "CUNZHI_PRINCIPAL_CACHE_SECONDS": "5"}
    port = _free_port()
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            str(CUNZHI), "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=ROOT,
            stdout=out, stderr=asyncio.subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=2) as c:
        for _ in range(900):  # 90 s: a busy two-core machine starts the app slowly
            assert proc.returncode is None, "the server exited"
            try:
                if (await c.get("/readyz")).status_code == 200:
                    return base, proc
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{base} did not become ready")


@pytest.fixture(scope="module")
async def two_servers(tmp_path_factory: pytest.TempPathFactory,
                      fresh_database: Callable[..., Awaitable[str]]) -> AsyncIterator[tuple[str, list[str]]]:
    url = await fresh_database("cunzhi_rl", demo=True)
    procs: list[asyncio.subprocess.Process] = []
    tmp = tmp_path_factory.mktemp("ratelimit")
    try:
        bases = []
        for i in range(2):
            base, proc = await _start(url, tmp / f"server{i}.log")
            procs.append(proc)
            bases.append(base)
        yield url, bases
    finally:
        for p in procs:
            if p.returncode is None:
                p.terminate()
        for p in procs:
            try:
                await asyncio.wait_for(p.wait(), timeout=10)
            except TimeoutError:
                p.kill()
                await p.wait()


async def test_limit_holds_across_two_processes_under_concurrent_requests(two_servers) -> None:
    from cunzhi.kit.security import create_access_token

    url, bases = two_servers
    conn = await asyncpg.connect(_plain(url))
    try:
        admin_id = await conn.fetchval("SELECT id FROM users WHERE username = 'admin'")
    finally:
        await conn.close()
    admin = {"Authorization": f"Bearer {create_access_token(f'user:{admin_id}')[0]}"}
    async with httpx.AsyncClient(base_url=bases[0], timeout=30) as c:
        r = await c.post("/api/v1/api-clients", headers=admin, json={
            "client_id": "rl-sys", "name": "限流", "division_code": "230199100000", "scopes": ["villages:read"]})
        assert r.status_code == 201, r.text
        tok = await c.post("/api/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": "rl-sys", "client_secret": r.json()["client_secret"]})
        assert tok.status_code == 200, tok.text
    h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    # Not across a minute's boundary: the windows are whole minutes.
    if time.time() % 60 > 45:
        await asyncio.sleep(61 - time.time() % 60)
    clients = [httpx.AsyncClient(base_url=b, timeout=30, headers=h) for b in bases]
    try:
        answers = await asyncio.gather(*(clients[i % 2].get("/api/v1/villages/230199100200") for i in range(3 * LIMIT)))
    finally:
        for c in clients:
            await c.aclose()
    codes = [a.status_code for a in answers]
    assert codes.count(200) == LIMIT, codes
    assert codes.count(429) == 2 * LIMIT, codes
    # Both processes refused some: the count is shared, not per process.
    assert {i % 2 for i, a in enumerate(answers) if a.status_code == 429} == {0, 1}
    assert all(1 <= int(a.headers["Retry-After"]) <= 60 for a in answers if a.status_code == 429)


async def test_past_windows_are_purged(db):
    from sqlalchemy import text

    from cunzhi.kit import rate_limit

    await db.execute(text("INSERT INTO client_rate_windows VALUES (999999, now() - interval '2 hours', 5, now()),"
                          " (999999, now(), 1, now())"))
    assert await rate_limit.purge(db) == 1
    assert (await db.execute(text("SELECT count(*) FROM client_rate_windows WHERE client_id = 999999"))).scalar() == 1
