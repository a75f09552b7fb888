import uuid
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit.codes import Role, sql_in


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({sql_in(Role)})", name="role"),
        # Exactly the scope the role needs (see kit/scope.py).
        CheckConstraint(
            "(CASE WHEN division_code IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN village_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN partner_unit_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(32))
    division_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    partner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("partner_units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"version_id_col": version}


# Usernames are unique regardless of case.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class ApiClient(Base):
    """A township system that calls the API with client credentials, scoped to its township."""

    __tablename__ = "api_clients"
    __table_args__ = (CheckConstraint("rate_limit_per_minute BETWEEN 0 AND 100000", name="rate_limit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # What it may call (kit/client_scopes.py): "villages:read", "funds:write", ...
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default="{}")
    # Tokens carry the secret's version: rotating or revoking the secret ends the tokens issued before.
    secret_version: Mapped[int] = mapped_column(Integer, server_default="1")
    secret_rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the secret is revoked: no token is issued until a new secret is made (rotate).
    secret_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last token issued to it (requests since then: the rate-limit windows, see the service).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Its requests a minute (kit/rate_limit.py); None: CUNZHI_CLIENT_RATE_LIMIT_PER_MINUTE; 0: no limit.
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class RefreshToken(Base):
    """Opaque refresh tokens, stored as SHA-256. Each use rotates; a reused one kills its family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Base):
    """Failed logins, counted per account and per address for throttling across processes."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
