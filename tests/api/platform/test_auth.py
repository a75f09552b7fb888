import time

import pytest
from jose import jwt

from cunzhi.config import get_settings
from cunzhi.kit.security import secret_key

PW = "cunzhi2026"


async def login(client, username="township01", password=PW):
    return await client.post("/api/v1/auth/token", data={"username": username, "password": password})


async def test_password_login_returns_tokens_and_me(client):
    r = await login(client)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    claims = jwt.get_unverified_claims(body["access_token"])
    for claim in ("exp", "iat", "aud", "iss", "sub"):
        assert claim in claims
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["role"] == "township_official"
    assert me.json()["scope"] == {"kind": "division", "code": "230199100000", "name": "松江镇"}


async def test_wrong_password_is_401_problem(client):
    r = await login(client, password="wrong-password")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_credentials"


async def test_unknown_user_same_answer_as_wrong_password(client):
    r = await login(client, username="nobody-here")
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


async def test_missing_fields_are_422(client):
    r = await client.post("/api/v1/auth/token", data={"username": "admin"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "password"]
    r = await client.post("/api/v1/auth/token", data={"grant_type": "implicit", "username": "a", "password": "b"})
    assert r.status_code == 422


async def test_refresh_rotates_and_reuse_revokes_family(client):
    first = (await login(client, "inspector")).json()
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # The old token comes back: reuse. The whole family dies, including the newest token.
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401 and r.json()["code"] == "refresh_token_reused"
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 401


async def test_logout_revokes_refresh_token(client):
    tokens = (await login(client, "agency01")).json()
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


async def test_refresh_rejects_unknown_and_malformed(client):
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 40})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": "short"})
    assert r.status_code == 422
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 40, "extra": 1})
    assert r.status_code == 422


def _claims(**over):
    s = get_settings()
    now = int(time.time())
    base = {"sub": "user:1", "iat": now, "exp": now + 600, "iss": s.jwt_issuer, "aud": s.jwt_audience}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("case", ["none_alg", "wrong_key", "expired", "wrong_audience", "wrong_issuer",
                                  "no_exp", "garbage", "hs512", "bad_sub"])
async def test_tampered_tokens_are_rejected(client, case):
    key = secret_key()
    if case == "none_alg":
        import base64
        import json

        def b64(d):
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

        token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(_claims())}."
    elif case == "wrong_key":
        token = jwt.encode(_claims(), "another-key-" + "y" * 40, algorithm="HS256")
    elif case == "expired":
        token = jwt.encode(_claims(exp=int(time.time()) - 5), key, algorithm="HS256")
    elif case == "wrong_audience":
        token = jwt.encode(_claims(aud="someone-else"), key, algorithm="HS256")
    elif case == "wrong_issuer":
        token = jwt.encode(_claims(iss="evil"), key, algorithm="HS256")
    elif case == "no_exp":
        token = jwt.encode(_claims(exp=None), key, algorithm="HS256")
    elif case == "hs512":
        token = jwt.encode(_claims(), key, algorithm="HS512")
    elif case == "bad_sub":
        token = jwt.encode(_claims(sub="admin"), key, algorithm="HS256")
    else:
        token = "not.a.token"
    r = await client.get("/api/v1/villages", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, (case, r.text)
    assert r.json()["code"] == "invalid_token"


async def test_no_token_is_401(client):
    r = await client.get("/api/v1/villages")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


async def test_throttling_per_account(client):
    for _ in range(get_settings().login_max_failures_per_account):
        assert (await login(client, "township08", "bad-password-1")).status_code == 401
    r = await login(client, "township08")  # even the right password is refused while throttled
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) > 0


