"""A locked month refuses every write; a correction goes into the next month, with a reason."""

from datetime import date
from typing import Any

from disclosure_helpers import API, PNG, VILLAGE, texts

from cunzhi.kit import clock


async def _locked(api, month_round, publish) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await month_round(2027, 3, publish_by_day=5)
    base = f"{API}/rounds/{r['id']}/villages/{VILLAGE}"
    with clock.travel(date(2027, 3, 2)):
        await publish(r["id"])
        page = await api("township01", "GET", base)
        await api("township01", "POST", f"{base}/inspections", status=201, json={"result": "passed"},
                  headers={"If-Match": page["_etag"]})
    with clock.travel(date(2027, 3, 6)):
        board = await api("township01", "GET", f"{API}/rounds/{r['id']}")
        await api("township01", "POST", f"{API}/rounds/{r['id']}/lock", headers={"If-Match": board["_etag"]})
    return await api("township01", "GET", f"{API}/rounds/{r['id']}")


async def test_every_write_path_refuses_a_locked_month(api, month_round, publish, client, auth) -> None:  # type: ignore[no-untyped-def]
    board = await _locked(api, month_round, publish)
    rid, etag = board["id"], board["_etag"]
    base = f"{API}/rounds/{rid}/villages/{VILLAGE}"
    item = next(i for i in board["items"] if i["section"] == "party")
    village = await api("secretary01", "GET", base)
    assert village["allowed_actions"] == []
    ve = village["_etag"]
    with clock.travel(date(2027, 3, 20)):
        attempts = [
            ("township01", "PATCH", f"{API}/rounds/{rid}", {"json": {"publish_by": "2027-03-25"},
                                                          "headers": {"If-Match": etag}}),
            ("township01", "POST", f"{API}/rounds/{rid}/lock", {"headers": {"If-Match": etag}}),
            ("township01", "POST", f"{API}/rounds/{rid}/items", {"json": {"section": "party", "title": "补充"}}),
            ("township01", "PATCH", f"{API}/rounds/{rid}/items/{item['id']}",
             {"json": {"title": "改"}, "headers": {"If-Match": f'W/"{item["version"]}"'}}),
            ("secretary01", "POST", f"{base}/publish", {"json": {"entries": texts(board["items"])},
                                                        "headers": {"If-Match": ve}}),
            ("committee01", "POST", f"{base}/reviews", {"json": {"opinion": "补充意见"}}),
            ("township01", "POST", f"{base}/inspections", {"json": {"result": "passed"}, "headers": {"If-Match": ve}}),
            ("township01", "POST", f"{API}/rounds/{rid}/corrections",
             {"json": {"village_code": VILLAGE, "reason": "数字有误", "text": "更正为 100 元"}}),
        ]
        for user, method, path, kw in attempts:
            out = await api(user, method, path, status=409, **kw)
            assert out["code"] == "month_locked", (method, path, out)
        up = await client.post(f"{base}/files", headers=await auth("secretary01"), data={"kind": "board_photo"},
                               files={"file": ("board.png", PNG, "image/png")})
        assert up.status_code == 409 and up.json()["code"] == "month_locked"
    after = await api("township01", "GET", f"{API}/rounds/{rid}")
    assert after["version"] == board["version"] and after["items"] == board["items"]


async def test_a_correction_is_recorded_in_the_next_month_with_a_reason(api, month_round, publish) -> None:  # type: ignore[no-untyped-def]
    locked = await _locked(api, month_round, publish)
    item = next(i for i in locked["items"] if i["section"] == "village")
    april = await month_round(2027, 4)
    may = await month_round(2027, 5)
    url = f"{API}/rounds/{april['id']}/corrections"
    with clock.travel(date(2027, 4, 3)):
        for reason in ("", "   "):
            bad = await api("township01", "POST", url, status=422,
                            json={"village_code": VILLAGE, "reason": reason, "text": "更正"})
            assert bad["errors"][0]["loc"][-1] == "reason"
        no_reason = await api("township01", "POST", url, status=422, json={"village_code": VILLAGE, "text": "更正"})
        assert no_reason["errors"][0]["loc"][-1] == "reason"
        await api("secretary01", "POST", url, status=403,
                  json={"village_code": VILLAGE, "reason": "数字有误", "text": "更正"})
        wrong_item = await api("township01", "POST", url, status=422, json={
            "village_code": VILLAGE, "item_id": april["id"] * 0 + 2_000_000, "reason": "数字有误", "text": "更正"})
        assert wrong_item["code"] == "unknown_item"
        c = await api("township01", "POST", url, status=201, json={
            "village_code": VILLAGE, "item_id": item["id"], "reason": "补助金额录入有误", "text": "应为 1,200 元"})
        assert (c["corrects_round_id"], c["corrects_period"]) == (locked["id"], "2027-03")
        board = await api("township01", "GET", f"{API}/rounds/{april['id']}")
        assert [x["reason"] for x in board["corrections"]] == ["补助金额录入有误"]
        # May corrects April, which is not locked
        early = await api("township01", "POST", f"{API}/rounds/{may['id']}/corrections", status=409,
                          json={"village_code": VILLAGE, "reason": "x", "text": "y"})
        assert early["code"] == "previous_not_locked"
    # the corrected month's public page lists it
    r = await api(None, "GET", f"/api/v1/public/villages/{VILLAGE}/disclosures/2027/3")
    assert [(x["reason"], x["text"]) for x in r["corrections"]] == [("补助金额录入有误", "应为 1,200 元")]


