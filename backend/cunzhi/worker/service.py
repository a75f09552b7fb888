"""Reading what the worker ran: Procrastinate's job table with the errors the worker kept.

Jobs belong to the installation, not to a county (one sweep covers every county), so only the
county organisation department reads them; every other role gets 403.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit.errors import NotFound
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.worker.permissions import JOBS, JobAction
from cunzhi.worker.schemas import JobOut, JobStatus

# Procrastinate's statuses as the API names them ('aborting' is a legacy spelling of aborted).
_FROM_DB = {"todo": JobStatus.queued, "doing": JobStatus.running, "succeeded": JobStatus.succeeded,
            "failed": JobStatus.failed, "cancelled": JobStatus.cancelled, "aborting": JobStatus.aborted,
            "aborted": JobStatus.aborted}
_TO_DB = {JobStatus.queued: ["todo"], JobStatus.running: ["doing"], JobStatus.succeeded: ["succeeded"],
          JobStatus.failed: ["failed"], JobStatus.cancelled: ["cancelled"], JobStatus.aborted: ["aborting", "aborted"]}

_SELECT = """
SELECT j.id, j.task_name, j.queue_name, j.status::text AS status, j.attempts, j.lock, j.args, j.scheduled_at,
       (SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'deferred') AS deferred_at,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'started') AS started_at,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id
         AND e.type IN ('succeeded', 'failed', 'cancelled', 'aborted')) AS finished_at,
       (SELECT f.error FROM job_failures f WHERE f.job_id = j.id ORDER BY f.attempt DESC LIMIT 1) AS error
FROM procrastinate_jobs j
"""


def _require_reader(p: Principal) -> None:
    require(p, JOBS, JobAction.read_jobs, what="read the worker's jobs")


def _out(row: object) -> JobOut:
    r = row._mapping  # type: ignore[attr-defined]
    return JobOut(id=r["id"], task=r["task_name"], queue=r["queue_name"], status=_FROM_DB[r["status"]],
                  attempts=r["attempts"], lock=r["lock"], args=r["args"] or {}, scheduled_at=r["scheduled_at"],
                  deferred_at=r["deferred_at"], started_at=r["started_at"], finished_at=r["finished_at"],
                  error=r["error"])


async def list_jobs(session: AsyncSession, p: Principal, *, status: JobStatus | None, task: str | None,
                    limit: int, offset: int) -> tuple[list[JobOut], int]:
    _require_reader(p)
    where, params = ["TRUE"], {"limit": limit, "offset": offset}
    if status is not None:
        where.append("j.status::text = ANY(:statuses)")
        params["statuses"] = _TO_DB[status]  # type: ignore[assignment]
    if task is not None:
        where.append("j.task_name = :task")
        params["task"] = task  # type: ignore[assignment]
    cond = " AND ".join(where)
    total = (await session.execute(text(f"SELECT count(*) FROM procrastinate_jobs j WHERE {cond}"), params)).scalar_one()
    rows = (await session.execute(
        text(f"{_SELECT} WHERE {cond} ORDER BY j.id DESC LIMIT :limit OFFSET :offset"), params)).all()
    return [_out(r) for r in rows], int(total)


async def get_job(session: AsyncSession, p: Principal, job_id: int) -> JobOut:
    _require_reader(p)
    row = (await session.execute(text(f"{_SELECT} WHERE j.id = :id"), {"id": job_id})).first()
    if row is None:
        raise NotFound(f"Job {job_id} not found", code="job_not_found")
    return _out(row)
