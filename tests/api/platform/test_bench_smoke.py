"""The benchmarks' quickest runs, so they cannot rot: each loads its data, drives the API and prints
its figures. Not a timing check: the figures are only looked for."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (`make bench-tools` installs it)")
def test_read_path_bench_quick_run_prints_figures() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "bench_read_path.py"), "--quick"],
                       capture_output=True, text=True, timeout=300, env=os.environ.copy(), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    for op in ("list", "one"):
        for side in ("api", "bare"):
            assert re.search(rf"^{op}\s+\d+\s+1\s+{side}\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+$", r.stdout, re.M), r.stdout
        # The summary: req/s of both sides, both p95 and the ratio.
        assert re.search(rf"^{op}\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+\d+\.\d\d\s+0\.\d0$", r.stdout, re.M), r.stdout


def test_sync_bench_small_run_prints_figures() -> None:
    """The batch-sync benchmark on 60 items in batches of 20: it checks its own counts (created,
    refused, duplicates on the replay) and prints a line per side."""
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "bench_sync.py"), "--items", "60",
                        "--batch", "20", "--rounds", "1"],
                       capture_output=True, text=True, timeout=300, env=os.environ.copy(), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^60 items a round, median of 1 rounds", r.stdout, re.M), r.stdout
    counts = re.search(r"^\s+\((\d+) created, (\d+) refused\)$", r.stdout, re.M)
    assert counts and int(counts[1]) + int(counts[2]) == 60 and int(counts[2]) > 0, r.stdout
    for side in ("sync", "replay", "bare"):
        assert re.search(rf"^\s+20\s+{side}\s+\d+\.\d{{3}}\s+\d+\s+\d+\.\d$", r.stdout, re.M), r.stdout


def test_dashboard_bench_quick_run_prints_figures() -> None:
    """The dashboard benchmark on a small province: a line per panel and scope with both sides'
    figures (the run stops if the API's answer differs from the bare statements'), then the floors."""
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "bench_dashboards.py"), "--quick"],
                       capture_output=True, text=True, timeout=300, env=os.environ.copy(), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    for scope in ("county", "province"):
        for panel in ("rectification", "pairing", "cadres", "tasks", "funds"):
            assert re.search(rf"^{panel}\s+{scope}(\s+\d+\.\d){{4}}(\s+\d+\.\d\d){{2}}\s+<", r.stdout, re.M), r.stdout
    for path in ("/healthz", "/api/v1/dashboards"):
        assert re.search(rf"\(GET {path}, county account\): p50 \d+\.\d\d ms, p95 \d+\.\d\d ms$", r.stdout, re.M), r.stdout
