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



def _someone(n: int):  # type: ignore[no-untyped-def]
    from cunzhi.kit.codes import Role
    from cunzhi.kit.principal import Principal

    return Principal(kind="user", id=n, name=f"u{n}", role=Role.county_admin, division_code="230199000000",
                     division_level="county")


async def test_requests_missing_together_share_one_lookup():
    """When the cached caller expires under load, the requests in flight for that caller ask the
    database once between them, and each gets the answer; the next one finds it cached."""
    from cunzhi.kit.deps import PrincipalCache

    cache, calls = PrincipalCache(), []

    async def lookup():  # type: ignore[no-untyped-def]
        calls.append(1)
        await asyncio.sleep(0.05)  # still under way when the others arrive
        return _someone(len(calls))

    answers = await asyncio.gather(*[cache.look_up("user:7", lookup) for _ in range(5)])
    assert len(calls) == 1 and all(a is answers[0] for a in answers)
    assert cache.get("user:7") is answers[0]


async def test_a_refusal_reaches_every_waiter():
    from cunzhi.kit.deps import PrincipalCache
    from cunzhi.kit.errors import InvalidToken

    cache, calls = PrincipalCache(), []

    async def lookup():  # type: ignore[no-untyped-def]
        calls.append(1)
        await asyncio.sleep(0.02)
        raise InvalidToken()

    answers = await asyncio.gather(*[cache.look_up("user:8", lookup) for _ in range(3)], return_exceptions=True)
    assert len(calls) == 1 and all(isinstance(a, InvalidToken) for a in answers)
    assert cache.get("user:8") is None


async def test_a_change_during_a_shared_lookup_is_read_afresh():
    """A lookup under way when the account changes here (forget, as a deactivation's flush does) is
    neither handed to requests that come after nor remembered."""
    from cunzhi.kit.deps import PrincipalCache

    cache, calls, release = PrincipalCache(), [], asyncio.Event()

    async def lookup():  # type: ignore[no-untyped-def]
        calls.append(1)
        n = len(calls)
        if n == 1:
            await release.wait()
        return _someone(n)

    first = asyncio.ensure_future(cache.look_up("user:9", lookup))
    await asyncio.sleep(0.01)
    cache.forget("user:9")
    second = asyncio.ensure_future(cache.look_up("user:9", lookup))
    await asyncio.sleep(0.01)
    release.set()
    old, new = await first, await second
    assert len(calls) == 2 and old.id == 1 and new.id == 2
    assert cache.get("user:9") is new  # what was read before the change is not kept
