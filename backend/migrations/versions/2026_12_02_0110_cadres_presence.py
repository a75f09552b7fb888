"""cadres presence: village positions, check-in flags (distance, accuracy, late upload) and their
review, and posting proposals that keep existing postings (allow_moves, pins, bans)

Revision ID: 0110_cadres_presence
Revises: 0130_integration
Create Date: 2026-12-02 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cunzhi.kit.audit import forbid_change_sql

revision: str = "0110_cadres_presence"
down_revision: str | Sequence[str] | None = "0130_integration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = "'far_from_village', 'poor_accuracy', 'late_upload', 'village_unlocated'"


def upgrade() -> None:
    op.add_column("villages", sa.Column("lat", sa.Double(), nullable=True))
    op.add_column("villages", sa.Column("lng", sa.Double(), nullable=True))
    op.create_check_constraint(op.f("ck_villages_position"), "villages",
                               "(lat IS NULL) = (lng IS NULL) AND (lat IS NULL OR (lat BETWEEN -90 AND 90 "
                               "AND lng BETWEEN -180 AND 180))")

    # Flags are decided when the check-in arrives and stored with it: the row stays append-only.
    op.add_column("cadre_checkins", sa.Column("distance_m", sa.Double(), nullable=True))
    op.add_column("cadre_checkins", sa.Column("flags", postgresql.ARRAY(sa.String(length=32)),
                                              server_default="{}", nullable=False))
    op.create_check_constraint(op.f("ck_cadre_checkins_flags"), "cadre_checkins", f"flags <@ ARRAY[{FLAGS}]::varchar[]")
    op.create_index("ix_cadre_checkins_flagged", "cadre_checkins", ["village_id", "local_date"],
                    postgresql_where=sa.text("cardinality(flags) > 0"))

    op.create_table(
        "cadre_checkin_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("decision IN ('accepted', 'rejected')", name=op.f("ck_cadre_checkin_reviews_decision")),
        sa.CheckConstraint("decision = 'accepted' OR note IS NOT NULL",
                           name=op.f("ck_cadre_checkin_reviews_reject_note")),
        sa.ForeignKeyConstraint(["checkin_id"], ["cadre_checkins.id"],
                                name=op.f("fk_cadre_checkin_reviews_checkin_id_cadre_checkins")),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"],
                                name=op.f("fk_cadre_checkin_reviews_village_id_villages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_checkin_reviews")),
        sa.UniqueConstraint("checkin_id", name=op.f("uq_cadre_checkin_reviews_checkin_id")),
    )
    op.create_index(op.f("ix_cadre_checkin_reviews_village_id"), "cadre_checkin_reviews", ["village_id"])
    for statement in forbid_change_sql("cadre_checkin_reviews"):
        op.execute(statement)

    op.add_column("cadre_settings", sa.Column("allow_moves", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("cadre_posting_proposals",
                  sa.Column("allow_moves", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("cadre_posting_proposals", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_cadre_posting_proposals_parent_id_cadre_posting_proposals"),
                          "cadre_posting_proposals", "cadre_posting_proposals", ["parent_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint(op.f("fk_cadre_posting_proposals_parent_id_cadre_posting_proposals"),
                       "cadre_posting_proposals", type_="foreignkey")
    op.drop_column("cadre_posting_proposals", "parent_id")
    op.drop_column("cadre_posting_proposals", "allow_moves")
    op.drop_column("cadre_settings", "allow_moves")
    op.execute("DROP TRIGGER IF EXISTS cadre_checkin_reviews_no_truncate ON cadre_checkin_reviews")
    op.execute("DROP TRIGGER IF EXISTS cadre_checkin_reviews_append_only ON cadre_checkin_reviews")
    op.drop_index(op.f("ix_cadre_checkin_reviews_village_id"), table_name="cadre_checkin_reviews")
    op.drop_table("cadre_checkin_reviews")
    op.drop_index("ix_cadre_checkins_flagged", table_name="cadre_checkins")
    op.drop_constraint(op.f("ck_cadre_checkins_flags"), "cadre_checkins", type_="check")
    op.drop_column("cadre_checkins", "flags")
    op.drop_column("cadre_checkins", "distance_m")
    op.drop_constraint(op.f("ck_villages_position"), "villages", type_="check")
    op.drop_column("villages", "lng")
    op.drop_column("villages", "lat")
