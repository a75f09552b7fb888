"""Properties of every route in the app, including those other domains add: each one outside
a short public list needs a token, and each one has a `{tag}-{name}` operation id."""

import re

import pytest

from cunzhi.main import create_app

PUBLIC = {
    ("GET", "/healthz"), ("GET", "/readyz"),
    ("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout"),
}
# Pages villagers read without an account (published disclosures) live under this prefix.
PUBLIC_PREFIX = "/api/v1/public/"


def _routes() -> list[tuple[str, str]]:
    paths = create_app().openapi()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


def _fill(path: str) -> str:
    # Any well-formed value: without a token the answer must be 401 before the value matters.
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        return "230199100200" if "code" in name else "1"

    return re.sub(r"\{([^}:]+)(?::[^}]+)?\}", value, path)


@pytest.mark.parametrize("method,path", [r for r in _routes() if r not in PUBLIC and not r[1].startswith(PUBLIC_PREFIX)])
async def test_route_requires_authentication(client, method, path):
    r = await client.request(method, _fill(path), json={} if method in ("POST", "PUT", "PATCH") else None)
    assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
    assert r.json()["code"] in ("not_authenticated", "invalid_token")


def test_operation_ids_are_tag_dash_name_and_unique():
    spec = create_app().openapi()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    for op_id in ids:
        assert re.fullmatch(r"[a-z][a-z0-9-]*-[a-z][a-z0-9_-]*", op_id), op_id