async def test_throttling_per_address(app):
    import httpx

    transport = httpx.ASGITransport(app=app, client=("10.251.0.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for i in range(get_settings().login_max_failures_per_address):
            r = await c.post("/api/v1/auth/token", data={"username": f"ghost{i}", "password": "x" * 8})
            assert r.status_code == 401
        r = await c.post("/api/v1/auth/token", data={"username": "admin", "password": PW})
        assert r.status_code == 429


async def test_client_credentials(client, token_for):
    admin = await token_for("admin")
    r = await client.post("/api/v1/api-clients", headers=admin,
                          json={"client_id": "songjiang-sys", "name": "松江镇系统", "division_code": "230199100000"})
    assert r.status_code == 201, r.text
    secret = r.json()["client_secret"]
    r = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                      "client_id": "songjiang-sys", "client_secret": secret})
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] is None
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    villages = (await client.get("/api/v1/villages?limit=200", headers=headers)).json()
    assert villages["total"] == 11
    assert {v["township_code"] for v in villages["items"]} == {"230199100000"}
    r = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                      "client_id": "songjiang-sys", "client_secret": "wrong" * 5})
    assert r.status_code == 401
    # A deactivated client's token stops working at once.
    assert (await client.post("/api/v1/api-clients/songjiang-sys/deactivate", headers=admin)).status_code == 200
    assert (await client.get("/api/v1/villages", headers=headers)).status_code == 401


async def test_api_client_must_be_township_scoped(client, token_for):
    r = await client.post("/api/v1/api-clients", headers=await token_for("admin"),
                          json={"client_id": "county-sys", "name": "x", "division_code": "230199000000"})
    assert r.status_code == 422 and r.json()["code"] == "scope_mismatch"


def _client_at(app, address, **headers):  # type: ignore[no-untyped-def]
    import httpx

    transport = httpx.ASGITransport(app=app, client=(address, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers)


async def test_failures_from_elsewhere_do_not_lock_the_owner_out(app):
    async with _client_at(app, "10.252.0.1") as attacker:
        for _ in range(get_settings().login_max_failures_per_account + 2):
            assert (await login(attacker, "township07", "bad-password-1")).status_code in (401, 429)
        assert (await login(attacker, "township07")).status_code == 429
    async with _client_at(app, "10.252.0.2") as owner:
        assert (await login(owner, "township07")).status_code == 200


async def test_the_wait_grows_with_each_further_failure(app):
    from datetime import timedelta

    from cunzhi.kit import clock

    s = get_settings()
    async with _client_at(app, "10.252.0.3") as c:
        with clock.travel(frozen=True):
            for _ in range(s.login_max_failures_per_account):
                assert (await login(c, "township06", "bad-password-1")).status_code == 401
            r = await login(c, "township06")
            assert r.status_code == 429 and int(r.headers["Retry-After"]) <= s.login_delay_seconds + 1
        with clock.travel(by=timedelta(seconds=s.login_delay_seconds + 1), frozen=True):
            assert (await login(c, "township06", "bad-password-1")).status_code == 401
            r = await login(c, "township06")
            assert r.status_code == 429
            assert s.login_delay_seconds + 1 < int(r.headers["Retry-After"]) <= 2 * s.login_delay_seconds + 1
        with clock.travel(by=timedelta(seconds=3 * s.login_delay_seconds + 5), frozen=True):
            assert (await login(c, "township06")).status_code == 200


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(app):
    # Twenty failures from one peer that claims a new address each time: still one address.
    async with _client_at(app, "10.252.0.4") as c:
        for i in range(get_settings().login_max_failures_per_address):
            r = await c.post("/api/v1/auth/token", data={"username": f"ghost{i}", "password": "x" * 8},
                             headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
            assert r.status_code == 401
        r = await login(c, "admin")
        assert r.status_code == 429


async def test_behind_a_trusted_proxy_each_client_is_throttled_alone(app):
    # 127.0.0.1 is the default trusted proxy: its X-Forwarded-For names the client.
    async with _client_at(app, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"}) as noisy:
        for i in range(get_settings().login_max_failures_per_address):
            assert (await noisy.post("/api/v1/auth/token",
                                     data={"username": f"ghost{i}", "password": "x" * 8})).status_code == 401
        assert (await login(noisy, "admin")).status_code == 429
    async with _client_at(app, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.10"}) as other:
        assert (await login(other, "admin")).status_code == 200


def test_trusted_proxies_setting_is_checked():
    from pydantic import ValidationError

    from cunzhi.config import Settings

    assert Settings(trusted_proxies=" 10.0.0.0/8, 172.30.0.10 ").trusted_proxies == "10.0.0.0/8,172.30.0.10"
    with pytest.raises(ValidationError):
        Settings(trusted_proxies="nginx")
