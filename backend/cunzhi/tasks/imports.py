"""Task imports run by the worker, with progress the screen reads.

The SPA first sends the file for a dry run (transfer.run_import with dry_run: every bad row reported,
nothing written). Then `start` keeps the file in `task_imports` and defers `tasks.import` in the
request's transaction, so no job exists for a request that failed. The job (`run`) validates the rows
again (the catalogue or the villages may have changed since the dry run), then writes them all or none
in its unit of work, exactly as the synchronous import does (transfer.write): idempotent by row key,
so a job run twice adds nothing the second time. While its transaction is open it writes its progress
on a short connection of its own, so `GET /api/v1/tasks/imports/{id}` shows rows written so far; the
outcome (done, rejected with the bad rows, failed with the error) is written with the tasks."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock, jobs
from cunzhi.kit.codes import Role
from cunzhi.kit.errors import DomainError, NotFound
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import principal_county
from cunzhi.tasks import rules, transfer
from cunzhi.tasks.models import TaskImport
from cunzhi.tasks.permissions import TASKS, TaskAction
from cunzhi.tasks.schemas import TaskImportJob, TaskImportRowError

log = logging.getLogger("cunzhi.tasks.imports")

JOB = "tasks.import"
QUEUE = jobs.DEFAULT_QUEUE


def _out(row: TaskImport) -> TaskImportJob:
    return TaskImportJob(
        id=row.id, status=row.status, file_name=row.file_name, rows=row.rows, written=row.written,
        share=round(row.written / row.rows, 4) if row.rows else (1.0 if row.status == "done" else 0.0),
        created=row.created, skipped=row.skipped,
        errors=[TaskImportRowError(**e) for e in row.errors or []], error=row.error, actor=row.actor,
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at)


async def start(session: AsyncSession, p: Principal, content: bytes, name: str | None) -> TaskImportJob:
    """Keep the file and queue its import; the file must be readable and have the import's header."""
    require(p, TASKS, TaskAction.import_, what="import tasks")
    if p.kind != "user":
        raise DomainError("Imports are started by a person, on the import screen", code="import_needs_user")
    county = await principal_county(session, p)
    if county is None:
        raise transfer._refuse("请以县或乡镇账号导入", "unknown_county")
    header, raw = transfer.read_rows(content, name)
    _, errors = rules.header_map(header)
    if errors:
        raise transfer._refuse("文件缺少必需的列：" + "、".join(e.column for e in errors), "import_header_missing")
    if not raw:
        raise transfer._refuse("文件没有任务行", "import_empty")
    row = TaskImport(county_code=county, user_id=p.id, actor=p.name, file_name=(name or "tasks")[:200],
                     content=content, status="queued", rows=len(raw), written=0)
    session.add(row)
    await session.flush()
    row.job_id = await jobs.defer(session, JOB, args={"import_id": row.id}, queue=QUEUE, lock=f"{JOB}:{county}")
    await session.flush()
    return _out(row)


async def get(session: AsyncSession, p: Principal, import_id: int) -> TaskImportJob:
    """Whoever started the import reads it, and the county's organisation department; others: not found."""
    row = (await session.execute(select(TaskImport).where(TaskImport.id == import_id))).scalar_one_or_none()
    if row is None or not ((row.user_id == p.id and p.kind == "user") or (
            p.role == Role.county_admin and await principal_county(session, p) == row.county_code)):
        raise NotFound("Import not found", code="import_not_found")
    return _out(row)


async def _set(import_id: int, **values: Any) -> None:
    """Progress on a connection of its own, committed at once (the import's transaction is still open)."""
    from cunzhi.db import get_engine

    async with get_engine().begin() as conn:
        await conn.execute(update(TaskImport).where(TaskImport.id == import_id).values(**values))


async def run(session: AsyncSession, import_id: int, *, progress: transfer.Progress | None = None,
              mark: Any = None) -> dict[str, Any]:
    """The job's work in `session` (its unit of work). `progress` and `mark` default to writing the
    progress row on its own connection; tests pass their own."""
    from cunzhi.kit.deps import look_up_principal

    async def _mark(**values: Any) -> None:
        await (mark or (lambda **v: _set(import_id, **v)))(**values)

    row = (await session.execute(select(TaskImport).where(TaskImport.id == import_id))).scalar_one_or_none()
    if row is None:
        return {"import": import_id, "status": "missing"}
    if row.status in ("done", "rejected"):
        return {"import": import_id, "status": row.status}  # a second run of a finished import does nothing
    started: datetime = clock.now()
    await _mark(status="validating", started_at=started, written=0)
    p = await look_up_principal(session, f"user:{row.user_id}")
    content = (await session.execute(select(TaskImport.content).where(TaskImport.id == import_id))).scalar_one()
    prepared = await transfer.prepare(session, p, content, row.file_name, dry_run=False)
    finished: dict[str, Any]
    if prepared.report.errors or not prepared.good:
        finished = {"status": "rejected", "errors": [e.model_dump() for e in prepared.report.errors],
                    "created": 0, "skipped": 0}
    else:
        await _mark(status="writing")

        async def on_chunk(done: int) -> None:
            await (progress or (lambda n: _set(import_id, written=n)))(done)

        report = await transfer.write(session, p, prepared, row.file_name, progress=on_chunk)
        finished = {"status": "done", "created": report.created, "skipped": report.skipped,
                    "written": len(prepared.good)}
    # The outcome goes with the tasks, in this transaction: rolled back together if the commit fails.
    await session.execute(update(TaskImport).where(TaskImport.id == import_id)
                          .values(finished_at=clock.now(), **finished))
    return {"import": import_id, "status": finished["status"], "created": finished.get("created", 0)}


async def fail(import_id: int, error: BaseException) -> None:
    """The job raised: its transaction rolled back, the screen is told why."""
    msg = error.detail if isinstance(error, DomainError) else "导入失败：服务器内部错误，请稍后重试或联系管理员"
    try:
        await _set(import_id, status="failed", error=str(msg)[:2000], finished_at=clock.now())
    except Exception:
        log.exception("could not record the failure of task import %s", import_id)
