"""The lean read path: statements compiled once per shape, verified tokens remembered, and neither
loosens authentication or scope."""

import asyncio
import time

from jose import jwt

from cunzhi.config import get_settings
from cunzhi.kit import prepared
from cunzhi.kit.security import ALGORITHM, secret_key
from cunzhi.villages import service

T01 = "230199100000"
V_T01 = "230199100200"  # a village of township 01
V_T02 = "230199101200"  # a village of township 02


async def test_each_scope_gets_its_own_statement(client, token_for):
    """The county's list is compiled first; a township official's list and read of the same shape
    keep to the township (the county's compiled scope is not reused for it)."""
    county, township = await token_for("admin"), await token_for("township01")
    everything = (await client.get("/api/v1/villages?limit=50&sort=code", headers=county)).json()
    assert {v["township_code"] for v in everything["items"]} != {T01}
    assert (await client.get(f"/api/v1/villages/{V_T02}", headers=county)).status_code == 200

    mine = (await client.get("/api/v1/villages?limit=50&sort=code", headers=township)).json()
    assert mine["total"] < everything["total"] and mine["items"]
    assert {v["township_code"] for v in mine["items"]} == {T01}
    r = await client.get(f"/api/v1/villages/{V_T02}", headers=township)
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers=township)).status_code == 200
    # And back: the county still sees the other township's village.
    assert (await client.get(f"/api/v1/villages/{V_T02}", headers=county)).status_code == 200


async def test_a_shape_is_compiled_once(client, token_for):
    h = await token_for("admin")
    await client.get("/api/v1/villages", params={"status": "weak"}, headers=h)
    size = len(service._STATEMENTS)
    for _ in range(3):
        r = await client.get("/api/v1/villages", params={"status": "normal", "offset": 1}, headers=h)
        assert r.status_code == 200 and all(v["status"] == "normal" for v in r.json()["items"])
    assert len(service._STATEMENTS) == size  # the same shape, other values: nothing new compiled


async def test_read_path_sees_the_requests_transaction(client, token_for):
    """A village created in this test's (uncommitted) transaction is read back through the
    prepared statements: they run on the session's own connection."""
    h = await token_for("admin")
    body = {"code": "230199101297", "name": "读回村", "township_code": "230199101000"}
    assert (await client.post("/api/v1/villages", json=body, headers=h)).status_code == 201
    r = await client.get("/api/v1/villages/230199101297", headers=h)
    assert r.status_code == 200 and r.json()["name"] == "读回村" and r.headers["ETag"] == 'W/"1"'
    found = (await client.get("/api/v1/villages", params={"q": "读回"}, headers=h)).json()
    assert [v["code"] for v in found["items"]] == ["230199101297"] and found["total"] == 1


async def test_statement_cache_forgets_the_least_recent() -> None:
    from sqlalchemy import literal, select

    cache = prepared.Statements(maxsize=2)
    for key in ("a", "b", "a", "c"):
        cache.get(key, lambda k=key: select(literal(k)))
    assert len(cache) == 2
    assert cache.get("a", lambda: select(literal("x"))).fixed == {"param_1": "a"}  # kept: used recently
    assert cache.get("b", lambda: select(literal("y"))).fixed == {"param_1": "y"}  # forgotten, compiled anew


def _token(subject: str, exp: int, key: str | None = None) -> str:
    s = get_settings()
    claims = {"sub": subject, "iat": int(time.time()), "exp": exp, "iss": s.jwt_issuer, "aud": s.jwt_audience}
    return jwt.encode(claims, key or secret_key(), algorithm=ALGORITHM)


async def test_remembered_token_is_refused_once_expired(client, token_for, db):
    from sqlalchemy import select

    from cunzhi.auth.models import User

    user_id = (await db.execute(select(User.id).where(User.username == "admin"))).scalar_one()
    token = _token(f"user:{user_id}", int(time.time()) + 1)
    h = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 200
    await asyncio.sleep(2.1)
    r = await client.get("/api/v1/villages", headers=h)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_token_signed_with_another_key_is_refused_after_a_good_one(client, db):
    from sqlalchemy import select

    from cunzhi.auth.models import User

    user_id = (await db.execute(select(User.id).where(User.username == "admin"))).scalar_one()
    good = _token(f"user:{user_id}", int(time.time()) + 600)
    assert (await client.get("/api/v1/villages", headers={"Authorization": f"Bearer {good}"})).status_code == 200
    forged = _token(f"user:{user_id}", int(time.time()) + 600, key="another-key-" + "x" * 40)
    r = await client.get("/api/v1/villages", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_every_domain_router_passes_by_paths_outside_its_prefix() -> None:
    """Routing asks a domain's routes only for paths under its prefix (kit/routing.py)."""
    from starlette.routing import Match

    from cunzhi.kit.routing import DomainRouter
    from cunzhi.main import domain_routers

    routers = domain_routers()
    assert routers and all(isinstance(r, DomainRouter) for r in routers)
    webhooks = next(r for r in routers if r.prefix == "/api/v1/api-clients/{client_id}/webhooks")
    assert webhooks.literal_prefix == "/api/v1/api-clients/"
    for r in routers:
        assert all(route.path.startswith(r.literal_prefix) for route in r.routes)  # type: ignore[attr-defined]
        assert r.matches({"type": "http", "path": "/elsewhere", "root_path": "", "method": "GET"}) == (Match.NONE, {})


async def test_routing_answers_as_before(client, token_for):
    """Under and outside the prefixes: the route, 405 with Allow, the slash redirect, 404 problems."""
    h = await token_for("admin")
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers=h)).status_code == 200
    r = await client.delete(f"/api/v1/villages/{V_T01}", headers=h)
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    r = await client.get("/api/v1/villages/", headers=h)
    assert r.status_code == 307 and r.headers["location"].endswith("/api/v1/villages")
    for path in ("/api/v1/zzz", "/api/v1/villagesx"):
        r = await client.get(path, headers=h)
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    # A prefix with a path parameter (webhooks of a client) still routes.
    assert (await client.get("/api/v1/api-clients/1/webhooks")).status_code == 401


