"""The secretary changes a draft claim (PATCH under If-Match) and recalls a submitted one not yet signed
back to draft: reservations follow the amount and the line, every change is a step with its audit event,
and everyone else, or any later state, is refused."""

import pytest
from funds_helpers import API, Cast, act, approved_budget, file_claim, line, ok, open_with_income
from sqlalchemy import select

from cunzhi.kit.audit import AuditEvent
from cunzhi.kit.events import OutboxEvent


async def _read(client, cast: Cast, claim_id: int, who: str = "secretary"):  # type: ignore[no-untyped-def]
    r = await client.get(f"{API}/claims/{claim_id}", headers=cast.headers[who])
    assert r.status_code == 200, r.text
    return r.json(), r.headers["ETag"]


async def _patch(client, cast: Cast, claim_id: int, body: dict, etag: str | None, who: str = "secretary"):  # type: ignore[no-untyped-def]
    headers = {**cast.headers[who], **({"If-Match": etag} if etag else {})}
    return await client.patch(f"{API}/claims/{claim_id}", json=body, headers=headers)


async def test_editing_a_draft_changes_its_text_and_leaves_a_step(client, cast: Cast, db) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    claim = await ok(await file_claim(client, cast, road, "800.00", invoice=False), 201)
    body, etag = await _read(client, cast, claim["id"])
    assert etag == 'W/"1"' and "edit_claim" in body["allowed_actions"]

    edited = await _patch(client, cast, claim["id"], {"purpose": " 水泥 20 袋 ", "payee": "镇建材站"}, etag)
    assert edited.status_code == 200, edited.text
    out = edited.json()
    assert out["purpose"] == "水泥 20 袋" and out["payee"] == "镇建材站" and out["amount"] == "800.00"
    assert edited.headers["ETag"] == 'W/"2"'
    step = out["trail"][-1]
    assert step["action"] == "edit" and step["from_state"] == step["to_state"] == "draft"
    assert step["data"] == {"before": {"purpose": "材料费", "payee": "县建材站"},
                            "after": {"purpose": "水泥 20 袋", "payee": "镇建材站"}}
    assert (await line(client, cast, budget["id"], road))["committed"] == "800.00"
    await ok(await _patch(client, cast, claim["id"], {"payee": "县建材站"}, 'W/"2"'))

    rows = (await db.execute(select(OutboxEvent.event_type, AuditEvent.action).join(
        AuditEvent, AuditEvent.id == OutboxEvent.audit_event_id).where(
        OutboxEvent.entity == "claim", OutboxEvent.entity_id == str(claim["id"])).order_by(OutboxEvent.id))).all()
    assert [r[0] for r in rows] == ["claim.create", "claim.edit", "claim.edit"]
    assert all(a == e for e, a in rows)


async def test_an_edit_needs_the_current_etag(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "800.00", invoice=False), 201)
    assert (await _patch(client, cast, claim["id"], {"payee": "甲"}, None)).status_code == 428
    assert (await _patch(client, cast, claim["id"], {"payee": "甲"}, "7")).status_code == 412
    await ok(await _patch(client, cast, claim["id"], {"payee": "甲"}, 'W/"1"'))
    stale = await _patch(client, cast, claim["id"], {"payee": "乙"}, 'W/"1"')  # a second phone's old read
    assert stale.status_code == 412
    assert (await _read(client, cast, claim["id"]))[0]["payee"] == "甲"


async def test_an_edit_with_bad_fields_changes_nothing(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    claim = await ok(await file_claim(client, cast, road, "800.00", invoice=False), 201)
    # A bad amount or line is refused like any other bad field.
    for bad in ({"amount": "0.00"}, {"amount": 900}, {"amount": "9.999"}, {"line_id": "x"}, {"line_id": 0},
                {"purpose": ""}, {"purpose": "   "},
                {"payee": "x" * 201}, {"payee": 5}, {"status": "paid"}, []):
        r = await _patch(client, cast, claim["id"], bad, 'W/"1"')
        assert r.status_code == 422, (bad, r.text)
    for nothing in ({}, {"purpose": "材料费"}, {"purpose": None}):
        r = await _patch(client, cast, claim["id"], nothing, 'W/"1"')
        assert r.status_code == 422 and r.json()["code"] == "nothing_to_change", (nothing, r.text)
    body, etag = await _read(client, cast, claim["id"])
    assert etag == 'W/"1"' and body["amount"] == "800.00" and body["line_id"] == road and body["purpose"] == "材料费"
    assert (await line(client, cast, budget["id"], road))["committed"] == "800.00"


async def test_only_the_secretary_edits_and_only_drafts(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "800.00"), 201)
    for who in ("committee", "official", "agency", "inspector", "cadre"):
        seen = await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers[who])
        if seen.status_code == 404:  # a reader who sees no drafts is refused as if there were none
            assert (await _patch(client, cast, claim["id"], {"payee": "甲"}, 'W/"1"', who)).status_code in (403, 404)
            continue
        assert "edit_claim" not in seen.json()["allowed_actions"], who
        r = await _patch(client, cast, claim["id"], {"payee": "甲"}, seen.headers["ETag"], who)
        assert r.status_code == 403, (who, r.text)
    assert (await _patch(client, cast, claim["id"], {"payee": "甲"}, 'W/"1"', "other_secretary")).status_code == 404
    assert (await client.patch(f"{API}/claims/999999", json={"payee": "甲"}, headers={
        **cast.headers["secretary"], "If-Match": 'W/"1"'})).status_code == 404

    submitted = await ok(await act(client, cast, "secretary", claim["id"], "submit"))
    assert "edit_claim" not in submitted["allowed_actions"]
    _, current = await _read(client, cast, claim["id"])
    r = await _patch(client, cast, claim["id"], {"payee": "甲"}, current)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


