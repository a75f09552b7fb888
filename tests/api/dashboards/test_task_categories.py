"""The task panel by kind of task (the category of the task's catalogue item) beside the village's
rectification outcome: task_village_category_summaries (migration 0340, kept by triggers) agrees with
its rebuild and with a recount after inserts, updates of what it counts, deletes and a bulk insert;
the panel's by-kind figures, for this month and a past one, equal a plain recount of the tasks given
and completed by the month's end; the rows behind a figure (task_load with a category) are the
villages with tasks of that kind and add up to it; a bad category is a 422; a township sees only its
villages; the export has the by-kind sheet in Chinese."""

import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from dashboards_helpers import BASE, COUNTY, T01, T02, month_end, month_of
from openpyxl import load_workbook
from sqlalchemy import insert, select, text, update

from cunzhi.kit import clock
from cunzhi.tasks.models import Task, TaskItem, TaskVillageCategorySummary
from cunzhi.tasks.rules import CATEGORY_ZH, Category
from cunzhi.villages.models import Village

COUNTS = ("tasks", "completed", "on_time", "overdue")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.zone())


async def _items(db) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    """The county's catalogue: item code -> (id, category)."""
    rows = await db.execute(select(TaskItem.code, TaskItem.id, TaskItem.category).where(TaskItem.county_code == COUNTY))
    return {code: (i, cat) for code, i, cat in rows}


async def _recount(db, month: str | None = None,  # type: ignore[no-untyped-def]
                   township: str | None = None) -> dict[tuple[int, str], Counter[str]]:
    """(village id, category) -> its tasks given by the month's end (all of them without a month), those
    completed by then, completed on time (county's calendar) and overdue."""
    db.expire_all()
    end = month_end(month) if month else None
    stmt = (select(Task, TaskItem.category).join(TaskItem, TaskItem.id == Task.item_id)
            .join(Village, Village.id == Task.village_id).where(Village.county_code == COUNTY))
    if township:
        stmt = stmt.where(Village.township_code == township)
    out: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for t, category in (await db.execute(stmt)).all():
        if end and t.created_at >= end:
            continue
        c = out[(t.village_id, category)]
        c["tasks"] += 1
        if t.status in ("done", "accepted") and t.done_at is not None and (end is None or t.done_at < end):
            c["completed"] += 1
            c["on_time"] += clock.local_date(t.done_at) <= t.due_date
        c["overdue"] += t.status == "overdue"
    return out


async def _table(db) -> dict[tuple[int, str], Counter[str]]:  # type: ignore[no-untyped-def]
    db.expire_all()
    rows = (await db.execute(select(TaskVillageCategorySummary))).scalars()
    return {(s.village_id, s.category): Counter({k: getattr(s, k) for k in COUNTS if getattr(s, k)})
            for s in rows if any(getattr(s, k) for k in COUNTS)}


async def check_summary(db) -> None:  # type: ignore[no-untyped-def]
    """The summary kept by the triggers equals a recount of the tasks, and so does its rebuild."""
    expect = {k: +c for k, c in (await _recount(db)).items()}
    kept = await _table(db)
    assert kept == expect
    await db.execute(text("SELECT task_village_category_summaries_rebuild()"))
    assert await _table(db) == kept


async def _statuses(db) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {v.id: v.status for v in (await db.execute(select(Village).where(Village.county_code == COUNTY))).scalars()}


