"""discipline: the discipline committees' register of discipline cases against village cadres

Revision ID: 0150_discipline
Revises: 0140_disclosures
Create Date: 2026-12-02 10:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0150_discipline"
down_revision: str | Sequence[str] | None = "0140_disclosures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("branch_secretary", "branch_committee_member", "village_head", "village_committee_member",
         "supervision_committee_member", "village_accountant", "other_cadre")
VIOLATIONS = ("embezzlement", "relief_funds_misuse", "bribery", "assets_resources", "election_misconduct",
              "frugality_rules", "favouritism", "disclosure_failure", "dereliction", "other")
OUTCOMES = ("pending", "no_sanction", "admonition", "warning", "serious_warning", "removal_from_post", "probation",
            "expulsion", "judicial_transfer")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "discipline_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("person_role", sa.String(length=32), nullable=False),
        sa.Column("person_name", sa.String(length=50), nullable=False),
        sa.Column("violation", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"person_role IN ({_in(ROLES)})", name=op.f("ck_discipline_cases_person_role")),
        sa.CheckConstraint(f"violation IN ({_in(VIOLATIONS)})", name=op.f("ck_discipline_cases_violation")),
        sa.CheckConstraint(f"outcome IN ({_in(OUTCOMES)})", name=op.f("ck_discipline_cases_outcome")),
        sa.CheckConstraint("length(btrim(case_number)) > 0 AND length(btrim(person_name)) > 0",
                           name=op.f("ck_discipline_cases_texts")),
        sa.ForeignKeyConstraint(["county_code"], ["divisions.code"],
                                name=op.f("fk_discipline_cases_county_code_divisions")),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], name=op.f("fk_discipline_cases_village_id_villages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discipline_cases")),
        sa.UniqueConstraint("county_code", "case_number", name="uq_discipline_cases_number"),
    )
    op.create_index("ix_discipline_cases_county_filed", "discipline_cases", ["county_code", "filed_on"])
    op.create_index("ix_discipline_cases_village_filed", "discipline_cases", ["village_id", "filed_on"])


def downgrade() -> None:
    op.drop_index("ix_discipline_cases_village_filed", table_name="discipline_cases")
    op.drop_index("ix_discipline_cases_county_filed", table_name="discipline_cases")
    op.drop_table("discipline_cases")
