"""Property-based fuzzing of every API operation with Schemathesis, in process.

Schemathesis turns the app's own OpenAPI document into Hypothesis strategies: for each operation it
draws valid requests (positive) and requests that break the schema (negative); some of them also get
one value swapped for a value that is known to break naive code on PostgreSQL (text with NUL, text
longer than any VARCHAR, integers beyond int4/int8, huge floats). They go through httpx's ASGI
transport to the app, authenticated as demo accounts of different roles and scopes. Each request
runs in a savepoint of the test's transaction, like every API test, and everything is rolled back
afterwards (the Idempotency-Keys the fuzzing sent, which that layer commits on its own, are deleted):
no server, nothing left behind.

Checked on every answer:
- no 5xx, whatever the input;
- every 4xx is application/problem+json with a `code` (and `status` equal to the HTTP status);
- the status code is documented and the body matches the documented schema and content type;
- data that breaks the schema is rejected with a 4xx;
- without a token, a well-formed request to any operation but the public ones is 401.

Bounded for CI: a few examples per operation, derandomized (the same cases on every run), no
deadline. For a longer search set CUNZHI_FUZZ_EXAMPLES (e.g. 200; see README, "Testing").
"""

import os
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cunzhi.kit.inputs import CONTROL, has_control
from cunzhi.main import create_app

EXAMPLES = int(os.environ.get("CUNZHI_FUZZ_EXAMPLES", "15"))
ACCOUNTS = ("admin", "township01", "cadre01", "agency01")
PUBLIC = {"health-live", "health-ready", "auth-token", "auth-refresh", "auth-logout"}
# The villagers' pages (/api/v1/public/...) answer without a token; their per-address limit is off here.
PUBLIC_PREFIX = "public-"
# Operations left out of the CI run (operationId -> why). Keep it empty: fix the operation instead.
EXCLUDED: dict[str, str] = {}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
BASE_URL = "http://testserver"
INT4_MAX = 2**31 - 1

SPEC = create_app().openapi()
OPERATIONS = [result.ok() for result in schemathesis.openapi.from_dict(SPEC).get_all_operations()]
# Without a token the property is about authentication, so those requests are otherwise well formed:
# text with NUL (or another control character) is refused (422) before anything else looks at the
# request, like malformed JSON.
_WELL_FORMED = schemathesis.Config()
_WELL_FORMED.projects.default.generation.update(allow_x00=False)
WELL_FORMED = {_op.label: _op for _op in (r.ok() for r in
               schemathesis.openapi.from_dict(SPEC, config=_WELL_FORMED).get_all_operations())}


def _has_control(value: Any) -> bool:
    """A string somewhere in a request part that the door refuses (kit/inputs.py)."""
    if isinstance(value, str):
        return has_control(value) or has_control(unquote(value))  # path parameters come percent-encoded
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_control(v) for v in value)
    return False


# A control character percent-encoded, as path parameters come.
_ENCODED_CONTROL = re.compile("%(?:0[0-8bcef]|1[0-9a-f]|7f)", re.IGNORECASE)


def _scrubbed(value: Any) -> Any:
    """`value` with each control character the door refuses replaced by "x" (lengths, and so the schema's
    bounds, kept): generated text holds one often, and drawing again until none did cost most of the run."""
    if isinstance(value, str):
        return _ENCODED_CONTROL.sub("x", CONTROL.sub("x", value))
    if isinstance(value, dict):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


def _scrub_controls(case: Any) -> None:
    for name in ("body", "query", "path_parameters"):
        value = getattr(case, name)
        if isinstance(value, str | dict | list):
            setattr(case, name, _scrubbed(value))


def _op_id(operation: Any) -> str:
    return str(operation.definition.raw["operationId"])


def _has_inputs(operation: Any) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody"))


FUZZED = [pytest.param(op, id=_op_id(op)) for op in OPERATIONS if _op_id(op) not in EXCLUDED]

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=True,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


# --- the app, once per module; each test's requests run in that test's transaction -------------

@pytest.fixture(scope="module")
def fuzz_app():  # type: ignore[no-untyped-def]
    return create_app()


@pytest.fixture
async def fuzz_client(fuzz_app, db: AsyncSession, engine: AsyncEngine,
                      monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    from cunzhi.config import get_settings

    # Hundreds of anonymous cases from one address would meet the public pages' limit (tested on its own).
    monkeypatch.setattr(get_settings(), "public_rate_limit_per_minute", 0)
    from cunzhi.db import SESSION_SCOPES, keeps_writes

    async def test_session() -> AsyncIterator[AsyncSession]:
        # As in the `app` fixture: each request in a savepoint of the test's transaction.
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
        fuzz_app.dependency_overrides[scope] = test_session
    fuzz_app.state.engine_getter = lambda: engine
    # raise_app_exceptions=False: an unhandled error comes back as the 500 a client would see.
    transport = httpx.ASGITransport(app=fuzz_app, raise_app_exceptions=False, client=("10.9.8.7", 40000))
    sent_keys: set[str] = set()
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL,
                                     event_hooks={"request": [_remember_idempotency_key(sent_keys)]}) as client:
            yield client
    finally:
        fuzz_app.dependency_overrides.clear()
        # The idempotency layer keeps its keys with their own commits, outside the test's transaction.
        if sent_keys:
            async with engine.begin() as conn:
                await conn.execute(text(
                    "DELETE FROM idempotency_keys WHERE key = ANY(:keys) AND caller IN "
                    "(SELECT 'user:' || id FROM users WHERE username = ANY(:names))"),
                    {"keys": sorted(sent_keys), "names": list(ACCOUNTS)})


