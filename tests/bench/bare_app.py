"""The floor for bench_read_path.py: bare Starlette + asyncpg sending the API's SQL for the same reads.

No auth, no scope, no validation: one pool, two statements for the list and one for a village.
Run by the benchmark as `uvicorn bare_app:app` with BARE_DSN (asyncpg DSN) and BARE_COUNTY set.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

COUNTY = os.environ.get("BARE_COUNTY", "")
COLUMNS = ("v.code, v.name, v.township_code, d.name AS township_name, v.population, v.households, "
           "v.secretary_name, v.party_member_count, v.status, v.problem_categories, v.version, v.lat, v.lng")
COUNT_SQL = "SELECT count(*) FROM villages v WHERE v.county_code = $1"
PAGE_SQL = (f"SELECT {COLUMNS} FROM villages v JOIN divisions d ON d.code = v.township_code "
            "WHERE v.county_code = $1 ORDER BY v.code ASC, v.code LIMIT $2 OFFSET $3")
ONE_SQL = (f"SELECT {COLUMNS} FROM villages v JOIN divisions d ON d.code = v.township_code "
           "WHERE v.code = $1 AND v.county_code = $2")

pool: Any = None


async def _no_reset(_conn: Any) -> None:
    pass


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    global pool
    # No reset query when a connection goes back, as on the API's read pool: both send only the reads.
    pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=10, max_size=10, reset=_no_reset)
    yield
    await pool.close()


async def villages(request: Request) -> Response:
    limit = int(request.query_params.get("limit", "50"))
    offset = int(request.query_params.get("offset", "0"))
    async with pool.acquire() as conn:
        total = await conn.fetchval(COUNT_SQL, COUNTY)
        rows = await conn.fetch(PAGE_SQL, COUNTY, limit, offset)
    return JSONResponse({"items": [dict(r) for r in rows], "total": total, "limit": limit, "offset": offset})


async def village(request: Request) -> Response:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(ONE_SQL, request.path_params["code"], COUNTY)
    if row is None:
        return JSONResponse({"code": "village_not_found"}, status_code=404)
    return JSONResponse(dict(row), headers={"ETag": f'"{row["version"]}"'})


async def ready(_request: Request) -> Response:
    return JSONResponse({"status": "ready"})


app = Starlette(routes=[Route("/api/v1/villages", villages), Route("/api/v1/villages/{code}", village),
                        Route("/readyz", ready)], lifespan=lifespan)
