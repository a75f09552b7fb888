"""Tasks: giving, scope, bad input, progress with evidence, acceptance and return, history."""

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tasks_helpers import PNG, T02_VILLAGE, VILLAGE, due, task_body


async def test_a_township_gives_a_task_and_another_township_does_not_see_it(client: httpx.AsyncClient, auth,  # type: ignore[no-untyped-def]
                                                                             new_task) -> None:
    t = await new_task()
    assert t["status"] == "planned" and t["target"] == "10.00" and t["progress"] == "0.00"
    assert t["village"]["code"] == VILLAGE and t["assigned_level"] == "township"
    assert t["allowed_actions"] == ["edit"]
    other = await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("township02"))
    assert other.status_code == 404 and other.json()["code"] == "task_not_found"
    listed = (await client.get("/api/v1/tasks", params={"limit": 200}, headers=await auth("township02"))).json()
    assert t["id"] not in [i["id"] for i in listed["items"]]
    patched = await client.patch(f"/api/v1/tasks/{t['id']}", headers=await auth("township02", **{"If-Match": t["etag"]}),
                                 json={"title": "x"})
    assert patched.status_code == 404
    mine = await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("cadre01"))
    assert mine.status_code == 200 and mine.json()["allowed_actions"] == []
    assert [h["kind"] for h in mine.json()["history"]] == ["create"]
    committee = await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("secretary01"))
    assert committee.json()["allowed_actions"] == ["report"]


async def test_a_task_for_a_village_out_of_scope_is_not_found(client: httpx.AsyncClient, auth, items) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/tasks", json=task_body(items["road"], village_code=T02_VILLAGE),
                          headers=await auth("township01"))
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"


@pytest.mark.parametrize(("overrides", "status", "code", "field"), [
    ({"item_id": 999999}, 422, "unknown_item", "item_id"),
    ({"unit": "furlong"}, 422, "unknown_unit", "unit"),
    ({"target": "0"}, 422, "validation_error", "target"),
    ({"target": "-3"}, 422, "validation_error", "target"),
    ({"target": 1.5}, 422, "validation_error", "target"),
    ({"target": "1.234"}, 422, "validation_error", "target"),
    ({"due_date": "2020-01-01"}, 422, "due_date_past", "due_date"),
    ({"due_date": "2026-02-30"}, 422, "validation_error", "due_date"),
    ({"responsible_kind": "partner_unit"}, 422, "responsible_invalid", "partner_unit_id"),
    ({"responsible_kind": "cadre", "cadre_id": 999999}, 422, "unknown_cadre", "cadre_id"),
    ({"responsible_kind": "partner_unit", "partner_unit_id": 999999}, 422, "unknown_partner_unit", "partner_unit_id"),
    ({"duties": ["dance"]}, 422, "validation_error", "duties"),
    ({"title": ""}, 422, "validation_error", "title"),
])
async def test_bad_task_input(client: httpx.AsyncClient, auth, items, overrides, status, code, field) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/tasks", json=task_body(items["road"], **overrides), headers=await auth("township01"))
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert any(e["loc"][1] == field for e in r.json()["errors"]), r.json()


async def test_roles_that_may_not_give_tasks(client: httpx.AsyncClient, auth, items) -> None:  # type: ignore[no-untyped-def]
    for user in ("cadre01", "secretary01", "partner01", "inspector"):
        r = await client.post("/api/v1/tasks", json=task_body(items["road"]), headers=await auth(user))
        assert r.status_code in (403, 404), (user, r.text)
        assert r.status_code == 403 or user != "inspector"


