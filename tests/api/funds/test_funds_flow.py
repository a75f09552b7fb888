"""The claim and budget workflows through the API, end to end."""

from funds_helpers import (
    API,
    PDF,
    Cast,
    act,
    approved_budget,
    balance,
    file_claim,
    line,
    ok,
    open_with_income,
    this_year,
)

from cunzhi.kit.clock import local_today


async def test_budget_returned_edited_approved_then_claim_paid(client, cast: Cast):
    sec, off, com, agy = (cast.headers[r] for r in ("secretary", "official", "committee", "agency"))
    code = cast.village.code
    await open_with_income(client, cast, "50000.00")
    assert await balance(client, cast) == "50000.00"

    body = {"year": this_year(), "note": "草案", "lines": [{"category": "public_works", "purpose": "道路", "amount": "9000"}]}
    budget = await ok(await client.post(f"{API}/villages/{code}/budgets", json=body, headers=sec), 201)
    assert budget["status"] == "draft" and budget["lines"][0]["planned"] == "9000.00"
    assert budget["lines"][0]["approved"] == "0.00"
    await ok(await client.post(f"{API}/budgets/{budget['id']}/submit", headers=sec))
    r = await client.post(f"{API}/budgets/{budget['id']}/return", headers=off)
    assert r.status_code == 422  # reasons required
    returned = await ok(await client.post(f"{API}/budgets/{budget['id']}/return", headers=off,
                                          json={"reason": "请补充办公经费"}))
    assert returned["status"] == "returned" and returned["return_reason"] == "请补充办公经费"

    got = await client.get(f"{API}/budgets/{budget['id']}", headers=sec)
    etag = got.headers["ETag"]
    edit = {"note": "修改稿", "lines": [{"category": "public_works", "purpose": "道路", "amount": "9000.00"},
                                       {"category": "office", "purpose": "办公", "amount": "2000.50"}]}
    assert (await client.put(f"{API}/budgets/{budget['id']}", json=edit, headers=sec)).status_code == 428
    assert (await client.put(f"{API}/budgets/{budget['id']}", json=edit,
                             headers={**sec, "If-Match": 'W/"999"'})).status_code == 412
    edited = await client.put(f"{API}/budgets/{budget['id']}", json=edit, headers={**sec, "If-Match": etag})
    assert edited.status_code == 200 and edited.headers["ETag"] != etag
    assert edited.json()["total_planned"] == "11000.50"
    await ok(await client.post(f"{API}/budgets/{budget['id']}/submit", headers=sec))
    approved = await ok(await client.post(f"{API}/budgets/{budget['id']}/approve", headers=off))
    assert approved["status"] == "approved" and approved["total_approved"] == "11000.50"
    assert [e["action"] for e in approved["trail"]] == ["create", "submit", "return", "edit", "submit", "approve"]
    # Approved lines are no longer edited directly.
    r = await client.put(f"{API}/budgets/{budget['id']}", json=edit,
                         headers={**sec, "If-Match": f'W/"{approved["version"]}"'})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"

    office = next(x for x in approved["lines"] if x["category"] == "office")
    claim = await ok(await file_claim(client, cast, office["id"], "1200.50", "打印机", invoice=False), 201)
    assert claim["status"] == "draft" and claim["needs_approval"] is False and claim["actions"] == [
        "submit", "reject", "withdraw"]
    assert (await line(client, cast, budget["id"], office["id"]))["committed"] == "1200.50"

    up = await client.post(f"{API}/claims/{claim['id']}/attachments", headers=sec,
                           files={"file": ("发票.pdf", PDF, "application/pdf")})
    att = await ok(up, 201)
    assert att["size"] == len(PDF) and att["content_type"] == "application/pdf" and len(att["sha256"]) == 64
    down = await client.get(f"{API}/attachments/{att['id']}", headers=com)
    assert down.status_code == 200 and down.content == PDF and down.headers["content-type"] == "application/pdf"

    await ok(await act(client, cast, "secretary", claim["id"], "submit"))
    signed = await ok(await act(client, cast, "committee", claim["id"], "sign"))
    assert signed["status"] == "committee_signed" and signed["actions"] == ["pay", "reject", "withdraw"]
    # Invoices are fixed once the committee has signed.
    late = await client.post(f"{API}/claims/{claim['id']}/attachments", headers=sec,
                             files={"file": ("x.pdf", PDF, "application/pdf")})
    assert late.status_code == 409
    paid = await ok(await act(client, cast, "agency", claim["id"], "pay"))
    assert paid["status"] == "paid" and paid["payment_entry_id"]
    assert [(e["action"], e["actor_role"]) for e in paid["trail"]] == [
        ("create", "village_committee"), ("attach", "village_committee"), ("submit", "village_committee"),
        ("sign", "supervision_committee"), ("pay", "township_agency")]
    assert await balance(client, cast) == "48799.50"
    assert (await line(client, cast, budget["id"], office["id"]))["paid"] == "1200.50"

    ledger = await ok(await client.get(f"{API}/villages/{code}/ledger", headers=agy))
    assert [(e["kind"], e["amount"], e["effect"]) for e in ledger["items"]] == [
        ("payment", "1200.50", "-1200.50"), ("income", "50000.00", "50000.00")]
    today = local_today()
    month = await ok(await client.get(f"{API}/villages/{code}/statements/monthly", headers=com,
                                      params={"year": today.year, "month": today.month}))
    year = await ok(await client.get(f"{API}/villages/{code}/statements/yearly", headers=com,
                                     params={"year": today.year}))
    for st in (month, year):
        assert (st["opening_balance"], st["income"], st["net_spending"], st["closing_balance"]) == (
            "0.00", "50000.00", "1200.50", "48799.50")
        assert st["spending_by_line"] == [{"line_id": office["id"], "category": "office", "purpose": "办公",
                                           "paid": "1200.50", "reversed": "0.00", "net": "1200.50"}]
    nxt = await ok(await client.get(f"{API}/villages/{code}/statements/yearly", headers=com,
                                    params={"year": today.year + 1}))
    assert nxt["opening_balance"] == nxt["closing_balance"] == "48799.50" and nxt["spending_by_line"] == []


