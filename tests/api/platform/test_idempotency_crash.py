"""A retried POST after a crash: two `cunzhi serve` processes on one freshly seeded database. The
first process SIGKILLs itself at a chosen point of an idempotent POST (CUNZHI_TEST_CRASH_AT, a
test-only hook); the client retries with the same key on the second process.

- killed after commit, before the answer left: the retry replays the committed answer and exactly
  one effect exists (a funds claim, a cadre's check-in);
- killed before commit: nothing was kept, and the retry runs once, at once (no waiting for a stale
  pending key)."""

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from cunzhi.db import normalise_url

ROOT = Path(__file__).resolve().parents[3]
CUNZHI = Path(sys.executable).parent / "cunzhi"
VILLAGE = "230199100200"  # the demo's village of cadre01 and secretary01


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


class Cluster:
    def __init__(self, url: str, tmp: Path) -> None:
        self.url, self.tmp, self.procs = url, tmp, []  # type: ignore[var-annotated]
        self.other = ""

    async def start(self, crash_at: str = "") -> tuple[str, asyncio.subprocess.Process]:
        env = {**os.environ, "DATABASE_URL": self.url, "CUNZHI_STATIC_DIR": "", "CUNZHI_TEST_CRASH_AT": crash_at}
        port = _free_port()
        with (self.tmp / f"server{len(self.procs)}.log").open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                str(CUNZHI), "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=ROOT,
                stdout=log, stderr=asyncio.subprocess.STDOUT)
        self.procs.append(proc)
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

    async def fetchval(self, sql: str, *args: object) -> object:
        conn = await asyncpg.connect(_plain(self.url))
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory,
                  fresh_database: Callable[..., Awaitable[str]]) -> AsyncIterator[Cluster]:
    cl = Cluster(await fresh_database("cunzhi_crash", demo=True), tmp_path_factory.mktemp("crash"))
    try:
        cl.other, _ = await cl.start()  # where the retries go
        yield cl
    finally:
        for p in cl.procs:
            if p.returncode is None:
                p.terminate()
        for p in cl.procs:
            try:
                await asyncio.wait_for(p.wait(), timeout=10)
            except TimeoutError:
                p.kill()
                await p.wait()


async def _headers(cl: Cluster, username: str) -> dict[str, str]:
    from cunzhi.kit.security import create_access_token

    uid = await cl.fetchval("SELECT id FROM users WHERE username = $1", username)
    token, _ = create_access_token(f"user:{uid}")
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}


async def _line_with_room(cl: Cluster) -> int:
    line = await cl.fetchval(
        "SELECT l.id FROM funds_budget_lines l JOIN funds_budgets b ON b.id = l.budget_id "
        "JOIN villages v ON v.id = l.village_id WHERE v.code = $1 AND b.status = 'approved' "
        "AND l.approved - l.committed >= 10 ORDER BY l.id LIMIT 1", VILLAGE)
    assert isinstance(line, int)
    return line


async def _post_to_dying(base: str, proc: asyncio.subprocess.Process, path: str, body: dict[str, object],
                         headers: dict[str, str]) -> None:
    """The first attempt: the process dies before the client reads any answer."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        with pytest.raises(httpx.TransportError):
            await c.post(path, json=body, headers=headers)
    assert await asyncio.wait_for(proc.wait(), timeout=10) == -signal.SIGKILL


async def test_claim_killed_after_commit_is_replayed_once(cluster: Cluster) -> None:
    other = cluster.other
    dying, proc = await cluster.start(crash_at="after_commit")
    headers = await _headers(cluster, "secretary01")
    purpose = f"crash after commit {uuid.uuid4()}"
    body = {"line_id": await _line_with_room(cluster), "amount": "7.00", "purpose": purpose, "payee": "x"}
    path = f"/api/v1/funds/villages/{VILLAGE}/claims"
    await _post_to_dying(dying, proc, path, body, headers)
    assert await cluster.fetchval("SELECT count(*) FROM funds_claims WHERE purpose = $1", purpose) == 1
    async with httpx.AsyncClient(base_url=other, timeout=30) as c:
        retry = await c.post(path, json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers.get("idempotent-replayed") == "true"
    claim_id = await cluster.fetchval("SELECT id FROM funds_claims WHERE purpose = $1", purpose)
    assert retry.json()["id"] == claim_id
    assert await cluster.fetchval("SELECT count(*) FROM funds_claims WHERE purpose = $1", purpose) == 1


async def test_checkin_killed_after_commit_is_replayed_once(cluster: Cluster) -> None:
    other = cluster.other
    dying, proc = await cluster.start(crash_at="after_commit")
    headers = await _headers(cluster, "cadre01")
    before = await cluster.fetchval("SELECT count(*) FROM cadre_checkins")
    body = {"checked_at": datetime.now(UTC).isoformat(), "lat": 45.7, "lng": 126.6, "accuracy_m": 10}
    await _post_to_dying(dying, proc, "/api/v1/cadres/checkins", body, headers)
    async with httpx.AsyncClient(base_url=other, timeout=30) as c:
        retry = await c.post("/api/v1/cadres/checkins", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers.get("idempotent-replayed") == "true"
    assert retry.json()["client_key"] == headers["Idempotency-Key"]
    assert await cluster.fetchval("SELECT count(*) FROM cadre_checkins") == before + 1  # type: ignore[operator]


async def test_claim_killed_before_commit_runs_once_at_once(cluster: Cluster) -> None:
    other = cluster.other
    dying, proc = await cluster.start(crash_at="before_commit")
    headers = await _headers(cluster, "secretary01")
    purpose = f"crash before commit {uuid.uuid4()}"
    body = {"line_id": await _line_with_room(cluster), "amount": "3.00", "purpose": purpose, "payee": "x"}
    path = f"/api/v1/funds/villages/{VILLAGE}/claims"
    await _post_to_dying(dying, proc, path, body, headers)
    assert await cluster.fetchval("SELECT count(*) FROM funds_claims WHERE purpose = $1", purpose) == 0
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=other, timeout=30) as c:
        retry = await c.post(path, json=body, headers=headers)
    assert retry.status_code == 201, retry.text  # not 409 idempotency_in_progress
    assert "idempotent-replayed" not in retry.headers
    assert time.monotonic() - started < 5
    assert await cluster.fetchval("SELECT count(*) FROM funds_claims WHERE purpose = $1", purpose) == 1
