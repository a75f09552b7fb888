"""Test fixtures: a private PostgreSQL database per run, demo data committed once, and a
transaction per test that is rolled back (requests run in savepoints inside it).

The server: DATABASE_URL's; without it, the default address (CUNZHI_TEST_DEFAULT_DATABASE_URL,
postgresql://postgres@127.0.0.1:5432/postgres) when something listens there; otherwise this test
process starts the embedded PostgreSQL itself, with its data in a temporary folder, and stops it
and removes the folder at the end. So `make test` needs no server installed."""

import contextlib
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "backend"))

_DEFAULT_URL = os.environ.get("CUNZHI_TEST_DEFAULT_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
_EMBEDDED_DIR: Path | None = None


def _listening(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _base_url() -> str:
    global _EMBEDDED_DIR
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    if _listening(_DEFAULT_URL):
        return _DEFAULT_URL
    from cunzhi.db import embedded_url

    _EMBEDDED_DIR = Path(tempfile.mkdtemp(prefix="cunzhi-test-pg-"))
    return embedded_url(_EMBEDDED_DIR / "pgdata")


def pytest_report_header(config: pytest.Config) -> str:
    if _EMBEDDED_DIR is not None:
        return f"database: embedded PostgreSQL started for this run in {_EMBEDDED_DIR}"
    return "database: " + _BASE_URL.split("@", 1)[-1]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _OWNS_TEMPLATES:
        _drop_templates()
    if _EMBEDDED_DIR is not None:
        from cunzhi.db import stop_embedded

        stop_embedded()
        shutil.rmtree(_EMBEDDED_DIR, ignore_errors=True)


_BASE_URL = _base_url()
_TEST_DB = f"cunzhi_test_{os.getpid()}_{secrets.token_hex(3)}"


def _with_db(url: str, name: str) -> str:
    head, _, tail = url.partition("?")
    head = head.rsplit("/", 1)[0] + "/" + name
    return head + ("?" + tail if tail else "")


os.environ["DATABASE_URL"] = _with_db(_BASE_URL, _TEST_DB)
os.environ.setdefault("CUNZHI_SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ["CUNZHI_STATIC_DIR"] = ""
os.environ.setdefault("CUNZHI_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.ext.asyncio import (  # noqa: E402
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from cunzhi.db import normalise_url  # noqa: E402


def _plain_dsn(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_plain_dsn(_with_db(_BASE_URL, "postgres")))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# Two template databases per run, built once and cloned (CREATE DATABASE ... TEMPLATE, under a
# second) instead of migrating (and seeding) again for each xdist worker and each own_database:
# "<run>_schema" (migrated to head) and "<run>_demo" (the same plus the demo county). The run id is
# set by the first process (the xdist controller) and inherited by its workers; the controller starts
# the build while the workers collect, and whoever needs a template first takes the advisory lock and
# builds it if it is still missing, so a run without xdist or a failed build still gets one.
_RUN = os.environ.setdefault("CUNZHI_TEST_RUN", f"cunzhi_tpl_{os.getpid()}_{secrets.token_hex(3)}")
_OWNS_TEMPLATES = "PYTEST_XDIST_WORKER" not in os.environ
SCHEMA_TEMPLATE = f"{_RUN}_schema"
DEMO_TEMPLATE = f"{_RUN}_demo"
CUNZHI = ROOT / "backend" / ".venv" / "bin" / "cunzhi"


async def _build_templates() -> None:
    import asyncio

    from cunzhi.cli import run_migrations

    conn = await asyncpg.connect(_plain_dsn(_with_db(_BASE_URL, "postgres")))
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", _RUN)
        present = {r[0] for r in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"{_RUN}%")}
        # A database gets its final name only once complete; a "_wip" one is a build that died.
        for wip in (n for n in present if n.endswith("_wip")):
            await conn.execute(f'DROP DATABASE IF EXISTS "{wip}" WITH (FORCE)')
        if SCHEMA_TEMPLATE not in present:
            await conn.execute(f'CREATE DATABASE "{SCHEMA_TEMPLATE}_wip"')
            await asyncio.to_thread(run_migrations, normalise_url(_with_db(_BASE_URL, f"{SCHEMA_TEMPLATE}_wip")))
            await conn.execute(f'ALTER DATABASE "{SCHEMA_TEMPLATE}_wip" RENAME TO "{SCHEMA_TEMPLATE}"')
        if DEMO_TEMPLATE not in present:
            await _clone(conn, SCHEMA_TEMPLATE, f"{DEMO_TEMPLATE}_wip")
            env = {**os.environ, "DATABASE_URL": _with_db(_BASE_URL, f"{DEMO_TEMPLATE}_wip")}
            proc = await asyncio.create_subprocess_exec(str(CUNZHI), "seed-demo", env=env, cwd=ROOT,
                                                        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            out, _ = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"cunzhi seed-demo failed:\n{out.decode()}")
            await conn.execute(f'ALTER DATABASE "{DEMO_TEMPLATE}_wip" RENAME TO "{DEMO_TEMPLATE}"')
    finally:
        await conn.close()  # ends the session, and with it the advisory lock


async def _clone(conn: asyncpg.Connection, template: str, name: str) -> None:
    import asyncio

    for attempt in range(50):
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except asyncpg.ObjectInUseError:
            # Another clone of the same template at this very moment: it takes well under a second.
            if attempt == 49:
                raise
            await asyncio.sleep(0.2)


async def _create_from(template: str, name: str) -> None:
    await _build_templates()
    conn = await asyncpg.connect(_plain_dsn(_with_db(_BASE_URL, "postgres")))
    try:
        await _clone(conn, template, name)
    finally:
        await conn.close()


_early_build: threading.Thread | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _early_build
    if not _OWNS_TEMPLATES or getattr(config.option, "collectonly", False):
        return
    import asyncio

    def build() -> None:
        # On failure the first test that needs a template builds it again, and reports the error.
        with contextlib.suppress(BaseException):
            asyncio.run(_build_templates())

    _early_build = threading.Thread(target=build, name="test-templates", daemon=True)
    _early_build.start()


def _drop_templates() -> None:
    import asyncio

    if _early_build is not None:
        _early_build.join()

    async def drop() -> None:
        for name in (DEMO_TEMPLATE, SCHEMA_TEMPLATE, f"{DEMO_TEMPLATE}_wip", f"{SCHEMA_TEMPLATE}_wip"):
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    asyncio.run(drop())


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    await _create_from(DEMO_TEMPLATE, _TEST_DB)
    url = normalise_url(os.environ["DATABASE_URL"])
    eng = create_async_engine(url, pool_size=5, max_overflow=10)
    yield eng
    await eng.dispose()
    await _admin(f'DROP DATABASE IF EXISTS "{_TEST_DB}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def own_database(engine: AsyncEngine, fresh_database: Callable[..., Awaitable[str]],
                       ) -> AsyncIterator[Callable[..., Awaitable[AsyncEngine]]]:
    """Databases of a module's own, migrated to head, for tests that need real commits (races between
    requests): `eng = await own_database("cunzhi_task_race")`. Each is dropped when the module ends
    (by fresh_database, after its engine is disposed here)."""
    made: list[AsyncEngine] = []

    async def make(prefix: str, *, pool_size: int = 6) -> AsyncEngine:
        eng = create_async_engine(normalise_url(await fresh_database(prefix)), pool_size=pool_size)
        made.append(eng)
        return eng

    yield make
    for eng in made:
        await eng.dispose()


@pytest.fixture(scope="module")
async def fresh_database() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Databases of a module's own for tests that start `cunzhi serve` on them:
    `url = await fresh_database("cunzhi_crash", demo=True)` is a DATABASE_URL of a copy of the
    migrated schema (with the demo county when demo=True), cloned from the run's templates rather
    than migrated and seeded again. Each is dropped when the module ends."""
    made: list[str] = []

    async def make(prefix: str, *, demo: bool = False) -> str:
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
        await _create_from(DEMO_TEMPLATE if demo else SCHEMA_TEMPLATE, name)
        made.append(name)
        return _with_db(_BASE_URL, name)

    yield make
    for name in made:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class RaceCounty:
    """A minimal county committed on a database of its own, for races between requests that really
    commit: the county, one township, its villages (code → id) and accounts (username → id)."""

    engine: AsyncEngine
    county: str
    township: str
    villages: dict[str, int]
    users: dict[str, int]
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def maker(self) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    def headers(self, username: str) -> dict[str, str]:
        from cunzhi.kit.security import create_access_token

        return {"Authorization": f"Bearer {create_access_token(f'user:{self.users[username]}')[0]}"}

    def clients(self, n: int = 2, *, subnet: str = "10.9.0") -> list[httpx.AsyncClient]:
        """`n` clients of one app whose every request has its own session and connection and commits,
        each from an address of its own; closed when the module ends."""
        from cunzhi.db import SESSION_SCOPES
        from cunzhi.main import create_app

        maker = self.maker

        async def real_session() -> AsyncIterator[AsyncSession]:
            async with maker() as session, session.begin():
                yield session

        app = create_app()
        for scope in SESSION_SCOPES:
            app.dependency_overrides[scope] = real_session
        app.state.engine_getter = lambda: self.engine
        made = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(f"{subnet}.{i}", 40000)),
                                  base_url="http://testserver") for i in range(1, n + 1)]
        self._clients.extend(made)
        return made


@pytest.fixture(scope="module")
async def race_county(own_database) -> AsyncIterator[Callable[..., Awaitable[RaceCounty]]]:  # type: ignore[no-untyped-def]
    """Seeds a race county on a database of the module's own:
    `rc = await race_county("cunzhi_task_race", county=..., township=..., villages=[...], users=[...])`.
    `villages` is a list of codes or a mapping of code → the village's other columns (name, status…);
    each user is (username, role, place[, display name]), place the county's, township's or a village's
    code; `names` names the county, the township and a lone village."""
    from cunzhi import models  # noqa: F401  (every table registered: User refers to partner_units)
    from cunzhi.auth.models import User
    from cunzhi.divisions.models import Division
    from cunzhi.villages.models import Village

    made: list[RaceCounty] = []

    async def make(prefix: str, *, county: str, township: str,
                   villages: Sequence[str] | Mapping[str, Mapping[str, Any]],
                   users: Sequence[tuple[str, ...]] = (), names: tuple[str, str, str] = ("竞态县", "竞态镇", "竞态村"),
                   pool_size: int = 6) -> RaceCounty:
        columns: Mapping[str, Mapping[str, Any]] = villages if isinstance(villages, Mapping) else {code: {} for code in villages}
        eng = await own_database(prefix, pool_size=pool_size)
        async with async_sessionmaker(eng, expire_on_commit=False)() as s, s.begin():
            s.add(Division(code=county, name=names[0], level="county"))
            await s.flush()
            s.add(Division(code=township, name=names[1], level="township", parent_code=county))
            await s.flush()
            rows = {code: Village(**{"name": names[2] if len(columns) == 1 else f"竞态{i}村", **cols},
                                  code=code, township_code=township, county_code=county)
                    for i, (code, cols) in enumerate(columns.items())}
            s.add_all(rows.values())
            await s.flush()
            accounts = [User(username=name, password_hash="x", display_name=shown[0] if shown else name, role=role,
                             **({"village_id": rows[place].id} if place in rows else {"division_code": place}))
                        for name, role, place, *shown in users]
            s.add_all(accounts)
            await s.flush()
            rc = RaceCounty(eng, county, township, {c: v.id for c, v in rows.items()},
                            {u.username: u.id for u in accounts})
        made.append(rc)
        return rc

    yield make
    for rc in made:
        for c in rc._clients:
            await c.aclose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        trans = await conn.begin()
        yield conn
        if trans.is_active:
            await trans.rollback()


@pytest.fixture
async def db(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session inside the test's transaction; everything it does is rolled back."""
    session = AsyncSession(bind=connection, expire_on_commit=False, autoflush=False,
                           join_transaction_mode="create_savepoint")
    yield session
    await session.close()


@pytest.fixture
def app(db: AsyncSession, engine: AsyncEngine):  # type: ignore[no-untyped-def]
    from cunzhi.db import SESSION_SCOPES
    from cunzhi.main import create_app

    application = create_app()

    async def test_session() -> AsyncIterator[AsyncSession]:
        # Each request in a savepoint: an error rolls back only that request, like production.
        from cunzhi.db import keeps_writes

        savepoint = await db.begin_nested()
        try:
            yield db
        except BaseException as exc:
            # A request's read and write sessions nest here; the outer one may have ended the inner.
            if savepoint.is_active:
                await (savepoint.commit() if keeps_writes(exc) else savepoint.rollback())
            raise
        else:
            if savepoint.is_active:
                await savepoint.commit()

    for scope in SESSION_SCOPES:
        application.dependency_overrides[scope] = test_session
    application.state.engine_getter = lambda: engine
    return application


@pytest.fixture(autouse=True)
def _fresh_principals() -> Iterator[None]:
    """Each test starts with no cached callers: a test's accounts vanish with its rollback."""
    from cunzhi.kit.deps import principals

    principals.clear()
    yield
    principals.clear()


def _address() -> tuple[str, int]:
    return (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}", 40000)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=_address())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def token_for(db: AsyncSession):  # type: ignore[no-untyped-def]
    """Bearer headers for a demo account without going through the (slow, throttled) login."""
    from sqlalchemy import select

    from cunzhi.auth.models import User
    from cunzhi.kit.security import create_access_token

    async def make(username: str) -> dict[str, str]:
        user_id = (await db.execute(select(User.id).where(User.username == username))).scalar_one()
        token, _ = create_access_token(f"user:{user_id}")
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