async def test_claim_over_the_limit_needs_township_approval(client, cast: Cast):
    await open_with_income(client, cast)
    r = await client.put(f"{API}/townships/230199101000/settings", headers=cast.headers["official"],
                         json={"single_claim_limit": "3000.00"})
    assert (await ok(r))["single_claim_limit"] == "3000.00"
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    at_limit = await ok(await file_claim(client, cast, road, "3000.00"), 201)
    over = await ok(await file_claim(client, cast, road, "3000.01"), 201)
    assert at_limit["needs_approval"] is False and over["needs_approval"] is True
    for who, action in [("secretary", "submit"), ("committee", "sign")]:
        await ok(await act(client, cast, who, over["id"], action))
    r = await act(client, cast, "agency", over["id"], "pay")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    queue = await ok(await client.get(f"{API}/claims", headers=cast.headers["official"],
                                      params={"status": "committee_signed", "needs_approval": "true",
                                              "village_code": cast.village.code}))
    assert [c["id"] for c in queue["items"]] == [over["id"]]
    approved = await ok(await act(client, cast, "official", over["id"], "approve"))
    assert approved["status"] == "township_approved"
    paid = await ok(await act(client, cast, "agency", over["id"], "pay"))
    assert paid["status"] == "paid"
    assert await balance(client, cast) == "96999.99"


