"""rectification: score sheets keep revisions (a correction appends a row that supersedes the last)

Revision ID: 0011_score_revisions
Revises: 0010_rectification
Create Date: 2026-11-27 00:40:00

Score sheets stay append-only. A correction is a new row for the same round and village with the
next `revision`, pointing at the row it supersedes (`supersedes_id`, unique: a row is superseded at
most once). The current sheet of a village is the one no other row supersedes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_score_revisions"
down_revision: str | Sequence[str] | None = "0010_rectification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

T = "screening_score_sheets"


def upgrade() -> None:
    op.add_column(T, sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.add_column(T, sa.Column("supersedes_id", sa.Integer(), nullable=True))
    op.add_column(T, sa.Column("reason", sa.Text(), nullable=True))
    op.create_foreign_key(op.f("fk_screening_score_sheets_supersedes_id_screening_score_sheets"), T, T, ["supersedes_id"], ["id"])
    op.create_unique_constraint("uq_screening_score_sheets_supersedes_id", T, ["supersedes_id"])
    op.create_check_constraint(
        op.f("ck_screening_score_sheets_revision_chain"), T, "revision >= 1 AND (revision = 1) = (supersedes_id IS NULL)"
    )
    op.drop_constraint("uq_screening_score_sheets_round_id_village_id", T, type_="unique")
    op.create_unique_constraint("uq_screening_score_sheets_round_village_revision", T, ["round_id", "village_id", "revision"])


def downgrade() -> None:
    # Corrections are history: refuse to throw them away.
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM {T} WHERE revision > 1) THEN "
        f"RAISE EXCEPTION 'score sheets have corrections; downgrading would lose them'; END IF; END $$"
    )
    op.drop_constraint("uq_screening_score_sheets_round_village_revision", T, type_="unique")
    op.create_unique_constraint("uq_screening_score_sheets_round_id_village_id", T, ["round_id", "village_id"])
    op.drop_constraint(op.f("ck_screening_score_sheets_revision_chain"), T, type_="check")
    op.drop_constraint("uq_screening_score_sheets_supersedes_id", T, type_="unique")
    op.drop_constraint(op.f("fk_screening_score_sheets_supersedes_id_screening_score_sheets"), T, type_="foreignkey")
    op.drop_column(T, "reason")
    op.drop_column(T, "supersedes_id")
    op.drop_column(T, "revision")
