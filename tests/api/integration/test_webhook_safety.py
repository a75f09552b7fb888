"""Webhook safety: URLs that resolve to loopback, private or link-local addresses are refused when
subscribing and again at delivery (a DNS answer changed after subscribing: rebinding), unless
CUNZHI_WEBHOOK_ALLOW_PRIVATE; a delivery connects to the address it checked; the signing secrets
are stored encrypted and the migration encrypts the rows it finds."""

import asyncio
import ipaddress
import os
import secrets

import asyncpg
import httpx
import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import select, text
from standardwebhooks.webhooks import Webhook
from test_webhooks import Receiver, _relay_all, _village_id

from cunzhi.config import get_settings
from cunzhi.kit import clock, crypto, events
from cunzhi.webhooks import destinations, service
from cunzhi.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


@pytest.fixture(autouse=True)
def _private_refused(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "webhook_allow_private", False)


def _fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    real = destinations._resolve

    async def resolve(host: str, port: int):  # type: ignore[no-untyped-def]
        if host in answers:
            return [ipaddress.ip_address(a) for a in answers[host]]
        return await real(host, port)

    monkeypatch.setattr(destinations, "_resolve", resolve)


async def _post(client, token_for, url):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/api-clients/safe-hook/webhooks", headers=await token_for("admin"),
                             json={"url": url, "event_types": ["claim."]})


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.9/h",
    "http://172.16.5.5/h", "http://169.254.169.254/latest/meta-data", "http://[::1]/h", "http://[fd00::1]/h",
    "http://[::ffff:127.0.0.1]/h", "http://0.0.0.0/h", "http://100.64.0.1/h", "http://inside.example/h",
])
async def test_private_destinations_refused_at_subscription(client, token_for, new_client, monkeypatch, url):
    _fake_dns(monkeypatch, {"inside.example": ["93.184.216.34", "10.0.0.7"]})  # one private answer is enough
    await new_client("safe-hook")
    r = await _post(client, token_for, url)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "webhook_url_private_address"
    assert r.json()["errors"][0]["loc"] == ["body", "url"]


async def test_public_accepted_unresolvable_refused_and_setting_allows_private(client, token_for, new_client,
                                                                              monkeypatch):
    _fake_dns(monkeypatch, {"hooks.township.example": ["93.184.216.34"]})
    await new_client("safe-hook")
    assert (await _post(client, token_for, "https://hooks.township.example/cunzhi")).status_code == 201
    r = await _post(client, token_for, "https://nothing-here.invalid/h")
    assert r.status_code == 422 and r.json()["code"] == "webhook_url_unresolvable"
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    assert (await _post(client, token_for, "http://127.0.0.1:9/h")).status_code == 201


async def test_rebinding_to_a_private_address_is_refused_at_delivery(client, token_for, new_client, db, monkeypatch):
    await _relay_all(db)
    receiver = Receiver(fail=0)
    try:
        port = receiver.server.server_address[1]
        answers = {"rebind.example": ["93.184.216.34"]}
        _fake_dns(monkeypatch, answers)
        await new_client("safe-hook")
        assert (await _post(client, token_for, f"http://rebind.example:{port}/hook")).status_code == 201
        answers["rebind.example"] = ["127.0.0.1"]  # the attacker's DNS now points inside
        await events.emit(db, None, "claim.submit", "claim", 777001, payload={"village_id": await _village_id(db)})
        await _relay_all(db)
        async with httpx.AsyncClient() as http:
            with clock.travel(frozen=True):
                assert (await service.deliver_due(db, http))["retrying"] == 1
        assert receiver.got == []  # nothing reached the inside
        attempt = (await db.execute(select(WebhookAttempt).join(WebhookDelivery).where(
            WebhookDelivery.outbox_event_id.in_(select(text("id FROM outbox_events WHERE entity_id = '777001'"))))
        )).scalar_one()
        assert attempt.status_code is None and attempt.error.startswith("refused: rebind.example resolves")
    finally:
        receiver.close()


async def test_delivery_connects_to_the_checked_address_with_the_urls_host(client, token_for, new_client, db,
                                                                          monkeypatch):
    """The address checked is the one connected to: here 127.0.0.1 stands for a public address."""
    await _relay_all(db)
    receiver = Receiver(fail=0)
    try:
        port = receiver.server.server_address[1]
        _fake_dns(monkeypatch, {"pinned.example": ["127.0.0.1"]})
        monkeypatch.setattr(destinations, "is_public", lambda a: True)
        await new_client("safe-hook")
        r = await _post(client, token_for, f"http://pinned.example:{port}/hook")
        assert r.status_code == 201
        secret = r.json()["secret"]
        await events.emit(db, None, "claim.submit", "claim", 777002, payload={"village_id": await _village_id(db)})
        await _relay_all(db)
        async with httpx.AsyncClient() as http:
            with clock.travel(frozen=True):
                assert (await service.deliver_due(db, http))["delivered"] == 1
        headers, body = receiver.got[0]
        assert {k.lower(): v for k, v in headers.items()}["host"] == f"pinned.example:{port}"
        assert Webhook(secret).verify(body, headers)["type"] == "claim.submit"
    finally:
        receiver.close()


