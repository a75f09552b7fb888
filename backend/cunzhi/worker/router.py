from typing import Annotated

from fastapi import Path, Query

from cunzhi.kit.deps import PrincipalDep, SessionDep
from cunzhi.kit.pagination import Limit, Offset
from cunzhi.kit.routing import DomainRouter
from cunzhi.worker import service
from cunzhi.worker.schemas import JobList, JobOut, JobStatus

router = DomainRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("", response_model=JobList, name="list",
            summary="What the worker ran, runs and will run (county admin only), newest first",
            responses={403: {"description": "Only the county organisation department reads jobs"}})
async def list_jobs(principal: PrincipalDep, session: SessionDep, status: JobStatus | None = None,
                    task: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
                    limit: Limit = 50, offset: Offset = 0) -> JobList:
    """The background jobs the worker ran, is running and will run (exports, imports, webhook deliveries,
    reminders), newest first, filtered by status and
    task. County admin only."""
    items, total = await service.list_jobs(session, principal, status=status, task=task, limit=limit, offset=offset)
    return JobList(items=items, total=total, limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobOut, name="get", summary="One job, with the error of its last failure",
            responses={403: {"description": "Only the county organisation department reads jobs"},
                       404: {"description": "No such job"}})
async def get_job(job_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: PrincipalDep,
                  session: SessionDep) -> JobOut:
    """One background job with its state, attempts, timing and the error of its last failure. County admin only; an
    unknown job is 404."""
    return await service.get_job(session, principal, job_id)
