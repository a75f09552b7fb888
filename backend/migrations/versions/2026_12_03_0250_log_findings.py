"""log findings: a work log may record several oversight findings, each of one kind (policy work or
discipline) with its own follow-up state

A finding was one per log, carrying both counts, so a log that found a policy problem and a
discipline problem had one state for both, and the discipline inspector could not take up the
discipline part alone. Each finding now has a kind; the log's own finding is split by kind when it
is raised (a row trigger: the one place every insert passes, the batch sync's included), and the
cadre may add more findings to the log afterwards. Findings already stored with both counts are
split here the same way, the discipline twin keeping the state and the history.

Revision ID: 0250_log_findings
Revises: 0240_claim_status_since
Create Date: 2026-12-03 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0250_log_findings"
down_revision: str | Sequence[str] | None = "0240_claim_status_since"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPLIT = """
CREATE FUNCTION cadre_findings_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A finding raised without a kind (a log's own, from its counts) becomes one per kind found.
    IF NEW.kind IS NULL THEN
        IF NEW.policy_issues > 0 AND NEW.discipline_issues > 0 THEN
            INSERT INTO cadre_findings (log_id, village_id, cadre_id, found_on, kind, policy_issues,
                                        discipline_issues, text)
            VALUES (NEW.log_id, NEW.village_id, NEW.cadre_id, NEW.found_on, 'discipline', 0,
                    NEW.discipline_issues, NEW.text);
            NEW.discipline_issues := 0;
        END IF;
        NEW.kind := CASE WHEN NEW.policy_issues > 0 THEN 'policy' ELSE 'discipline' END;
    END IF;
    RETURN NEW;
END $$
"""
SPLIT_TRIGGER = """
CREATE TRIGGER cadre_findings_kind BEFORE INSERT ON cadre_findings
    FOR EACH ROW EXECUTE FUNCTION cadre_findings_kind()
"""


def upgrade() -> None:
    op.add_column("cadre_findings", sa.Column("kind", sa.String(length=16), nullable=True))
    op.drop_constraint(op.f("uq_cadre_findings_log_id"), "cadre_findings", type_="unique")
    op.create_index(op.f("ix_cadre_findings_log_id"), "cadre_findings", ["log_id"])
    # the stored findings with both counts: a discipline twin with the same state and history
    op.execute("""
        CREATE TEMPORARY TABLE finding_twins ON COMMIT DROP AS
        SELECT f.id AS old_id, nextval(pg_get_serial_sequence('cadre_findings', 'id')) AS new_id
          FROM cadre_findings f WHERE f.policy_issues > 0 AND f.discipline_issues > 0""")
    op.execute("""
        INSERT INTO cadre_findings (id, log_id, village_id, cadre_id, found_on, kind, policy_issues, discipline_issues,
                                    text, state, state_by, state_at, state_note, version, created_at)
        SELECT t.new_id, f.log_id, f.village_id, f.cadre_id, f.found_on, 'discipline', 0, f.discipline_issues,
               f.text, f.state, f.state_by, f.state_at, f.state_note, f.version, f.created_at
          FROM finding_twins t JOIN cadre_findings f ON f.id = t.old_id ORDER BY t.new_id""")
    op.execute("""
        INSERT INTO cadre_finding_events (finding_id, from_state, to_state, note, by, at)
        SELECT t.new_id, e.from_state, e.to_state, e.note, e.by, e.at
          FROM finding_twins t JOIN cadre_finding_events e ON e.finding_id = t.old_id ORDER BY e.id""")
    op.execute("""
        UPDATE cadre_findings SET discipline_issues = 0 WHERE id IN (SELECT old_id FROM finding_twins)""")
    op.execute("UPDATE cadre_findings SET kind = CASE WHEN policy_issues > 0 THEN 'policy' ELSE 'discipline' END"
               " WHERE kind IS NULL")
    op.alter_column("cadre_findings", "kind", nullable=False)
    op.create_check_constraint(
        op.f("ck_cadre_findings_kind"), "cadre_findings",
        "(kind = 'policy' AND policy_issues > 0 AND discipline_issues = 0)"
        " OR (kind = 'discipline' AND discipline_issues > 0 AND policy_issues = 0)")
    op.execute(SPLIT)
    op.execute(SPLIT_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS cadre_findings_kind ON cadre_findings")
    op.execute("DROP FUNCTION IF EXISTS cadre_findings_kind()")
    op.drop_constraint(op.f("ck_cadre_findings_kind"), "cadre_findings", type_="check")
    # back to one finding per log: the log's first finding, its counts the log's (the others' history
    # goes with them: the append-only trigger steps aside for this only)
    op.execute("ALTER TABLE cadre_finding_events DISABLE TRIGGER cadre_finding_events_append_only")
    op.execute("""
        DELETE FROM cadre_finding_events WHERE finding_id IN (
            SELECT id FROM cadre_findings f WHERE id <> (SELECT min(id) FROM cadre_findings g WHERE g.log_id = f.log_id))""")
    op.execute("""
        DELETE FROM cadre_findings f WHERE id <> (SELECT min(id) FROM cadre_findings g WHERE g.log_id = f.log_id)""")
    op.execute("ALTER TABLE cadre_finding_events ENABLE TRIGGER cadre_finding_events_append_only")
    op.execute("""
        UPDATE cadre_findings f SET policy_issues = g.policy_issues, discipline_issues = g.discipline_issues
          FROM cadre_logs g WHERE g.id = f.log_id AND g.policy_issues + g.discipline_issues > 0""")
    op.drop_index(op.f("ix_cadre_findings_log_id"), table_name="cadre_findings")
    op.create_unique_constraint(op.f("uq_cadre_findings_log_id"), "cadre_findings", ["log_id"])
    op.drop_column("cadre_findings", "kind")
