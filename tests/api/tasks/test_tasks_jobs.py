"""The overdue sweep and the due-soon reminders, with a controllable clock."""

from datetime import timedelta

import httpx
from sqlalchemy import select
from tasks_helpers import due

from cunzhi.kit import clock
from cunzhi.kit.events import OutboxEvent
from cunzhi.tasks.jobs import remind_due_soon, sweep_overdue
from cunzhi.tasks.models import TaskHistory


async def test_the_sweep_flags_a_task_the_day_after_it_falls_due(client: httpx.AsyncClient, auth, db,  # type: ignore[no-untyped-def]
                                                                new_task, cadre01) -> None:
    t = await new_task(due_date=due(2), responsible_kind="cadre", cadre_id=cadre01)
    today = clock.local_today()
    with clock.travel(today + timedelta(days=2)):  # the due day itself: still open
        await sweep_overdue(db)
        assert (await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("township01"))).json()["status"] \
            == "planned"
    with clock.travel(today + timedelta(days=3)):
        assert await sweep_overdue(db) >= 1
        page = (await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("township01"))).json()
        assert page["status"] == "overdue" and page["history"][-1]["kind"] == "mark_overdue"
        assert page["version"] > t["version"]  # an ETag read before the sweep is stale now
        again = await sweep_overdue(db)
        rows = (await db.execute(select(TaskHistory).where(TaskHistory.task_id == t["id"],
                                                           TaskHistory.kind == "mark_overdue"))).scalars().all()
        assert len(rows) == 1 and again == 0
        events = (await db.execute(select(OutboxEvent).where(OutboxEvent.entity == "task",
                                                             OutboxEvent.entity_id == str(t["id"]),
                                                             OutboxEvent.event_type == "task.mark_overdue"))).all()
        assert len(events) == 1
        # an overdue task still takes progress, and reaching the target makes it done
        r = await client.post(f"/api/v1/tasks/{t['id']}/progress", headers=await auth("cadre01"),
                              json={"amount": "10", "text": "补齐"})
        assert r.status_code == 201 and r.json()["task"]["status"] == "done"


async def test_done_tasks_are_not_flagged(client: httpx.AsyncClient, auth, db, new_task, cadre01) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(due_date=due(1), target="1", responsible_kind="cadre", cadre_id=cadre01)
    await client.post(f"/api/v1/tasks/{t['id']}/progress", headers=await auth("cadre01"), json={"amount": "1", "text": "完成"})
    with clock.travel(clock.local_today() + timedelta(days=5)):
        await sweep_overdue(db)
        assert (await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("cadre01"))).json()["status"] == "done"


async def test_a_reminder_goes_once_per_task_and_due_date(client: httpx.AsyncClient, auth, db, new_task) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(due_date=due(10))
    today = clock.local_today()
    assert t["id"] not in await _reminded(db, today, 3)
    assert t["id"] in await _reminded(db, today + timedelta(days=8), 3)
    assert t["id"] not in await _reminded(db, today + timedelta(days=9), 3)
    kinds = [h["kind"] for h in (await client.get(f"/api/v1/tasks/{t['id']}", headers=await auth("cadre01"))).json()["history"]]
    assert kinds.count("due_soon") == 1


async def _reminded(db, day, days) -> set[int]:  # type: ignore[no-untyped-def]
    before = set((await db.execute(select(TaskHistory.id).where(TaskHistory.kind == "due_soon"))).scalars())
    await remind_due_soon(db, day=day, days=days)
    rows = (await db.execute(select(TaskHistory.task_id).where(TaskHistory.kind == "due_soon",
                                                               TaskHistory.id.not_in(before or {0})))).scalars()
    return set(rows)


def test_the_jobs_are_registered_on_the_worker() -> None:
    from cunzhi.worker.tasks import JOBS

    assert JOBS["tasks.overdue_sweep"].cron and JOBS["tasks.due_soon"].cron
