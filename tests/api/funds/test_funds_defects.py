"""The money defects found in the users' trial: invoices, reversed claims, the balance, approved
amounts, income vouchers, claims on next year's budget, and the committee seeing drafts."""

from datetime import timedelta

from funds_helpers import (
    API,
    Cast,
    act,
    approved_budget,
    balance,
    file_claim,
    income_body,
    line,
    ok,
    open_with_income,
    this_year,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cunzhi.kit import clock


async def _raw(db, sql: str, **params):  # type: ignore[no-untyped-def]
    try:
        async with db.begin_nested():
            await db.execute(text(sql), params)
    except DBAPIError as exc:
        return str(exc.orig)
    return None


# ---- 1: no invoice, no payment ------------------------------------------------------------------


async def test_a_claim_without_invoice_is_not_submitted_signed_or_paid(client, db, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "6000.00", invoice=False), 201)
    assert "submit" not in claim["allowed_actions"] and claim["attachments"] == []
    r = await act(client, cast, "secretary", claim["id"], "submit")
    assert r.status_code == 409 and r.json()["code"] == "invoice_required"
    # A claim filed before the rule (submitted with no invoice) is refused at every later step.
    await db.execute(text("UPDATE funds_claims SET status = 'submitted', submitted_at = now() WHERE id = :id"),
                     {"id": claim["id"]})
    r = await act(client, cast, "committee", claim["id"], "sign")
    assert r.status_code == 409 and r.json()["code"] == "invoice_required"
    await db.execute(text("UPDATE funds_claims SET status = 'township_approved' WHERE id = :id"), {"id": claim["id"]})
    r = await act(client, cast, "agency", claim["id"], "pay")
    assert r.status_code == 409 and r.json()["code"] == "invoice_required"
    got = await ok(await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["agency"]))
    assert got["status"] == "township_approved" and got["allowed_actions"] == ["reject"]
    assert await balance(client, cast) == "100000.00"


async def test_the_township_exempts_a_claim_with_a_reason(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "800.00", invoice=False), 201)
    url = f"{API}/claims/{claim['id']}/invoice-exemption"
    assert (await client.post(url, headers=cast.headers["secretary"], json={"reason": "现金救助"})).status_code == 403
    r = await client.post(url, headers=cast.headers["official"], json={})
    assert r.status_code == 422
    seen = await ok(await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["official"]))
    assert "exempt_invoice" in seen["allowed_actions"]
    done = await ok(await client.post(url, headers=cast.headers["official"], json={"reason": "临时救助以现金发放，无发票"}))
    assert done["invoice_exemption"]["reason"] == "临时救助以现金发放，无发票"
    assert done["invoice_exemption"]["granted_by"].startswith("t_official")
    assert done["trail"][-1]["action"] == "exempt_invoice" and "exempt_invoice" not in done["allowed_actions"]
    again = await client.post(url, headers=cast.headers["official"], json={"reason": "再来一次"})
    assert again.status_code == 409 and again.json()["code"] == "already_exempted"
    for who, action in [("secretary", "submit"), ("committee", "sign"), ("agency", "pay")]:
        await ok(await act(client, cast, who, claim["id"], action))
    # A claim with its invoice needs no exemption.
    other = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "10.00"), 201)
    r = await client.post(f"{API}/claims/{other['id']}/invoice-exemption", headers=cast.headers["official"],
                          json={"reason": "不需要"})
    assert r.status_code == 409 and r.json()["code"] == "invoice_present"


# ---- 2: a reversed payment reads as reversed ------------------------------------------------------


async def test_reversing_a_payment_marks_the_claim_reversed(client, db, cast: Cast):
    await open_with_income(client, cast, "5000.00")
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    claim = await ok(await file_claim(client, cast, road, "700.00"), 201)
    for who, action in [("secretary", "submit"), ("committee", "sign"), ("agency", "pay")]:
        paid = await ok(await act(client, cast, who, claim["id"], action))
    assert paid["reversal"] is None and "reverse" in paid["allowed_actions"]
    # Nothing but the reversal of its payment turns a paid claim reversed.
    error = await _raw(db, "UPDATE funds_claims SET status = 'reversed' WHERE id = :id", id=claim["id"])
    assert error and "only when its payment is reversed" in error
    assert (await client.post(f"{API}/claims/{claim['id']}/reverse", headers=cast.headers["agency"])).status_code in (
        404, 405)
    rev = await ok(await client.post(f"{API}/ledger/{paid['payment_entry_id']}/reverse",
                                     headers=cast.headers["agency"], json={"reason": "收款人账号有误"}), 201)
    got = await ok(await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["committee"]))
    assert got["status"] == "reversed" and got["allowed_actions"] == [] and got["actions"] == []
    assert got["reversal"]["entry_id"] == rev["id"] and got["reversal"]["reverses_id"] == paid["payment_entry_id"]
    assert got["reversal"]["reason"] == "收款人账号有误" and got["reversal"]["booked_by"].startswith("t_agency")
    assert got["trail"][-1]["action"] == "reverse" and got["trail"][-1]["to_state"] == "reversed"
    listed = await ok(await client.get(f"{API}/claims", headers=cast.headers["agency"], params={"status": "reversed"}))
    assert [c["id"] for c in listed["items"]] == [claim["id"]]
    assert (await line(client, cast, budget["id"], road))["paid"] == "0.00"
    frozen = await _raw(db, "UPDATE funds_claims SET status = 'paid' WHERE id = :id", id=claim["id"])
    assert frozen and "not changed any more" in frozen


