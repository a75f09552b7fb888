"""Asset disposal and resource letting through the API: each step in order, by its role, recorded."""

from funds_helpers import Cast, balance, ok, open_with_income

ASSETS, RESOURCES = "/api/v1/assets", "/api/v1/resources"


async def test_asset_disposed_only_after_valuation_and_approval(client, cast: Cast):
    await open_with_income(client, cast, "100.00")
    sec, off, agy = cast.headers["secretary"], cast.headers["official"], cast.headers["agency"]
    asset = await ok(await client.post(ASSETS, headers=sec, json={
        "village_code": cast.village.code, "name": "旧拖拉机", "kind": "machinery", "book_value": "30000.00",
        "acquired_on": "2004-05-01"}), 201)
    assert asset["status"] == "registered" and asset["actions"] == ["value"]
    aid = asset["id"]
    sale = {"method": "sale", "proceeds": "9000.00", "counterparty": "赵德生"}
    r = await client.post(f"{ASSETS}/{aid}/dispose", headers=agy, json=sale)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = await client.post(f"{ASSETS}/{aid}/approve", headers=off, json={})
    assert r.status_code == 409
    await ok(await client.post(f"{ASSETS}/{aid}/value", headers=sec,
                               json={"amount": "8000.00", "appraiser": "县评估所"}))
    r = await client.post(f"{ASSETS}/{aid}/approve", headers=sec, json={})
    assert r.status_code == 403
    await ok(await client.post(f"{ASSETS}/{aid}/return", headers=off, json={"reason": "评估偏低，重新评估"}))
    await ok(await client.post(f"{ASSETS}/{aid}/value", headers=agy,
                               json={"amount": "9500.00", "appraiser": "市评估所"}))
    await ok(await client.post(f"{ASSETS}/{aid}/approve", headers=off, json={"note": "同意拍卖"}))
    r = await client.post(f"{ASSETS}/{aid}/dispose", headers=sec, json=sale)
    assert r.status_code == 403  # the agency records it, since it books the proceeds
    low = await client.post(f"{ASSETS}/{aid}/dispose", headers=agy, json=sale)
    assert low.status_code == 409 and low.json()["code"] == "below_valuation"
    bad = await client.post(f"{ASSETS}/{aid}/dispose", headers=agy, json={"method": "sale"})
    assert bad.status_code == 422
    done = await ok(await client.post(f"{ASSETS}/{aid}/dispose", headers=agy,
                                      json={**sale, "proceeds": "9800.00"}))
    assert done["status"] == "disposed" and done["disposal_proceeds"] == "9800.00" and done["actions"] == []
    assert [(s["action"], s["actor_role"]) for s in done["trail"]] == [
        ("register", "village_committee"), ("value", "village_committee"), ("return", "township_official"),
        ("value", "township_agency"), ("approve", "township_official"), ("dispose", "township_agency")]
    assert done["trail"][2]["reason"] == "评估偏低，重新评估" and done["trail"][-1]["data"]["entry_id"]
    assert await balance(client, cast) == "9900.00"  # the proceeds are booked in full
    listed = await ok(await client.get(ASSETS, headers=cast.headers["committee"], params={"status": "disposed"}))
    assert [a["id"] for a in listed["items"]] == [aid]
    assert (await client.get(f"{ASSETS}/{aid}", headers=cast.headers["other_secretary"])).status_code == 404


