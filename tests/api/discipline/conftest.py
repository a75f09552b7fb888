"""Fixtures for the discipline-case register's API tests (values in discipline_helpers.py)."""

from typing import Any

import httpx
import pytest
from discipline_helpers import case_body


@pytest.fixture
def auth(token_for):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    async def get(username: str, **extra: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await token_for(username)
        return {**cache[username], **extra}

    return get


@pytest.fixture
def new_case(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    async def make(user: str = "inspector01", **overrides: Any) -> dict[str, Any]:
        r = await client.post("/api/v1/discipline/cases", json=case_body(**overrides), headers=await auth(user))
        assert r.status_code == 201, r.text
        return {**r.json(), "etag": r.headers["ETag"]}

    return make
