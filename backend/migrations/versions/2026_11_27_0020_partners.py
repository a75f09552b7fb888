"""partners: unit strengths/capacity/contact, pairing periods and history, settings, proposal runs

Revision ID: 0020_partners
Revises: 0001_platform
Create Date: 2026-11-27 01:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020_partners"
down_revision: str | Sequence[str] | None = "0001_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAIRING_GUARD = """
CREATE OR REPLACE FUNCTION partners_pairing_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'pairings are history: DELETE is not allowed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.ended_at IS NOT NULL THEN
    RAISE EXCEPTION 'pairing % has ended and is history', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.id <> OLD.id OR NEW.partner_unit_id <> OLD.partner_unit_id OR NEW.village_id <> OLD.village_id
     OR NEW.start_date <> OLD.start_date OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.proposal_id IS DISTINCT FROM OLD.proposal_id THEN
    RAISE EXCEPTION 'a pairing is never rewritten, only ended' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.ended_at IS NULL THEN
    RAISE EXCEPTION 'a pairing changes only by being ended' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    # partner units: strengths, capacity, contact, active flag, optimistic version
    op.add_column("partner_units", sa.Column("strengths", postgresql.ARRAY(sa.String(length=32)),
                                             server_default="{}", nullable=False))
    op.add_column("partner_units", sa.Column("capacity", sa.Integer(), server_default="2", nullable=False))
    op.add_column("partner_units", sa.Column("contact_name", sa.String(length=50), nullable=True))
    op.add_column("partner_units", sa.Column("contact_phone", sa.String(length=20), nullable=True))
    op.add_column("partner_units", sa.Column("active", sa.Boolean(), server_default="true", nullable=False))
    op.add_column("partner_units", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("partner_units", sa.Column("created_at", sa.DateTime(timezone=True),
                                             server_default=sa.text("now()"), nullable=False))
    op.add_column("partner_units", sa.Column("updated_at", sa.DateTime(timezone=True),
                                             server_default=sa.text("now()"), nullable=False))
    op.create_check_constraint(op.f("ck_partner_units_capacity_range"), "partner_units",
                               "capacity >= 0 AND capacity <= 50")
    op.create_check_constraint(op.f("ck_partner_units_strength_codes"), "partner_units",
                               "array_to_string(strengths, ',') ~ '^([a-z][a-z0-9_]{1,31}(,|$))*$'")

    op.create_table(
        "pairing_settings",
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("slots_per_village", sa.Integer(), nullable=False),
        sa.Column("strengths", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("weights", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("slots_per_village BETWEEN 1 AND 10", name=op.f("ck_pairing_settings_slots_range")),
        sa.ForeignKeyConstraint(["county_code"], ["divisions.code"],
                                name=op.f("fk_pairing_settings_county_code_divisions")),
        sa.PrimaryKeyConstraint("county_code", name=op.f("pk_pairing_settings")),
    )

    op.create_table(
        "pairing_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("inputs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("solve_ms", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'superseded')", name=op.f("ck_pairing_proposals_status")),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name=op.f("ck_pairing_proposals_period")),
        sa.CheckConstraint("covered <= slots AND covered >= 0", name=op.f("ck_pairing_proposals_coverage")),
        sa.ForeignKeyConstraint(["county_code"], ["divisions.code"],
                                name=op.f("fk_pairing_proposals_county_code_divisions")),
        sa.ForeignKeyConstraint(["parent_id"], ["pairing_proposals.id"],
                                name=op.f("fk_pairing_proposals_parent_id_pairing_proposals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_proposals")),
    )
    op.create_index(op.f("ix_pairing_proposals_county_code"), "pairing_proposals", ["county_code"])
    op.create_index(op.f("ix_pairing_proposals_status"), "pairing_proposals", ["status"])

    # pairings: who/when, the proposal behind it, how it ended; history never overwritten
    op.add_column("pairings", sa.Column("proposal_id", sa.Integer(), nullable=True))
    op.add_column("pairings", sa.Column("created_by", sa.String(length=100), nullable=True))
    op.add_column("pairings", sa.Column("created_at", sa.DateTime(timezone=True),
                                        server_default=sa.text("now()"), nullable=True))
    op.add_column("pairings", sa.Column("ended_reason", sa.String(length=32), nullable=True))
    op.add_column("pairings", sa.Column("ended_note", sa.String(length=500), nullable=True))
    op.add_column("pairings", sa.Column("ended_by", sa.String(length=100), nullable=True))
    op.add_column("pairings", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("pairings", sa.Column("ended_by_proposal_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_pairings_proposal_id_pairing_proposals"), "pairings", "pairing_proposals",
                          ["proposal_id"], ["id"])
    op.create_foreign_key(op.f("fk_pairings_ended_by_proposal_id_pairing_proposals"), "pairings",
                          "pairing_proposals", ["ended_by_proposal_id"], ["id"])
    op.create_index(op.f("ix_pairings_proposal_id"), "pairings", ["proposal_id"])
    op.drop_constraint(op.f("ck_pairings_period"), "pairings", type_="check")
    op.create_check_constraint(op.f("ck_pairings_period"), "pairings", "end_date IS NULL OR end_date >= start_date - 1")
    op.create_check_constraint(
        op.f("ck_pairings_ended_fields"), "pairings",
        "(ended_at IS NULL AND ended_reason IS NULL) OR "
        "(ended_at IS NOT NULL AND ended_reason IS NOT NULL AND end_date IS NOT NULL)",
    )
    op.create_check_constraint(op.f("ck_pairings_ended_reason"), "pairings",
                               "ended_reason IN ('replaced', 'village_accepted', 'unit_withdrawn', 'other')")
    # one unit, one village, never twice over overlapping periods
    op.execute(
        "ALTER TABLE pairings ADD CONSTRAINT ex_pairings_no_overlap EXCLUDE USING gist "
        "(village_id WITH =, partner_unit_id WITH =, daterange(start_date, end_date + 1) WITH &&)"
    )
    op.execute(PAIRING_GUARD)
    op.execute("CREATE TRIGGER pairings_history_guard BEFORE UPDATE OR DELETE ON pairings "
               "FOR EACH ROW EXECUTE FUNCTION partners_pairing_guard()")
    op.execute("CREATE TRIGGER pairings_no_truncate BEFORE TRUNCATE ON pairings "
               "FOR EACH STATEMENT EXECUTE FUNCTION cunzhi_forbid_change()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS pairings_no_truncate ON pairings")
    op.execute("DROP TRIGGER IF EXISTS pairings_history_guard ON pairings")
    op.execute("DROP FUNCTION IF EXISTS partners_pairing_guard()")
    op.execute("ALTER TABLE pairings DROP CONSTRAINT IF EXISTS ex_pairings_no_overlap")
    op.drop_constraint(op.f("ck_pairings_ended_reason"), "pairings", type_="check")
    op.drop_constraint(op.f("ck_pairings_ended_fields"), "pairings", type_="check")
    op.drop_constraint(op.f("ck_pairings_period"), "pairings", type_="check")
    op.create_check_constraint(op.f("ck_pairings_period"), "pairings", "end_date IS NULL OR end_date >= start_date")
    op.drop_index(op.f("ix_pairings_proposal_id"), table_name="pairings")
    op.drop_constraint(op.f("fk_pairings_ended_by_proposal_id_pairing_proposals"), "pairings", type_="foreignkey")
    op.drop_constraint(op.f("fk_pairings_proposal_id_pairing_proposals"), "pairings", type_="foreignkey")
    for col in ("ended_by_proposal_id", "ended_at", "ended_by", "ended_note", "ended_reason", "created_at",
                "created_by", "proposal_id"):
        op.drop_column("pairings", col)
    op.drop_index(op.f("ix_pairing_proposals_status"), table_name="pairing_proposals")
    op.drop_index(op.f("ix_pairing_proposals_county_code"), table_name="pairing_proposals")
    op.drop_table("pairing_proposals")
    op.drop_table("pairing_settings")
    op.drop_constraint(op.f("ck_partner_units_strength_codes"), "partner_units", type_="check")
    op.drop_constraint(op.f("ck_partner_units_capacity_range"), "partner_units", type_="check")
    for col in ("updated_at", "created_at", "version", "active", "contact_phone", "contact_name", "capacity",
                "strengths"):
        op.drop_column("partner_units", col)
