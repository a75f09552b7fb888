from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from cunzhi.kit.pagination import Page


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    aborted = "aborted"


class JobOut(BaseModel):
    id: int
    task: str = Field(description="What runs, e.g. `cadres.posting_days`, `outbox.relay`")
    queue: str
    status: JobStatus
    attempts: int
    lock: str | None
    args: dict[str, Any] = Field(description="The job's arguments (a periodic job's `timestamp` is its tick)")
    scheduled_at: datetime | None = Field(description="Not to run before this moment")
    deferred_at: datetime | None
    started_at: datetime | None = Field(description="When its last attempt started")
    finished_at: datetime | None
    error: str | None = Field(description="The error of the last failed attempt")


JobList = Page[JobOut]
