"""Rectification cases: measures, notes, submission, acceptance (销号), return; history; cadre view."""

import io
from datetime import timedelta

import openpyxl
from sqlalchemy import func, select, text

from cunzhi.kit import clock
from cunzhi.kit.audit import AuditEvent
from cunzhi.rectification.models import Event

C = "/api/v1/rectification-cases"
V200 = "230199101200"


async def _case_of(client, auth, confirmed_t02, village=V200):  # type: ignore[no-untyped-def]
    out = await confirmed_t02()
    return next(x["case_id"] for x in out["listed"] if x["village_code"] == village)


async def _measure(client, h, case_id, **extra):  # type: ignore[no-untyped-def]
    body = {"description": "选优配强村党支部书记", "owner": "会发镇党委", "deadline": "2030-12-31", **extra}
    r = await client.post(f"{C}/{case_id}/measures", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json(), r.headers["etag"]


async def _done(client, h, case_id, m, etag):  # type: ignore[no-untyped-def]
    r = await client.patch(f"{C}/{case_id}/measures/{m['id']}", json={"done": True}, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    return r.json()


async def _village(client, h, code=V200):  # type: ignore[no-untyped-def]
    return (await client.get(f"/api/v1/villages/{code}", headers=h)).json()


async def test_first_measure_starts_rectification(client, auth, confirmed_t02):
    case_id = await _case_of(client, auth, confirmed_t02)
    h = await auth("township02")
    m, _ = await _measure(client, h, case_id)
    assert m["done"] is False and m["owner"] == "会发镇党委" and m["created_by"] == "township02"
    r = await client.get(f"{C}/{case_id}", headers=h)
    case = r.json()
    assert case["status"] == "rectifying" and case["village_status"] == "rectifying"
    assert case["measures_total"] == 1 and case["measures_open"] == 1
    assert case["allowed"] == ["add_measure", "add_problem", "add_note"]
    kinds = [e["kind"] for e in case["timeline"]]
    assert kinds[-3:] == ["measure_added", "village_status", "case_start"]
    assert (await _village(client, h))["status"] == "rectifying"


async def test_accepting_with_open_measures_is_409_and_changes_nothing(client, auth, confirmed_t02, db):
    case_id = await _case_of(client, auth, confirmed_t02)
    t = await auth("township02")
    a = await auth("admin")
    m1, e1 = await _measure(client, t, case_id)
    await _measure(client, t, case_id, description="壮大村集体经济", owner="县农业农村局")
    await _done(client, t, case_id, m1, e1)
    before_case = (await client.get(f"{C}/{case_id}", headers=a)).json()
    before_audit = (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    r = await client.post(f"{C}/{case_id}/accept", json={"override_reason": "乡镇未报，县里直接验收"}, headers=a)
    assert r.status_code == 409 and r.json()["code"] == "open_measures"
    assert len(r.json()["measures"]) == 1
    r = await client.post(f"{C}/{case_id}/submit", headers=t)
    assert r.status_code == 409 and r.json()["code"] == "open_measures"
    after_case = (await client.get(f"{C}/{case_id}", headers=a)).json()
    assert after_case == before_case
    assert (await db.execute(select(func.count()).select_from(AuditEvent))).scalar_one() == before_audit


async def test_measure_updates_need_the_current_etag(client, auth, confirmed_t02):
    case_id = await _case_of(client, auth, confirmed_t02)
    h = await auth("township02")
    m, etag = await _measure(client, h, case_id)
    url = f"{C}/{case_id}/measures/{m['id']}"
    r = await client.patch(url, json={"done": True}, headers=h)
    assert r.status_code == 428
    r = await client.patch(url, json={"owner": "会发镇组织委员"}, headers={**h, "If-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag
    r = await client.patch(url, json={"done": True}, headers={**h, "If-Match": etag})
    assert r.status_code == 412
    r = await client.patch(url, json={"done": "maybe"}, headers={**h, "If-Match": etag})
    assert r.status_code == 422


async def test_full_case_submit_return_accept_reopen(client, auth, confirmed_t02):
    case_id = await _case_of(client, auth, confirmed_t02)
    t = await auth("township02")
    a = await auth("admin")
    m, etag = await _measure(client, t, case_id)
    r = await client.post(
        f"{C}/{case_id}/notes",
        json={"on_date": clock.local_today().isoformat(), "text": "召开党员大会", "measure_id": m["id"]},
        headers=t,
    )
    assert r.status_code == 201 and r.json()["author"] == "township02"
    await _done(client, t, case_id, m, etag)

    # Township submits; only the county accepts or returns.
    r = await client.post(f"{C}/{case_id}/submit", headers=t)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    assert r.json()["village_status"] == "rectifying"
    r = await client.post(f"{C}/{case_id}/accept", headers=t)
    assert r.status_code == 403
    r = await client.post(f"{C}/{case_id}/return", json={"reasons": "x"}, headers=t)
    assert r.status_code == 403
    r = await client.post(f"{C}/{case_id}/return", json={"reasons": "  "}, headers=a)
    assert r.status_code == 422
    r = await client.post(f"{C}/{case_id}/return", json={"reasons": "集体经济收入未达标"}, headers=a)
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    ret = r.json()["timeline"][-1]
    assert ret["kind"] == "case_return" and ret["detail"]["reasons"] == "集体经济收入未达标"
    assert ret["actor_name"] == "admin"

    # Back at work: a new measure, done; the county accepts straight from rectifying only with a reason.
    m2, e2 = await _measure(client, t, case_id, description="发展榛子产业", owner="村委会")
    await _done(client, t, case_id, m2, e2)
    r = await client.post(f"{C}/{case_id}/accept", json={"note": "验收合格"}, headers=a)
    assert r.status_code == 409 and r.json()["code"] == "case_not_submitted"
    r = await client.post(f"{C}/{case_id}/accept", json={"note": "验收合格", "override_reason": "现场验收已通过"}, headers=a)
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "accepted" and case["accepted_by"] == "admin" and case["village_status"] == "accepted"
    v = await _village(client, a)
    assert v["status"] == "accepted" and v["problem_categories"] == []
    # Once accepted, the case takes no more measures, notes or acceptances.
    r = await client.post(f"{C}/{case_id}/measures", json={"description": "x", "owner": "y", "deadline": "2027-01-01"}, headers=t)
    assert r.status_code == 409 and r.json()["code"] == "case_not_editable"
    r = await client.post(f"{C}/{case_id}/notes", json={"on_date": "2026-01-01", "text": "x"}, headers=t)
    assert r.status_code == 409
    r = await client.post(f"{C}/{case_id}/accept", headers=a)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"

    # The acceptance fails a later check: back to rectifying with reasons.
    r = await client.post(f"{C}/{case_id}/return", json={"reasons": "回访发现组织生活不正常"}, headers=a)
    assert r.status_code == 200 and r.json()["status"] == "rectifying" and r.json()["accepted_by"] is None
    v = await _village(client, a)
    assert v["status"] == "rectifying" and v["problem_categories"] == ["weak_economy", "poor_public_order"]


async def test_open_case_cannot_be_accepted_or_submitted(client, auth, confirmed_t02):
    case_id = await _case_of(client, auth, confirmed_t02)
    r = await client.post(f"{C}/{case_id}/accept", headers=await auth("admin"))
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition" and r.json()["state"] == "open"
    r = await client.post(f"{C}/{case_id}/submit", headers=await auth("township02"))
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


async def test_case_scope(client, auth, confirmed_t02):
    case_id = await _case_of(client, auth, confirmed_t02)
    for user in ("township01", "cadre01", "partner01"):
        r = await client.get(f"{C}/{case_id}", headers=await auth(user))
        assert r.status_code == 404 and r.json()["code"] == "case_not_found", user
        r = await client.post(
            f"{C}/{case_id}/measures",
            json={"description": "x", "owner": "y", "deadline": "2027-01-01"},
            headers=await auth(user),
        )
        assert r.status_code in (403, 404), user
    # In scope but not a writer: 403.
    r = await client.post(
        f"{C}/{case_id}/measures",
        json={"description": "x", "owner": "y", "deadline": "2027-01-01"},
        headers=await auth("inspector"),
    )
    assert r.status_code == 403
    r = await client.get(C, params={"open": "true"}, headers=await auth("township02"))
    codes = {c["village_code"] for c in r.json()["items"]}
    assert V200 in codes and all(c.startswith("230199101") for c in codes)
    r = await client.get(C, headers=await auth("township01"))
    assert V200 not in {c["village_code"] for c in r.json()["items"]}


async def test_bad_input_on_cases(client, auth, confirmed_t02):
    case_id = await _case_of(client, auth, confirmed_t02)
    h = await auth("township02")
    tomorrow = (clock.local_today() + timedelta(days=1)).isoformat()
    r = await client.post(f"{C}/{case_id}/notes", json={"on_date": tomorrow, "text": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "future_date"
    r = await client.post(f"{C}/{case_id}/notes", json={"on_date": "2026-01-01", "text": "x", "measure_id": 999999}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "unknown_measure"
    r = await client.post(
        f"{C}/{case_id}/measures",
        json={"description": "x", "owner": "y", "deadline": "2027-01-01", "problem_id": 999999},
        headers=h,
    )
    assert r.status_code == 422
    r = await client.post(f"{C}/{case_id}/measures", json={"description": "x", "deadline": "2027-01-01"}, headers=h)
    assert r.status_code == 422
    r = await client.post(f"{C}/{case_id}/problems", json={"category": "lazy", "description": "x"}, headers=h)
    assert r.status_code == 422
    case = (await client.get(f"{C}/{case_id}", headers=h)).json()
    assert case["status"] == "open" and case["measures_total"] == 0 and case["notes"] == []
    r = await client.post(f"{C}/{case_id}/problems", json={"category": "many_petitions", "description": "越级上访"}, headers=h)
    assert r.status_code == 201
    case = (await client.get(f"{C}/{case_id}", headers=h)).json()
    assert case["categories"] == ["weak_economy", "poor_public_order", "many_petitions"]


async def test_history_is_complete_and_append_only(client, auth, confirmed_t02, db):
    out = await confirmed_t02()
    round_id = out["round"]["id"]
    case_id = next(x["case_id"] for x in out["listed"] if x["village_code"] == V200)
    t = await auth("township02")
    a = await auth("admin")
    m, etag = await _measure(client, t, case_id)
    await _done(client, t, case_id, m, etag)
    assert (await client.post(f"{C}/{case_id}/submit", headers=t)).status_code == 200
    assert (await client.post(f"{C}/{case_id}/accept", headers=a)).status_code == 200
    r = await client.get(f"/api/v1/rectification/villages/{V200}/history", headers=t)
    assert r.status_code == 200
    h = r.json()
    assert h["village"]["status"] == "accepted"
    # The demo's screening round scored the village too (not weak there); this round's story follows.
    assert len(h["rounds"]) == 2
    [rnd] = [x for x in h["rounds"] if x["round_id"] == round_id]
    assert rnd["scores"]["weak_economy"] == 10 and rnd["scored_by"] == "township02"
    assert rnd["proposal"]["weak"] is True and rnd["round_status"] == "confirmed"
    [case] = h["cases"]
    assert case["case"]["status"] == "accepted" and case["measures"][0]["done"] is True
    events = [e for e in h["events"] if e["round_id"] in (round_id, None)]
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "scored",
        "proposed",
        "case_opened",
        "village_status",
        "measure_added",
        "village_status",
        "case_start",
        "measure_done",
        "case_submit",
        "village_status",
        "case_accept",
    ]
    statuses = [(e["from_status"], e["to_status"]) for e in events if e["kind"] == "village_status"]
    assert statuses == [("normal", "weak"), ("weak", "rectifying"), ("rectifying", "accepted")]
    actors = {e["kind"]: e["actor_name"] for e in events}
    assert actors["scored"] == "township02" and actors["case_accept"] == "admin"
    # Out of scope: 404.
    r = await client.get(f"/api/v1/rectification/villages/{V200}/history", headers=await auth("township01"))
    assert r.status_code == 404
    # The database refuses to rewrite history.
    n = (await db.execute(select(func.count()).select_from(Event))).scalar_one()
    try:
        async with db.begin_nested():
            await db.execute(text("UPDATE rectification_events SET kind = 'x'"))
        raise AssertionError("update was allowed")
    except Exception as exc:
        assert "append-only" in str(exc)
    assert (await db.execute(select(func.count()).select_from(Event))).scalar_one() == n


async def test_cadre_sees_its_village_open_measures(client, auth, db):
    # cadre01's village (230199100200) has the demo's open case.
    a = await auth("admin")
    r = await client.get(C, params={"village_code": "230199100200", "open": "true"}, headers=a)
    [case] = r.json()["items"]
    m, etag = await _measure(client, a, case["id"], description="规范三会一课", owner="驻村工作队")
    await _measure(client, a, case["id"], description="调处土地纠纷", owner="村委会")
    await _done(client, a, case["id"], m, etag)
    cadre = await auth("cadre01")
    r = await client.get("/api/v1/rectification/open-measures", headers=cadre)
    assert r.status_code == 200
    assert [x["description"] for x in r.json()] == ["调处土地纠纷"]
    assert r.json()[0]["village_code"] == "230199100200"
    r = await client.get("/api/v1/rectification/open-measures", params={"village_code": V200}, headers=cadre)
    assert r.status_code == 404
    # A cadre reads but does not write.
    r = await client.post(f"{C}/{case['id']}/notes", json={"on_date": "2026-01-01", "text": "x"}, headers=cadre)
    assert r.status_code == 403
    r = await client.get(f"{C}/{case['id']}", headers=cadre)
    assert r.status_code == 200 and r.json()["allowed"] == []


async def test_open_cases_export(client, auth, confirmed_t02):
    await confirmed_t02()
    r = await client.get(f"{C}/export.xlsx", headers=await auth("township02"))
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb["未销号整顿村"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("乡镇", "村代码", "村名", "排查轮次", "整顿状态")
    codes = [row[1] for row in rows[1:]]
    # Township 02's open cases: the two demo ones and the two just listed.
    assert codes == ["230199101200", "230199101201", "230199101203", "230199101208"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["整顿状态"] == "已立案" and row["排查轮次"] == "2026年软弱涣散村党组织大排查"
    assert row["问题类别"] == "贫困/集体经济薄弱、治安环境差"
    r = await client.get(f"{C}/export.xlsx", headers=await auth("admin"))
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.active.max_row - 1 >= 4 + 10  # the county sees every township's open cases


async def test_a_measure_deadline_already_past_is_a_field_error(client, auth, confirmed_t02):
    """A deadline before the county's today is refused on create and on change; today is fine."""

    case_id = await _case_of(client, auth, confirmed_t02)
    h = await auth("township02")
    today = clock.local_today()
    yesterday = (today - timedelta(days=1)).isoformat()
    r = await client.post(f"{C}/{case_id}/measures", json={"description": "x", "owner": "y", "deadline": yesterday}, headers=h)
    assert r.status_code == 422, r.text
    assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [(["body", "deadline"], "past_date")]
    case = (await client.get(f"{C}/{case_id}", headers=h)).json()
    assert case["measures_total"] == 0 and case["status"] == "open"
    m, etag = await _measure(client, h, case_id, deadline=today.isoformat())
    assert m["overdue"] is False
    r = await client.patch(f"{C}/{case_id}/measures/{m['id']}", json={"deadline": yesterday}, headers={**h, "If-Match": etag})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "past_date"
    # Marking it done leaves the deadline alone, and a future one can still be set.
    later = (today + timedelta(days=30)).isoformat()
    r = await client.patch(f"{C}/{case_id}/measures/{m['id']}", json={"deadline": later}, headers={**h, "If-Match": etag})
    assert r.status_code == 200 and r.json()["deadline"] == later