# ---- 3: the balance is the ledger's sum -----------------------------------------------------------


async def test_the_balance_moves_only_with_the_ledger(client, db, cast: Cast):
    await open_with_income(client, cast, "1000.00")
    vid = cast.village.id
    for sql in ["UPDATE funds_accounts SET balance = balance + 1 WHERE village_id = :v",
                "UPDATE funds_accounts SET balance = 0 WHERE village_id = :v",
                "DELETE FROM funds_accounts WHERE village_id = :v"]:
        error = await _raw(db, sql, v=vid)
        assert error and ("only a ledger entry moves it" in error or "never deleted" in error), sql
    fake = await _raw(db, "INSERT INTO funds_accounts (village_id, balance, opened_by) VALUES (:v, 500, 'x')",
                      v=cast.other.id)
    assert fake and "only a ledger entry moves it" in fake
    assert await balance(client, cast) == "1000.00"
    # A ledger entry written by hand still moves it, exactly.
    await db.execute(text("INSERT INTO funds_ledger_entries (village_id, kind, amount, booked_on, source, description,"
                          " booked_by) VALUES (:v, 'income', 0.5, current_date, 'other', 'x', 'x'),"
                          " (:v, 'income', 0.25, current_date, 'other', 'y', 'x')"), {"v": vid})
    assert await balance(client, cast) == "1000.75"


# ---- 23: approved amounts per line; income vouchers -----------------------------------------------


async def test_the_township_approves_less_than_requested_with_a_reason(client, cast: Cast):
    sec, off = cast.headers["secretary"], cast.headers["official"]
    body = {"year": this_year(), "lines": [{"category": "public_works", "purpose": "道路", "amount": "10000.00"},
                                           {"category": "office", "purpose": "办公", "amount": "3000.00"}]}
    budget = await ok(await client.post(f"{API}/villages/{cast.village.code}/budgets", json=body, headers=sec), 201)
    road, office = (x["id"] for x in budget["lines"])
    await ok(await client.post(f"{API}/budgets/{budget['id']}/submit", headers=sec))
    url = f"{API}/budgets/{budget['id']}/approve"
    above = await client.post(url, headers=off, json={"lines": [{"line_id": road, "approved": "10000.01"}]})
    assert above.status_code == 422 and above.json()["errors"][0]["loc"] == ["body", "lines", 0, "approved"]
    no_reason = await client.post(url, headers=off, json={"lines": [{"line_id": road, "approved": "8000.00"}]})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["loc"] == ["body", "lines", 0, "reason"]
    stranger = await client.post(url, headers=off, json={"lines": [{"line_id": 99999, "approved": "1.00"}]})
    assert stranger.status_code == 422
    assert (await ok(await client.get(f"{API}/budgets/{budget['id']}", headers=off)))["status"] == "submitted"
    approved = await ok(await client.post(url, headers=off, json={
        "lines": [{"line_id": road, "approved": "8000.00", "reason": "路段缩短，按实际长度核定"}]}))
    lines = {x["id"]: x for x in approved["lines"]}
    assert (lines[road]["planned"], lines[road]["approved"], lines[road]["approval_reason"]) == (
        "10000.00", "8000.00", "路段缩短，按实际长度核定")
    assert (lines[office]["approved"], lines[office]["approval_reason"]) == ("3000.00", None)
    assert approved["total_approved"] == "11000.00"
    assert approved["trail"][-1]["data"]["reduced"][0]["approved"] == "8000.00"
    await open_with_income(client, cast)
    r = await file_claim(client, cast, road, "8000.01")
    assert r.status_code == 409 and r.json()["code"] == "budget_exceeded"


