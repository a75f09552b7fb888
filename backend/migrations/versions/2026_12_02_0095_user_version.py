"""users: a row version, so updates of an account take If-Match like every other update

Revision ID: 0095_user_version
Revises: 0070_jobs_outbox
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0095_user_version"
down_revision: str | Sequence[str] | None = "0070_jobs_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    op.drop_column("users", "version")
