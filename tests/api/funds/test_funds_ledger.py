"""The ledger: append-only in the database, corrected only by reversals; bad input changes nothing."""

import pytest
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
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError


async def _paid_claim(client, cast: Cast, amount: str = "700.00"):  # type: ignore[no-untyped-def]
    await open_with_income(client, cast, "5000.00")
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    claim = await ok(await file_claim(client, cast, road, amount), 201)
    await ok(await client.post(f"{API}/claims/{claim['id']}/attachments", headers=cast.headers["secretary"],
                               files={"file": ("invoice.pdf", PDF, "application/pdf")}), 201)
    for who, action in [("secretary", "submit"), ("committee", "sign"), ("agency", "pay")]:
        await ok(await act(client, cast, who, claim["id"], action))
    return budget, road, await ok(await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["agency"]))


async def _snapshot(client, cast: Cast, budget_id: int, line_id: int):  # type: ignore[no-untyped-def]
    ledger = await ok(await client.get(f"{API}/villages/{cast.village.code}/ledger", headers=cast.headers["agency"]))
    return await balance(client, cast), await line(client, cast, budget_id, line_id), len(ledger["items"])


async def _raw(db, sql: str, **params):  # type: ignore[no-untyped-def]
    """Run SQL in a savepoint and return the error PostgreSQL raised, if any."""
    try:
        async with db.begin_nested():
            await db.execute(text(sql), params)
    except DBAPIError as exc:
        return str(exc.orig)
    return None


async def test_ledger_refuses_update_delete_and_truncate(client, db, cast: Cast):
    budget, road, claim = await _paid_claim(client, cast)
    entry = claim["payment_entry_id"]
    before = await _snapshot(client, cast, budget["id"], road)
    for sql in ["UPDATE funds_ledger_entries SET amount = 1 WHERE id = :id",
                "UPDATE funds_ledger_entries SET description = 'edited' WHERE id = :id",
                "DELETE FROM funds_ledger_entries WHERE id = :id"]:
        error = await _raw(db, sql, id=entry)
        assert error and "append-only" in error, sql
    assert "append-only" in (await _raw(db, "TRUNCATE funds_ledger_entries CASCADE") or "")
    for table in ("funds_events", "funds_attachments"):
        assert "append-only" in (await _raw(db, f"DELETE FROM {table}") or ""), table
        assert "append-only" in (await _raw(db, f"UPDATE {table} SET id = id") or ""), table
    # A paid claim is frozen, and a claim's amount never changes.
    assert "not changed any more" in (await _raw(db, "UPDATE funds_claims SET status = 'draft' WHERE id = :id",
                                                 id=claim["id"]) or "")
    assert "never deleted" in (await _raw(db, "DELETE FROM funds_claims WHERE id = :id", id=claim["id"]) or "")
    assert await _snapshot(client, cast, budget["id"], road) == before
    # And there is no route that edits or deletes an entry.
    for method in ("PUT", "PATCH", "DELETE"):
        r = await client.request(method, f"{API}/ledger/{entry}", headers=cast.headers["agency"], json={})
        assert r.status_code in (404, 405), method


