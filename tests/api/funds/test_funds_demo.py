"""The demo data leaves each role of the demo village with work, and its books add up."""

from funds_helpers import API, ok

V = "230199100200"


async def test_demo_books_and_queues(client, token_for):
    agency, township, committee = [await token_for(u) for u in ("agency01", "township01", "committee01")]
    account = await ok(await client.get(f"{API}/villages/{V}/account", headers=agency))
    year = await ok(await client.get(f"{API}/villages/{V}/statements/yearly", headers=committee,
                                     params={"year": 2026}))
    assert year["opening_balance"] == "0.00" and year["closing_balance"] == account["balance"]
    assert year["reversal_count"] == 1 and year["income_reversed"] == "18000.00"
    queue = await ok(await client.get(f"{API}/claims", headers=township,
                                      params={"status": "committee_signed", "needs_approval": "true"}))
    assert [c["amount"] for c in queue["items"]] == ["12800.00"]
    to_sign = await ok(await client.get(f"{API}/claims", headers=committee,
                                        params={"status": "submitted"}))
    assert to_sign["total"] == 1
    mine = await ok(await client.get(f"{API}/claims", headers=await token_for("secretary01")))
    statuses = {c["status"] for c in mine["items"]}
    assert statuses == {"draft", "submitted", "committee_signed", "paid", "rejected"}


async def test_demo_claims_past_their_draft_have_an_invoice_or_an_exemption(client, token_for):
    township = await token_for("township01")
    claims = await ok(await client.get(f"{API}/claims", headers=township, params={"village_code": V}))
    for c in claims["items"]:
        if c["status"] == "draft":
            continue
        detail = await ok(await client.get(f"{API}/claims/{c['id']}", headers=township))
        assert detail["attachments"] or detail["invoice_exemption"], c["purpose"]
    ledger = await ok(await client.get(f"{API}/villages/{V}/ledger", headers=township))
    # (an asset sale books its proceeds from the disposal, which names the buyer but no voucher yet)
    assert all(e["voucher_no"] and e["payer"] for e in ledger["items"] if e["kind"] == "income"
               and e["source"] != "asset_sale")