async def test_secret_stored_encrypted(client, token_for, new_client, db, monkeypatch):
    _fake_dns(monkeypatch, {"hooks.township.example": ["93.184.216.34"]})
    await new_client("safe-hook")
    r = await _post(client, token_for, "https://hooks.township.example/cunzhi")
    secret = r.json()["secret"]
    stored = (await db.execute(select(WebhookSubscription.secret_encrypted)
                               .where(WebhookSubscription.id == r.json()["id"]))).scalar_one()
    assert secret not in stored and secret[6:] not in stored
    assert crypto.decrypt(stored) == secret
    # Another key cannot read it.
    with pytest.raises(InvalidToken):
        crypto.fernet_for("another-key-" + "y" * 40).decrypt(stored.encode())
    audit_rows = (await db.execute(text("SELECT coalesce(after::text, '') FROM audit_events "
                                        "WHERE entity = 'webhook_subscription' AND entity_id = :i"),
                                   {"i": str(r.json()["id"])})).scalars().all()
    assert audit_rows and all(secret not in a and stored not in a for a in audit_rows)


async def test_secret_key_rotation(client, token_for, new_client, db, monkeypatch):
    """The old key moved to CUNZHI_PREVIOUS_SECRET_KEYS: its tokens still verify and its secrets
    still read; `rotate-secrets` re-encrypts them under the new key; without the old key its tokens
    are refused and the rotated secrets still read."""
    from cunzhi.kit import security

    _fake_dns(monkeypatch, {"hooks.township.example": ["93.184.216.34"]})
    await new_client("safe-hook")
    admin = await token_for("admin")
    r = await _post(client, token_for, "https://hooks.township.example/cunzhi")
    secret, sub_id = r.json()["secret"], r.json()["id"]
    old_key, new_key = security.secret_key(), "rotated-key-" + "n" * 40
    assert old_key != new_key

    def stored() -> object:
        return select(WebhookSubscription.secret_encrypted).where(WebhookSubscription.id == sub_id)

    before = (await db.execute(stored())).scalar_one()
    monkeypatch.setattr(security, "secret_key", lambda: new_key)
    monkeypatch.setattr(get_settings(), "previous_secret_keys", old_key)
    assert (await client.get("/api/v1/api-clients", headers=admin)).status_code == 200
    assert crypto.decrypt(before) == secret

    assert await service.rotate_secrets(db) >= 1
    await db.commit()
    after = (await db.execute(stored())).scalar_one()
    assert after != before and crypto.fernet_for(new_key).decrypt(after.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        crypto.fernet_for(old_key).decrypt(after.encode())

    monkeypatch.setattr(get_settings(), "previous_secret_keys", "")
    assert (await client.get("/api/v1/api-clients", headers=admin)).status_code == 401
    assert crypto.decrypt(after) == secret
    with pytest.raises(InvalidToken):
        crypto.decrypt(before)


def test_a_short_previous_key_is_refused(monkeypatch):  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from cunzhi.config import Settings

    monkeypatch.setenv("CUNZHI_PREVIOUS_SECRET_KEYS", "k" * 40 + ",short")
    with pytest.raises(ValidationError, match="PREVIOUS_SECRET_KEYS"):
        Settings()


async def test_migration_encrypts_existing_secrets(engine):
    """0170 on a database at 0120 holding a plain secret: afterwards only the encrypted form is left,
    and the downgrade gives the plain one back."""
    from alembic import command
    from alembic.config import Config

    from cunzhi.config import BACKEND_DIR
    from cunzhi.db import normalise_url

    base = normalise_url(os.environ["DATABASE_URL"]).replace("postgresql+asyncpg://", "postgresql://", 1)
    name = f"cunzhi_secret_mig_{secrets.token_hex(4)}"
    head, _, tail = base.partition("?")
    root = head.rsplit("/", 1)[0]
    admin = await asyncpg.connect(root + "/postgres" + ("?" + tail if tail else ""))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = root + "/" + name + ("?" + tail if tail else "")
    try:
        cfg = Config(str(BACKEND_DIR / "alembic.ini"))
        cfg.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
        cfg.attributes["url"] = url.replace("postgresql://", "postgresql+asyncpg://", 1)
        await asyncio.to_thread(command.upgrade, cfg, "0120_tasks")
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("INSERT INTO divisions (code, name, level) VALUES ('239990000000', '县', 'county')")
            await conn.execute("INSERT INTO divisions (code, name, level, parent_code) "
                               "VALUES ('239990100000', '镇', 'township', '239990000000')")
            cid = await conn.fetchval(
                "INSERT INTO api_clients (client_id, name, secret_hash, division_code, is_active) "
                "VALUES ('mig', 'mig', 'x', '239990100000', true) RETURNING id")
            await conn.execute("INSERT INTO webhook_subscriptions (api_client_id, url, event_types, secret) "
                               "VALUES ($1, 'https://a.example/h', '{*}', 'whsec_plainplainplain')", cid)
            await asyncio.to_thread(command.upgrade, cfg, "0170_external_ids")
            stored = await conn.fetchval("SELECT secret_encrypted FROM webhook_subscriptions")
            assert "plain" not in stored and crypto.decrypt(stored) == "whsec_plainplainplain"
            await asyncio.to_thread(command.downgrade, cfg, "0120_tasks")
            assert await conn.fetchval("SELECT secret FROM webhook_subscriptions") == "whsec_plainplainplain"
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
