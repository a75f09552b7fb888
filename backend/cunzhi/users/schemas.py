from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from cunzhi.kit.codes import Role
from cunzhi.kit.inputs import Body, StrictBool
from cunzhi.kit.pagination import CursorPage, Page

Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9-]{5,20}$")]
RateLimit = Annotated[int, Field(ge=0, le=100_000, strict=True, description=(
    "Requests a minute this client may make; 0: no limit; null: the server's default "
    "(CUNZHI_CLIENT_RATE_LIMIT_PER_MINUTE)"))]


class UserScopeIn(Body):
    """Exactly one of these, matching the role: a division (county or township) code,
    a village code, or a partner unit code."""

    model_config = ConfigDict(extra="forbid")
    division_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")] | None = None
    village_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")] | None = None
    partner_unit_code: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class UserCreate(UserScopeIn):
    username: Username
    password: Password
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Phone | None = None
    role: Role


class UserPatch(Body):
    model_config = ConfigDict(extra="forbid")
    display_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    phone: Phone | None = None
    is_active: StrictBool | None = None
    password: Password | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    phone: str | None
    role: Role
    scope_kind: str
    scope_code: str
    is_active: bool
    created_at: datetime
    version: int


class PasswordChange(Body):
    """A person changes their own password: the current one proves it is them."""

    model_config = ConfigDict(extra="forbid")
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password


UserList = Page[UserOut]


ScopeName = Annotated[str, Field(pattern=r"^[a-z_]{1,24}:(read|write)$")]


class ApiClientCreate(Body):
    model_config = ConfigDict(extra="forbid")
    client_id: Username
    name: Annotated[str, Field(min_length=1, max_length=100)]
    division_code: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    scopes: list[ScopeName] | None = Field(
        None, max_length=64, description="What it may call (GET /api/v1/api-clients/scopes); omitted: every read scope")
    rate_limit_per_minute: RateLimit | None = None


class ApiClientPatch(Body):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    scopes: list[ScopeName] | None = Field(None, max_length=64)
    rate_limit_per_minute: RateLimit | None = Field(None, description="null: back to the server's default")


class ApiClientOut(BaseModel):
    id: int
    client_id: str
    name: str
    division_code: str
    is_active: bool
    created_at: datetime
    scopes: list[str]
    last_used_at: datetime | None = Field(description="Its last token or request")
    secret_rotated_at: datetime | None
    secret_revoked_at: datetime | None = Field(description="Set while its secret is revoked: no token is issued")
    rate_limit_per_minute: int | None = Field(description="Its own limit; null: the server's default; 0: none")
    effective_rate_limit_per_minute: int = Field(description="The limit that applies now (0: none)")
    version: int
    allowed_actions: list[str] = Field(description="edit, rotate_secret, revoke_secret, deactivate")


class ApiClientCreated(ApiClientOut):
    client_secret: str = Field(description="Shown once; only its hash is kept")


class ScopeList(BaseModel):
    items: list[str] = Field(description="Every scope some operation needs (x-required-scope in the contract)")


class PersonName(BaseModel):
    username: str
    display_name: str


class PeopleNames(BaseModel):
    """The display names of the asked accounts the caller may know; others are left out."""

    items: list[PersonName]


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="user:<id> or client:<id>")
    actor_name: str
    action: str = Field(description="e.g. village.update, claim.approve")
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    sealed: bool = Field(description="Chained into the hash chain already (cunzhi audit verify)")


class AuditPage(CursorPage[AuditEventOut]):
    pass
