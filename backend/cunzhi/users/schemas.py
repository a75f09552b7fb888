from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cunzhi.kit.codes import Role
from cunzhi.kit.pagination import Page

Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9-]{5,20}$")]


class UserScopeIn(BaseModel):
    """Exactly one of these, matching the role: a division (county or township) code,
    a village code, or a partner unit code."""

    model_config = ConfigDict(extra="forbid")
    division_code: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    village_code: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    partner_unit_code: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class UserCreate(UserScopeIn):
    username: Username
    password: Password
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    phone: Phone | None = None
    role: Role


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    phone: Phone | None = None
    is_active: bool | None = None
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


class PasswordChange(BaseModel):
    """A person changes their own password: the current one proves it is them."""

    model_config = ConfigDict(extra="forbid")
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password


UserList = Page[UserOut]


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: Username
    name: Annotated[str, Field(min_length=1, max_length=100)]
    division_code: Annotated[str, Field(pattern=r"^\d{12}$")]


class ApiClientOut(BaseModel):
    id: int
    client_id: str
    name: str
    division_code: str
    is_active: bool
    created_at: datetime


class ApiClientCreated(ApiClientOut):
    client_secret: str = Field(description="Shown once; only its hash is kept")


class PersonName(BaseModel):
    username: str
    display_name: str


class PeopleNames(BaseModel):
    """The display names of the asked accounts the caller may know; others are left out."""

    items: list[PersonName]