async def check_panel(client: httpx.AsyncClient, h: dict[str, str], db, month: str,  # type: ignore[no-untyped-def]
                      township: str | None = None) -> dict[str, Any]:
    """The panel's by-kind groups equal the recount, grouped by category and the village's status."""
    r = await client.get(f"{BASE}/tasks", params={"month": month, **({"township_code": township} if township else {})},
                         headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    status = await _statuses(db)
    expect: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (vid, category), c in (await _recount(db, month, township)).items():
        if not c["tasks"]:
            continue
        g = expect[(category, status[vid])]
        g[0] += 1
        for i, k in enumerate(COUNTS, 1):
            g[i] += c[k]
    assert {(g["category"], g["status"]): [g["villages"], g["tasks"], g["completed"], g["on_time"], g["overdue"]]
            for g in got["by_category"]} == expect
    order = list(Category)
    keys = [(order.index(Category(g["category"])), g["status"]) for g in got["by_category"]]
    assert keys == sorted(keys)  # the kinds in the order domain.md lists them
    # the kinds add up to the panel's totals per status
    for s in got["by_status"]:
        assert sum(g["tasks"] for g in got["by_category"] if g["status"] == s["status"]) == s["tasks"]
        assert sum(g["completed"] for g in got["by_category"] if g["status"] == s["status"]) == s["completed"]
    return got


@pytest.fixture
async def spread(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Tasks of every kind over villages of two townships with each rectification status: planned,
    in progress, overdue, done on time, done late, accepted; one given last month and completed this
    month, one given before the last month."""
    items = await _items(db)
    by_cat: dict[str, int] = {}
    for _, (i, cat) in sorted(items.items()):
        by_cat.setdefault(cat, i)
    villages = {v.code: v for v in (await db.execute(select(Village).where(Village.county_code == COUNTY)
                                                     .order_by(Village.code))).scalars()}
    # villages the demo gave no tasks, so each figure below is the fixture's own
    busy = set((await db.execute(select(Task.village_id).distinct())).scalars())
    t01 = [c for c, v in villages.items() if v.township_code == T01 and v.id not in busy]
    t02 = [c for c, v in villages.items() if v.township_code == T02 and v.id not in busy]
    chosen = {t01[1]: "accepted", t01[2]: "rectifying", t01[3]: "normal", t02[0]: "weak", t02[1]: "accepted",
              t02[2]: "normal"}
    for code, st in chosen.items():
        await db.execute(update(Village).where(Village.id == villages[code].id).values(status=st))
    today = clock.local_today()
    first = today.replace(day=1)
    last_month = first - timedelta(days=10)
    long_ago = first - timedelta(days=70)
    now = clock.now()
    rows = []
    # (village, category, status, created, done_at, due)
    plan = [
        (t01[1], "seven_helps", "done", long_ago, _at(long_ago + timedelta(days=5)), long_ago + timedelta(days=10)),
        (t01[1], "seven_helps", "accepted", long_ago, _at(long_ago + timedelta(days=20)), long_ago + timedelta(days=10)),
        (t01[1], "industry", "planned", last_month, None, today + timedelta(days=30)),
        (t01[2], "construction", "in_progress", long_ago, None, today + timedelta(days=9)),
        (t01[2], "construction", "overdue", long_ago, None, long_ago + timedelta(days=3)),
        (t01[2], "poverty_relief", "done", last_month, now, today + timedelta(days=1)),
        (t01[3], "poverty_relief", "accepted", long_ago, _at(last_month), last_month - timedelta(days=2)),
        (t02[0], "industry", "done", long_ago, _at(last_month), last_month),
        (t02[0], "seven_helps", "overdue", last_month, None, last_month + timedelta(days=1)),
        (t02[1], "construction", "accepted", long_ago, _at(long_ago + timedelta(days=1)), long_ago + timedelta(days=1)),
        (t02[1], "industry", "planned", None, None, today + timedelta(days=40)),
        (t02[2], "seven_helps", "done", None, now, today),
    ]
    for code, cat, st, created, done_at, due in plan:
        v = villages[code]
        rows.append({"county_code": COUNTY, "village_id": v.id, "item_id": by_cat[cat], "title": f"{cat}-{st}",
                     "target": Decimal("2"), "unit": "km",
                     "progress": Decimal("2") if st in ("done", "accepted") else Decimal("0"),
                     "due_date": due, "responsible_kind": "village_committee", "status": st, "assigned_level": "county",
                     "assigned_by": "t", "created_at": _at(created, 9) if created else now, "done_at": done_at})
    await db.execute(insert(Task), rows)
    # plain values: the checks expire the session's objects
    return {"villages": {c: (v.id, v.township_code) for c, v in villages.items()}, "by_cat": by_cat,
            "t01": t01, "t02": t02}


async def test_the_summary_follows_every_write_and_equals_its_rebuild(db, spread) -> None:  # type: ignore[no-untyped-def]
    await check_summary(db)  # the demo's tasks and the fixture's insert
    by_cat, t01 = spread["by_cat"], spread["t01"]
    village = spread["villages"][t01[2]][0]
    ids = (await db.execute(select(Task.id).where(Task.village_id == village).order_by(Task.id))).scalars().all()
    # a status change: in progress -> done on time, then sent back; overdue -> done late
    await db.execute(text("UPDATE tasks SET status = 'done', done_at = now() WHERE id = :id"), {"id": ids[0]})
    await check_summary(db)
    await db.execute(text("UPDATE tasks SET status = 'in_progress', done_at = NULL WHERE id = :id"), {"id": ids[0]})
    await db.execute(text("UPDATE tasks SET status = 'done', done_at = now() WHERE id = :id"), {"id": ids[1]})
    await check_summary(db)
    # a new due date (late becomes on time), a move to another village, another kind of item
    await db.execute(text("UPDATE tasks SET due_date = current_date + 400 WHERE id = :id"), {"id": ids[1]})
    await db.execute(text("UPDATE tasks SET village_id = :v WHERE id = :id"),
                     {"v": spread["villages"][t01[3]][0], "id": ids[2]})
    await db.execute(text("UPDATE tasks SET item_id = :i WHERE id = :id"), {"i": by_cat["industry"], "id": ids[0]})
    await check_summary(db)
    # an update of what it does not count leaves it alone
    await db.execute(text("UPDATE tasks SET progress = 1, note = 'n' WHERE id = :id"), {"id": ids[0]})
    await check_summary(db)
    # a bulk insert over many villages and every kind, then a delete of part of it in one statement
    await db.execute(text("""
        INSERT INTO tasks (county_code, village_id, item_id, title, target, unit, progress, due_date, responsible_kind,
                           status, assigned_level, assigned_by, done_at)
        SELECT v.county_code, v.id, i.id, 'bulk', 5, 'km', 0, current_date + (g % 7) - 3, 'village_committee',
               (ARRAY['planned', 'in_progress', 'done', 'overdue', 'accepted'])[1 + g % 5], 'county', 't',
               CASE WHEN g % 5 IN (2, 4) THEN now() - (g % 4) * interval '1 day' END
        FROM villages v CROSS JOIN generate_series(1, 3) g
        JOIN task_items i ON i.county_code = v.county_code AND i.code = (ARRAY['road', 'pr-01', 'ind-duck', 'help-party'])[1 + (v.id + g) % 4]
        WHERE v.county_code = :county"""), {"county": COUNTY})
    await check_summary(db)
    await db.execute(text("DELETE FROM tasks WHERE title = 'bulk' AND id % 2 = 0"))
    await db.execute(text("DELETE FROM tasks WHERE id = :id"), {"id": ids[2]})
    await check_summary(db)


async def test_the_panel_by_kind_recounts_this_month_and_past_ones(client, db, token_for, spread) -> None:  # type: ignore[no-untyped-def]
    admin = await token_for("admin")
    today = clock.local_today()
    first = today.replace(day=1)
    last = month_of(first - timedelta(days=1))
    two_ago = month_of(first - timedelta(days=40))
    seen: dict[str, Any] = {}
    for m in (month_of(first - timedelta(days=100)), two_ago, last, month_of(today)):
        seen[m] = await check_panel(client, admin, db, m)
        await check_panel(client, admin, db, m, T01)
    now, before = seen[month_of(today)], seen[last]

    def fig(panel: Any, category: str, status: str) -> dict[str, Any]:
        return next(g for g in panel["by_category"] if (g["category"], g["status"]) == (category, status))

    # given this month: not in last month's figures
    assert fig(now, "industry", "accepted")["tasks"] == fig(before, "industry", "accepted")["tasks"] + 1
    # given last month and completed this month: given but not completed last month
    late_one = fig(before, "poverty_relief", "rectifying")
    assert (late_one["villages"], late_one["tasks"], late_one["completed"]) == (1, 1, 0)
    assert fig(now, "poverty_relief", "rectifying")["completed"] == 1
    assert not any(g["category"] == "poverty_relief" and g["status"] == "rectifying" for g in seen[two_ago]["by_category"])
    # one done late, one done on time for the accepted village's seven helps
    helps = fig(now, "seven_helps", "accepted")
    assert helps["tasks"] >= 2 and helps["completed"] >= 2 and helps["on_time"] < helps["completed"]


async def test_the_rows_behind_a_kind_are_its_villages(client, db, token_for, spread) -> None:  # type: ignore[no-untyped-def]
    admin = await token_for("admin")
    month = month_of(clock.local_today())
    panel = await check_panel(client, admin, db, month)
    codes = {vid: code for code, (vid, _) in spread["villages"].items()}
    status = await _statuses(db)
    counts = await _recount(db, month)
    for g in panel["by_category"]:
        r = await client.get(g["drill"] + "&limit=200", headers=admin)
        assert r.status_code == 200, r.text
        rows = r.json()
        assert rows["total"] == g["villages"] == len(rows["items"])
        for k in COUNTS:
            assert sum(x[k] for x in rows["items"]) == g[k], (g, k)
        expect = {codes[vid]: c for (vid, cat), c in counts.items()
                  if cat == g["category"] and status[vid] == g["status"] and c["tasks"]}
        assert {x["village_code"]: Counter({k: x[k] for k in COUNTS if x[k]}) for x in rows["items"]} == \
            {code: +c for code, c in expect.items()}
        assert {x["category"] for x in rows["items"]} == {g["category"]}
        for x in rows["items"]:
            share = None if not x["completed"] else round(x["on_time"] / x["completed"], 3)
            assert (None if x["on_time_share"] is None else float(x["on_time_share"])) == share
    # a kind alone, over every status: only villages with tasks of that kind, a past month too
    for category in Category:
        for m in (month, month_of(clock.local_today().replace(day=1) - timedelta(days=1))):
            rows = (await client.get(f"{BASE}/rows", params={"figure": "task_load", "category": category.value,
                                                              "month": m, "limit": 200}, headers=admin)).json()
            expect = {codes[vid]: c["tasks"] for (vid, cat), c in (await _recount(db, m)).items()
                      if cat == category and c["tasks"]}
            assert {x["village_code"]: x["tasks"] for x in rows["items"]} == expect, (category, m)
            assert rows["total"] == len(expect)
    # with the load bucket of that kind's tasks
    rows = (await client.get(f"{BASE}/rows", params={"figure": "task_load", "category": "seven_helps", "load": "1-2"},
                             headers=admin)).json()
    assert rows["items"] and all(1 <= x["tasks"] <= 2 for x in rows["items"])


async def test_a_bad_category_is_a_clear_422(client, token_for) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    for bad in ("roads", "", "SEVEN_HELPS"):
        r = await client.get(f"{BASE}/rows", params={"figure": "task_load", "category": bad}, headers=h)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert "category" in r.text


async def test_a_township_sees_only_its_villages_by_kind(client, db, token_for, spread) -> None:  # type: ignore[no-untyped-def]
    admin, t01 = await token_for("admin"), await token_for("township01")
    month = month_of(clock.local_today())
    own = await check_panel(client, t01, db, month, T01)
    r = await client.get(f"{BASE}/tasks", params={"month": month}, headers=t01)
    mine = r.json()["by_category"]
    assert [{k: v for k, v in g.items() if k != "drill"} for g in mine] == \
        [{k: v for k, v in g.items() if k != "drill"} for g in own["by_category"]]
    whole = (await client.get(f"{BASE}/tasks", params={"month": month}, headers=admin)).json()
    assert sum(g["tasks"] for g in mine) < sum(g["tasks"] for g in whole["by_category"])
    t01_codes = {c for c, (_, township) in spread["villages"].items() if township == T01}
    for category in Category:
        rows = (await client.get(f"{BASE}/rows", params={"figure": "task_load", "category": category.value,
                                                          "limit": 200}, headers=t01)).json()
        assert {x["village_code"] for x in rows["items"]} <= t01_codes
    rows = (await client.get(f"{BASE}/rows", params={"figure": "task_load", "category": "industry",
                                                      "township_code": T02}, headers=t01))
    assert rows.status_code == 404


async def test_the_export_has_the_kinds_in_chinese_and_adds_up(client, token_for, spread) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    month = month_of(clock.local_today())
    data = (await client.get(f"{BASE}/tasks", params={"month": month}, headers=h)).json()
    r = await client.get(f"{BASE}/tasks/export.xlsx", params={"month": month}, headers=h)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content))["按任务类别"]
    head, *body = [[c.value for c in row] for row in sheet.iter_rows()]
    assert head == ["任务类别", "整顿状态", "有该类任务的村", "任务数", "已完成", "按期完成", "逾期"]
    assert [row[0] for row in body] == [CATEGORY_ZH[g["category"]] for g in data["by_category"]]
    assert {row[0] for row in body} <= {"七帮", "新农村建设", "扶贫解困", "产业富民"}
    assert [row[2:] for row in body] == [[g["villages"], g["tasks"], g["completed"], g["on_time"], g["overdue"]]
                                        for g in data["by_category"]]
