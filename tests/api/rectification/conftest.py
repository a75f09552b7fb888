"""Helpers for screening and rectification API tests (demo county 230199000000)."""

from collections.abc import Callable

import httpx
import pytest
from rectification_helpers import T02, T02_VILLAGES, t02_scores


@pytest.fixture
def auth(token_for):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    async def get(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await token_for(username)
        return cache[username]

    return get


@pytest.fixture
def open_round(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    async def make(townships: list[str] | None = None, **extra) -> dict:  # type: ignore[no-untyped-def]
        body = {"title": "2026年软弱涣散村党组织大排查", **extra}
        if townships is not None:
            body["township_codes"] = townships
        r = await client.post("/api/v1/screening-rounds", json=body, headers=await auth("admin"))
        assert r.status_code == 201, r.text
        return r.json()

    return make


@pytest.fixture
def score_t02(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    async def run(round_id: int, scores: Callable[[str], dict[str, int]] = t02_scores) -> None:
        body = {"sheets": [{"village_code": c, "scores": scores(c)} for c in T02_VILLAGES]}
        r = await client.post(
            f"/api/v1/screening-rounds/{round_id}/scores",
            json=body,
            headers=await auth("township02"),
        )
        assert r.status_code == 201, r.text

    return run


@pytest.fixture
def confirmed_t02(client: httpx.AsyncClient, auth, open_round, score_t02):  # type: ignore[no-untyped-def]
    """A round over township 02, scored, proposed and confirmed: returns the confirmation."""

    async def run(**extra) -> dict:  # type: ignore[no-untyped-def]
        rnd = await open_round([T02], **extra)
        await score_t02(rnd["id"])
        r = await client.post(
            f"/api/v1/screening-rounds/{rnd['id']}/townships/{T02}/proposal",
            headers=await auth("township02"),
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"/api/v1/screening-rounds/{rnd['id']}/confirm", headers=await auth("admin"))
        assert r.status_code == 200, r.text
        return r.json()

    return run
