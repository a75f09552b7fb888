"""Starts the product the way `make run` does: no DATABASE_URL, so an embedded PostgreSQL with
its data in a folder; demo data; then a login and a villages read over real HTTP. A restart
finds the data intact."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CUNZHI_SECRET_KEY")}
    env.update(CUNZHI_DATA_DIR=str(data_dir), CUNZHI_DEMO="true", CUNZHI_STATIC_DIR="")
    return subprocess.Popen([str(BIN / "cunzhi"), "serve", "--demo", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode() if proc.stdout else "server exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("server did not become ready")


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode()


def test_make_run_path_with_embedded_postgres(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    port = _free_port()
    proc = _start(data_dir, port)
    try:
        _wait_ready(port, proc)
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "admin", "password": "cunzhi2026"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        villages = httpx.get(f"{base}/api/v1/villages", headers=headers).json()
        assert villages["total"] == 82
        code = villages["items"][0]["code"]
        etag = httpx.get(f"{base}/api/v1/villages/{code}", headers=headers).headers["etag"]
        r = httpx.patch(f"{base}/api/v1/villages/{code}", json={"population": 4321},
                        headers={**headers, "If-Match": etag})
        assert r.status_code == 200, r.text
    finally:
        out = _stop(proc)
    assert "admin" in out and "county_admin" in out  # the demo accounts were printed
    # Restart on the same folder: the edit is still there, and the tokens' key too.
    proc = _start(data_dir, port)
    try:
        _wait_ready(port, proc)
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/villages/{code}", headers=headers)
        assert r.status_code == 200 and r.json()["population"] == 4321
    finally:
        out = _stop(proc)
    assert "demo data already present" in out
    # Stopping the server (SIGTERM) stopped its database too: nothing left running after the test.
    assert not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL was left running"


def test_refuses_to_start_without_secret_outside_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CUNZHI_SECRET_KEY", "CUNZHI_DEMO")}
    r = subprocess.run([str(BIN / "cunzhi"), "serve", "--port", str(_free_port())], env=env,
                       capture_output=True, timeout=60)
    assert r.returncode == 2
    assert b"CUNZHI_SECRET_KEY" in r.stderr
