"""The task-load panel reads task_village_summaries (migration 0210, kept by triggers): after every
kind of write to tasks (create, progress, completion, acceptance, return, the overdue sweep, a move
to another village, an insert and a delete) the summary equals a recount of the tasks and the panel's figures,
for this month and past months, equal a plain recount of the tasks given and completed by then."""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from dashboards_helpers import BASE, COUNTY, T01, month_end, month_of
from sqlalchemy import select, text

from cunzhi.auth.models import User
from cunzhi.cadres.models import Cadre
from cunzhi.kit import clock
from cunzhi.tasks.jobs import sweep_overdue
from cunzhi.tasks.models import Task, TaskVillageSummary
from cunzhi.villages.models import Village

VILLAGE = "230199100200"
COUNTS = ("tasks", "planned", "in_progress", "done", "overdue", "accepted", "by_village_committee",
          "by_partner_unit", "by_cadre", "completed", "on_time")


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1-2" if n <= 2 else "3-5" if n <= 5 else "6-10" if n <= 10 else "11+"


async def _tasks(db) -> list[Task]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list((await db.execute(select(Task))).scalars())


async def check_summary(db) -> None:  # type: ignore[no-untyped-def]
    """Every village's summary row equals a recount of its tasks (no row: no tasks)."""
    expect: dict[int, Counter[str]] = defaultdict(Counter)
    for t in await _tasks(db):
        c = expect[t.village_id]
        c["tasks"] += 1
        c[t.status] += 1
        c[f"by_{t.responsible_kind}"] += 1
        if t.status in ("done", "accepted") and t.done_at is not None:
            c["completed"] += 1
            c["on_time"] += clock.local_date(t.done_at) <= t.due_date
    got = {s.village_id: Counter({k: getattr(s, k) for k in COUNTS if getattr(s, k)})
           for s in (await db.execute(select(TaskVillageSummary))).scalars()}
    assert {v: c for v, c in got.items() if c} == {v: +c for v, c in expect.items()}


