"""The finance section: generated from the village's ledger at publish time, frozen with a hash,
never typed, and a later reversal shows as a mismatch (internally and on the public page)."""

from datetime import date

from disclosure_helpers import API, VILLAGE, texts

from cunzhi.kit import clock

FUNDS = "/api/v1/funds"


def income(amount: str, voucher: str) -> dict[str, str]:
    return {"amount": amount, "source": "transfer", "description": "村级运转经费", "payer": "县财政局",
            "voucher_no": voucher, "received_on": clock.local_today().isoformat()}


async def test_the_finance_section_is_the_ledger_and_a_later_reversal_shows(api, month_round, publish) -> None:  # type: ignore[no-untyped-def]
    with clock.travel(date(2027, 2, 10)):
        await api("agency01", "POST", f"{FUNDS}/villages/{VILLAGE}/account", status=201) \
            if not (await api("agency01", "GET", f"{FUNDS}/accounts?village_code={VILLAGE}"))["items"] else None
        first = await api("agency01", "POST", f"{FUNDS}/villages/{VILLAGE}/income", status=201,
                          json=income("1200.50", "收-2702-1"))
        await api("agency01", "POST", f"{FUNDS}/villages/{VILLAGE}/income", status=201,
                  json=income("300.00", "收-2702-2"))
    r = await month_round(2027, 3)
    base = f"{API}/rounds/{r['id']}/villages/{VILLAGE}"
    with clock.travel(date(2027, 3, 3)):
        page = await api("secretary01", "GET", base)
        finance_item = next(i for i in page["items"] if i["section"] == "finance")
        typed = await api("secretary01", "POST", f"{base}/publish", status=422, headers={"If-Match": page["_etag"]},
                          json={"entries": [*texts(page["items"]), {"item_id": finance_item["id"], "text": "收入 0 元"}]})
        assert typed["code"] == "finance_generated"
        over = await api("township01", "PATCH", f"{API}/rounds/{r['id']}/items/{finance_item['id']}", status=409,
                         json={"title": "手工财务"}, headers={"If-Match": f'W/"{finance_item["version"]}"'})
        assert over["code"] == "finance_generated"
        done = await publish(r["id"])
    fin = done["publication"]["finance"]
    st = await api("agency01", "GET", f"{FUNDS}/villages/{VILLAGE}/statements/monthly?year=2027&month=2")
    frozen = fin["frozen"]
    assert fin["period"] == "2027-02" and fin["matches"] and fin["current"] is None
    assert fin["frozen_hash"] == fin["current_hash"] and len(fin["frozen_hash"]) == 64
    for key in ("opening_balance", "income", "income_reversed", "closing_balance"):
        assert frozen[key] == st[key], key
    assert frozen["spending"] == st["spending_paid"]
    booked = {(e["amount"], e["reversed"]) for e in frozen["entries"] if e["kind"] == "income"}
    assert {("1200.50", False), ("300.00", False)} <= booked
    assert not any(k in e for e in frozen["entries"] for k in ("payer", "voucher_no", "booked_by"))

    # the agency reverses February's entry in March: the books of February now differ from the page
    with clock.travel(date(2027, 3, 8)):
        await api("agency01", "POST", f"{FUNDS}/ledger/{first['id']}/reverse", status=201,
                  json={"reason": "重复入账"})
        page = await api("township01", "GET", base)
    fin = page["publication"]["finance"]
    assert not fin["matches"] and fin["frozen_hash"] != fin["current_hash"]
    assert fin["frozen"] == frozen  # what was published is kept as it was
    now = {e["entry_id"]: e["reversed"] for e in fin["current"]["entries"]}
    assert now[first["id"]] is True
    public = await api(None, "GET", f"/api/v1/public/villages/{VILLAGE}/disclosures/2027/3")
    assert public["finance"]["matches"] is False and public["finance"]["frozen_hash"] == fin["frozen_hash"]
    # the public reads the same books without the ledger's ids
    assert public["finance"]["frozen"] == {**frozen, "entries": [
        {k: v for k, v in e.items() if k not in ("entry_id", "reverses_entry_id")} for e in frozen["entries"]]}
