"""How the panels' statements are planned, on the read pool's own connections: over many counties (a
province's or a city's scope) each run is planned for its values, since PostgreSQL's generic plan, which
it may take from a cached statement's sixth run, misjudged the ranges over a province (kit.prepared); a
county's statement stays cached and keeps its plan. Both give the same figures."""

import pytest
from dashboards_helpers import COUNTY
from sqlalchemy import Integer, bindparam, func, select

from cunzhi.dashboards import service
from cunzhi.db import normalise_url
from cunzhi.kit.codes import Role
from cunzhi.kit.prepared import Reader, ReadPool, compile_statement
from cunzhi.kit.principal import Principal
from cunzhi.villages.models import Village

PROVINCE = "230000000000"  # the demo's province, whose one county is COUNTY
RUNS = 7  # past the five runs after which PostgreSQL may switch to a generic plan


async def _runs(reader: Reader, sql: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each statement with the text `sql` prepared on the reader's
    connection and not yet closed."""
    conn = await reader._connection()
    return [(r["generic_plans"], r["custom_plans"]) for r in await conn.fetch(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", sql)]


@pytest.fixture
async def pool(engine, database_url):  # type: ignore[no-untyped-def]  # (engine: the test database exists)
    pool = ReadPool(normalise_url(database_url), 1)
    yield pool
    await pool.close()


async def test_a_statement_planned_each_time_never_runs_a_generic_plan(pool: ReadPool) -> None:
    n = bindparam("n", type_=Integer)
    cached = compile_statement(select(func.count()).select_from(Village).where(Village.id > n))
    fresh = compile_statement(select(func.count()).select_from(Village).where(Village.id > n, Village.code.is_not(None)),
                              plan_each_time=True)
    assert not cached.plan_each_time and fresh.plan_each_time
    async with Reader(pool=pool) as reader:
        villages = await reader.fetchval(cached, {"n": 0})
        assert villages > 0
        for _ in range(RUNS):
            assert await reader.fetchval(cached, {"n": 0}) == await reader.fetchval(fresh, {"n": 0}) == villages
        # The cached statement is one prepared statement that ran every time, and took the generic plan
        # once it could (what a province's panel must not get); each fresh one ran once, planned for its value.
        [(generic, custom)] = await _runs(reader, cached.sql)
        assert generic + custom == RUNS + 1 and generic > 0
        assert all(g == 0 and c <= 1 for g, c in await _runs(reader, fresh.sql))


@pytest.mark.parametrize("panel", ["rectification", "pairing", "cadres", "tasks", "funds"])
async def test_a_province_panel_is_planned_each_time_and_a_county_panel_is_cached(pool: ReadPool, panel: str) -> None:
    def admin(code: str, level: str) -> Principal:
        return Principal(kind="user", id=1, name="admin", role=Role.county_admin, division_code=code,
                         division_level=level)

    per = service.period(None)
    async with Reader(pool=pool) as reader:
        conn = await reader._connection()

        async def runs_of(p: Principal) -> tuple[object, list[tuple[int, int]]]:
            """The panel for `p`, run RUNS times, and the plans of the statements it left prepared."""
            before = [r["name"] for r in await conn.fetch("SELECT name FROM pg_prepared_statements")]
            figures = [await service.PANELS[panel](reader, p, None, per) for _ in range(RUNS)]
            assert all(f == figures[0] for f in figures)
            # (the panel's statements, all over villages; not asyncpg's own look-ups of types)
            return figures[0], [(r["generic_plans"], r["custom_plans"]) for r in await conn.fetch(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE NOT name = ANY($1) "
                "AND statement LIKE '%FROM villages%'", before)]

        wide, province = await runs_of(admin(PROVINCE, "province"))
        narrow, county = await runs_of(admin(COUNTY, "county"))
    # The province holds the demo's one county: the same figures either way.
    assert wide == narrow
    # The province's statements: each prepared for its run, none run twice, none on a generic plan.
    assert all(g == 0 and c <= 1 for g, c in province), province
    # The county's: prepared once, run every time.
    assert county and all(g + c == RUNS for g, c in county), county