async def check_panel(client: httpx.AsyncClient, h: dict[str, str], db, month: str,  # type: ignore[no-untyped-def]
                      township: str | None = None) -> dict[str, Any]:
    """The panel's groups equal a recount of the tasks given, completed and overdue by the month's end."""
    r = await client.get(f"{BASE}/tasks", params={"month": month, **({"township_code": township} if township else {})},
                         headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    end = month_end(month)
    given = [t for t in await _tasks(db) if t.created_at < end]
    load = Counter(t.village_id for t in given)
    done = Counter(t.village_id for t in given
                   if t.status in ("done", "accepted") and t.done_at is not None and t.done_at < end)
    late = Counter(t.village_id for t in given if t.status == "overdue")
    on_time = Counter(t.village_id for t in given
                      if t.status in ("done", "accepted") and t.done_at is not None and t.done_at < end
                      and clock.local_date(t.done_at) <= t.due_date)
    where = [Village.county_code == COUNTY] + ([Village.township_code == township] if township else [])
    expect: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    villages = list((await db.execute(select(Village).where(*where))).scalars())
    for v in villages:
        g = expect[(v.status, _bucket(load[v.id]))]
        g[0] += 1
        g[1] += load[v.id]
        g[2] += done[v.id]
        g[3] += late[v.id]
        g[4] += on_time[v.id]
    assert {(g["status"], g["load"]): [g["villages"], g["tasks"], g["completed"], g["overdue"], g["on_time"]]
            for g in got["groups"]} == expect
    # each village's share done on time, in the rows behind the panel
    rows = (await client.get(got["drill"]["villages"] + "&limit=200", headers=h)).json()
    assert rows["total"] == len(villages) <= 200
    by_id = {v.code: v.id for v in villages}
    for r in rows["items"]:
        vid = by_id[r["village_code"]]
        assert (r["completed"], r["on_time"]) == (done[vid], on_time[vid]), r
        share = None if not done[vid] else round(on_time[vid] / done[vid], 3)
        assert (None if r["on_time_share"] is None else float(r["on_time_share"])) == share, r
    return got


async def _check(client, h, db, *months: str) -> None:  # type: ignore[no-untyped-def]
    await check_summary(db)
    for m in months or (month_of(clock.local_today()),):
        await check_panel(client, h, db, m)


async def test_the_summary_follows_every_write_and_the_panel_recounts(client: httpx.AsyncClient, db,  # type: ignore[no-untyped-def]
                                                                     token_for) -> None:
    admin, township = await token_for("admin"), await token_for("township01")
    secretary, cadre = await token_for("secretary01"), await token_for("cadre01")
    items = {i["code"]: i["id"] for i in (await client.get("/api/v1/tasks/catalogue", headers=admin)).json()["items"]}
    cadre_id = (await db.execute(select(Cadre.id).join(User, User.id == Cadre.user_id)
                                 .where(User.username == "cadre01"))).scalar_one()
    await _check(client, admin, db)  # the demo's tasks, summed by the triggers as they were written

    async def give(title: str, **body: Any) -> dict[str, Any]:
        r = await client.post("/api/v1/tasks", headers=township, json={
            "village_code": VILLAGE, "item_id": items["road"], "title": title, "target": "2", "unit": "km",
            "due_date": (clock.local_today() + timedelta(days=30)).isoformat(),
            "responsible_kind": "village_committee", **body})
        assert r.status_code == 201, r.text
        return {**r.json(), "etag": r.headers["ETag"]}

    a = await give("甲")
    b = await give("乙", responsible_kind="cadre", cadre_id=cadre_id)
    c = await give("丙", due_date=(clock.local_today() + timedelta(days=1)).isoformat())
    await _check(client, admin, db)
    # progress: in progress, then done
    r = await client.post(f"/api/v1/tasks/{a['id']}/progress", headers=secretary, json={"amount": "1", "text": "半"})
    assert r.json()["task"]["status"] == "in_progress"
    await _check(client, admin, db)
    r = await client.post(f"/api/v1/tasks/{a['id']}/progress", headers=secretary, json={"amount": "1", "text": "完"})
    assert r.json()["task"]["status"] == "done"
    await _check(client, admin, db)
    # acceptance
    ok = await client.post(f"/api/v1/tasks/{a['id']}/accept", headers={**township, "If-Match": r.headers["ETag"]},
                           json={})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    await _check(client, admin, db)
    # a return: done, then sent back to in progress (no longer completed)
    r = await client.post(f"/api/v1/tasks/{b['id']}/progress", headers=cadre, json={"amount": "2", "text": "完"})
    assert r.json()["task"]["status"] == "done"
    await _check(client, admin, db)
    back = await client.post(f"/api/v1/tasks/{b['id']}/send-back",
                             headers={**township, "If-Match": r.headers["ETag"]}, json={"reasons": ["缺少照片"]})
    assert back.status_code == 200 and back.json()["status"] == "in_progress"
    await _check(client, admin, db)
    # the overdue sweep
    later = clock.local_today() + timedelta(days=3)
    with clock.travel(later):
        assert await sweep_overdue(db) >= 1
        assert (await db.get(Task, c["id"], populate_existing=True)).status == "overdue"  # type: ignore[union-attr]
        await _check(client, admin, db, month_of(later))
    # a task moved to another village, then deleted
    other = (await db.execute(select(Village.id).where(Village.township_code == T01, Village.code != VILLAGE)
                              .order_by(Village.code))).scalars().first()
    await db.execute(text("UPDATE tasks SET village_id = :v WHERE id = :id"), {"v": other, "id": c["id"]})
    await _check(client, admin, db)
    # a delete (of a task written without history: task_history is append-only and holds its task)
    copy = (await db.execute(text(
        "INSERT INTO tasks (county_code, village_id, item_id, title, target, unit, progress, due_date, "
        "responsible_kind, status, assigned_level, assigned_by, done_at) SELECT county_code, village_id, item_id, "
        "'丁', target, unit, target, due_date, responsible_kind, 'done', assigned_level, assigned_by, now() "
        "FROM tasks WHERE id = :id RETURNING id"), {"id": c["id"]})).scalar_one()
    await _check(client, admin, db)
    await db.execute(text("DELETE FROM tasks WHERE id = :id"), {"id": copy})
    await _check(client, admin, db)
    # a progress update that changes nothing the summary counts leaves it alone (and it still agrees)
    await db.execute(text("UPDATE tasks SET progress = 1, note = 'n' WHERE id = :id"), {"id": b["id"]})
    await _check(client, admin, db)


async def test_past_months_take_away_what_came_after(client: httpx.AsyncClient, db, token_for) -> None:  # type: ignore[no-untyped-def]
    """A task given three months ago and completed two months ago counts from those months on; one
    given this month counts in no earlier month. The panel for each month equals the recount."""
    admin = await token_for("admin")
    village = (await db.execute(select(Village.id).where(Village.code == VILLAGE))).scalar_one()
    ids = (await db.execute(select(Task.id).where(Task.village_id == village).order_by(Task.id))).scalars().all()
    assert len(ids) >= 2, "the demo gives the first weak village tasks"
    today = clock.local_today()
    first = date(today.year, today.month, 1)
    three_ago = (first - timedelta(days=80)).replace(day=15)
    two_ago = (first - timedelta(days=50)).replace(day=15)
    at = datetime.combine(three_ago, time(10), tzinfo=clock.zone())
    done = datetime.combine(two_ago, time(10), tzinfo=clock.zone())
    # completed two months ago, five days after its due day: late, not on time
    await db.execute(text("UPDATE tasks SET created_at = :c, done_at = :d, due_date = :due, status = 'accepted', "
                          "progress = target WHERE id = :id"),
                     {"c": at, "d": done, "due": two_ago - timedelta(days=5), "id": ids[0]})
    await db.execute(text("UPDATE tasks SET created_at = :c WHERE id = :id"),
                     {"c": datetime.combine(first, time(0, 30), tzinfo=clock.zone()), "id": ids[1]})
    months = [month_of(three_ago - timedelta(days=31)), month_of(three_ago), month_of(two_ago),
              month_of(first - timedelta(days=1)), month_of(today)]
    await check_summary(db)
    seen = {}
    for m in months:
        got = await check_panel(client, admin, db, m)
        seen[m] = sum(g["tasks"] for g in got["groups"])
        await check_panel(client, admin, db, m, T01)
    assert seen[months[0]] < seen[months[1]] <= seen[months[-1]]  # the task given three months ago counts from then


async def test_the_rebuild_equals_what_the_triggers_kept(db) -> None:  # type: ignore[no-untyped-def]
    before = {s.village_id: tuple(getattr(s, k) for k in COUNTS)
              for s in (await db.execute(select(TaskVillageSummary))).scalars() if s.tasks}
    await db.execute(text("SELECT task_village_summaries_rebuild()"))
    db.expire_all()
    after = {s.village_id: tuple(getattr(s, k) for k in COUNTS)
             for s in (await db.execute(select(TaskVillageSummary))).scalars() if s.tasks}
    assert before and before == after
    await check_summary(db)
