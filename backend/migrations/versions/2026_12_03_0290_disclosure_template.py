"""disclosure template and lock: a template item can be turned off (retired_at, retired_by: kept, no
longer pre-filled) and carries a version for If-Match; the database refuses any write into a locked
round (its items, villages' states, publications, files, reviews, inspections, and corrections recorded
in it), besides the service's check, so no path past the service writes into a locked month.

Revision ID: 0290_disclosure_template
Revises: 0260_findings_in_service
Create Date: 2026-12-03 17:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0290_disclosure_template"
down_revision: str | Sequence[str] | None = "0270_client_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> how a row names its round: directly (round_id) or through its village's state in a round
DIRECT = ("disclosure_items", "disclosure_round_villages", "disclosure_publications", "disclosure_corrections")
VIA_VILLAGE = ("disclosure_files", "disclosure_reviews", "disclosure_inspections")

FUNCTION = """
CREATE FUNCTION disclosure_round_unlocked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    rid integer;
    st text;
BEGIN
    -- The old row on UPDATE and DELETE, the new one on INSERT and UPDATE: neither may be in a locked
    -- round. TG_ARGV[0] says how the table names its round.
    FOREACH r IN ARRAY CASE TG_OP WHEN 'INSERT' THEN ARRAY[to_jsonb(NEW)]
                                  WHEN 'DELETE' THEN ARRAY[to_jsonb(OLD)]
                                  ELSE ARRAY[to_jsonb(OLD), to_jsonb(NEW)] END LOOP
        IF TG_ARGV[0] = 'round_id' THEN
            rid := (r->>'round_id')::integer;
        ELSE
            SELECT v.round_id INTO rid FROM disclosure_round_villages v
             WHERE v.id = (r->>'round_village_id')::integer;
        END IF;
        IF TG_TABLE_NAME = 'disclosure_round_villages' THEN
            -- the villages' states: the late-flag job updates them row by row; no wait for the round
            -- (it would deadlock with a publication holding the round and waiting for the row)
            SELECT status INTO st FROM disclosure_rounds WHERE id = rid;
        ELSE
            -- waits for a lock under way, then reads the round as it committed
            SELECT status INTO st FROM disclosure_rounds WHERE id = rid FOR KEY SHARE;
        END IF;
        IF st = 'locked' THEN
            RAISE EXCEPTION 'disclosure round % is locked: % on % is not allowed', rid, TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
"""


def upgrade() -> None:
    op.add_column("disclosure_template_items", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("disclosure_template_items", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("disclosure_template_items", sa.Column("retired_by", sa.String(length=100), nullable=True))
    op.execute("UPDATE disclosure_template_items SET retired_at = now(), retired_by = 'system' WHERE NOT active")
    op.create_check_constraint(op.f("ck_disclosure_template_items_retired"), "disclosure_template_items", "active = (retired_at IS NULL)")
    op.execute(FUNCTION)
    for table in DIRECT + VIA_VILLAGE:
        how = "round_id" if table in DIRECT else "round_village_id"
        op.execute(f"CREATE TRIGGER {table}_round_unlocked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION disclosure_round_unlocked('{how}')")


def downgrade() -> None:
    for table in DIRECT + VIA_VILLAGE:
        op.execute(f"DROP TRIGGER {table}_round_unlocked ON {table}")
    op.execute("DROP FUNCTION disclosure_round_unlocked()")
    op.drop_constraint("ck_disclosure_template_items_retired", "disclosure_template_items", type_="check")
    op.drop_column("disclosure_template_items", "retired_by")
    op.drop_column("disclosure_template_items", "retired_at")
    op.drop_column("disclosure_template_items", "version")
