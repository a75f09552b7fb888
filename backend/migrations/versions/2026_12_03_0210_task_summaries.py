"""task summaries: tasks per village by status and responsible kind, completed, on time; kept by triggers

The task-load panel counted every task of the scope (500,000 at province scale) on every request.
`task_village_summaries` holds one row per village with its tasks now: by status, by responsible
kind, completed (done or accepted, with its completion time), completed on time (on or before the
due date, in the county's calendar) and overdue. A trigger keeps it in the transaction of each
insert, update (of the columns it counts) and delete of a task, so creates, progress, completion,
acceptance, returns, the overdue sweep and deletes all move it. The panel reads it and, for a
past month, takes away the tasks created or completed after that month's end (found by the new
indexes on created_at and done_at; none for the current month). A bulk load that skips triggers
(session_replication_role = replica) calls `task_village_summaries_rebuild()` afterwards.

The county's calendar is CUNZHI_TIMEZONE when this migration runs (`task_summaries_zone()`); a later
change of the setting replaces that function and calls the rebuild.

Revision ID: 0210_task_summaries
Revises: 0200_dashboard_summaries
Create Date: 2026-12-03 08:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cunzhi.config import get_settings

revision: str = "0210_task_summaries"
down_revision: str | Sequence[str] | None = "0200_dashboard_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("tasks", "planned", "in_progress", "done", "overdue", "accepted", "by_village_committee",
          "by_partner_unit", "by_cadre", "completed", "on_time")

# What one task adds to its village's row (each 0 or 1).
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


def _functions(zone: str) -> list[str]:
    cols = ", ".join(COUNTS)
    sets = ",\n        ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in COUNTS)
    return [f"""
CREATE FUNCTION task_summaries_zone() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT '{zone}'::text $$
""", f"""
CREATE FUNCTION task_village_summaries_add(t tasks, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_village_summaries AS s (village_id, {cols})
    SELECT t.village_id, {", ".join(f"sign * d.{c}" for c in COUNTS)}
    FROM (SELECT {_DELTA.format(t="t")}) AS d({cols})
    ON CONFLICT (village_id) DO UPDATE SET
        {sets};
END $$
""", """
CREATE FUNCTION task_village_summaries_on_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM task_village_summaries_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM task_village_summaries_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$
""", f"""
CREATE FUNCTION task_village_summaries_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM task_village_summaries;
    INSERT INTO task_village_summaries (village_id, {cols})
    SELECT t.village_id, {", ".join(f"sum(d.{c})" for c in COUNTS)}
    FROM tasks t CROSS JOIN LATERAL (SELECT {_DELTA.format(t="t")}) AS d({cols})
    GROUP BY t.village_id;
$$
"""]


def upgrade() -> None:
    op.create_table(
        "task_village_summaries",
        sa.Column("village_id", sa.Integer(), sa.ForeignKey("villages.id"), primary_key=True),
        *[sa.Column(c, sa.Integer(), nullable=False, server_default="0") for c in COUNTS],
    )
    for sql in _functions(get_settings().timezone):
        op.execute(sql)
    op.execute("CREATE TRIGGER tasks_village_summaries AFTER INSERT OR DELETE ON tasks "
               "FOR EACH ROW EXECUTE FUNCTION task_village_summaries_on_task()")
    # Only an update of a column the summary counts moves it (not progress, notes or reminders).
    op.execute("CREATE TRIGGER tasks_village_summaries_update AFTER UPDATE ON tasks FOR EACH ROW "
               "WHEN ((OLD.village_id, OLD.status, OLD.responsible_kind, OLD.done_at, OLD.due_date) "
               "IS DISTINCT FROM (NEW.village_id, NEW.status, NEW.responsible_kind, NEW.done_at, NEW.due_date)) "
               "EXECUTE FUNCTION task_village_summaries_on_task()")
    op.execute("SELECT task_village_summaries_rebuild()")
    # A past month's figures take away the tasks created or completed after its end.
    op.create_index("ix_tasks_created_at", "tasks", ["created_at"])
    op.create_index("ix_tasks_done_at", "tasks", ["done_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_done_at", table_name="tasks")
    op.drop_index("ix_tasks_created_at", table_name="tasks")
    op.execute("DROP TRIGGER IF EXISTS tasks_village_summaries_update ON tasks")
    op.execute("DROP TRIGGER IF EXISTS tasks_village_summaries ON tasks")
    op.execute("DROP FUNCTION IF EXISTS task_village_summaries_rebuild()")
    op.execute("DROP FUNCTION IF EXISTS task_village_summaries_on_task()")
    op.drop_table("task_village_summaries")
    op.execute("DROP FUNCTION IF EXISTS task_village_summaries_add(tasks, integer)")
    op.execute("DROP FUNCTION IF EXISTS task_summaries_zone()")