async def test_database_rules_hold_without_the_application(client, db, cast: Cast):
    _budget, road, claim = await _paid_claim(client, cast)
    checks = {
        "UPDATE funds_budget_lines SET committed = approved + 0.01 WHERE id = :id": "committed_within_approved",
        "UPDATE funds_budget_lines SET paid = committed + 1 WHERE id = :id": "committed_within_approved",
        "UPDATE funds_budget_lines SET committed = -1, paid = -1 WHERE id = :id": "committed_within_approved",
    }
    for sql, constraint in checks.items():
        assert constraint in (await _raw(db, sql, id=road) or ""), sql
    vid = cast.village.id
    # The balance trigger: no overdraft, and a payment must match its claim.
    overdraft = await _raw(db, "INSERT INTO funds_ledger_entries (village_id, kind, amount, booked_on, description,"
                               " line_id, claim_id, booked_by) VALUES (:v, 'payment', 4300.01, current_date, 'x',"
                               " :l, :c, 'x')", v=vid, l=road, c=claim["id"])
    assert overdraft and "payment pays one claim" in overdraft
    second = await _raw(db, "INSERT INTO funds_ledger_entries (village_id, kind, amount, booked_on, description,"
                            " line_id, claim_id, booked_by) VALUES (:v, 'payment', 700, current_date, 'x',"
                            " :l, :c, 'x')", v=vid, l=road, c=claim["id"])
    assert second and "claim_paid_once" in second
    reversal = await _raw(db, "INSERT INTO funds_ledger_entries (village_id, kind, amount, booked_on, description,"
                              " reverses_id, booked_by) VALUES (:v, 'reversal', 1, current_date, 'x', :e, 'x')",
                          v=vid, e=claim["payment_entry_id"])
    assert reversal and "for its full amount" in reversal
    broke = await _raw(db, "UPDATE funds_accounts SET balance = -1 WHERE village_id = :v", v=vid)
    assert broke and "only a ledger entry moves it" in broke


async def test_reversal_restores_balance_and_line_once_only(client, cast: Cast):
    budget, road, claim = await _paid_claim(client, cast)
    assert await balance(client, cast) == "4300.00"
    entry = claim["payment_entry_id"]
    r = await client.post(f"{API}/ledger/{entry}/reverse", headers=cast.headers["agency"], json={})
    assert r.status_code == 422
    rev = await ok(await client.post(f"{API}/ledger/{entry}/reverse", headers=cast.headers["agency"],
                                     json={"reason": "收款人有误"}), 201)
    assert rev["kind"] == "reversal" and rev["reverses_id"] == entry and rev["effect"] == "700.00"
    assert rev["claim_id"] == claim["id"] and rev["line_id"] == road
    assert await balance(client, cast) == "5000.00"
    assert (await line(client, cast, budget["id"], road))[("committed")] == "0.00"
    again = await client.post(f"{API}/ledger/{entry}/reverse", headers=cast.headers["agency"],
                              json={"reason": "再冲一次"})
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    of_reversal = await client.post(f"{API}/ledger/{rev['id']}/reverse", headers=cast.headers["agency"],
                                    json={"reason": "冲销冲销"})
    assert of_reversal.status_code == 409 and of_reversal.json()["code"] == "reversal_not_reversible"
    ledger = await ok(await client.get(f"{API}/villages/{cast.village.code}/ledger", headers=cast.headers["agency"]))
    original = next(e for e in ledger["items"] if e["id"] == entry)
    assert original["reversed_by_id"] == rev["id"] and original["amount"] == "700.00"
    year = await ok(await client.get(f"{API}/villages/{cast.village.code}/statements/yearly",
                                     headers=cast.headers["committee"], params={"year": rev["booked_on"][:4]}))
    assert year["spending_by_line"][0]["paid"] == "700.00" and year["spending_by_line"][0]["reversed"] == "700.00"
    assert year["net_spending"] == "0.00" and year["reversal_count"] == 1 and year["closing_balance"] == "5000.00"


async def test_income_reversal_cannot_overdraw(client, cast: Cast):
    _budget, _road, _claim = await _paid_claim(client, cast, "4000.00")
    ledger = await ok(await client.get(f"{API}/villages/{cast.village.code}/ledger", headers=cast.headers["agency"]))
    income = next(e for e in ledger["items"] if e["kind"] == "income")
    r = await client.post(f"{API}/ledger/{income['id']}/reverse", headers=cast.headers["agency"],
                          json={"reason": "误记"})
    assert r.status_code == 409 and r.json()["code"] == "insufficient_funds" and r.json()["balance"] == "1000.00"
    assert await balance(client, cast) == "1000.00"


