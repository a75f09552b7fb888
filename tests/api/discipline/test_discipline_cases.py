"""The discipline-case register: filing and editing (ETag), names only for the discipline
committees, strict scope, filters and pages, audit and outbox, and bad input."""

from datetime import timedelta

import httpx
from discipline_helpers import VILLAGE_T01, VILLAGE_T02, case_body
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock
from cunzhi.kit.audit import AuditEvent
from cunzhi.kit.events import OutboxEvent

URL = "/api/v1/discipline/cases"


async def test_file_a_case_audited_with_an_event_that_names_no_one(client: httpx.AsyncClient, auth, new_case,
                                                                    db: AsyncSession) -> None:
    case = await new_case()
    assert case["person_name"] == "李建国" and case["notes"] == "群众举报" and case["names_visible"] is True
    assert case["village"]["code"] == VILLAGE_T01 and case["village"]["township_name"] == "松江镇"
    assert case["etag"] == 'W/"1"' and case["allowed_actions"] == ["edit"]
    audit = (await db.execute(select(AuditEvent).where(AuditEvent.entity == "discipline_case",
                                                       AuditEvent.entity_id == str(case["id"])))).scalars().all()
    assert [a.action for a in audit] == ["discipline_case.create"]
    assert "李建国" not in str(audit[0].after) and audit[0].after["person_name"] == "[withheld]"
    outbox = (await db.execute(select(OutboxEvent).where(OutboxEvent.entity == "discipline_case",
                                                         OutboxEvent.entity_id == str(case["id"])))).scalars().all()
    assert [o.event_type for o in outbox] == ["discipline_case.create"]
    assert outbox[0].payload["village_code"] == VILLAGE_T01 and outbox[0].payload["violation"] == "embezzlement"
    assert "李建国" not in str(outbox[0].payload) and "群众举报" not in str(outbox[0].payload)


async def test_edit_needs_the_current_etag_and_is_audited(client: httpx.AsyncClient, auth, new_case,
                                                          db: AsyncSession) -> None:
    case = await new_case()
    url = f"{URL}/{case['id']}"
    h = await auth("inspector01")
    assert (await client.patch(url, json={"outcome": "warning"}, headers=h)).status_code == 428
    r = await client.patch(url, json={"outcome": "warning", "person_name": "李建华"}, headers={**h, "If-Match": case["etag"]})
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "warning" and r.json()["person_name"] == "李建华" and r.headers["ETag"] == 'W/"2"'
    stale = await client.patch(url, json={"outcome": "expulsion"}, headers={**h, "If-Match": case["etag"]})
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    got = await client.get(url, headers=h)
    assert got.json()["outcome"] == "warning" and got.headers["ETag"] == 'W/"2"'
    edits = (await db.execute(select(AuditEvent).where(AuditEvent.action == "discipline_case.edit",
                                                       AuditEvent.entity_id == str(case["id"])))).scalars().all()
    assert len(edits) == 1 and edits[0].after["private_changed"] == ["person_name"]
    assert edits[0].before["outcome"] == "pending" and edits[0].after["outcome"] == "warning"
    assert "李建华" not in str(edits[0].after)
    cleared = await client.patch(url, json={"notes": None}, headers={**h, "If-Match": 'W/"2"'})
    assert cleared.status_code == 200 and cleared.json()["notes"] is None
    bad = await client.patch(url, json={"outcome": None}, headers={**h, "If-Match": 'W/"3"'})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "outcome"]


async def test_names_only_for_the_discipline_committees(client: httpx.AsyncClient, auth, new_case) -> None:
    case = await new_case()
    for user in ("inspector", "inspector01"):
        got = (await client.get(f"{URL}/{case['id']}", headers=await auth(user))).json()
        assert got["person_name"] == "李建国" and got["names_visible"] is True, user
    for user in ("admin", "township01"):
        got = await client.get(f"{URL}/{case['id']}", headers=await auth(user))
        assert got.status_code == 200, user
        body = got.json()
        assert body["person_name"] is None and body["notes"] is None and body["names_visible"] is False
        assert body["person_role"] == "branch_secretary" and body["allowed_actions"] == []
        listed = (await client.get(URL, params={"year": 2025}, headers=await auth(user))).json()
        assert "李建国" not in str(listed) and "群众举报" not in str(listed)
        assert listed["allowed_actions"] == []
    assert (await client.get(URL, headers=await auth("inspector01"))).json()["allowed_actions"] == [
        "create", "read_names"]


async def test_others_neither_read_nor_write(client: httpx.AsyncClient, auth, new_case) -> None:
    case = await new_case()
    for user in ("secretary01", "committee01", "cadre01", "partner01", "agency01"):
        r = await client.get(URL, headers=await auth(user))
        assert r.status_code == 403 and r.json()["code"] == "forbidden", user
        assert (await client.get(f"{URL}/{case['id']}", headers=await auth(user))).status_code in (403, 404), user
    for user in ("admin", "township01"):
        r = await client.post(URL, json=case_body(case_number="X-1"), headers=await auth(user))
        assert r.status_code == 403, user
        r = await client.patch(f"{URL}/{case['id']}", json={"outcome": "warning"},
                               headers=await auth(user, **{"If-Match": case["etag"]}))
        assert r.status_code == 403, user


