"""Scopes of township systems (API clients), derived from the route table.

Every route belongs to the domain package its endpoint lives in (`cunzhi.villages.router` ->
`villages`). A client calling it needs `<domain>:read` for GET and HEAD, `<domain>:write` for any
other method. So no route is hand-listed: a new domain's routes need its scopes the day they are
mounted. Routes of `auth` (who am I) need none; routes of the domains in `CLOSED` (accounts and
clients, jobs) are never open to a client, whatever its scopes. People are not affected: their
role and scope decide.

`install(router)` writes the scope each operation needs into the contract (`x-required-scope`) and
remembers the known scopes; `current_principal` (kit/deps.py) checks them on every request.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from cunzhi.kit.errors import Forbidden
from cunzhi.kit.principal import Principal

FREE = frozenset({"auth"})
CLOSED = frozenset({"users", "worker", "webhooks"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXTRA_KEY = "x-required-scope"
# Marks a route no client may call.
NEVER = "none"

_known: set[str] = set()
# (path, method) of the operations that need no scope, for the contract (document()).
_free: set[tuple[str, str]] = set()


class ScopeMissing(Forbidden):
    code, title = "scope_missing", "The API client lacks the scope this operation needs"


def area_of_module(module: str) -> str:
    """The domain package of a module (`cunzhi.funds.service` -> `funds`), "default" outside one."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cunzhi" else "default"


def area_of(route: APIRoute) -> str:
    return area_of_module(getattr(route.endpoint, "__module__", ""))


def read_scope(area: str) -> str:
    """The scope that lets a client read `area`'s data (and hear its events, webhooks/service.py)."""
    return f"{area}:read"


def required_scope(route: APIRoute) -> str | None:
    """The scope a client needs for `route`; None when none is needed, NEVER when no client may."""
    area = area_of(route)
    if area in FREE:
        return None
    if area in CLOSED or area == "default":
        return NEVER
    return read_scope(area) if set(route.methods or ()) <= READ_METHODS else f"{area}:write"


def install(router: APIRouter) -> None:
    """Record each of `router`'s API routes' scope on the route (checked per request, where the
    route is the router's own) and in the contract. Called for every domain router as it is mounted."""
    for route in router.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/"):
            continue
        scope = required_scope(route)
        extra: dict[str, Any] = dict(route.openapi_extra or {})
        extra[EXTRA_KEY] = scope
        route.openapi_extra = extra
        if scope and scope != NEVER:
            _known.add(scope)
        if scope is None:
            _free.update((route.path_format, m.lower()) for m in route.methods or ())


def known_scopes() -> list[str]:
    """Every scope some route needs, sorted (the app is built once to learn them when needed)."""
    if not _known:
        from cunzhi.main import create_app

        create_app()
    return sorted(_known)


def default_scopes() -> list[str]:
    """What a client gets when none are named: every read scope."""
    return [s for s in known_scopes() if s.endswith(":read")]


def check(principal: Principal, route: Any) -> None:
    """403 `scope_missing` when a client calls a route its scopes do not cover.

    A client's request that reaches this without a matched API route (a mount, a plain Starlette
    route, a caller outside the routing) is refused too: what the route table does not describe is
    not open to a client. A path no route matches never gets here (its 404 comes first)."""
    if principal.kind != "client":
        return
    if not isinstance(route, APIRoute):
        raise ScopeMissing("API clients may not call this operation", keep_writes=True)
    needed = (route.openapi_extra or {}).get(EXTRA_KEY, NEVER) if route.path.startswith("/api/") else NEVER
    if needed is None:
        return
    if needed == NEVER:
        raise ScopeMissing("API clients may not call this operation", keep_writes=True)
    if needed not in (principal.scopes or ()):
        # keep_writes: the rate-limit count of this refused call stays (nothing else was written yet).
        raise ScopeMissing(f"This operation needs the scope {needed}", extra={"required_scope": needed},
                           keep_writes=True)


def document(app: FastAPI, scheme: str, token_url: str) -> None:
    """Finish the contract once FastAPI has built it: an operation that needs no scope says so
    (`x-required-scope: null`; FastAPI leaves a None extra out), and the OAuth2 scheme `scheme`
    gains the clientCredentials flow (township systems) listing every scope."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, method in _free:
            op = schema.get("paths", {}).get(path, {}).get(method)
            if op is not None:
                op[EXTRA_KEY] = None
        found = schema.get("components", {}).get("securitySchemes", {}).get(scheme)
        if found is not None:
            found.setdefault("flows", {})["clientCredentials"] = {
                "tokenUrl": token_url,
                "scopes": {s: (f"Read the {s.split(':')[0]} operations (GET)" if s.endswith(":read")
                               else f"Change through the {s.split(':')[0]} operations (POST, PUT, PATCH, DELETE)")
                           for s in sorted(_known)},
            }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
