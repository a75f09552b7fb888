"""The caller found from a token is reused for a few seconds, and never past a deactivation."""

import asyncio

import pytest
from sqlalchemy import text

from cunzhi.config import get_settings
from cunzhi.kit.deps import principals


@pytest.fixture
def short_cache(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "principal_cache_seconds", 0.5)
    return 0.5


async def test_second_request_needs_no_lookup(client, token_for):
    h = await token_for("township01")
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 200
    subject = next(iter(principals._entries))
    assert subject.startswith("user:")
    assert principals.get(subject) is not None


async def test_deactivated_elsewhere_refused_within_cache_lifetime(client, token_for, db, short_cache):
    """Another process deactivates the account (a plain UPDATE: nothing in this process hears of it).
    Its still-valid token is refused once the cached entry expires, within the cache's lifetime."""
    h = await token_for("township02")
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 200
    await db.execute(text("UPDATE users SET is_active = false WHERE username = 'township02'"))
    await asyncio.sleep(short_cache + 0.1)
    r = await client.get("/api/v1/villages", headers=h)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_deactivated_here_refused_at_once(client, token_for, short_cache):
    """Deactivation through the API forgets the cached caller at once, not after the lifetime."""
    admin = await token_for("admin")
    h = await token_for("township03")
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 200
    users = (await client.get("/api/v1/users", params={"q": "township03"}, headers=admin)).json()["items"]
    tag = (await client.get(f"/api/v1/users/{users[0]['id']}", headers=admin)).headers["ETag"]
    r = await client.patch(f"/api/v1/users/{users[0]['id']}", json={"is_active": False},
                           headers={**admin, "If-Match": tag})
    assert r.status_code == 200
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 401


async def test_client_deactivated_here_refused_at_once(client, token_for):
    admin = await token_for("admin")
    r = await client.post("/api/v1/api-clients", headers=admin,
                          json={"client_id": "cache-sys", "name": "x", "division_code": "230199101000"})
    assert r.status_code == 201, r.text
    token = await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": "cache-sys", "client_secret": r.json()["client_secret"]})
    h = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 200
    assert (await client.post("/api/v1/api-clients/cache-sys/deactivate", headers=admin)).status_code == 200
    assert (await client.get("/api/v1/villages", headers=h)).status_code == 401


async def test_lookup_racing_a_change_is_not_kept() -> None:
    """A lookup that began before a forget does not store what it read (it may be the old state)."""
    from cunzhi.kit.codes import Role
    from cunzhi.kit.deps import Principal

    generation = principals.generation
    principals.forget("user:1")
    principals.put("user:1", Principal(kind="user", id=1, name="x", role=Role.county_admin), generation)
    assert principals.get("user:1") is None
