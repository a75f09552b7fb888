"""external ids of what township systems upsert in bulk (cadres, tasks), and webhook signing secrets
encrypted at rest

Cadres and tasks get `external_source` (the township whose system named them) and `external_id`
(its id there): unique together, both or neither. Villages need none: their 12-digit code is the
external id. The webhook secrets are moved, encrypted with the key derived from CUNZHI_SECRET_KEY
(kit/crypto.py), into `secret_encrypted`; the plain column goes.

Revision ID: 0170_external_ids
Revises: 0180_fieldwork
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0170_external_ids"
down_revision: str | Sequence[str] | None = '0180_fieldwork'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("cadres", "tasks")


def upgrade() -> None:
    from cunzhi.kit import crypto

    for table in _TABLES:
        op.add_column(table, sa.Column("external_source", sa.String(12), nullable=True))
        op.add_column(table, sa.Column("external_id", sa.String(64), nullable=True))
        op.create_unique_constraint(op.f(f"uq_{table}_external"), table, ["external_source", "external_id"])
        op.create_check_constraint(op.f(f"ck_{table}_external_pair"), table,
                                   "(external_source IS NULL) = (external_id IS NULL)")

    op.add_column("webhook_subscriptions", sa.Column("secret_encrypted", sa.String(400), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, secret FROM webhook_subscriptions")).all()
    for sub_id, secret in rows:
        conn.execute(sa.text("UPDATE webhook_subscriptions SET secret_encrypted = :s WHERE id = :i"),
                     {"s": crypto.encrypt(secret), "i": sub_id})
    op.alter_column("webhook_subscriptions", "secret_encrypted", nullable=False)
    op.drop_column("webhook_subscriptions", "secret")


def downgrade() -> None:
    from cunzhi.kit import crypto

    op.add_column("webhook_subscriptions", sa.Column("secret", sa.String(80), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, secret_encrypted FROM webhook_subscriptions")).all()
    for sub_id, token in rows:
        conn.execute(sa.text("UPDATE webhook_subscriptions SET secret = :s WHERE id = :i"),
                     {"s": crypto.decrypt(token), "i": sub_id})
    op.alter_column("webhook_subscriptions", "secret", nullable=False)
    op.drop_column("webhook_subscriptions", "secret_encrypted")

    for table in _TABLES:
        op.drop_constraint(op.f(f"ck_{table}_external_pair"), table, type_="check")
        op.drop_constraint(op.f(f"uq_{table}_external"), table, type_="unique")
        op.drop_column(table, "external_id")
        op.drop_column(table, "external_source")