async def test_recall_takes_a_submitted_claim_back_to_draft_until_it_is_signed(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    claim = await ok(await file_claim(client, cast, road, "800.00"), 201)
    assert (await act(client, cast, "secretary", claim["id"], "recall")).status_code == 409  # a draft already
    submitted = await ok(await act(client, cast, "secretary", claim["id"], "submit"))
    assert "recall" in submitted["allowed_actions"]
    committee_view, _ = await _read(client, cast, claim["id"], "committee")
    assert "recall" not in committee_view["allowed_actions"]
    for who in ("committee", "official", "agency"):
        assert (await act(client, cast, who, claim["id"], "recall")).status_code == 403, who
    assert (await act(client, cast, "other_secretary", claim["id"], "recall")).status_code == 404

    recalled = await ok(await act(client, cast, "secretary", claim["id"], "recall"))
    assert recalled["status"] == "draft" and recalled["trail"][-1]["action"] == "recall"
    assert "edit_claim" in recalled["allowed_actions"] and "submit" in recalled["allowed_actions"]
    # Back to draft, it leaves the committee's sight until it is submitted again.
    assert (await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["committee"])).status_code == 404
    assert (await line(client, cast, budget["id"], road))["committed"] == "800.00"  # still held by the draft
    _, etag = await _read(client, cast, claim["id"])
    await ok(await _patch(client, cast, claim["id"], {"purpose": "材料费（补）"}, etag))
    await ok(await act(client, cast, "secretary", claim["id"], "submit"))
    await ok(await act(client, cast, "committee", claim["id"], "sign"))
    late = await act(client, cast, "secretary", claim["id"], "recall")
    assert late.status_code == 409 and late.json()["code"] == "illegal_transition"


async def test_a_draft_s_amount_and_line_change_and_the_reservations_follow(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road, office = budget["lines"][0]["id"], budget["lines"][1]["id"]
    claim = await ok(await file_claim(client, cast, road, "800.00", invoice=False), 201)
    assert claim["needs_approval"] is False

    raised = await ok(await _patch(client, cast, claim["id"], {"amount": "6000.00"}, 'W/"1"'))
    assert raised["amount"] == "6000.00" and raised["line_id"] == road
    assert raised["needs_approval"] is True  # above the single-claim limit now
    assert raised["trail"][-1]["data"] == {"before": {"amount": "800.00"}, "after": {"amount": "6000.00"}}
    assert (await line(client, cast, budget["id"], road))["committed"] == "6000.00"

    moved = await ok(await _patch(client, cast, claim["id"], {"line_id": office, "amount": "2500.00"}, 'W/"2"'))
    assert moved["line_id"] == office and moved["amount"] == "2500.00" and moved["needs_approval"] is False
    assert (await line(client, cast, budget["id"], road))["committed"] == "0.00"
    assert (await line(client, cast, budget["id"], office))["committed"] == "2500.00"

    # Still within the line: 3000 approved on the office line.
    over = await _patch(client, cast, claim["id"], {"amount": "3000.01"}, 'W/"3"')
    assert over.status_code == 409 and over.json()["code"] == "budget_exceeded", over.text
    assert over.json()["available"] == "3000.00"  # what this claim may hold on the line
    too_big = await _patch(client, cast, claim["id"], {"line_id": road, "amount": "10000.01"}, 'W/"3"')
    assert too_big.status_code == 409 and too_big.json()["code"] == "budget_exceeded"
    body, etag = await _read(client, cast, claim["id"])
    assert etag == 'W/"3"' and body["line_id"] == office and body["amount"] == "2500.00"
    assert (await line(client, cast, budget["id"], office))["committed"] == "2500.00"
    assert (await line(client, cast, budget["id"], road))["committed"] == "0.00"
    await ok(await _patch(client, cast, claim["id"], {"amount": "3000.00"}, 'W/"3"'))  # exactly what is left

    other = await ok(await file_claim(client, cast, road, "100.00", invoice=False), 201)
    assert (await _patch(client, cast, other["id"], {"line_id": 999999}, 'W/"1"')).status_code == 422


async def test_a_submitted_claim_s_amount_and_line_stay_frozen(client, cast: Cast, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road, office = budget["lines"][0]["id"], budget["lines"][1]["id"]
    draft = await ok(await file_claim(client, cast, road, "800.00", invoice=False), 201)
    # The database lets a draft's amount and line move (the service moves the reservations with them) ...
    async with db.begin_nested() as sp:
        await db.execute(text("UPDATE funds_claims SET amount = 801 WHERE id = :i"), {"i": draft["id"]})
        await sp.rollback()
    claim = await ok(await file_claim(client, cast, road, "800.00"), 201)
    await ok(await act(client, cast, "secretary", claim["id"], "submit"))
    _, etag = await _read(client, cast, claim["id"])
    r = await _patch(client, cast, claim["id"], {"amount": "900.00"}, etag)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    # ... and refuses to move a submitted claim's, whoever asks.
    for change in ("amount = 900", f"line_id = {office}", "needs_approval = true", "status = 'draft', amount = 1"):
        with pytest.raises(DBAPIError, match="fixed"):
            async with db.begin_nested():
                await db.execute(text(f"UPDATE funds_claims SET {change} WHERE id = :i"), {"i": claim["id"]})
    body, _ = await _read(client, cast, claim["id"])
    assert body["amount"] == "800.00" and body["line_id"] == road
