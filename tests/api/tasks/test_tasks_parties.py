"""The responsible party belongs to the village (a partner unit paired with it, a cadre posted there),
on create, edit, bulk upsert and import; what happens when the pairing ends later; and only the level
that gave a task edits it."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, text
from tasks_helpers import T01, VILLAGE, due, task_body
from test_tasks_import import GOOD, _post, csv_bytes

from cunzhi.kit import clock


async def _parties(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """partner01's unit (paired with VILLAGE), a unit of the county not paired with it, a cadre posted
    elsewhere, and the village's id."""
    from cunzhi.auth.models import User
    from cunzhi.partners.models import Pairing, PartnerUnit

    vid = (await db.execute(text("SELECT id FROM villages WHERE code = :c"), {"c": VILLAGE})).scalar_one()
    paired = (await db.execute(select(User.partner_unit_id).where(User.username == "partner01"))).scalar_one()
    unpaired_id, unpaired_code = (await db.execute(
        select(PartnerUnit.id, PartnerUnit.code).where(PartnerUnit.id.not_in(
            select(Pairing.partner_unit_id).where(Pairing.village_id == vid)))
        .order_by(PartnerUnit.id).limit(1))).one()
    elsewhere = (await db.execute(text(
        "SELECT cadre_id FROM cadre_postings WHERE village_id <> :v AND start_date <= CURRENT_DATE "
        "AND (end_date IS NULL OR end_date >= CURRENT_DATE) ORDER BY cadre_id LIMIT 1"), {"v": vid})).scalar_one()
    return {"village_id": vid, "paired": paired, "unpaired": unpaired_id, "unpaired_code": unpaired_code,
            "elsewhere": elsewhere}


async def test_a_party_from_outside_the_village_is_refused_on_create_and_edit(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, auth, items, new_task, db) -> None:
    ps = await _parties(db)
    h = await auth("township01")
    for overrides, code, field in [
        ({"responsible_kind": "partner_unit", "partner_unit_id": ps["unpaired"]}, "partner_unit_not_paired",
         "partner_unit_id"),
        ({"responsible_kind": "cadre", "cadre_id": ps["elsewhere"]}, "cadre_not_posted", "cadre_id"),
    ]:
        r = await client.post("/api/v1/tasks", json=task_body(items["road"], title=f"外来{code}", **overrides), headers=h)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
        assert r.json()["errors"][0]["loc"] == ["body", field]
        t = await new_task(title=f"改派{code}")
        r = await client.patch(f"/api/v1/tasks/{t['id']}", headers={**h, "If-Match": t["etag"]}, json=overrides)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    ok = await new_task(title="结对单位", responsible_kind="partner_unit", partner_unit_id=ps["paired"])
    assert ok["partner_unit_id"] == ps["paired"]


async def test_a_pairing_that_ends_leaves_the_task_as_it_was(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, auth, new_task, db) -> None:
    ps = await _parties(db)
    t = await new_task(title="结对结束后", responsible_kind="partner_unit", partner_unit_id=ps["paired"])
    url = f"/api/v1/tasks/{t['id']}"
    assert (await client.get(url, headers=await auth("partner01"))).status_code == 200
    yesterday = clock.local_today() - timedelta(days=1)
    await db.execute(text(
        "UPDATE pairings SET end_date = :d, ended_reason = 'replaced', ended_by = 'admin', ended_at = now() "
        "WHERE partner_unit_id = :u AND village_id = :v AND end_date IS NULL"),
        {"d": yesterday, "u": ps["paired"], "v": ps["village_id"]})
    h = await auth("township01")
    page = await client.get(url, headers=h)
    assert page.json()["partner_unit_id"] == ps["paired"] and page.json()["responsible_kind"] == "partner_unit"
    # an edit that leaves the party alone goes through; the former unit no longer sees the task
    r = await client.patch(url, headers={**h, "If-Match": page.headers["ETag"]}, json={"title": "结对结束后改名"})
    assert r.status_code == 200 and r.json()["partner_unit_id"] == ps["paired"], r.text
    assert (await client.get(url, headers=await auth("partner01"))).status_code == 404
    # the assigning level gives it to the committee instead
    r = await client.patch(url, headers={**h, "If-Match": r.headers["ETag"]},
                           json={"responsible_kind": "village_committee"})
    assert r.status_code == 200 and r.json()["partner_unit_id"] is None, r.text


