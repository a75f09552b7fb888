"""A month of disclosure for one township: open, publish, review, inspect, fail, republish, lock."""

from datetime import date

from disclosure_helpers import API, PNG, T01, T02, VILLAGE, texts
from sqlalchemy import select

from cunzhi.kit import clock
from cunzhi.kit.events import OutboxEvent


async def test_a_round_starts_from_the_county_template_with_every_village(api, month_round) -> None:  # type: ignore[no-untyped-def]
    tmpl = await api("township01", "GET", f"{API}/template")
    r = await month_round()
    board = await api("township01", "GET", f"{API}/rounds/{r['id']}")
    assert [(i["section"], i["title"]) for i in board["items"]] == sorted(
        [(t["section"], t["title"]) for t in tmpl["items"]], key=lambda x: x[0])
    assert sum(i["section"] == "finance" for i in board["items"]) == 1
    assert board["finance_period"] == "2027-02" and board["status"] == "open"
    assert VILLAGE in [v["village_code"] for v in board["villages"]]
    assert all(v["status"] == "pending" and not v["late"] for v in board["villages"])
    # another township's official does not see it; the same month twice is a conflict
    await api("township02", "GET", f"{API}/rounds/{r['id']}", status=404)
    again = await api("township01", "POST", f"{API}/rounds", status=409, json={
        "township_code": T01, "year": 2027, "month": 3, "publish_by": "2027-03-10"})
    assert again["code"] == "round_exists"


async def test_bad_rounds_and_items_are_refused(api, month_round) -> None:  # type: ignore[no-untyped-def]
    bad = await api("township01", "POST", f"{API}/rounds", status=422, json={
        "township_code": T01, "year": 2027, "month": 4, "publish_by": "2027-05-01"})
    assert bad["code"] == "publish_by_outside_month"
    other = await api("township01", "POST", f"{API}/rounds", status=422, json={
        "township_code": T02, "year": 2027, "month": 4, "publish_by": "2027-04-05"})
    assert other["code"] == "unknown_township"
    await api("secretary01", "POST", f"{API}/rounds", status=403, json={
        "township_code": T01, "year": 2027, "month": 4, "publish_by": "2027-04-05"})
    r = await month_round()
    fin = await api("township01", "POST", f"{API}/rounds/{r['id']}/items", status=422,
                    json={"section": "finance", "title": "手填财务"})
    assert fin["code"] == "finance_generated"
    upd = await api("township01", "POST", f"{API}/rounds/{r['id']}/items", status=422,
                    json={"section": "village", "kind": "update", "title": "续报"})
    assert upd["code"] == "update_needs_item"
    same_month = (await api("township01", "GET", f"{API}/rounds/{r['id']}"))["items"][0]["id"]
    upd = await api("township01", "POST", f"{API}/rounds/{r['id']}/items", status=422, json={
        "section": "village", "kind": "update", "updates_item_id": same_month, "title": "续报"})
    assert upd["code"] == "unknown_item"