async def test_the_late_flag_job_skips_a_locked_round(api, db, month_round) -> None:  # type: ignore[no-untyped-def]
    """A village still pending and unflagged in a locked round (the lock flags the pending ones, so
    the round is made so in SQL, as an older lock or a repair could leave it) is not flagged late by
    the job, nor does the job emit anything for it; the same village in an open round is."""
    from sqlalchemy import func, select, text

    from cunzhi.disclosures.jobs import flag_late
    from cunzhi.disclosures.models import RoundVillage
    from cunzhi.kit.events import OutboxEvent

    locked, opened = await month_round(2027, 3, publish_by_day=5), await month_round(2027, 4, publish_by_day=5)
    await db.execute(text("UPDATE disclosure_rounds SET status = 'locked', locked_at = now(), locked_by = 'x' "
                          "WHERE id = :i"), {"i": locked["id"]})

    def pending(rid: int):  # type: ignore[no-untyped-def]
        return select(func.count()).select_from(RoundVillage).where(
            RoundVillage.round_id == rid, RoundVillage.status == "pending", RoundVillage.late.is_(False))

    villages = (await db.execute(pending(locked["id"]))).scalar_one()
    assert villages > 0
    with clock.travel(date(2027, 4, 20)):
        flagged = await flag_late(db)
    assert flagged == (await db.execute(select(func.count()).select_from(RoundVillage).where(
        RoundVillage.round_id == opened["id"]))).scalar_one()  # April's villages, none of March's
    assert (await db.execute(pending(locked["id"]))).scalar_one() == villages
    assert (await db.execute(pending(opened["id"]))).scalar_one() == 0
    events = (await db.execute(select(OutboxEvent.payload["round_id"].as_integer()).where(
        OutboxEvent.event_type == "disclosure.late"))).scalars().all()
    assert locked["id"] not in events and opened["id"] in events


async def test_the_database_refuses_a_write_into_a_locked_round(api, month_round, publish, connection) -> None:  # type: ignore[no-untyped-def]
    """Past the service: a direct SQL write into a locked round's items, villages' states,
    publications, files, reviews, inspections or corrections is refused by the database; the same
    write into an open round goes through."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    board = await _locked(api, month_round, publish)
    rid = board["id"]
    april = await month_round(2027, 4)
    ids = (await connection.execute(text(
        "SELECT v.id AS rv, v.village_id, p.id AS pub, i.id AS ins FROM disclosure_round_villages v "
        "JOIN disclosure_publications p ON p.round_village_id = v.id "
        "JOIN disclosure_inspections i ON i.publication_id = p.id WHERE v.round_id = :r"), {"r": rid})).one()
    item = next(i["id"] for i in board["items"] if i["section"] == "party")
    writes = [
        ("INSERT INTO disclosure_items (round_id, section, kind, title) VALUES (:r, 'party', 'new', '补')", {}),
        ("UPDATE disclosure_items SET title = '改' WHERE id = :item", {"item": item}),
        ("DELETE FROM disclosure_items WHERE id = :item", {"item": item}),
        ("UPDATE disclosure_round_villages SET late = true WHERE id = :rv", {}),
        ("INSERT INTO disclosure_publications (round_village_id, round_id, village_id, entries, finance, "
         "finance_hash, late, published_by, published_at) VALUES (:rv, :r, :vid, '[]', '{}', 'x', false, 'x', now())",
         {}),
        ("INSERT INTO disclosure_files (round_village_id, village_id, kind, filename, content_type, size, sha256, "
         "content, uploaded_by) VALUES (:rv, :vid, 'attachment', 'a.pdf', 'application/pdf', 1, 'x', 'x', 'x')", {}),
        ("INSERT INTO disclosure_reviews (round_village_id, stage, opinion, reviewed_by, reviewed_at) "
         "VALUES (:rv, 'after_publication', '补', 'x', now())", {}),
        ("INSERT INTO disclosure_inspections (round_village_id, publication_id, result, findings, inspected_by, "
         "inspected_at) VALUES (:rv, :pub, 'passed', '', 'x', now())", {}),
        ("INSERT INTO disclosure_corrections (round_id, corrects_round_id, village_id, reason, text, recorded_by, "
         "recorded_at) VALUES (:r, :r, :vid, '补', '补', 'x', now())", {}),
    ]
    params = {"r": rid, "rv": ids.rv, "vid": ids.village_id, "pub": ids.pub}
    for sql, extra in writes:
        savepoint = await connection.begin_nested()
        with pytest.raises(DBAPIError, match=f"disclosure round {rid} is locked"):
            await connection.execute(text(sql), {**params, **extra})
        await savepoint.rollback()
    # the same kind of write into April's open round goes through
    await connection.execute(text("INSERT INTO disclosure_items (round_id, section, kind, title) "
                                  "VALUES (:r, 'party', 'new', '补')"), {"r": april["id"]})
    after = await api("township01", "GET", f"{API}/rounds/{rid}")
    assert after["items"] == board["items"]
