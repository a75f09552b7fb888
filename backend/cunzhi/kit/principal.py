"""Who is calling: a user or a township system, with its role and scope."""

from dataclasses import dataclass

from cunzhi.kit.codes import Role


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # "user" or "client"
    id: int
    name: str
    role: Role
    division_code: str | None = None
    division_level: str | None = None
    village_id: int | None = None
    partner_unit_id: int | None = None
    # An API client's scopes (kit/client_scopes.py) and the version of its secret its tokens carry.
    scopes: frozenset[str] | None = None
    secret_version: int | None = None
    # An API client's own requests-a-minute limit (None: the server's; 0: none), kit/rate_limit.py.
    rate_limit_per_minute: int | None = None

    @property
    def key(self) -> str:
        """Stable identity for idempotency keys and audit."""
        return f"{self.kind}:{self.id}"

    def has(self, *roles: Role) -> bool:
        return self.role in roles