async def test_a_township_sees_and_files_only_its_villages(client: httpx.AsyncClient, auth, new_case) -> None:
    county_case = await new_case("inspector", village_code=VILLAGE_T02, case_number="县纪案〔2025〕9号")
    h = await auth("inspector01")
    assert (await client.get(f"{URL}/{county_case['id']}", headers=h)).status_code == 404
    r = await client.patch(f"{URL}/{county_case['id']}", json={"outcome": "warning"},
                           headers={**h, "If-Match": county_case["etag"]})
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    listed = (await client.get(URL, params={"limit": 200}, headers=h)).json()
    assert {c["village"]["township_code"] for c in listed["items"]} == {"230199100000"}
    assert county_case["id"] not in [c["id"] for c in listed["items"]]
    # Naming another township's village or one that does not exist: the same answer.
    out = await client.post(URL, json=case_body(village_code=VILLAGE_T02, case_number="A-1"), headers=h)
    unknown = await client.post(URL, json=case_body(village_code="230199999999", case_number="A-2"), headers=h)
    for r in (out, unknown):
        assert r.status_code == 422 and r.json()["code"] == "unknown_village", r.text
        assert r.json()["errors"][0]["loc"] == ["body", "village_code"]
    # Moving a case to a village out of scope is refused the same way.
    own = await new_case(case_number="镇纪案〔2025〕2号")
    moved = await client.patch(f"{URL}/{own['id']}", json={"village_code": VILLAGE_T02},
                               headers={**h, "If-Match": own["etag"]})
    assert moved.status_code == 422 and moved.json()["code"] == "unknown_village"
    # A filter naming a township or village out of scope is not found.
    for params in ({"township_code": "230199101000"}, {"village_code": VILLAGE_T02}):
        r = await client.get(URL, params=params, headers=h)
        assert r.status_code == 404, params
        assert (await client.get(f"{URL}/stats", params=params, headers=h)).status_code == 404, params


async def test_filters_and_pages(client: httpx.AsyncClient, auth, new_case) -> None:
    h = await auth("inspector")
    for n, (day, kind) in enumerate([("2024-02-01", "bribery"), ("2024-06-01", "bribery"), ("2024-09-01", "other")]):
        await new_case("inspector", case_number=f"F-{n}", filed_on=day, violation=kind, village_code=VILLAGE_T02)
    r = (await client.get(URL, params={"year": 2024, "violation": "bribery"}, headers=h)).json()
    assert r["total"] == 2 and [c["filed_on"] for c in r["items"]] == ["2024-06-01", "2024-02-01"]
    page = (await client.get(URL, params={"year": 2024, "limit": 2, "offset": 2}, headers=h)).json()
    assert page["total"] == 3 and [c["case_number"] for c in page["items"]] == ["F-0"]
    t02 = (await client.get(URL, params={"township_code": "230199101000", "year": 2024}, headers=h)).json()
    assert t02["total"] == 3
    v = (await client.get(URL, params={"village_code": VILLAGE_T02, "year": 2024, "violation": "other"},
                          headers=h)).json()
    assert [c["case_number"] for c in v["items"]] == ["F-2"]
    for bad in ({"year": "twenty"}, {"year": 1800}, {"limit": 0}, {"violation": "theft"}, {"township_code": "12"}):
        r = await client.get(URL, params=bad, headers=h)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", bad


async def test_bad_input(client: httpx.AsyncClient, auth, new_case) -> None:
    h = await auth("inspector01")
    tomorrow = (clock.local_today() + timedelta(days=1)).isoformat()
    r = await client.post(URL, json=case_body(filed_on=tomorrow), headers=h)
    assert r.status_code == 422 and r.json()["code"] == "filed_on_future"
    assert r.json()["errors"][0]["loc"] == ["body", "filed_on"]
    assert (await client.post(URL, json=case_body(filed_on=clock.local_today().isoformat()), headers=h)).status_code == 201
    cases = [
        {"person_name": "李\u0000建国"}, {"notes": "a\u0007b"}, {"case_number": "\u001b[31m"},
        {"filed_on": 1357000000}, {"filed_on": "2013/01/05"}, {"filed_on": "1989-12-31"},
        {"person_role": 1}, {"person_role": "mayor"}, {"violation": ["embezzlement"]}, {"outcome": True},
        {"village_code": 230199100200}, {"village_code": "2301991002"}, {"person_name": ""},
        {"person_name": " 李建国"}, {"case_number": "x" * 41}, {"notes": "x" * 2001}, {"extra": 1},
        {"person_name": "x" * 51},
    ]
    for change in cases:
        r = await client.post(URL, json=case_body(**{"case_number": "B-1", **change}), headers=h)
        assert r.status_code == 422, (change, r.text)
        body = r.json()
        assert body["code"] == "validation_error" and body["errors"], change
        assert r.headers["content-type"].startswith("application/problem+json")
    missing = case_body()
    del missing["person_role"]
    assert (await client.post(URL, json=missing, headers=h)).status_code == 422
    assert (await client.get(f"{URL}/0", headers=h)).status_code == 422
    assert (await client.get(f"{URL}/2147483647", headers=h)).json()["code"] == "case_not_found"
    # The same case number twice in the county: 409, whatever the township.
    await new_case(case_number="DUP-1")
    again = await client.post(URL, json=case_body(case_number="DUP-1", village_code=VILLAGE_T02),
                              headers=await auth("inspector"))
    assert again.status_code == 409 and again.json()["code"] == "case_number_taken"
