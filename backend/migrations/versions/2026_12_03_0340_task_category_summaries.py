"""task summaries by kind: each village's tasks per category of their catalogue item, kept by triggers

The task panel puts each kind of task (seven helps, construction, poverty relief, industry) beside the
village's rectification outcome. `task_village_category_summaries` holds one row per village and
category with its tasks now: tasks, completed (done or accepted, with a completion time), completed on
time (on or before the due date, in the county's calendar, `task_summaries_zone()` of 0210) and overdue.
It is kept like `task_village_summaries` (0210, 0230): statement triggers with transition tables add
each (village, category)'s sum once per insert or delete statement, in key order (a stable lock order
between concurrent imports); a row trigger moves an update only when a counted column changes
(village, item, status, completion time, due date). The category is the item's: an item's category
never changes and the service keeps a task's item, but an update of `item_id` still moves the rows.
A bulk load that skips triggers (session_replication_role = replica) calls
`task_village_category_summaries_rebuild()` afterwards.

Revision ID: 0340_task_category_summaries
Revises: 0290_disclosure_template
Create Date: 2026-12-03 20:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0340_task_category_summaries"
down_revision: str | Sequence[str] | None = "0290_disclosure_template"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "task_village_category_summaries"
COUNTS = ("tasks", "completed", "on_time", "overdue")

# What one task adds to its (village, category) row (each 0 or 1).
_DELTA = """
    1,
    ({t}.status IN ('done', 'accepted') AND {t}.done_at IS NOT NULL)::int,
    ({t}.status IN ('done', 'accepted') AND {t}.done_at IS NOT NULL
     AND ({t}.done_at AT TIME ZONE task_summaries_zone())::date <= {t}.due_date)::int,
    ({t}.status = 'overdue')::int
"""


def _sums(rows: str, sign: str) -> str:
    """Each (village, category)'s sum over `rows` (tasks), in key order."""
    cols = ", ".join(COUNTS)
    return f"""
        SELECT t.village_id, i.category, {", ".join(f"{sign}sum(d.{c})" for c in COUNTS)}
        FROM {rows} t JOIN task_items i ON i.id = t.item_id
        CROSS JOIN LATERAL (SELECT {_DELTA.format(t="t")}) AS d({cols})
        GROUP BY t.village_id, i.category ORDER BY t.village_id, i.category"""


def _upsert(rows: str, sign: str) -> str:
    cols = ", ".join(COUNTS)
    return f"""
        INSERT INTO {TABLE} AS s (village_id, category, {cols}) {_sums(rows, sign)}
        ON CONFLICT (village_id, category) DO UPDATE SET
            {", ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in COUNTS)};"""


FUNCTIONS = [f"""
CREATE FUNCTION task_village_category_summaries_on_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_upsert("new_rows", "")}
    ELSE {_upsert("old_rows", "-")}
    END IF;
    RETURN NULL;
END $$""", f"""
CREATE FUNCTION task_village_category_summaries_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_upsert("(SELECT OLD.*)", "-")}
    {_upsert("(SELECT NEW.*)", "")}
    RETURN NULL;
END $$""", f"""
CREATE FUNCTION task_village_category_summaries_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM {TABLE};
    INSERT INTO {TABLE} (village_id, category, {", ".join(COUNTS)}) {_sums("tasks", "")};
$$"""]


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("village_id", sa.Integer(), sa.ForeignKey("villages.id"), primary_key=True),
        sa.Column("category", sa.String(20), primary_key=True),
        *[sa.Column(c, sa.Integer(), nullable=False, server_default="0") for c in COUNTS],
        sa.CheckConstraint("category IN ('seven_helps', 'construction', 'poverty_relief', 'industry')",
                           name=op.f(f"ck_{TABLE}_category")),
    )
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute(f"CREATE TRIGGER tasks_category_summaries_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_on_rows()")
    op.execute(f"CREATE TRIGGER tasks_category_summaries_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_on_rows()")
    # Only an update of a column the summary counts moves it (not progress, notes or reminders).
    op.execute("CREATE TRIGGER tasks_category_summaries_update AFTER UPDATE ON tasks FOR EACH ROW "
               "WHEN ((OLD.village_id, OLD.item_id, OLD.status, OLD.done_at, OLD.due_date) "
               "IS DISTINCT FROM (NEW.village_id, NEW.item_id, NEW.status, NEW.done_at, NEW.due_date)) "
               f"EXECUTE FUNCTION {TABLE}_on_update()")
    op.execute(f"SELECT {TABLE}_rebuild()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tasks_category_summaries_update ON tasks")
    op.execute("DROP TRIGGER IF EXISTS tasks_category_summaries_delete ON tasks")
    op.execute("DROP TRIGGER IF EXISTS tasks_category_summaries_insert ON tasks")
    op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_rebuild()")
    op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_on_update()")
    op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_on_rows()")
    op.drop_table(TABLE)
