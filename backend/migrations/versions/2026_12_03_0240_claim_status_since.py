"""funds_claims.status_since: when the claim entered its status, kept by the trail's writes

The dashboard's waiting claims need, for each claim waiting at a step, when it entered its status
(the latest event of its trail into it). Looked up per claim at province scale (50,000 waiting
claims) that was 150-330 ms of a 480 ms panel; kept on the claim it is a column read. Two triggers
keep it whatever the order of the writes in a transaction: an event into the claim's current status
moves it forward; a change of status takes the latest event into the new status already written
(NULL when none: readers fall back on submitted_at and updated_at, as the trail lookup did).
Kept while the claim is open: a paid, rejected, withdrawn or reversed claim is not changed any more
(funds_claims_guard), and waits nowhere.

Revision ID: 0240_claim_status_since
Revises: 0230_task_summary_statements
Create Date: 2026-12-03 11:10:00
"""
from collections.abc import Sequence

from alembic import op

OPEN = "('draft', 'submitted', 'committee_signed', 'township_approved')"

revision: str = "0240_claim_status_since"
down_revision: str | Sequence[str] | None = "0230_task_summary_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE funds_claims ADD COLUMN status_since timestamptz")
    op.execute(f"""
CREATE FUNCTION funds_claims_status_since_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE funds_claims SET status_since = NEW.at
     WHERE id = NEW.entity_id AND status = NEW.to_state AND status IN {OPEN}
       AND (status_since IS NULL OR status_since < NEW.at);
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER funds_events_claim_status_since AFTER INSERT ON funds_events FOR EACH ROW "
               "WHEN (NEW.entity = 'claim') EXECUTE FUNCTION funds_claims_status_since_on_event()")
    op.execute("""
CREATE FUNCTION funds_claims_status_since_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.status_since := (SELECT max(e.at) FROM funds_events e
                          WHERE e.entity = 'claim' AND e.entity_id = NEW.id AND e.to_state = NEW.status);
    RETURN NEW;
END $$""")
    op.execute("CREATE TRIGGER funds_claims_status_since BEFORE UPDATE OF status ON funds_claims FOR EACH ROW "
               f"WHEN (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN {OPEN}) "
               "EXECUTE FUNCTION funds_claims_status_since_on_status()")
    # Also what a bulk load that skipped the triggers calls (tests/bench).
    op.execute(f"""
CREATE FUNCTION funds_claims_status_since_rebuild() RETURNS void LANGUAGE sql AS $$
    UPDATE funds_claims c SET status_since = e.at
      FROM (SELECT entity_id, to_state, max(at) AS at FROM funds_events WHERE entity = 'claim'
             GROUP BY entity_id, to_state) e
     WHERE e.entity_id = c.id AND e.to_state = c.status AND c.status IN {OPEN}
       AND c.status_since IS DISTINCT FROM e.at
$$""")
    op.execute("SELECT funds_claims_status_since_rebuild()")


def downgrade() -> None:
    op.execute("DROP FUNCTION funds_claims_status_since_rebuild()")
    op.execute("DROP TRIGGER funds_claims_status_since ON funds_claims")
    op.execute("DROP FUNCTION funds_claims_status_since_on_status()")
    op.execute("DROP TRIGGER funds_events_claim_status_since ON funds_events")
    op.execute("DROP FUNCTION funds_claims_status_since_on_event()")
    op.execute("ALTER TABLE funds_claims DROP COLUMN status_since")
