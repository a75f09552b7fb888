"""A claim's steps are events: trail row, audit event and outbox row, written together."""

from funds_helpers import API, Cast, act, approved_budget, file_claim, ok, open_with_income
from sqlalchemy import select

from cunzhi.kit.audit import AuditEvent
from cunzhi.kit.events import OutboxEvent


async def test_claim_steps_leave_an_outbox_row_with_their_audit_event(client, cast: Cast, db) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    r = await client.put(f"{API}/townships/230199101000/settings", headers=cast.headers["official"],
                         json={"single_claim_limit": "100.00"})
    await ok(r)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "500.00"), 201)
    for who, action in [("secretary", "submit"), ("committee", "sign"), ("official", "approve"), ("agency", "pay")]:
        await ok(await act(client, cast, who, claim["id"], action))
    refused = await act(client, cast, "official", claim["id"], "reject", reason="太晚了")  # paid: refused
    assert refused.status_code == 409

    rows = (await db.execute(
        select(OutboxEvent, AuditEvent).join(AuditEvent, AuditEvent.id == OutboxEvent.audit_event_id)
        .where(OutboxEvent.entity == "claim", OutboxEvent.entity_id == str(claim["id"])).order_by(OutboxEvent.id)
    )).all()
    assert [o.event_type for o, _ in rows] == ["claim.create", "claim.attach", "claim.submit", "claim.sign", "claim.approve",
                                               "claim.pay"]
    assert all(a.action == o.event_type and a.entity == "funds.claim" for o, a in rows)
    paid = rows[-1][0]
    assert paid.payload["state"] == "paid" and paid.payload["village_id"] == cast.village.id
    assert paid.relayed_at is None  # the worker relays it
