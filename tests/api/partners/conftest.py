"""Fixtures for the partners API tests (demo county 230199000000: 17 weak villages, 20 units)."""

import httpx
import pytest

COUNTY = "230199000000"


@pytest.fixture
def auth(token_for):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    async def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await token_for(username)
        return cache[username]

    return get


@pytest.fixture
def propose(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    async def make(**body) -> dict:  # type: ignore[no-untyped-def]
        r = await client.post("/api/v1/pairing-proposals", json=body, headers=await auth("admin"))
        assert r.status_code == 201, r.text
        return r.json()

    return make


@pytest.fixture
def unit_ids(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    async def get() -> dict[str, int]:
        r = await client.get("/api/v1/partner-units", params={"limit": 200}, headers=await auth("admin"))
        assert r.status_code == 200, r.text
        return {u["code"]: u["id"] for u in r.json()["items"]}

    return get
