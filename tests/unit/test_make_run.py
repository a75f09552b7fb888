"""`make run` (as `make -n` plans it): only the server's runtime dependencies, and the SPA rebuilt only
when one of its sources is newer than the last build. A copy of the frontend's stamp files in a
temporary directory stands in for the real ones (FE and VENV are make variables)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _touch(path: Path, when: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (when, when))


def _plan(tmp: Path) -> str:
    out = subprocess.run(
        ["make", "-n", "run", f"FE={tmp / 'fe'}", f"VENV={tmp / 'venv'}", "HOST=0.0.0.0", "PORT=8181"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )
    return out.stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    later = time.time() + 3600  # newer than the checkout's pyproject.toml and uv.lock
    for name in ("src/main.ts", "package.json", "package-lock.json", "index.html"):
        _touch(tmp_path / "fe" / name, later - 60)
    _touch(tmp_path / "fe/node_modules/.package-lock.json", later - 30)
    _touch(tmp_path / "fe/dist/.built", later)
    _touch(tmp_path / "venv/.installed-runtime", later)
    return tmp_path


def test_a_second_start_with_nothing_changed_only_starts(tree: Path) -> None:
    plan = _plan(tree)
    assert "serve --demo --with-worker --host 0.0.0.0 --port 8181" in plan
    assert "vite build" not in plan
    assert "uv sync" not in plan and "npm ci" not in plan


def test_a_changed_source_rebuilds_the_spa(tree: Path) -> None:
    _touch(tree / "fe/src/main.ts", time.time() + 7200)
    plan = _plan(tree)
    assert plan.count("vite build") == 1
    assert "npm ci" not in plan


def test_it_installs_the_runtime_dependencies_only(tree: Path) -> None:
    (tree / "venv/.installed-runtime").unlink()
    syncs = [line for line in _plan(tree).splitlines() if "uv sync" in line]
    assert len(syncs) == 1
    assert "--no-dev" in syncs[0]
