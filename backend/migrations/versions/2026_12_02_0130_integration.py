"""integration: division versions (renames take If-Match), API client scopes, secret rotation and
last use, and the per-client rate-limit windows shared by every API process

Revision ID: 0130_integration
Revises: 0095_user_version
Create Date: 2026-12-02 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0130_integration"
down_revision: str | Sequence[str] | None = "0095_user_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What clients registered before scopes existed keep: reading, as they could.
_READ_SCOPES = ["assets:read", "cadres:read", "divisions:read", "funds:read", "partners:read",
                "rectification:read", "villages:read"]


def upgrade() -> None:
    op.add_column("divisions", sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    op.add_column("api_clients", sa.Column("scopes", postgresql.ARRAY(sa.String(32)), server_default="{}",
                                           nullable=False))
    op.add_column("api_clients", sa.Column("secret_version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("api_clients", sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_clients", sa.Column("secret_revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_clients", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_clients", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.execute(sa.text("UPDATE api_clients SET scopes = CAST(:s AS varchar(32)[])").bindparams(
        s="{" + ",".join(_READ_SCOPES) + "}"))

    op.create_table(
        "client_rate_windows",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "window_start", name=op.f("pk_client_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("client_rate_windows")
    for column in ("version", "last_used_at", "secret_revoked_at", "secret_rotated_at", "secret_version", "scopes"):
        op.drop_column("api_clients", column)
    op.drop_column("divisions", "version")
