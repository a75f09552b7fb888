"""The integration guide's example client (docs/examples/township_client.py) run as a township
system would run it, against a live server with its worker (a database of its own with the demo
county): token, pages, bulk upserts twice (the second changes nothing), If-Match, and a webhook
for the task it created, verified by the example's receiver with `standardwebhooks`."""

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

from cunzhi.db import normalise_url

ROOT = Path(__file__).resolve().parents[3]
CUNZHI = Path(sys.executable).parent / "cunzhi"
EXAMPLE = ROOT / "docs" / "examples" / "township_client.py"
TOWNSHIP_01 = "230199100000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "backend"), "CUNZHI_STATIC_DIR": "",
            "CUNZHI_WEBHOOK_ALLOW_PRIVATE": "true"}


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory,
               fresh_database: Callable[..., Awaitable[str]]) -> AsyncIterator[tuple[str, str]]:
    url = await fresh_database("cunzhi_example", demo=True)
    log = tmp_path_factory.mktemp("example") / "server.log"
    proc = None
    try:
        port = _free_port()
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                str(CUNZHI), "serve", "--host", "127.0.0.1", "--port", str(port), "--with-worker", env=_env(url),
                cwd=ROOT, stdout=out, stderr=asyncio.subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=2) as c:
            for _ in range(900):  # 90 s: a busy two-core machine starts the app slowly
                assert proc.returncode is None, log.read_text()[-2000:]
                try:
                    if (await c.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{base} did not become ready")
        yield url, base
    finally:
        if proc is not None and proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), timeout=15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def test_example_client_runs_against_a_live_server(live) -> None:  # type: ignore[no-untyped-def]
    from cunzhi.kit.security import create_access_token

    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import township_client
    finally:
        sys.path.remove(str(EXAMPLE.parent))

    url, base = live
    conn = await asyncpg.connect(_plain(url))
    try:
        admin_id = await conn.fetchval("SELECT id FROM users WHERE username = 'admin'")
    finally:
        await conn.close()
    admin = {"Authorization": f"Bearer {create_access_token(f'user:{admin_id}')[0]}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=admin) as c:
        r = await c.post("/api/v1/api-clients", json={
            "client_id": "example-sys", "name": "示例乡镇系统", "division_code": TOWNSHIP_01,
            "scopes": ["villages:read", "villages:write", "cadres:write", "tasks:read", "tasks:write"]})
        assert r.status_code == 201, r.text
        secret = r.json()["client_secret"]
        receiver = township_client.WebhookReceiver("whsec_placeholderplaceholder00").start()
        try:
            r = await c.post("/api/v1/api-clients/example-sys/webhooks",
                             json={"url": receiver.url, "event_types": ["task."]})
            assert r.status_code == 201, r.text
            receiver.hook = township_client.Webhook(r.json()["secret"])

            run = await asyncio.create_subprocess_exec(
                sys.executable, str(EXAMPLE), "--base-url", base, "--client-id", "example-sys",
                f"--client-secret={secret}",  # with "=": a secret may begin with "-"
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
            stdout, stderr = await asyncio.wait_for(run.communicate(), timeout=120)
            out = stdout.decode()
            assert run.returncode == 0, out + stderr.decode()
            lines = dict(line.split(":", 1) for line in out.splitlines())
            assert lines["me"].split()[:3] == ["example-sys", "township", TOWNSHIP_01]
            assert lines["villages"].split()[0] == str(await _villages(url) - 1)  # before the one it adds
            assert lines["villages bulk"].strip() == (
                '{"created": 1, "updated": 0, "unchanged": 1, "errors": 0} then '
                '{"created": 0, "updated": 0, "unchanged": 2, "errors": 0}')
            assert '"created": 1' in lines["cadres bulk"]
            assert lines["tasks bulk"].strip().endswith("errors due_date_past")
            assert lines["village edited"].split()[-1] == "2"

            # The task the example created was told to its township's endpoint, signed.
            deadline = time.monotonic() + 90
            while not receiver.received and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            assert receiver.refused == 0
            payloads = list(receiver.received.values())
            assert [p["type"] for p in payloads] == ["task.create"], payloads
            assert payloads[0]["data"]["title"] == "示例任务"
        finally:
            receiver.stop()


async def _villages(url: str) -> int:
    conn = await asyncpg.connect(_plain(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM villages WHERE township_code = $1", TOWNSHIP_01))
    finally:
        await conn.close()