def _remember_idempotency_key(sent: set[str]):  # type: ignore[no-untyped-def]
    async def hook(request: httpx.Request) -> None:
        raw = request.headers.get("idempotency-key")
        if raw is not None:
            sent.update({raw, raw.strip()})

    return hook


@pytest.fixture
async def tokens(token_for) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {name: await token_for(name) for name in ACCOUNTS}


# --- hostile values ---------------------------------------------------------------------------

def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path] if path else []


def _hostile(value: Any) -> list[Any]:
    """Replacements for one value that PostgreSQL (or asyncpg) refuses when they reach it unchecked."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [INT4_MAX + 1, -INT4_MAX - 2, 2**63]
    if isinstance(value, float):
        return [1e300, -1e300]
    if isinstance(value, str):
        out = [value[:1] + "\x00" + value[1:], value + "x" * 600]
        if value.lstrip("-").isdigit():
            out += [str(INT4_MAX + 1), str(2**63)]
        return out
    return []


def _inject(case: Any, data: Any) -> str | None:
    """Replace one leaf of the path, the query or a JSON body by a hostile value; say which."""
    containers: list[tuple[str, Any]] = []
    for name in ("path_parameters", "query"):
        if getattr(case, name):
            containers.append((name, getattr(case, name)))
    if isinstance(case.body, dict | list):
        containers.append(("body", case.body))
    spots = [(name, c, leaf) for name, c in containers for leaf in _leaves(c)]
    spots = [(name, c, leaf, options) for name, c, leaf in spots if (options := _hostile(_get(c, leaf)))]
    if not spots:
        return None
    name, container, leaf, options = data.draw(st.sampled_from(spots), label="hostile spot")
    replacement = data.draw(st.sampled_from(options), label="hostile value")
    _set(container, leaf, replacement)
    return f"{name}{list(leaf)} = {replacement!r:.60}"


def _get(container: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        container = container[key]
    return container


def _set(container: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(container, path[:-1])[path[-1]] = value


# --- sending and checking ---------------------------------------------------------------------

async def _send(client: httpx.AsyncClient, case: Any, headers: dict[str, str] | None) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    kwargs.pop("cookies", None)
    prepared = requests.Request(**kwargs).prepare()
    sent = {k: v for k, v in prepared.headers.items() if k.lower() not in ("content-length", "connection")}
    return await client.request(prepared.method or "GET", prepared.url or "", headers=sent, content=prepared.body)


def _where(case: Any, response: httpx.Response, note: str | None = None) -> str:
    return (f"{case.method} {case.formatted_path} query={case.query!r:.200} body={case.body!r:.300}"
            f"{' hostile ' + note if note else ''} -> {response.status_code} {response.text[:300]}")


def _assert_problem(response: httpx.Response, where: str) -> None:
    if 400 <= response.status_code < 500:
        assert response.headers.get("content-type", "").startswith("application/problem+json"), where
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"], where
        assert body.get("status") == response.status_code, where


@pytest.mark.parametrize("operation", FUZZED)
@FUZZ_SETTINGS
@given(data=st.data())
async def test_fuzz_operation(fuzz_client, tokens, operation, data):  # type: ignore[no-untyped-def]
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if _has_inputs(operation) else [GenerationMode.POSITIVE]
    mode = data.draw(st.sampled_from(modes), label="mode")
    who = data.draw(st.sampled_from(ACCOUNTS), label="account")
    case = data.draw(operation.as_strategy(generation_mode=mode), label="case")
    note = _inject(case, data) if data.draw(st.booleans(), label="hostile") else None
    response = await _send(fuzz_client, case, tokens[who])
    where = _where(case, response, note)
    assert response.status_code < 500, where
    # A hostile value may turn a negative case into a valid one: then only the other checks apply.
    case.validate_response(response, checks=CHECKS if note is None else CHECKS[:-1])
    _assert_problem(response, where)

    if _op_id(operation) not in PUBLIC and not _op_id(operation).startswith(PUBLIC_PREFIX):
        # The same operation without a token, with a well-formed request.
        anonymous = data.draw(WELL_FORMED[operation.label].as_strategy(), label="anonymous case")
        _scrub_controls(anonymous)
        assume(not _has_control([anonymous.body, anonymous.query, anonymous.path_parameters]))
        response = await _send(fuzz_client, anonymous, None)
        where = _where(anonymous, response)
        assert response.status_code == 401, where
        _assert_problem(response, where)
        assert response.json()["code"] in ("not_authenticated", "invalid_token"), where