async def test_income_records_date_payer_and_voucher(client, cast: Cast):
    h, code = cast.headers["agency"], cast.village.code
    await ok(await client.post(f"{API}/villages/{code}/account", headers=h), 201)
    url = f"{API}/villages/{code}/income"
    tomorrow = (clock.local_today() + timedelta(days=1)).isoformat()
    bad = [
        {k: v for k, v in income_body("10.00").items() if k != "voucher_no"},
        {k: v for k, v in income_body("10.00").items() if k != "payer"},
        {k: v for k, v in income_body("10.00").items() if k != "received_on"},
        income_body("10.00", voucher_no=" "),
        income_body("10.00", voucher_no="收 001"),
        income_body("10.00", voucher_no="x" * 41),
        income_body("10.00", received_on="2026-02-30"),
        income_body("10.00", received_on=tomorrow),
        income_body("10.00", payer=""),
    ]
    for body in bad:
        r = await client.post(url, headers=h, json=body)
        assert r.status_code == 422 and r.json()["errors"], body
    yesterday = (clock.local_today() - timedelta(days=1)).isoformat()
    entry = await ok(await client.post(url, headers=h, json=income_body(
        "10.00", received_on=yesterday, payer="张德福", voucher_no="收字第015号")), 201)
    assert (entry["received_on"], entry["payer"], entry["voucher_no"]) == (yesterday, "张德福", "收字第015号")
    ledger = await ok(await client.get(f"{API}/villages/{code}/ledger", headers=cast.headers["committee"]))
    assert [(e["payer"], e["voucher_no"]) for e in ledger["items"]] == [("张德福", "收字第015号")]


# ---- 26: claims on the current year's lines -------------------------------------------------------


async def test_claims_name_the_current_years_lines_unless_the_township_allows(client, cast: Cast):
    await open_with_income(client, cast)
    nxt = await approved_budget(client, cast, year=this_year() + 1)
    seen = await ok(await client.get(f"{API}/budgets/{nxt['id']}", headers=cast.headers["secretary"]))
    assert "file_claim" not in seen["allowed_actions"]
    r = await file_claim(client, cast, nxt["lines"][0]["id"], "100.00")
    assert r.status_code == 409 and r.json()["code"] == "budget_not_current_year"
    assert r.json()["budget_year"] == this_year() + 1
    assert (await line(client, cast, nxt["id"], nxt["lines"][0]["id"]))["committed"] == "0.00"
    current = await approved_budget(client, cast)
    assert "file_claim" in (await ok(await client.get(f"{API}/budgets/{current['id']}",
                                                      headers=cast.headers["secretary"])))["allowed_actions"]
    await ok(await file_claim(client, cast, current["lines"][0]["id"], "100.00"), 201)
    settings = f"{API}/townships/{cast.village.township_code}/settings"
    allowed = await ok(await client.put(settings, headers=cast.headers["official"],
                                        json={"single_claim_limit": "5000.00", "other_year_claims": True}))
    assert allowed["other_year_claims"] is True
    await ok(await file_claim(client, cast, nxt["lines"][0]["id"], "100.00"), 201)
    assert "file_claim" in (await ok(await client.get(f"{API}/budgets/{nxt['id']}",
                                                      headers=cast.headers["secretary"])))["allowed_actions"]


# ---- 20 (server): the committee sees submitted claims only ----------------------------------------


async def test_the_committee_never_sees_drafts(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    draft = await ok(await file_claim(client, cast, road, "10.00", "草稿"), 201)
    gone = await ok(await file_claim(client, cast, road, "20.00", "撤回的草稿"), 201)
    await ok(await act(client, cast, "secretary", gone["id"], "withdraw"))
    sent = await ok(await file_claim(client, cast, road, "30.00", "已提交"), 201)
    submitted = await ok(await act(client, cast, "secretary", sent["id"], "submit"))
    assert submitted["submitted_at"] is not None and draft["submitted_at"] is None
    com = cast.headers["committee"]
    listed = await ok(await client.get(f"{API}/claims", headers=com))
    assert [c["id"] for c in listed["items"]] == [sent["id"]] and listed["total"] == 1
    drafts = await ok(await client.get(f"{API}/claims", headers=com, params={"status": "draft"}))
    assert drafts["items"] == [] and drafts["total"] == 0
    for claim_id in (draft["id"], gone["id"]):
        r = await client.get(f"{API}/claims/{claim_id}", headers=com)
        assert r.status_code == 404 and r.json()["code"] == "claim_not_found"
        r = await act(client, cast, "committee", claim_id, "reject", "不行")
        assert r.status_code == 404
    # The secretary and the township still see them all.
    mine = await ok(await client.get(f"{API}/claims", headers=cast.headers["secretary"]))
    assert mine["total"] == 3
    township = await ok(await client.get(f"{API}/claims", headers=cast.headers["official"],
                                         params={"village_code": cast.village.code}))
    assert township["total"] == 3