async def test_the_round_lifecycle(api, month_round, publish, db, client, auth) -> None:  # type: ignore[no-untyped-def]
    r = await month_round(2027, 3, publish_by_day=10)
    rid = r["id"]
    base = f"{API}/rounds/{rid}/villages/{VILLAGE}"
    with clock.travel(date(2027, 3, 2)):
        # the township adds an update of an item; the committee reviews before publication
        prev = await month_round(2027, 2, publish_by_day=10)
        earlier = (await api("township01", "GET", f"{API}/rounds/{prev['id']}"))["items"][1]["id"]
        item = await api("township01", "POST", f"{API}/rounds/{rid}/items", status=201, json={
            "section": "village", "kind": "update", "updates_item_id": earlier, "title": "道路硬化续报"})
        assert item["kind"] == "update"
        rev = await api("committee01", "POST", f"{base}/reviews", status=201, json={"opinion": "草稿内容属实"})
        assert rev["stage"] == "before_publication"
        # not published: cannot be inspected
        page = await api("township01", "GET", base)
        assert "inspect" not in page["allowed_actions"]
        nope = await api("township01", "POST", f"{base}/inspections", status=409, json={"result": "passed"},
                         headers={"If-Match": page["_etag"]})
        assert nope["code"] == "not_published"
        # the village uploads the notice-board photo and publishes
        up = await client.post(f"{base}/files", headers=await auth("secretary01"), data={"kind": "board_photo"},
                               files={"file": ("board.png", PNG, "image/png")})
        assert up.status_code == 201, up.text
        bad = await client.post(f"{base}/files", headers=await auth("secretary01"), data={"kind": "board_photo"},
                                files={"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")})
        assert bad.status_code == 422 and bad.json()["code"] == "file_refused"
        page = await api("secretary01", "GET", base)
        missing = await api("secretary01", "POST", f"{base}/publish", status=422,
                            json={"entries": texts(page["items"])[1:]}, headers={"If-Match": page["_etag"]})
        assert missing["code"] == "items_missing"
        done = await publish(rid)
        assert done["status"] == "published" and not done["late"]
        assert done["publication"]["file_ids"] == [up.json()["id"]]
        assert {e["title"] for e in done["publication"]["entries"]} >= {"道路硬化续报"}
        again = await publish(rid, status=409)
        assert again["code"] == "already_published"
        rev = await api("committee01", "POST", f"{base}/reviews", status=201, json={"opinion": "已张贴，内容完整"})
        assert rev["stage"] == "after_publication" and rev["publication_id"] == done["publication"]["id"]
        # the township inspects: failed, with findings and a day to fix by
        page = await api("township01", "GET", base)
        assert "inspect" in page["allowed_actions"]
        no_fix = await api("township01", "POST", f"{base}/inspections", status=422,
                           json={"result": "failed", "findings": "缺少票据"}, headers={"If-Match": page["_etag"]})
        assert no_fix["code"] == "fix_by_required"
        no_findings = await api("township01", "POST", f"{base}/inspections", status=422,
                                json={"result": "failed", "findings": " ", "fix_by": "2027-03-15"},
                                headers={"If-Match": page["_etag"]})
        assert no_findings["code"] == "findings_required"
        await api("committee01", "POST", f"{base}/inspections", status=403, json={"result": "passed"},
                  headers={"If-Match": page["_etag"]})
        failed = await api("township01", "POST", f"{base}/inspections", status=201, headers={"If-Match": page["_etag"]},
                           json={"result": "failed", "findings": "低保名单未公开金额", "fix_by": "2027-03-15"})
        assert failed["result"] == "failed"
        board = await api("township01", "GET", f"{API}/rounds/{rid}")
        row = next(v for v in board["villages"] if v["village_code"] == VILLAGE)
        assert (row["status"], row["fix_by"]) == ("failed", "2027-03-15")
        # the month is not locked before its publish-by day
        locked = await api("township01", "POST", f"{API}/rounds/{rid}/lock", status=409,
                           headers={"If-Match": board["_etag"]})
        assert locked["code"] == "round_not_due"
    with clock.travel(date(2027, 3, 12)):  # after the publish-by day: the republish is late
        again = await publish(rid)
        assert again["status"] == "published" and again["publications"] == 2 and again["late"]
        board = await api("township01", "GET", f"{API}/rounds/{rid}")
        waiting = await api("township01", "POST", f"{API}/rounds/{rid}/lock", status=409,
                            headers={"If-Match": board["_etag"]})
        assert waiting["code"] == "round_not_inspected" and waiting["villages"] == [VILLAGE]
        page = await api("township01", "GET", base)
        passed = await api("township01", "POST", f"{base}/inspections", status=201, json={"result": "passed"},
                           headers={"If-Match": page["_etag"]})
        assert passed["result"] == "passed"
        page = await api("township01", "GET", base)
        assert page["status"] == "passed" and [i["result"] for i in page["inspections"]] == ["failed", "passed"]
        board = await api("township01", "GET", f"{API}/rounds/{rid}")
        done = await api("township01", "POST", f"{API}/rounds/{rid}/lock", headers={"If-Match": board["_etag"]})
        assert done["status"] == "locked"
        board = await api("township01", "GET", f"{API}/rounds/{rid}")
        others = [v for v in board["villages"] if v["village_code"] != VILLAGE]
        assert others and all(v["status"] == "pending" and v["late"] for v in others)
        assert board["allowed_actions"] == ["correct"]
    kinds = (await db.execute(select(OutboxEvent.event_type).where(
        OutboxEvent.entity == "disclosure", OutboxEvent.payload["round_id"].as_integer() == rid)
        .order_by(OutboxEvent.id))).scalars().all()
    assert kinds == ["disclosure.published", "disclosure.failed", "disclosure.published"]


async def test_a_stale_etag_is_refused(api, month_round, publish) -> None:  # type: ignore[no-untyped-def]
    r = await month_round()
    page = await api("secretary01", "GET", f"{API}/rounds/{r['id']}/villages/{VILLAGE}")
    with clock.travel(date(2027, 3, 3)):
        await publish(r["id"])
        stale = await api("secretary01", "POST", f"{API}/rounds/{r['id']}/villages/{VILLAGE}/publish", status=412,
                          json={"entries": texts(page["items"])}, headers={"If-Match": page["_etag"]})
        assert stale["code"]
