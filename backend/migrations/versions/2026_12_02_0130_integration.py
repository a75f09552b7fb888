"""integration: division versions (renames take If-Match), API client scopes, secret rotation and
last use, the per-client rate-limit windows shared by every API process, and webhooks
(subscriptions, deliveries and their attempts)

Revision ID: 0130_integration
Revises: 0100_funds_invoices_reversals
Create Date: 2026-12-02 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0130_integration"
down_revision: str | Sequence[str] | None = "0100_funds_invoices_reversals"
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

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["api_client_id"], ["api_clients.id"], ondelete="CASCADE",
                                name=op.f("fk_webhook_subscriptions_api_client_id_api_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(op.f("ix_webhook_subscriptions_api_client_id"), "webhook_subscriptions", ["api_client_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("outbox_event_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"], ondelete="CASCADE",
                                name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_webhook_deliveries_message_id")),
    )
    op.create_index(op.f("ix_webhook_deliveries_subscription_id"), "webhook_deliveries", ["subscription_id"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.String(500), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"], ondelete="CASCADE",
                                name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("client_rate_windows")
    for column in ("version", "last_used_at", "secret_revoked_at", "secret_rotated_at", "secret_version", "scopes"):
        op.drop_column("api_clients", column)
    op.drop_column("divisions", "version")
