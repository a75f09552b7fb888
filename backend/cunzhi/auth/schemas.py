from pydantic import BaseModel, ConfigDict, Field

from cunzhi.kit.codes import Role
from cunzhi.kit.inputs import Body


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str | None = Field(None, description="Absent for client credentials")


class RefreshIn(Body):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=16, max_length=128)


class Scope(BaseModel):
    kind: str = Field(description="division, village or partner_unit")
    code: str
    name: str


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    phone: str | None
    role: Role
    scope: Scope
