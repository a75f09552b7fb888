"""findings in service: a log's findings are split by kind where they are raised (the service, for
the single POST and the batch sync alike), so the insert trigger of 0250 that split a finding raised
without a kind goes; every finding now arrives with its kind.

Revision ID: 0260_findings_in_service
Revises: 0250_log_findings
Create Date: 2026-12-03 12:20:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0260_findings_in_service"
down_revision: str | Sequence[str] | None = "0250_log_findings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the trigger as 0250 made it, for the downgrade
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
    op.execute("DROP TRIGGER cadre_findings_kind ON cadre_findings")
    op.execute("DROP FUNCTION cadre_findings_kind()")


def downgrade() -> None:
    op.execute(SPLIT)
    op.execute(SPLIT_TRIGGER)
