"""task summaries: inserts and deletes of tasks move the summary once per statement, not per row

A row trigger upserted the village's summary row once per inserted task, so an import of 50,000
tasks over a few villages updated the same rows tens of thousands of times in one transaction (each
update a new row version to step over: a bare COPY of 50,000 tasks took 10 s). Statement triggers
with transition tables add each village's sum once per statement, villages in id order (a stable
lock order between concurrent imports). Updates keep their row trigger: it fires only when a counted
column changes.

Revision ID: 0230_task_summary_statements
Revises: 0220_fieldwork_reports
Create Date: 2026-12-03 09:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0230_task_summary_statements"
down_revision: str | Sequence[str] | None = "0220_fieldwork_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0210 (a migration keeps its own copy: later edits of 0210's must not change what this did).
COUNTS = ("tasks", "planned", "in_progress", "done", "overdue", "accepted", "by_village_committee",
          "by_partner_unit", "by_cadre", "completed", "on_time")
_DELTA = """
    1,
    ({t}.status = 'planned')::int, ({t}.status = 'in_progress')::int, ({t}.status = 'done')::int,
    ({t}.status = 'overdue')::int, ({t}.status = 'accepted')::int,
    ({t}.responsible_kind = 'village_committee')::int, ({t}.responsible_kind = 'partner_unit')::int,
    ({t}.responsible_kind = 'cadre')::int,
    ({t}.status IN ('done', 'accepted') AND {t}.done_at IS NOT NULL)::int,
    ({t}.status IN ('done', 'accepted') AND {t}.done_at IS NOT NULL
     AND ({t}.done_at AT TIME ZONE task_summaries_zone())::date <= {t}.due_date)::int
"""


def _upsert(rows: str, sign: str) -> str:
    cols = ", ".join(COUNTS)
    return f"""
        INSERT INTO task_village_summaries AS s (village_id, {cols})
        SELECT t.village_id, {", ".join(f"{sign}sum(d.{c})" for c in COUNTS)}
        FROM {rows} t CROSS JOIN LATERAL (SELECT {_DELTA.format(t="t")}) AS d({cols})
        GROUP BY t.village_id ORDER BY t.village_id
        ON CONFLICT (village_id) DO UPDATE SET
            {", ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in COUNTS)};"""


def upgrade() -> None:
    op.execute(f"""
CREATE FUNCTION task_village_summaries_on_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_upsert("new_rows", "")}
    ELSE {_upsert("old_rows", "-")}
    END IF;
    RETURN NULL;
END $$""")
    op.execute("DROP TRIGGER tasks_village_summaries ON tasks")
    op.execute("CREATE TRIGGER tasks_village_summaries_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION task_village_summaries_on_rows()")
    op.execute("CREATE TRIGGER tasks_village_summaries_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION task_village_summaries_on_rows()")


def downgrade() -> None:
    op.execute("DROP TRIGGER tasks_village_summaries_delete ON tasks")
    op.execute("DROP TRIGGER tasks_village_summaries_insert ON tasks")
    op.execute("DROP FUNCTION task_village_summaries_on_rows()")
    op.execute("CREATE TRIGGER tasks_village_summaries AFTER INSERT OR DELETE ON tasks "
               "FOR EACH ROW EXECUTE FUNCTION task_village_summaries_on_task()")
