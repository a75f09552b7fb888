"""`cunzhi serve --demo` on the embedded PostgreSQL: SIGTERM (what systemd, Docker and Kubernetes
send) and SIGINT (Ctrl+C) both stop the server and its database, also on the start after a
crash (SIGKILL) that left the database running and a dead process on its handle list."""

import signal
from pathlib import Path

import psutil
from test_smoke_embedded import _free_port, _start, _wait_ready


def _postmaster(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().split("\n", 1)[0])


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _postgres_of(data_dir: Path) -> list[psutil.Process]:
    """Every live postgres process working on this data folder."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and str(data_dir) in " ".join(proc.info["cmdline"] or ()):
                found.append(proc)
        except psutil.Error:
            pass
    return found


def _run_until(data_dir: Path, sig: int) -> int:
    """Start the server, wait until it answers, send `sig`; return the postmaster's pid."""
    port = _free_port()
    proc = _start(data_dir, port)
    try:
        _wait_ready(port, proc)
        postmaster = _postmaster(data_dir)
        assert postmaster is not None and _running(postmaster)
        proc.send_signal(sig)
        proc.communicate(timeout=30)
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    if sig == signal.SIGKILL:
        assert _running(postmaster), "a crash of the server leaves its database running"
    return postmaster


def _assert_stopped(data_dir: Path, postmaster: int) -> None:
    assert not _running(postmaster), "the embedded PostgreSQL is still running"
    assert not (data_dir / "postmaster.pid").exists()
    assert not _postgres_of(data_dir)


def _cleanup(data_dir: Path) -> None:
    """Whatever a failed run left behind."""
    for proc in _postgres_of(data_dir):
        proc.kill()


def test_sigint_and_sigterm_stop_the_embedded_database_also_after_a_crash(tmp_path: Path) -> None:
    """(A plain SIGTERM on a fresh start is test_smoke_embedded's stop.)"""
    data_dir = tmp_path / "pgdata"
    try:
        crashed = _run_until(data_dir, signal.SIGKILL)
        again = _run_until(data_dir, signal.SIGINT)
        assert again == crashed  # the new server joined the database the crash left running
        _assert_stopped(data_dir, again)
        _run_until(data_dir, signal.SIGKILL)
        _assert_stopped(data_dir, _run_until(data_dir, signal.SIGTERM))
    finally:
        _cleanup(data_dir)