async def test_the_matching_router_walks_its_routes_once(client, token_for, monkeypatch):
    """The route found when the app asks the villages router whether it matches is the one handed the
    request: the router's routes are walked once per request, not twice; the answers stay the same."""
    from fastapi import routing

    walks: list[str] = []
    walk = routing._IncludedRouter._match

    def counted(self, scope):  # type: ignore[no-untyped-def]
        walks.append(self.original_router.prefix)
        return walk(self, scope)

    monkeypatch.setattr(routing._IncludedRouter, "_match", counted)
    h = await token_for("admin")
    r = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
    assert r.status_code == 200 and walks == ["/api/v1/villages"]
    walks.clear()
    r = await client.patch(f"/api/v1/villages/{V_T01}", headers={**h, "If-Match": r.headers["ETag"]},
                           json={"secretary_name": "王建国"})
    assert r.status_code == 200, r.text
    assert walks == ["/api/v1/villages"]
    walks.clear()
    # 405: no route found in full, so FastAPI's own second walk answers it.
    assert (await client.delete(f"/api/v1/villages/{V_T01}", headers=h)).status_code == 405


async def test_a_bad_village_code_is_answered_by_fastapis_own_validation(client, token_for):
    """The single read skips FastAPI's handler only for a code that FastAPI's own field accepts; any
    other is FastAPI's 422, before the caller is even looked at (as before: with or without a token)."""
    h = await token_for("admin")
    for code in ("23019910020", "2301991002000", "23019910020x", "2301991002 0"):
        for headers in (h, {}):
            r = await client.get(f"/api/v1/villages/{code}", headers=headers)
            assert r.status_code == 422, (code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            (error,) = r.json()["errors"]
            assert error["loc"] == ["path", "code"] and error["type"] == "string_pattern_mismatch", error
    assert (await client.get(f"/api/v1/villages/{V_T01}", headers={})).status_code == 401


def test_a_direct_route_takes_only_path_and_single_query_parameters_and_the_request():
    import pytest
    from fastapi import Query, Request, Response

    from cunzhi.kit.deps import PrincipalDep
    from cunzhi.kit.routing import DomainRouter

    router = DomainRouter(prefix="/api/v1/things")

    async def fine(code: str, request: Request, q: str = Query(""), n: int | None = None) -> Response:
        return Response()

    router.direct_get("/{code}")(fine)

    async def with_query(code: str, q: list[str] = Query([])) -> Response:
        return Response()

    async def with_dependency(code: str, principal: PrincipalDep) -> Response:
        return Response()

    def not_a_coroutine(code: str) -> Response:
        return Response()

    for endpoint in (with_query, with_dependency, not_a_coroutine):
        with pytest.raises(TypeError, match="DirectRoute"):
            router.direct_get("/{code}/x")(endpoint)


async def test_a_direct_route_validates_its_query_as_fastapi_does_after_its_first_step():
    """Query parameters: an absent one takes its default, a given one (under its alias) is converted by its field, a bad one
    is FastAPI's own 422; `first` runs before any of it (its refusal is the answer)."""
    import httpx
    from fastapi import FastAPI, Query, Request, Response

    from cunzhi.kit.errors import Forbidden, install
    from cunzhi.kit.routing import DomainRouter

    router = DomainRouter(prefix="/api/v1/things")
    seen: list[object] = []

    async def gate(request: Request) -> None:
        if request.headers.get("x-let") != "in":
            raise Forbidden("no")

    async def thing(code: str, request: Request, n: int = Query(5, ge=1),
                    tag: str | None = Query(None, alias="t")) -> Response:
        seen.append((code, n, tag))
        return Response("ok")

    router.direct_get("/{code}", first=gate)(thing)
    app = FastAPI()
    install(app)
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        let = {"x-let": "in"}
        assert (await c.get("/api/v1/things/a", headers=let)).text == "ok"
        assert (await c.get("/api/v1/things/b?n=7&t=x&tag=y", headers=let)).status_code == 200
        assert seen == [("a", 5, None), ("b", 7, "x")]
        for bad in ("0", "x", ""):
            r = await c.get(f"/api/v1/things/c?n={bad}", headers=let)
            assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "n"], r.text
            assert (await c.get(f"/api/v1/things/c?n={bad}")).status_code == 403
    assert len(seen) == 2
