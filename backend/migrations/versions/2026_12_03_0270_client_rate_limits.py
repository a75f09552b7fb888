"""client rate limits: an API client's own requests-a-minute limit (null: the server's
CUNZHI_CLIENT_RATE_LIMIT_PER_MINUTE; 0: no limit).

Revision ID: 0270_client_rate_limits
Revises: 0260_findings_in_service
Create Date: 2026-12-03 17:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0270_client_rate_limits"
down_revision: str | Sequence[str] | None = "0260_findings_in_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_clients", sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True))
    op.create_check_constraint(op.f("ck_api_clients_rate_limit"), "api_clients",
                               "rate_limit_per_minute BETWEEN 0 AND 100000")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_api_clients_rate_limit"), "api_clients", type_="check")
    op.drop_column("api_clients", "rate_limit_per_minute")
