"""dashboard summaries: cadre presence per cadre x village x month, kept by triggers; indexes for the panels

The cadre-presence panel counted a month of check-ins (2 million rows at province scale) on every
request. `cadre_presence_months` holds the same counts per cadre, village and month, kept current in
the same transaction as each check-in and each review (check-ins and reviews are append-only and a
cadre checks in once per village and day, so every count is a sum of +1s). A bulk load that skips
triggers (session_replication_role = replica) calls `cadre_presence_months_rebuild()` afterwards.

Revision ID: 0200_dashboard_summaries
Revises: 0150_discipline
Create Date: 2026-12-02 20:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0200_dashboard_summaries"
down_revision: str | Sequence[str] | None = "0150_discipline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What one check-in adds to its cadre x village x month row, given its flags and its review's decision.
_DELTA = """
    (CASE WHEN cardinality({c}.flags) = 0 OR {d} = 'accepted' THEN 1 ELSE 0 END),
    (CASE WHEN cardinality({c}.flags) > 0 AND {d} IS NULL THEN 1 ELSE 0 END),
    (CASE WHEN cardinality({c}.flags) > 0 AND {d} = 'accepted' THEN 1 ELSE 0 END),
    (CASE WHEN cardinality({c}.flags) > 0 AND {d} = 'rejected' THEN 1 ELSE 0 END)
"""

FUNCTIONS = [f"""
CREATE FUNCTION cadre_presence_months_add(c cadre_checkins, decision text, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d_days integer; d_pending integer; d_accepted integer; d_rejected integer;
BEGIN
    SELECT {_DELTA.format(c="c", d="decision")} INTO d_days, d_pending, d_accepted, d_rejected;
    INSERT INTO cadre_presence_months AS m (cadre_id, village_id, month, days, flagged_pending, flagged_accepted,
                                            flagged_rejected)
    VALUES (c.cadre_id, c.village_id, date_trunc('month', c.local_date)::date, sign * d_days, sign * d_pending,
            sign * d_accepted, sign * d_rejected)
    ON CONFLICT (cadre_id, village_id, month) DO UPDATE SET
        days = m.days + EXCLUDED.days,
        flagged_pending = m.flagged_pending + EXCLUDED.flagged_pending,
        flagged_accepted = m.flagged_accepted + EXCLUDED.flagged_accepted,
        flagged_rejected = m.flagged_rejected + EXCLUDED.flagged_rejected;
END $$
""", """
CREATE FUNCTION cadre_presence_months_on_checkin() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM cadre_presence_months_add(NEW, NULL, 1);
    ELSE
        PERFORM cadre_presence_months_add(OLD, (SELECT r.decision FROM cadre_checkin_reviews r
                                                WHERE r.checkin_id = OLD.id), -1);
    END IF;
    RETURN NULL;
END $$
""", """
CREATE FUNCTION cadre_presence_months_on_review() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c cadre_checkins;
BEGIN
    -- a review moves its check-in from pending to its decision (or back, when deleted)
    SELECT * INTO c FROM cadre_checkins WHERE id = COALESCE(NEW.checkin_id, OLD.checkin_id);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM cadre_presence_months_add(c, OLD.decision, -1);
        PERFORM cadre_presence_months_add(c, NULL, 1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM cadre_presence_months_add(c, NULL, -1);
        PERFORM cadre_presence_months_add(c, NEW.decision, 1);
    END IF;
    RETURN NULL;
END $$
""", f"""
CREATE FUNCTION cadre_presence_months_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM cadre_presence_months;
    INSERT INTO cadre_presence_months (cadre_id, village_id, month, days, flagged_pending, flagged_accepted,
                                       flagged_rejected)
    SELECT c.cadre_id, c.village_id, date_trunc('month', c.local_date)::date,
           sum(d.days), sum(d.pending), sum(d.accepted), sum(d.rejected)
    FROM cadre_checkins c LEFT JOIN cadre_checkin_reviews r ON r.checkin_id = c.id
    CROSS JOIN LATERAL (SELECT {_DELTA.format(c="c", d="r.decision")}) AS d(days, pending, accepted, rejected)
    GROUP BY 1, 2, 3;
$$
"""]


def upgrade() -> None:
    op.create_table(
        "cadre_presence_months",
        sa.Column("cadre_id", sa.Integer(), sa.ForeignKey("cadres.id"), nullable=False),
        sa.Column("village_id", sa.Integer(), sa.ForeignKey("villages.id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("flagged_pending", sa.Integer(), nullable=False),
        sa.Column("flagged_accepted", sa.Integer(), nullable=False),
        sa.Column("flagged_rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cadre_id", "village_id", "month"),
    )
    op.create_index("ix_cadre_presence_months_village_month", "cadre_presence_months", ["village_id", "month"])
    op.create_index("ix_cadre_presence_months_month", "cadre_presence_months", ["month"])
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute("CREATE TRIGGER cadre_checkins_presence_months AFTER INSERT OR DELETE ON cadre_checkins "
               "FOR EACH ROW EXECUTE FUNCTION cadre_presence_months_on_checkin()")
    op.execute("CREATE TRIGGER cadre_checkin_reviews_presence_months AFTER INSERT OR UPDATE OR DELETE "
               "ON cadre_checkin_reviews FOR EACH ROW EXECUTE FUNCTION cadre_presence_months_on_review()")
    op.execute("SELECT cadre_presence_months_rebuild()")
    # The claims-waiting figure looks up, per claim, when it entered its status.
    op.create_index("ix_funds_events_claim_state", "funds_events", ["entity_id", "to_state", "at"],
                    postgresql_where=sa.text("entity = 'claim'"))


def downgrade() -> None:
    op.drop_index("ix_funds_events_claim_state", table_name="funds_events")
    op.execute("DROP TRIGGER IF EXISTS cadre_checkin_reviews_presence_months ON cadre_checkin_reviews")
    op.execute("DROP TRIGGER IF EXISTS cadre_checkins_presence_months ON cadre_checkins")
    op.execute("DROP FUNCTION IF EXISTS cadre_presence_months_rebuild()")
    op.execute("DROP FUNCTION IF EXISTS cadre_presence_months_on_review()")
    op.execute("DROP FUNCTION IF EXISTS cadre_presence_months_on_checkin()")
    op.drop_table("cadre_presence_months")
    op.execute("DROP FUNCTION IF EXISTS cadre_presence_months_add(cadre_checkins, text, integer)")
