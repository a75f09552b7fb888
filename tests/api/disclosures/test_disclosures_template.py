"""The county's template: the county administrator adds, edits and turns off items (each under the
item's ETag, audited); a new round starts with the template's items as they stand, without the turned-off
ones; rounds already fixed keep theirs."""

from datetime import date

from disclosure_helpers import API, COUNTY, T01
from sqlalchemy import select

from cunzhi.kit import clock
from cunzhi.kit.audit import AuditEvent

TEMPLATE = f"{API}/template"


async def _round_titles(api, month: int) -> list[str]:  # type: ignore[no-untyped-def]
    with clock.travel(date(2027, month, 1)):
        r = await api("township01", "POST", f"{API}/rounds", status=201, json={
            "township_code": T01, "year": 2027, "month": month, "publish_by": f"2027-{month:02d}-10"})
    board = await api("township01", "GET", f"{API}/rounds/{r['id']}")
    return [i["title"] for i in board["items"]]


async def test_the_county_admin_adds_edits_and_turns_off_template_items(api, db) -> None:  # type: ignore[no-untyped-def]
    before = await api("admin", "GET", TEMPLATE)
    assert before["county_code"] == COUNTY and before["allowed_actions"] == ["edit_template"]
    assert all(t["active"] and t["retired_at"] is None for t in before["items"])

    added = await api("admin", "POST", f"{TEMPLATE}/items", status=201, json={
        "section": "village", "title": "集体资产资源发包租赁", "guidance": "发包对象、期限、金额", "sort": 30})
    assert (added["section"], added["title"], added["active"], added["version"]) == (
        "village", "集体资产资源发包租赁", True, 1)
    assert added["_etag"] == 'W/"1"'
    listed = await api("township01", "GET", TEMPLATE)  # the township reads the template it starts from
    assert listed["allowed_actions"] == [] and added["id"] in [t["id"] for t in listed["items"]]
    assert "集体资产资源发包租赁" in await _round_titles(api, 3)

    url = f"{TEMPLATE}/items/{added['id']}"
    # an edit needs the item's ETag: none, 428; a stale one, 412
    await api("admin", "PATCH", url, status=428, json={"title": "集体资产资源发包"})
    await api("admin", "PATCH", url, status=412, json={"title": "集体资产资源发包"}, headers={"If-Match": 'W/"7"'})
    bad = await api("admin", "PATCH", url, status=422, json={"title": ""}, headers={"If-Match": added["_etag"]})
    assert bad["errors"][0]["loc"][-1] == "title"
    await api("admin", "PATCH", url, status=422, json={"section": "party"}, headers={"If-Match": added["_etag"]})
    edited = await api("admin", "PATCH", url, json={"title": "集体资产资源发包", "sort": 25},
                       headers={"If-Match": added["_etag"]})
    assert (edited["title"], edited["sort"], edited["guidance"], edited["version"]) == (
        "集体资产资源发包", 25, "发包对象、期限、金额", 2)
    april = await _round_titles(api, 4)
    assert "集体资产资源发包" in april and "集体资产资源发包租赁" not in april

    # turned off: kept in the template, no longer in new rounds; not changed or turned off again
    await api("admin", "POST", f"{url}/retire", status=412, headers={"If-Match": added["_etag"]})
    retired = await api("admin", "POST", f"{url}/retire", headers={"If-Match": edited["_etag"]})
    assert retired["active"] is False and retired["retired_at"] and retired["version"] == 3
    again = await api("admin", "POST", f"{url}/retire", status=409, headers={"If-Match": retired["_etag"]})
    assert again["code"] == "template_item_retired"
    late_edit = await api("admin", "PATCH", url, status=409, json={"title": "再改"},
                          headers={"If-Match": retired["_etag"]})
    assert late_edit["code"] == "template_item_retired"
    kept = {t["id"]: t for t in (await api("admin", "GET", TEMPLATE))["items"]}
    assert kept[added["id"]]["active"] is False
    may = await _round_titles(api, 5)
    assert "集体资产资源发包" not in may
    assert {t["title"] for t in before["items"]} <= set(may)  # the rest still pre-fill

    # a round fixed before keeps what it was fixed with
    march = await api("township01", "GET", f"{API}/rounds?year=2027&month=3&township_code={T01}")
    board = await api("township01", "GET", f"{API}/rounds/{march['items'][0]['id']}")
    assert "集体资产资源发包租赁" in [i["title"] for i in board["items"]]

    actions = (await db.execute(select(AuditEvent.action, AuditEvent.before, AuditEvent.after).where(
        AuditEvent.entity == "disclosure_template_item", AuditEvent.entity_id == str(added["id"]))
        .order_by(AuditEvent.id))).all()
    assert [a.action for a in actions] == ["disclosure_template.create", "disclosure_template.update",
                                           "disclosure_template.retire"]
    assert actions[1].before == {"title": "集体资产资源发包租赁", "sort": 30}
    assert actions[1].after == {"title": "集体资产资源发包", "sort": 25}
    assert actions[2].after["active"] is False


async def test_only_the_county_admin_keeps_the_template(api) -> None:  # type: ignore[no-untyped-def]
    item = (await api("admin", "GET", TEMPLATE))["items"][0]
    tag = f'W/"{item["version"]}"'
    url = f"{TEMPLATE}/items/{item['id']}"
    for user in ("township01", "inspector", "secretary01"):
        await api(user, "POST", f"{TEMPLATE}/items", status=403, json={"section": "party", "title": "x"})
        await api(user, "PATCH", url, status=403, json={"title": "x"}, headers={"If-Match": tag})
        await api(user, "POST", f"{url}/retire", status=403, headers={"If-Match": tag})
    await api("admin", "PATCH", f"{TEMPLATE}/items/2000000000", status=404, json={"title": "x"},
              headers={"If-Match": tag})
    assert (await api("admin", "GET", TEMPLATE))["items"][0] == item
