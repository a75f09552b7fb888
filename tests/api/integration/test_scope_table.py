"""Scopes from the route table, one test per scope: every operation the contract says needs the
scope answers 403 `scope_missing` to a client holding every other scope, and one of them answers
something other than 403 to a client holding just that scope. A client request without a matched
API route is refused, an unknown path stays 404. The contract says what each operation needs:
the auth operations explicitly nothing, and the OAuth2 scheme lists every scope."""

import functools
import re

import pytest
from fastapi import Request
from starlette.routing import Route

from cunzhi.config import get_settings
from cunzhi.kit import client_scopes
from cunzhi.kit.codes import Role
from cunzhi.kit.principal import Principal

SCOPES = client_scopes.known_scopes()
V = "230199100200"  # a village of township 01, the clients' township
# Scopes whose every operation is also gated by role, and no role gate admits a township system:
# held, they get past the scope check (never scope_missing) and are refused by the role (403).
ROLE_GATED = {"rectification:write"}


def _operations(contract: dict, scope: str) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    ops = [(m.upper(), _url(p, op)) for p, item in contract["paths"].items() for m, op in item.items()
           if op.get("x-required-scope") == scope and op.get("security")]  # public ones take no token
    # Reads first: the likeliest to answer a plain request.
    return sorted(ops, key=lambda o: (o[0] != "GET", o[1], o[0]))


def _url(path: str, op: dict) -> str:  # type: ignore[type-arg]
    """The path with valid path parameters (a village code, id 1): a route checking its path before
    the caller still reaches the scope check."""
    for param in op.get("parameters", []):
        if param["in"] == "path":
            schema = param.get("schema", {})
            value = V if "[0-9]{12}" in str(schema.get("pattern", "")) else "1"
            path = path.replace("{" + param["name"] + "}", value)
    return re.sub(r"\{[^}]+\}", "1", path)


@functools.cache
def _contract() -> dict:  # type: ignore[type-arg]
    """The contract as `cunzhi export-openapi` writes it, built once for the module's 21 cases (each
    `client` is a new app, which would build it again, 221 operations, per case)."""
    from cunzhi.main import create_app

    return create_app().openapi()


async def _call(client, method, path, headers):  # type: ignore[no-untyped-def]
    return await client.request(method, path, headers=headers, json=None if method == "GET" else {})


@pytest.mark.parametrize("scope", SCOPES)
async def test_each_scope_is_needed_by_its_operations(scope, client, new_client, monkeypatch):
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 0)
    ops = _operations(_contract(), scope)
    assert ops, f"no operation needs {scope}"
    slug = scope.replace(":", "-")
    _, without = await new_client(f"no-{slug}", scopes=[s for s in SCOPES if s != scope])
    _, holder = await new_client(f"only-{slug}", scopes=[scope])
    for method, path in ops:
        r = await _call(client, method, path, without)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["code"] == "scope_missing" and r.json()["required_scope"] == scope, (method, path)
    answered = []
    for method, path in ops:
        r = await _call(client, method, path, holder)
        assert r.status_code != 401, (method, path)
        if r.status_code != 403:
            answered.append((method, path, r.status_code))
            break
        assert r.json()["code"] != "scope_missing", (method, path, r.text)
    assert answered or scope in ROLE_GATED, f"every operation needing {scope} refused a client holding it"


async def test_a_client_call_without_an_api_route_is_refused_unknown_paths_stay_404(client, new_client):
    client_principal = Principal(kind="client", id=1, name="x", role=Role.api_client,
                                 scopes=frozenset(SCOPES))

    async def plain(request: Request) -> None:
        return None

    for route in (None, Route("/api/v1/plain", plain), object()):
        with pytest.raises(client_scopes.ScopeMissing):
            client_scopes.check(client_principal, route)
    person = Principal(kind="user", id=1, name="admin", role=Role.county_admin)
    client_scopes.check(person, None)  # people: their role decides
    _, h = await new_client("no-route", scopes=SCOPES)
    for path in ("/api/v1/nowhere", "/api/v1/villages/230199100200/nothing-here", "/api/v2/villages"):
        r = await client.get(path, headers=h)
        assert r.status_code == 404, (path, r.text)


async def test_the_contract_says_what_each_operation_needs(client):
    contract = (await client.get("/api/v1/openapi.json")).json()
    auth = {(m, p): op for p, item in contract["paths"].items() if p.startswith("/api/v1/auth/")
            for m, op in item.items()}
    assert auth and all("x-required-scope" in op and op["x-required-scope"] is None for op in auth.values()), auth
    for p, item in contract["paths"].items():
        if p.startswith("/api/"):
            for m, op in item.items():
                assert "x-required-scope" in op, (m, p)
    flows = contract["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/api/v1/auth/token"
    assert sorted(flows["clientCredentials"]["scopes"]) == SCOPES
    assert "password" in flows
