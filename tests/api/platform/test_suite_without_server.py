"""`make test` on a machine with no PostgreSQL: with DATABASE_URL unset and nothing listening at
the default address, the test suite starts the embedded PostgreSQL itself (data in a temporary
folder) and stops it and removes the folder at the end."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
from test_smoke_embedded import _free_port

ROOT = Path(__file__).resolve().parents[3]


def test_a_run_without_a_server_starts_and_stops_its_own() -> None:
    # A short folder: under pytest-xdist tmp_path is too deep for PostgreSQL's socket path (107 bytes).
    tmp_path = Path(tempfile.mkdtemp(prefix="cz-", dir="/tmp"))
    try:
        _run_without_a_server(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _run_without_a_server(tmp_path: Path) -> None:
    nothing_there = f"postgresql://postgres@127.0.0.1:{_free_port()}/postgres"
    env = {**os.environ, "DATABASE_URL": "", "CUNZHI_TEST_DEFAULT_DATABASE_URL": nothing_there,
           "TMPDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                        "tests/api/platform/test_smoke_quick.py"], cwd=ROOT, env=env, capture_output=True,
                       timeout=300)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out[-3000:]
    assert "database: embedded PostgreSQL started for this run" in out, out[-3000:]
    assert " passed" in out
    # Stopped and removed: no folder left, no postgres on it.
    assert not list(tmp_path.glob("cunzhi-test-pg-*"))
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or ())]
    assert not leftovers