async def test_paying_needs_money_in_the_account(client, cast: Cast):
    await open_with_income(client, cast, "100.00")
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "100.01"), 201)
    for who, action in [("secretary", "submit"), ("committee", "sign")]:
        await ok(await act(client, cast, who, claim["id"], action))
    r = await act(client, cast, "agency", claim["id"], "pay")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_funds"
    got = await ok(await client.get(f"{API}/claims/{claim['id']}", headers=cast.headers["agency"]))
    assert got["status"] == "committee_signed" and got["payment_entry_id"] is None
    assert (await line(client, cast, budget["id"], budget["lines"][0]["id"]))["paid"] == "0.00"
    assert await balance(client, cast) == "100.00"


@pytest.mark.parametrize("amount", ["-1.00", "0", "0.00", "1.001", "abc", "1234567890123.00", "NaN", "-0.01", 12.5, True,
                                    None, ""])
async def test_bad_amounts_are_422_and_change_nothing(client, cast: Cast, amount):  # type: ignore[no-untyped-def]
    budget, road, _claim = await _paid_claim(client, cast)
    before = await _snapshot(client, cast, budget["id"], road)
    code = cast.village.code
    attempts = [
        ("POST", f"/villages/{code}/income", "agency", {"amount": amount, "source": "rent", "description": "x"}),
        ("POST", f"/villages/{code}/claims", "secretary", {"line_id": road, "amount": amount, "purpose": "x",
                                                          "payee": "y"}),
        ("POST", f"/lines/{road}/amendments", "secretary", {"new_amount": amount, "reason": "调整"}),
        ("POST", f"/villages/{code}/budgets", "secretary",
         {"year": 2039, "lines": [{"category": "office", "purpose": "x", "amount": amount}]}),
        ("PUT", "/townships/230199101000/settings", "official", {"single_claim_limit": amount}),
    ]
    for method, path, who, body in attempts:
        r = await client.request(method, API + path, headers=cast.headers[who], json=body)
        assert r.status_code == 422, (amount, path, r.text)
        assert r.json()["code"] == "validation_error" and r.json()["errors"]
    assert await _snapshot(client, cast, budget["id"], road) == before


async def test_claim_on_another_villages_line_is_refused(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    road = budget["lines"][0]["id"]
    # The neighbour's secretary names this village's line from their own village.
    r = await client.post(f"{API}/villages/{cast.other.code}/claims", headers=cast.headers["other_secretary"],
                          json={"line_id": road, "amount": "1.00", "purpose": "x", "payee": "y"})
    assert r.status_code == 422 and r.json()["code"] == "line_not_in_village"
    missing = await client.post(f"{API}/villages/{cast.other.code}/claims", headers=cast.headers["other_secretary"],
                                json={"line_id": 99999999, "amount": "1.00", "purpose": "x", "payee": "y"})
    assert missing.status_code == 422 and missing.json()["code"] == "line_not_in_village"
    assert (await line(client, cast, budget["id"], road))["committed"] == "0.00"


async def test_attachments_are_checked(client, cast: Cast):
    await open_with_income(client, cast)
    budget = await approved_budget(client, cast)
    claim = await ok(await file_claim(client, cast, budget["lines"][0]["id"], "1.00", invoice=False), 201)
    url = f"{API}/claims/{claim['id']}/attachments"
    h = cast.headers["secretary"]
    fake = await client.post(url, headers=h, files={"file": ("invoice.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert fake.status_code == 422 and fake.json()["code"] == "attachment_refused"
    empty = await client.post(url, headers=h, files={"file": ("e.pdf", b"", "application/pdf")})
    assert empty.status_code == 422
    big = await client.post(url, headers=h, files={"file": ("b.pdf", PDF + b"0" * (2 * 1024 * 1024), "application/pdf")})
    assert big.status_code in (413, 422)
    png = await ok(await client.post(url, headers=h, files={"file": ("../../etc/p.png", b"\x89PNG\r\n\x1a\n" + b"1" * 50,
                                                                     "application/pdf")}), 201)
    assert png["content_type"] == "image/png" and "/" not in png["filename"]
    got = await ok(await client.get(f"{API}/claims/{claim['id']}", headers=h))
    assert [a["id"] for a in got["attachments"]] == [png["id"]]