async def test_an_import_row_naming_an_outside_party_is_reported(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, auth, db) -> None:
    ps = await _parties(db)
    rows = [GOOD[1],
            [VILLAGE, "ind-duck", "外来单位养鸭", "", "10", "只", due(60), "包村单位", ps["unpaired_code"], ""],
            [VILLAGE, "road", "外来干部修路", "", "1", "km", due(60), "驻村干部", str(ps["elsewhere"]), ""]]
    r = await _post(client, await auth("township01"), csv_bytes(rows), "t.csv", True)
    report = r.json()
    assert report["valid"] == 1, report
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "责任方"), (4, "责任方")]
    assert f"包村单位“{ps['unpaired_code']}”目前未与村{VILLAGE}结对" == report["errors"][0]["reason"]
    assert f"驻村干部“{ps['elsewhere']}”目前未派驻村{VILLAGE}" == report["errors"][1]["reason"]


async def test_a_bulk_upsert_naming_an_outside_party_is_an_error(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, auth, items, db) -> None:
    ps = await _parties(db)
    r = await client.post("/api/v1/api-clients", headers=await auth("admin"), json={
        "client_id": "tasks-parties", "name": "乡镇系统", "division_code": T01, "scopes": ["tasks:read", "tasks:write"]})
    assert r.status_code == 201, r.text
    tok = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "tasks-parties",
                                                         "client_secret": r.json()["client_secret"]})
    h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    base = task_body(items["road"], title="系统下达")
    batch = [{**base, "external_id": "P-1", "responsible_kind": "partner_unit", "partner_unit_id": ps["unpaired"]},
             {**base, "external_id": "P-2", "title": "系统下达二"}]
    r = await client.post("/api/v1/tasks/bulk", json={"items": batch}, headers=h)
    assert r.status_code == 200, r.text
    assert [i["result"] for i in r.json()["items"]] == ["error", "created"]
    assert r.json()["items"][0]["error"]["code"] == "partner_unit_not_paired"
    r = await client.post("/api/v1/tasks/bulk", headers=h, json={"items": [
        {**batch[1], "responsible_kind": "cadre", "cadre_id": ps["elsewhere"]}]})
    assert r.json()["items"][0]["result"] == "error"
    assert r.json()["items"][0]["error"]["code"] == "cadre_not_posted"


async def test_a_township_does_not_edit_a_county_task(client: httpx.AsyncClient, auth, new_task) -> None:  # type: ignore[no-untyped-def]
    t = await new_task("admin", title="县下达的任务")
    url = f"/api/v1/tasks/{t['id']}"
    assert t["allowed_actions"] == ["edit"]
    page = await client.get(url, headers=await auth("township01"))
    assert page.json()["allowed_actions"] == []
    r = await client.patch(url, headers=await auth("township01", **{"If-Match": page.headers["ETag"]}),
                           json={"title": "乡镇改的"})
    assert r.status_code == 403 and r.json()["code"] == "not_assigning_level", r.text
    ok = await client.patch(url, headers=await auth("admin", **{"If-Match": page.headers["ETag"]}),
                            json={"title": "县里改的"})
    assert ok.status_code == 200 and ok.json()["title"] == "县里改的"
    # the township's own task: it edits it, and the county may too
    own = await new_task(title="乡镇下达的任务")
    assert own["allowed_actions"] == ["edit"]
    assert (await client.get(f"/api/v1/tasks/{own['id']}", headers=await auth("admin"))).json()[
        "allowed_actions"] == ["edit"]