async def test_updates_need_the_current_etag(client: httpx.AsyncClient, auth, new_task) -> None:  # type: ignore[no-untyped-def]
    t = await new_task()
    url = f"/api/v1/tasks/{t['id']}"
    assert (await client.patch(url, headers=await auth("township01"), json={"title": "新"})).status_code == 428
    ok = await client.patch(url, headers=await auth("township01", **{"If-Match": t["etag"]}),
                            json={"title": "新名称", "target": "12.5"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["title"] == "新名称" and ok.json()["target"] == "12.50"
    stale = await client.patch(url, headers=await auth("township01", **{"If-Match": t["etag"]}), json={"title": "再"})
    assert stale.status_code == 412
    hist = (await client.get(url, headers=await auth("township01"))).json()["history"]
    assert hist[-1]["kind"] == "edit" and hist[-1]["changes"]["title"] == ["硬化村东道路", "新名称"]


async def test_progress_to_done_then_accepted(client: httpx.AsyncClient, auth, new_task, cadre01) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(responsible_kind="cadre", cadre_id=cadre01)
    url = f"/api/v1/tasks/{t['id']}"
    cadre = await auth("cadre01")
    r = await client.post(f"{url}/progress", headers=cadre, json={"amount": "4", "text": "完成路基"})
    assert r.status_code == 201, r.text
    assert r.json()["task"]["status"] == "in_progress" and r.json()["task"]["progress"] == "4.00"
    update_id = r.json()["update"]["id"]
    photo = await client.post(f"{url}/progress/{update_id}/photos", headers=cadre,
                              files={"file": ("p.png", PNG, "image/png")})
    assert photo.status_code == 201, photo.text
    not_image = await client.post(f"{url}/progress/{update_id}/photos", headers=cadre,
                                  files={"file": ("p.png", b"hello", "image/png")})
    assert not_image.status_code == 422 and not_image.json()["code"] == "photo_type_refused"
    above = await client.post(f"{url}/progress", headers=cadre, json={"amount": "6.01", "text": "多报"})
    assert above.status_code == 422 and above.json()["code"] == "progress_above_target"
    negative = await client.post(f"{url}/progress", headers=cadre, json={"amount": "-1", "text": "倒退"})
    assert negative.status_code == 422 and negative.json()["code"] == "progress_negative"
    done = await client.post(f"{url}/progress", headers=cadre, json={"amount": "6", "text": "全线完工"})
    assert done.status_code == 201 and done.json()["task"]["status"] == "done"
    # the cadre may not accept; township02 does not see it; township01 (the assigning level) does
    etag = done.headers["ETag"]
    assert (await client.post(f"{url}/accept", headers=await auth("cadre01", **{"If-Match": etag}),
                              json={})).status_code == 403
    assert (await client.post(f"{url}/accept", headers=await auth("township02", **{"If-Match": etag}),
                              json={})).status_code == 404
    page = (await client.get(url, headers=await auth("township01"))).json()
    assert page["allowed_actions"] == ["accept", "send_back"]
    ok = await client.post(f"{url}/accept", headers=await auth("township01", **{"If-Match": etag}), json={"note": "验收合格"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "accepted" and ok.json()["allowed_actions"] == []
    late = await client.post(f"{url}/progress", headers=cadre, json={"amount": "0", "text": "补充"})
    assert late.status_code == 409 and late.json()["code"] == "task_closed"
    page = (await client.get(url, headers=cadre)).json()
    assert [h["kind"] for h in page["history"]] == ["create", "progress", "complete", "accept"]
    assert len(page["history"][1]["photos"]) == 1
    img = await client.get(f"/api/v1/tasks/photos/{page['history'][1]['photos'][0]['id']}", headers=cadre)
    assert img.status_code == 200 and img.content == PNG
    other = await client.get(f"/api/v1/tasks/photos/{page['history'][1]['photos'][0]['id']}",
                             headers=await auth("township02"))
    assert other.status_code == 404


async def test_send_back_needs_reasons_and_reopens(client: httpx.AsyncClient, auth, new_task) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(target="2")
    url = f"/api/v1/tasks/{t['id']}"
    done = await client.post(f"{url}/progress", headers=await auth("secretary01"), json={"amount": "2", "text": "完成"})
    assert done.json()["task"]["status"] == "done"
    h = await auth("township01", **{"If-Match": done.headers["ETag"]})
    empty = await client.post(f"{url}/send-back", headers=h, json={"reasons": []})
    assert empty.status_code == 422
    back = await client.post(f"{url}/send-back", headers=h, json={"reasons": ["路面宽度不足", "缺少照片"]})
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "in_progress"
    hist = (await client.get(url, headers=h)).json()["history"]
    assert hist[-1]["kind"] == "send_back" and hist[-1]["reasons"] == ["路面宽度不足", "缺少照片"]
    # sending back an in-progress task is an illegal transition
    again = await client.post(f"{url}/send-back", headers=await auth("township01", **{"If-Match": back.headers["ETag"]}),
                              json={"reasons": ["x"]})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


async def test_a_township_does_not_accept_a_county_task(client: httpx.AsyncClient, auth, new_task, cadre01) -> None:  # type: ignore[no-untyped-def]
    t = await new_task("admin", target="1", responsible_kind="cadre", cadre_id=cadre01)
    url = f"/api/v1/tasks/{t['id']}"
    done = await client.post(f"{url}/progress", headers=await auth("cadre01"), json={"amount": "1", "text": "完成"})
    etag = done.headers["ETag"]
    assert (await client.get(url, headers=await auth("township01"))).json()["allowed_actions"] == []
    r = await client.post(f"{url}/accept", headers=await auth("township01", **{"If-Match": etag}), json={})
    assert r.status_code == 403 and r.json()["code"] == "not_assigning_level"
    ok = await client.post(f"{url}/accept", headers=await auth("admin", **{"If-Match": etag}), json={})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"


async def test_a_phone_update_replayed_is_stored_once(client: httpx.AsyncClient, auth, new_task, cadre01) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(responsible_kind="cadre", cadre_id=cadre01)
    url = f"/api/v1/tasks/{t['id']}/progress"
    body = {"amount": "1.5", "text": "离线记录", "at": "2026-01-01T08:00:00+08:00"}
    # a phone key the platform's Idempotency-Key layer would also honour; the domain keeps it for good
    first = await client.post(url, headers=await auth("cadre01", **{"Idempotency-Key": "phone-1"}), json=body)
    assert first.status_code == 201, first.text
    from cunzhi.kit.deps import principals

    principals.clear()
    again = await client.post(url, headers=await auth("cadre01", **{"Idempotency-Key": "phone-1"}), json=body)
    assert again.status_code in (200, 201)
    assert again.json()["update"]["id"] == first.json()["update"]["id"]
    page = (await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("cadre01"))).json()
    assert page["progress"] == "1.50" and len([h for h in page["history"] if h["kind"] == "progress"]) == 1


async def test_history_is_never_rewritten(db, new_task) -> None:  # type: ignore[no-untyped-def]
    t = await new_task()
    with pytest.raises(DBAPIError):
        async with db.begin_nested():
            await db.execute(text("UPDATE task_history SET text = 'x' WHERE task_id = :t"), {"t": t["id"]})
    with pytest.raises(DBAPIError):
        async with db.begin_nested():
            await db.execute(text("DELETE FROM task_history WHERE task_id = :t"), {"t": t["id"]})


async def test_filters(client: httpx.AsyncClient, auth, new_task, items) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(title="专门筛选的任务", due_date=due(3))
    h = await auth("township01")
    r = await client.get("/api/v1/tasks", params={"q": "专门筛选", "category": "construction", "status": "planned"},
                         headers=h)
    assert [i["id"] for i in r.json()["items"]] == [t["id"]]
    r = await client.get("/api/v1/tasks", params={"q": "专门筛选", "category": "industry"}, headers=h)
    assert r.json()["total"] == 0
    r = await client.get("/api/v1/tasks", params={"status": "bogus"}, headers=h)
    assert r.status_code == 422


async def test_the_same_task_twice_is_a_conflict(client: httpx.AsyncClient, auth, new_task, items) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(title="唯一任务")
    r = await client.post("/api/v1/tasks", json=task_body(items["road"], title="唯一任务", due_date=t["due_date"]),
                          headers=await auth("township01"))
    assert r.status_code == 409 and r.json()["code"] == "task_exists"


async def _someone_elses(client: httpx.AsyncClient, auth, new_task, user: str, **task: object) -> httpx.Response:  # type: ignore[no-untyped-def]
    t = await new_task(**task)
    return await client.post(f"/api/v1/tasks/{t['id']}/progress", headers=await auth(user),
                             json={"amount": "1", "text": "不是我的任务"})


async def test_only_the_responsible_party_posts_progress(client: httpx.AsyncClient, auth, new_task, cadre01,  # type: ignore[no-untyped-def]
                                                         db, items) -> None:
    from sqlalchemy import select

    from cunzhi.auth.models import User
    from cunzhi.partners.models import PartnerUnit

    partner01_unit = (await db.execute(select(User.partner_unit_id).where(User.username == "partner01"))).scalar_one()
    other_unit = (await db.execute(select(PartnerUnit.id).where(PartnerUnit.id != partner01_unit)
                                   .order_by(PartnerUnit.id).limit(1))).scalar_one()
    # a committee's task: the cadre and the partner unit posted in / paired with the village are refused
    for user in ("cadre01", "partner01"):
        r = await _someone_elses(client, auth, new_task, user, title=f"村委会的{user}")
        assert r.status_code == 403 and r.json()["code"] == "not_responsible", (user, r.text)
    # a partner unit's task: only that unit's users, not the committee nor the cadre
    for user in ("secretary01", "cadre01"):
        r = await _someone_elses(client, auth, new_task, user, responsible_kind="partner_unit",
                                 partner_unit_id=partner01_unit, title=f"帮扶{user}")
        assert r.status_code == 403 and r.json()["code"] == "not_responsible", (user, r.text)
    mine = await _someone_elses(client, auth, new_task, "partner01", responsible_kind="partner_unit",
                                partner_unit_id=partner01_unit, title="本单位任务")
    assert mine.status_code == 201, mine.text
    # another unit is not paired with the village: no task names it (test_tasks_parties.py)
    r = await client.post("/api/v1/tasks", json=task_body(items["road"], responsible_kind="partner_unit",
                                                          partner_unit_id=other_unit, title="别的单位"),
                          headers=await auth("township01"))
    assert r.status_code == 422 and r.json()["code"] == "partner_unit_not_paired", r.text
    # a cadre's task: the cadre assigned, not the committee
    r = await _someone_elses(client, auth, new_task, "secretary01", responsible_kind="cadre", cadre_id=cadre01,
                             title="干部任务一")
    assert r.status_code == 403 and r.json()["code"] == "not_responsible"
    r = await _someone_elses(client, auth, new_task, "cadre01", responsible_kind="cadre", cadre_id=cadre01,
                             title="干部任务二")
    assert r.status_code == 201, r.text
    # the committee on its own task
    r = await _someone_elses(client, auth, new_task, "secretary01", title="村委会任务")
    assert r.status_code == 201, r.text
