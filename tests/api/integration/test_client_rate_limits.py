"""A client's own rate limit (api_clients.rate_limit_per_minute): set when it is registered or by
PATCH, 0..100000 (0: no limit), null for the server's CUNZHI_CLIENT_RATE_LIMIT_PER_MINUTE; it is
what the limiter counts against, at once after a change."""

from sqlalchemy import text

from cunzhi.config import get_settings

VILLAGES = "/api/v1/villages"


async def _register(client, token_for, client_id, **extra):  # type: ignore[no-untyped-def]
    body = {"client_id": client_id, "name": "限流", "division_code": "230199100000", "scopes": ["villages:read"],
            **extra}
    return await client.post("/api/v1/api-clients", json=body, headers=await token_for("admin"))


async def _login(client, client_id, secret):  # type: ignore[no-untyped-def]
    tok = await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert tok.status_code == 200, tok.text
    return {"Authorization": f"Bearer {tok.json()['access_token']}"}


async def _codes(client, headers, n):  # type: ignore[no-untyped-def]
    return [(await client.get(VILLAGES, headers=headers)).status_code for _ in range(n)]


async def test_own_limit_set_at_registration_overrides_the_default(client, token_for, monkeypatch, db):
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 100)
    r = await _register(client, token_for, "own-limit", rate_limit_per_minute=2)
    assert r.status_code == 201, r.text
    assert r.json()["rate_limit_per_minute"] == 2 and r.json()["effective_rate_limit_per_minute"] == 2
    h = await _login(client, "own-limit", r.json()["client_secret"])
    assert await _codes(client, h, 3) == [200, 200, 429]
    last = await client.get(VILLAGES, headers=h)
    assert last.json()["limit"] == 2 and int(last.headers["Retry-After"]) >= 1
    assert (await db.execute(text("SELECT rate_limit_per_minute FROM api_clients WHERE client_id = 'own-limit'"))
            ).scalar() == 2
    # One without its own limit has the server's.
    r = await _register(client, token_for, "default-limit")
    assert r.json()["rate_limit_per_minute"] is None and r.json()["effective_rate_limit_per_minute"] == 100
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 1)
    h = await _login(client, "default-limit", r.json()["client_secret"])
    assert await _codes(client, h, 2) == [200, 429]


async def test_patch_changes_it_at_once_zero_lifts_it_null_restores_the_default(client, token_for, monkeypatch):
    monkeypatch.setattr(get_settings(), "client_rate_limit_per_minute", 2)
    admin = await token_for("admin")
    r = await _register(client, token_for, "patch-limit")
    h = await _login(client, "patch-limit", r.json()["client_secret"])
    assert await _codes(client, h, 3) == [200, 200, 429]

    async def patch(value):  # type: ignore[no-untyped-def]
        tag = (await client.get("/api/v1/api-clients/patch-limit", headers=admin)).headers["ETag"]
        return await client.patch("/api/v1/api-clients/patch-limit", json={"rate_limit_per_minute": value},
                                  headers={**admin, "If-Match": tag})

    for bad in (-1, 100_001, "5", 5.5, True, 10**12):
        r = await patch(bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["loc"][:2] == ["body", "rate_limit_per_minute"]
    r = await patch(0)
    assert r.status_code == 200 and r.json()["rate_limit_per_minute"] == 0
    assert r.json()["effective_rate_limit_per_minute"] == 0
    assert await _codes(client, h, 4) == [200] * 4  # no limit, though past the server's 2
    r = await patch(6)
    assert r.status_code == 200 and r.json()["effective_rate_limit_per_minute"] == 6
    # Without a limit nothing was counted: 3 this minute so far, 3 more pass.
    assert await _codes(client, h, 4) == [200, 200, 200, 429]
    r = await patch(None)
    assert r.status_code == 200 and r.json()["rate_limit_per_minute"] is None
    assert r.json()["effective_rate_limit_per_minute"] == 2
    # Other fields' PATCH leaves it.
    tag = r.headers["ETag"]
    r = await client.patch("/api/v1/api-clients/patch-limit", json={"name": "x"}, headers={**admin, "If-Match": tag})
    assert r.json()["rate_limit_per_minute"] is None


async def test_registration_refuses_a_bad_limit(client, token_for):
    for bad in (-5, 100_001, "60", 1.5):
        r = await _register(client, token_for, "bad-limit", rate_limit_per_minute=bad)
        assert r.status_code == 422, (bad, r.text)
    r = await _register(client, token_for, "max-limit", rate_limit_per_minute=100_000)
    assert r.status_code == 201 and r.json()["rate_limit_per_minute"] == 100_000
