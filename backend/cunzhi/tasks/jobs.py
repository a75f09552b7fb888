"""Jobs of the tasks domain: the overdue sweep and the due-soon reminders, periodic on the worker.

The sweep flags every open task (planned or in progress) whose due date has passed, on the county's
calendar (kit.clock), writing the history row and emitting `task.mark_overdue` once per task: the
status change itself is the mark, so the job may run as often as it likes. A reminder (`task.due_soon`)
goes once per task and due date (`reminded_for`), CUNZHI_TASK_REMIND_DAYS before it."""

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.config import get_settings
from cunzhi.kit import clock, events
from cunzhi.tasks.models import Task, TaskHistory
from cunzhi.tasks.rules import TASK_MACHINE, TaskEvent, TaskStatus

ENTITY = "task"
BATCH = 1000


async def sweep_overdue(session: AsyncSession, *, day: date | None = None) -> int:
    """Flag open tasks due before `day` (default: the county's today) as overdue; how many were flagged."""
    day = day or clock.local_today()
    flagged = 0
    while True:
        rows = (await session.execute(
            select(Task).where(Task.status.in_([TaskStatus.planned, TaskStatus.in_progress]), Task.due_date < day)
            .order_by(Task.due_date, Task.id).limit(BATCH).with_for_update(skip_locked=True))).scalars().all()
        if not rows:
            return flagged
        for task in rows:
            before = task.status
            task.status = TASK_MACHINE.next(task.status, TaskEvent.mark_overdue).value
            await session.flush()
            trail = TaskHistory(task_id=task.id, kind="mark_overdue", status_before=before, status_after=task.status,
                                actor="system", at=clock.now(), text=f"截止日期 {task.due_date.isoformat()} 已过")
            await events.emit(session, None, "task.mark_overdue", ENTITY, task.id, trail=trail,
                              after={"status": task.status, "due_date": task.due_date, "village_id": task.village_id})
            flagged += 1


async def remind_due_soon(session: AsyncSession, *, day: date | None = None, days: int | None = None) -> int:
    """Emit `task.due_soon` once for each open task due within `days` (CUNZHI_TASK_REMIND_DAYS)."""
    day = day or clock.local_today()
    days = get_settings().task_remind_days if days is None else days
    marked = (await session.execute(
        update(Task).where(Task.status.in_([TaskStatus.planned, TaskStatus.in_progress]),
                           Task.due_date >= day, Task.due_date <= day + timedelta(days=days),
                           Task.reminded_for.is_distinct_from(Task.due_date))
        .values(reminded_for=Task.due_date, version=Task.version)
        .returning(Task.id, Task.due_date, Task.village_id, Task.status, Task.progress, Task.target)
        .execution_options(synchronize_session=False))).all()
    for task_id, due, village_id, status, progress, target in marked:
        trail = TaskHistory(task_id=task_id, kind="due_soon", status_before=status, status_after=status,
                            actor="system", at=clock.now(), text=f"将于 {due.isoformat()} 到期")
        await events.emit(session, None, "task.due_soon", ENTITY, task_id, trail=trail,
                          after={"due_date": due, "village_id": village_id, "progress": progress, "target": target,
                                 "days_left": (due - day).days})
    return len(marked)