async def test_resource_let_only_after_survey_valuation_approval_and_tender(client, cast: Cast):
    sec, off, agy = cast.headers["secretary"], cast.headers["official"], cast.headers["agency"]
    res = await ok(await client.post(RESOURCES, headers=sec, json={
        "village_code": cast.village.code, "name": "南洼鱼塘", "kind": "pond", "area": "36.00"}), 201)
    rid = res["id"]
    letting = {"tenant": "孙金山", "annual_rent": "18000.00", "bids": 3, "term_start": "2027-01-01",
               "term_end": "2031-12-31"}
    for action, body in [("record_letting", letting), ("open_tender", {"notice": "公告", "closes_on": "2099-01-01"}),
                         ("approve", {}), ("value", {"reserve_rent": "1.00", "appraiser": "x"})]:
        r = await client.post(f"{RESOURCES}/{rid}/{action.replace('_', '-')}", headers=off if action == "approve" else sec, json=body)
        assert r.status_code == 409 and r.json()["code"] == "illegal_transition", action
    await ok(await client.post(f"{RESOURCES}/{rid}/survey", headers=sec,
                               json={"surveyed_area": "36.50", "boundaries": "东至村路，西至河沟"}))
    await ok(await client.post(f"{RESOURCES}/{rid}/value", headers=sec,
                               json={"reserve_rent": "16000.00", "appraiser": "县产权交易中心"}))
    r = await client.post(f"{RESOURCES}/{rid}/approve", headers=agy, json={})
    assert r.status_code == 403
    await ok(await client.post(f"{RESOURCES}/{rid}/approve", headers=off, json={}))
    past = await client.post(f"{RESOURCES}/{rid}/open-tender", headers=sec,
                             json={"notice": "公告", "closes_on": "2000-01-01"})
    assert past.status_code == 409 and past.json()["code"] == "tender_closes_in_past"
    await ok(await client.post(f"{RESOURCES}/{rid}/open-tender", headers=sec,
                               json={"notice": "南洼鱼塘承包经营权公开招标", "closes_on": "2099-01-01"}))
    await ok(await client.post(f"{RESOURCES}/{rid}/tender-failed", headers=sec, json={"reason": "无人投标"}))
    await ok(await client.post(f"{RESOURCES}/{rid}/open-tender", headers=sec,
                               json={"notice": "第二次招标", "closes_on": "2099-01-01"}))
    low = await client.post(f"{RESOURCES}/{rid}/record-letting", headers=agy,
                            json={**letting, "annual_rent": "15999.99"})
    assert low.status_code == 409 and low.json()["code"] == "below_reserve"
    backwards = await client.post(f"{RESOURCES}/{rid}/record-letting", headers=agy,
                                  json={**letting, "term_end": "2026-01-01"})
    assert backwards.status_code == 422
    let = await ok(await client.post(f"{RESOURCES}/{rid}/record-letting", headers=agy, json=letting))
    assert let["status"] == "let" and let["tenant"] == "孙金山" and let["annual_rent"] == "18000.00"
    assert [s["action"] for s in let["trail"]] == ["register", "survey", "value", "approve", "open_tender",
                                                   "tender_failed", "open_tender", "record_letting"]
    assert let["trail"][-1]["data"]["bids"] == 3 and let["trail"][-1]["actor_role"] == "township_agency"
    ended = await ok(await client.post(f"{RESOURCES}/{rid}/end-letting", headers=sec, json={"note": "到期"}))
    assert ended["status"] == "registered" and ended["tenant"] is None and ended["actions"] == ["survey"]
    for role in ("committee", "cadre", "inspector"):
        r = await client.post(f"{RESOURCES}/{rid}/survey", headers=cast.headers[role],
                              json={"surveyed_area": "1.00", "boundaries": "四至"})
        assert r.status_code == 403, role


async def test_registries_are_scoped_and_validated(client, cast: Cast):
    sec = cast.headers["secretary"]
    r = await client.post(ASSETS, headers=cast.headers["other_secretary"], json={
        "village_code": cast.village.code, "name": "x", "kind": "building", "book_value": "1.00"})
    assert r.status_code == 404
    for bad in ({"book_value": "-1.00"}, {"book_value": "0"}, {"kind": "spaceship"}, {"book_value": 1.5}):
        r = await client.post(ASSETS, headers=sec, json={
            "village_code": cast.village.code, "name": "x", "kind": "building", "book_value": "1.00", **bad})
        assert r.status_code == 422, bad
    r = await client.post(RESOURCES, headers=cast.headers["committee"], json={
        "village_code": cast.village.code, "name": "x", "kind": "land", "area": "1.00"})
    assert r.status_code == 403
    demo = await ok(await client.get(RESOURCES, headers=cast.headers["outsider_agency"]))
    assert demo["total"] >= 4 and {x["village_code"] for x in demo["items"]} == {"230199100200"}
    mine = await ok(await client.get(RESOURCES, headers=sec))
    assert mine["total"] == 0
