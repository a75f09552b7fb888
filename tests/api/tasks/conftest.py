"""Fixtures for the tasks API tests (values in tasks_helpers.py)."""

from typing import Any

import httpx
import pytest
from tasks_helpers import task_body


@pytest.fixture
def auth(token_for):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    async def get(username: str, **extra: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = await token_for(username)
        return {**cache[username], **extra}

    return get


@pytest.fixture
async def items(client: httpx.AsyncClient, auth) -> dict[str, int]:  # type: ignore[no-untyped-def]
    r = await client.get("/api/v1/tasks/catalogue", headers=await auth("admin"))
    assert r.status_code == 200, r.text
    return {i["code"]: i["id"] for i in r.json()["items"]}


@pytest.fixture
def new_task(client: httpx.AsyncClient, auth, items):  # type: ignore[no-untyped-def]
    async def make(user: str = "township01", **overrides: Any) -> dict[str, Any]:
        r = await client.post("/api/v1/tasks", json=task_body(items["road"], **overrides), headers=await auth(user))
        assert r.status_code == 201, r.text
        return {**r.json(), "etag": r.headers["ETag"]}

    return make


@pytest.fixture
async def cadre01(db) -> int:  # type: ignore[no-untyped-def]
    """The cadre record of the demo account cadre01 (a task names the cadre, not the account)."""
    from sqlalchemy import select

    from cunzhi.auth.models import User
    from cunzhi.cadres.models import Cadre

    return (await db.execute(select(Cadre.id).join(User, User.id == Cadre.user_id)
                             .where(User.username == "cadre01"))).scalar_one()
