"""fieldwork reports: activists found and organisation-activity attendance on work logs, and the
oversight findings (两监督) with their follow-up state and its history

A work log with an oversight count above 0 raises one finding (its text the log's oversight note);
the township or county moves it open -> following_up -> resolved. The logs already stored with
oversight counts get their findings here, open.

Revision ID: 0220_fieldwork_reports
Revises: 0210_task_summaries
Create Date: 2026-12-03 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cunzhi.kit.audit import forbid_change_sql

revision: str = "0220_fieldwork_reports"
down_revision: str | Sequence[str] | None = "0210_task_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "'open', 'following_up', 'resolved'"


def upgrade() -> None:
    op.add_column("cadre_logs", sa.Column("activists_found", sa.Integer(), server_default="0", nullable=False))
    op.add_column("cadre_logs", sa.Column("activity_attendance", sa.Integer(), server_default="0", nullable=False))
    op.create_check_constraint(
        op.f("ck_cadre_logs_promotion_counts"), "cadre_logs",
        "activists_found >= 0 AND activity_attendance >= 0 AND (activity_attendance = 0 OR activities_held > 0)")
    op.create_table(
        "cadre_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("policy_issues", sa.Integer(), nullable=False),
        sa.Column("discipline_issues", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("state_by", sa.String(length=100), nullable=True),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state_note", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_cadre_findings_state")),
        sa.CheckConstraint("policy_issues >= 0 AND discipline_issues >= 0 AND policy_issues + discipline_issues > 0",
                           name=op.f("ck_cadre_findings_counts")),
        sa.ForeignKeyConstraint(["log_id"], ["cadre_logs.id"], name=op.f("fk_cadre_findings_log_id_cadre_logs")),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], name=op.f("fk_cadre_findings_village_id_villages")),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name=op.f("fk_cadre_findings_cadre_id_cadres")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_findings")),
        sa.UniqueConstraint("log_id", name=op.f("uq_cadre_findings_log_id")),
    )
    op.create_index("ix_cadre_findings_village_day", "cadre_findings", ["village_id", "found_on"])
    op.create_table(
        "cadre_finding_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"to_state IN ({STATES})", name=op.f("ck_cadre_finding_events_to_state")),
        sa.CheckConstraint(f"from_state IN ({STATES})", name=op.f("ck_cadre_finding_events_from_state")),
        sa.ForeignKeyConstraint(["finding_id"], ["cadre_findings.id"],
                                name=op.f("fk_cadre_finding_events_finding_id_cadre_findings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_finding_events")),
    )
    op.create_index(op.f("ix_cadre_finding_events_finding_id"), "cadre_finding_events", ["finding_id"])
    for statement in forbid_change_sql("cadre_finding_events"):
        op.execute(statement)
    op.execute("""
        INSERT INTO cadre_findings (log_id, village_id, cadre_id, found_on, policy_issues, discipline_issues, text)
        SELECT id, village_id, cadre_id, log_date, policy_issues, discipline_issues, oversight_note
          FROM cadre_logs WHERE policy_issues + discipline_issues > 0 ORDER BY id""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS cadre_finding_events_no_truncate ON cadre_finding_events")
    op.execute("DROP TRIGGER IF EXISTS cadre_finding_events_append_only ON cadre_finding_events")
    op.drop_index(op.f("ix_cadre_finding_events_finding_id"), table_name="cadre_finding_events")
    op.drop_table("cadre_finding_events")
    op.drop_index("ix_cadre_findings_village_day", table_name="cadre_findings")
    op.drop_table("cadre_findings")
    op.drop_constraint(op.f("ck_cadre_logs_promotion_counts"), "cadre_logs", type_="check")
    op.drop_column("cadre_logs", "activity_attendance")
    op.drop_column("cadre_logs", "activists_found")
