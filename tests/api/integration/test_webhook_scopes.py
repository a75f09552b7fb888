"""Webhooks follow the client's scopes: an event goes only to a client holding its area's read
scope (a villages:read client subscribed to `*` hears no claim, no discipline case), and a
subscription to a type nothing sends is refused."""

import pytest
from sqlalchemy import select, text

from cunzhi.config import get_settings
from cunzhi.kit import events
from cunzhi.webhooks.models import WebhookDelivery

VILLAGE_01 = "230199100200"


@pytest.fixture(autouse=True)
def _private_allowed(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)


async def _subscribe(client, token_for, client_id, types):  # type: ignore[no-untyped-def]
    return await client.post(f"/api/v1/api-clients/{client_id}/webhooks", headers=await token_for("admin"),
                             json={"url": f"https://{client_id}.example.org/h", "event_types": types})


async def _relay_all(db) -> None:  # type: ignore[no-untyped-def]
    while await events.relay_next(db) is not None:
        pass


async def test_an_event_reaches_only_clients_holding_its_read_scope(client, token_for, new_client, db):
    await _relay_all(db)
    await new_client("sc-villages", scopes=["villages:read"])
    await new_client("sc-funds", scopes=["villages:read", "funds:read"])
    await new_client("sc-discipline", scopes=["discipline:read"])
    await new_client("sc-tasks", scopes=["tasks:read", "funds:write"])  # a write scope is not a read scope
    subs = {}
    for cid in ("sc-villages", "sc-funds", "sc-discipline", "sc-tasks"):
        r = await _subscribe(client, token_for, cid, ["*"])
        assert r.status_code == 201, r.text
        subs[r.json()["id"]] = cid
    vid = (await db.execute(text("SELECT id FROM villages WHERE code = :c"), {"c": VILLAGE_01})).scalar()
    await events.emit(db, None, "claim.submit", "claim", 77001, payload={"village_id": vid, "amount": "300.00"})
    await events.emit(db, None, "discipline_case.create", "discipline_case", 77002,
                      payload={"village_id": vid, "village_code": VILLAGE_01, "case_id": 77002})
    await events.emit(db, None, "task.mark_overdue", "task", 77003, payload={"village_id": vid, "status": "overdue"})
    await events.emit(db, None, "unlisted.thing", "thing", 77004, payload={"village_id": vid})
    await _relay_all(db)
    rows = (await db.execute(select(WebhookDelivery.subscription_id, WebhookDelivery.event_type)
                             .where(WebhookDelivery.subscription_id.in_(list(subs)))
                             .order_by(WebhookDelivery.id))).all()
    got = sorted((subs[s], t) for s, t in rows)
    assert got == [("sc-discipline", "discipline_case.create"), ("sc-funds", "claim.submit"),
                   ("sc-tasks", "task.mark_overdue")]


async def test_a_subscription_to_types_nothing_sends_is_refused(client, token_for, new_client):
    await new_client("sc-types")
    for types, bad in ((["claim.nonesuch"], [0]), (["nosuch."], [0]), (["claim.", "task.import"], [1]),
                       (["pairing_proposal.confirm"], [0])):
        r = await _subscribe(client, token_for, "sc-types", types)
        assert r.status_code == 422, (types, r.text)
        body = r.json()
        assert body["code"] == "webhook_event_unknown"
        assert [e["loc"] for e in body["errors"]] == [["body", "event_types", i] for i in bad]
    for types in (["*"], ["claim.", "disclosure.published"], ["cadre_checkin.flagged"], ["task.mark_overdue"]):
        r = await _subscribe(client, token_for, "sc-types", types)
        assert r.status_code == 201, (types, r.text)
