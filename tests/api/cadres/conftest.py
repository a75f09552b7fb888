"""Fixtures for the stationed-cadre API tests (values and bodies in cadres_helpers.py)."""

from typing import Any

import httpx
import pytest
from cadres_helpers import COUNTY, VILLAGE, checkin_body, new_key


@pytest.fixture
def auth(token_for):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    async def get(username: str, key: str | None = None) -> dict[str, str]:
        if username not in cache:
            cache[username] = await token_for(username)
        headers = dict(cache[username])
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    return get


@pytest.fixture
async def fresh_cadre_user(db):  # type: ignore[no-untyped-def]
    """A second cadre account in cadre01's village, linked to a cadre of its own (no check-ins yet)."""
    from sqlalchemy import select

    from cunzhi.auth.models import User
    from cunzhi.cadres.models import Cadre
    from cunzhi.villages.models import Village

    village_id = (await db.execute(select(Village.id).where(Village.code == VILLAGE))).scalar_one()
    user = User(username="cadre_t1", password_hash="x", display_name="驻村干部测试", role="cadre",
                village_id=village_id)
    db.add(user)
    await db.flush()
    cadre = Cadre(county_code=COUNTY, name="测试干部", home_unit="县测试局", expertise=["mass_work"], user_id=user.id)
    db.add(cadre)
    await db.flush()
    return {"username": user.username, "user_id": user.id, "cadre_id": cadre.id}


@pytest.fixture
def checkin(client: httpx.AsyncClient, auth):  # type: ignore[no-untyped-def]
    async def post(username: str = "cadre01", key: str | None = None, **overrides: Any) -> httpx.Response:
        return await client.post("/api/v1/cadres/checkins", json=checkin_body(**overrides),
                                 headers=await auth(username, key or new_key()))

    return post
