from datetime import datetime
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from cunzhi.kit.inputs import Body

EventPattern = Annotated[str, Field(pattern=r"^(\*|[a-z_]{1,40}\.([a-z_]{1,20})?)$",
                                    description='"claim.submit", a prefix such as "claim.", or "*"')]


class SubscriptionCreate(Body):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[AnyHttpUrl, Field(max_length=500)]
    event_types: list[EventPattern] = Field(min_length=1, max_length=32)


class SubscriptionOut(BaseModel):
    id: int
    url: str
    event_types: list[str]
    is_active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The Standard Webhooks signing secret (whsec_...); shown once")


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    response_excerpt: str | None = Field(description="The first 500 characters of the answer")
    error: str | None = Field(description="Why no answer came (timeout, refused connection)")
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    message_id: str = Field(description="The webhook-id header")
    event_type: str
    status: str = Field(description="pending, succeeded or failed")
    attempts: int
    last_status_code: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]
    log: list[AttemptOut]