async def test_reject_and_withdraw_release_the_reservation(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    a = await ok(await file_claim(client, cast, road, "6000.00"), 201)
    b = await ok(await file_claim(client, cast, road, "4000.00"), 201)
    r = await file_claim(client, cast, road, "0.01")
    assert r.status_code == 409 and r.json()["code"] == "budget_exceeded" and r.json()["available"] == "0.00"
    await ok(await act(client, cast, "secretary", a["id"], "submit"))
    r = await act(client, cast, "committee", a["id"], "reject")
    assert r.status_code == 422  # a rejection gives reasons
    rejected = await ok(await act(client, cast, "committee", a["id"], "reject", "发票不合规"))
    assert rejected["status"] == "rejected" and rejected["trail"][-1]["reason"] == "发票不合规"
    assert rejected["trail"][-1]["data"] == {"released": "6000.00"}
    assert (await line(client, cast, budget["id"], road))["committed"] == "4000.00"
    await ok(await act(client, cast, "secretary", b["id"], "withdraw"))
    assert (await line(client, cast, budget["id"], road))["committed"] == "0.00"
    # Closed claims stay closed.
    for claim_id, action in [(a["id"], "submit"), (b["id"], "withdraw"), (a["id"], "pay")]:
        who = "agency" if action == "pay" else "secretary"
        r = await act(client, cast, who, claim_id, action)
        assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert (await line(client, cast, budget["id"], road))["committed"] == "0.00"
    assert await balance(client, cast) == "100000.00"


async def test_amendments_change_an_approved_line_only_when_approved(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    await ok(await file_claim(client, cast, road, "8000.00"), 201)
    r = await client.post(f"{API}/lines/{road}/amendments", headers=cast.headers["secretary"],
                          json={"new_amount": "7999.99", "reason": "压缩"})
    assert r.status_code == 409 and r.json()["code"] == "amendment_below_committed"
    up = await ok(await client.post(f"{API}/lines/{road}/amendments", headers=cast.headers["secretary"],
                                    json={"new_amount": "15000.00", "reason": "增加排水沟"}), 201)
    r = await client.post(f"{API}/lines/{road}/amendments", headers=cast.headers["secretary"],
                          json={"new_amount": "16000.00", "reason": "再加"})
    assert r.status_code == 409 and r.json()["code"] == "amendment_pending"
    assert (await line(client, cast, budget["id"], road))["approved"] == "10000.00"  # not before approval
    r = await client.post(f"{API}/amendments/{up['id']}/approve", headers=cast.headers["secretary"])
    assert r.status_code == 403
    done = await ok(await client.post(f"{API}/amendments/{up['id']}/approve", headers=cast.headers["official"]))
    assert done["status"] == "approved"
    assert (await line(client, cast, budget["id"], road))["approved"] == "15000.00"
    await ok(await file_claim(client, cast, road, "7000.00"), 201)
    down = await ok(await client.post(f"{API}/lines/{road}/amendments", headers=cast.headers["secretary"],
                                      json={"new_amount": "15500.00", "reason": "再加一点"}), 201)
    r = await client.post(f"{API}/amendments/{down['id']}/return", headers=cast.headers["official"], json={})
    assert r.status_code == 422
    ret = await ok(await client.post(f"{API}/amendments/{down['id']}/return", headers=cast.headers["official"],
                                     json={"reason": "依据不足"}))
    assert ret["status"] == "returned" and ret["decision_reason"] == "依据不足"
    full = await ok(await client.get(f"{API}/budgets/{budget['id']}", headers=cast.headers["secretary"]))
    assert [(a["status"], a["new_amount"]) for a in full["amendments"]] == [
        ("approved", "15000.00"), ("returned", "15500.00")]


async def test_closed_year_takes_no_claims_and_open_claims_block_closing(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    claim = await ok(await file_claim(client, cast, road, "100.00"), 201)
    r = await client.post(f"{API}/budgets/{budget['id']}/close", headers=cast.headers["official"])
    assert r.status_code == 409 and r.json()["code"] == "budget_has_open_claims"
    await ok(await act(client, cast, "secretary", claim["id"], "withdraw"))
    closed = await ok(await client.post(f"{API}/budgets/{budget['id']}/close", headers=cast.headers["official"]))
    assert closed["status"] == "closed"
    r = await file_claim(client, cast, road, "100.00")
    assert r.status_code == 409 and r.json()["code"] == "budget_not_open"
    r = await client.post(f"{API}/lines/{road}/amendments", headers=cast.headers["secretary"],
                          json={"new_amount": "20000.00", "reason": "x" * 3})
    assert r.status_code == 409 and r.json()["code"] == "budget_not_open"
    # A budget not yet approved takes no claims either.
    draft = await ok(await client.post(f"{API}/villages/{cast.village.code}/budgets", headers=cast.headers["secretary"],
                                       json={"year": 2032, "lines": [{"category": "office", "purpose": "x",
                                                                      "amount": "5.00"}]}), 201)
    r = await file_claim(client, cast, draft["lines"][0]["id"], "1.00")
    assert r.status_code == 409 and r.json()["code"] == "budget_not_open"
    r = await client.post(f"{API}/villages/{cast.village.code}/budgets", headers=cast.headers["secretary"],
                          json={"year": 2032, "lines": [{"category": "office", "purpose": "x", "amount": "5.00"}]})
    assert r.status_code == 409 and r.json()["code"] == "budget_exists"
