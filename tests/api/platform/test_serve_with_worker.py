"""`cunzhi serve --with-worker` (what `make run` starts): the worker runs beside the API and goes
when the server is stopped with SIGTERM or SIGINT."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.usefixtures("engine")  # the test database exists and is migrated


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(x) for x in task.read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_worker_runs_beside_the_server_and_stops_with_it(sig: signal.Signals, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "CUNZHI_STATIC_DIR": ""}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "cunzhi"), "serve", "--with-worker", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "worker started" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.3)
        assert "worker started" in log.read_text(), log.read_text()
        # The worker may log its start before uvicorn listens (the server's start-up runs its lifespan first).
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.ConnectError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
        assert health.status_code == 200
        [worker] = _children(proc.pid)
        proc.send_signal(sig)
        proc.wait(timeout=40)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
