"""rectification: criteria, screening rounds, scores, proposals, cases, measures, notes, history

Revision ID: 0010_rectification
Revises: 0001_platform
Create Date: 2026-11-27 00:08:13.080246
"""
from collections.abc import Sequence

from alembic import op

from cunzhi.kit.audit import forbid_change_sql
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0010_rectification'
down_revision: str | Sequence[str] | None = '0001_platform'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("screening_score_sheets", "screening_proposals", "rectification_problems", "rectification_notes",
               "rectification_events")


def upgrade() -> None:
    op.create_table('screening_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('no_fit_secretary', 'weak_economy', 'poor_public_order', 'many_petitions', 'irregular_activity', 'weak_branch', 'specialty_farming')", name=op.f('ck_screening_criteria_category')),
    sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,39}$'", name=op.f('ck_screening_criteria_code_format')),
    sa.CheckConstraint('min_score >= 0 AND max_score > min_score', name=op.f('ck_screening_criteria_score_range')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_screening_criteria_weight_positive')),
    sa.ForeignKeyConstraint(['county_code'], ['divisions.code'], name=op.f('fk_screening_criteria_county_code_divisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_criteria')),
    sa.UniqueConstraint('county_code', 'code', name='uq_screening_criteria_county_code_code')
    )
    op.create_index(op.f('ix_screening_criteria_county_code'), 'screening_criteria', ['county_code'], unique=False)
    op.create_table('screening_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('weak_index', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('category_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('veto_share', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('case_deadline', sa.Date(), nullable=True),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=100), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'scoring', 'proposed', 'confirmed', 'closed')", name=op.f('ck_screening_rounds_status')),
    sa.CheckConstraint('category_share > 0 AND category_share <= 100', name=op.f('ck_screening_rounds_category_share')),
    sa.CheckConstraint('veto_share IS NULL OR (veto_share > 0 AND veto_share <= 100)', name=op.f('ck_screening_rounds_veto_share')),
    sa.CheckConstraint('weak_index > 0 AND weak_index <= 100', name=op.f('ck_screening_rounds_weak_index')),
    sa.ForeignKeyConstraint(['county_code'], ['divisions.code'], name=op.f('fk_screening_rounds_county_code_divisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_rounds'))
    )
    op.create_index(op.f('ix_screening_rounds_county_code'), 'screening_rounds', ['county_code'], unique=False)
    op.create_index(op.f('ix_screening_rounds_status'), 'screening_rounds', ['status'], unique=False)
    op.create_table('rectification_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('categories', sa.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('accepted_by', sa.String(length=100), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("categories <@ ARRAY['no_fit_secretary', 'weak_economy', 'poor_public_order', 'many_petitions', 'irregular_activity', 'weak_branch', 'specialty_farming']::varchar[]", name=op.f('ck_rectification_cases_categories')),
    sa.CheckConstraint("status IN ('open', 'rectifying', 'submitted', 'accepted')", name=op.f('ck_rectification_cases_status')),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_rectification_cases_round_id_screening_rounds')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_rectification_cases_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_cases'))
    )
    op.create_index(op.f('ix_rectification_cases_round_id'), 'rectification_cases', ['round_id'], unique=False)
    op.create_index(op.f('ix_rectification_cases_status'), 'rectification_cases', ['status'], unique=False)
    op.create_index(op.f('ix_rectification_cases_village_id'), 'rectification_cases', ['village_id'], unique=False)
    op.create_table('screening_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('weak', sa.Boolean(), nullable=False),
    sa.Column('index', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('categories', sa.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("categories <@ ARRAY['no_fit_secretary', 'weak_economy', 'poor_public_order', 'many_petitions', 'irregular_activity', 'weak_branch', 'specialty_farming']::varchar[]", name=op.f('ck_screening_proposals_categories')),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_screening_proposals_round_id_screening_rounds')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_screening_proposals_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_proposals')),
    sa.UniqueConstraint('round_id', 'village_id', name='uq_screening_proposals_round_id_village_id')
    )
    op.create_index(op.f('ix_screening_proposals_round_id'), 'screening_proposals', ['round_id'], unique=False)
    op.create_index(op.f('ix_screening_proposals_village_id'), 'screening_proposals', ['village_id'], unique=False)
    op.create_table('screening_round_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_screening_round_criteria_round_id_screening_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_round_criteria')),
    sa.UniqueConstraint('round_id', 'code', name='uq_screening_round_criteria_round_id_code')
    )
    op.create_index(op.f('ix_screening_round_criteria_round_id'), 'screening_round_criteria', ['round_id'], unique=False)
    op.create_table('screening_round_townships',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_screening_round_townships_round_id_screening_rounds')),
    sa.ForeignKeyConstraint(['township_code'], ['divisions.code'], name=op.f('fk_screening_round_townships_township_code_divisions')),
    sa.PrimaryKeyConstraint('round_id', 'township_code', name=op.f('pk_screening_round_townships'))
    )
    op.create_table('screening_score_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('scores', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('scored_by', sa.String(length=100), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_screening_score_sheets_round_id_screening_rounds')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_screening_score_sheets_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_score_sheets')),
    sa.UniqueConstraint('round_id', 'village_id', name='uq_screening_score_sheets_round_id_village_id')
    )
    op.create_index(op.f('ix_screening_score_sheets_round_id'), 'screening_score_sheets', ['round_id'], unique=False)
    op.create_index(op.f('ix_screening_score_sheets_village_id'), 'screening_score_sheets', ['village_id'], unique=False)
    op.create_table('rectification_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_cases.id'], name=op.f('fk_rectification_events_case_id_rectification_cases')),
    sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'], name=op.f('fk_rectification_events_round_id_screening_rounds')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_rectification_events_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_events'))
    )
    op.create_index(op.f('ix_rectification_events_at'), 'rectification_events', ['at'], unique=False)
    op.create_index(op.f('ix_rectification_events_case_id'), 'rectification_events', ['case_id'], unique=False)
    op.create_index(op.f('ix_rectification_events_village_id'), 'rectification_events', ['village_id'], unique=False)
    op.create_table('rectification_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('no_fit_secretary', 'weak_economy', 'poor_public_order', 'many_petitions', 'irregular_activity', 'weak_branch', 'specialty_farming')", name=op.f('ck_rectification_problems_category')),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_cases.id'], name=op.f('fk_rectification_problems_case_id_rectification_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_problems'))
    )
    op.create_index(op.f('ix_rectification_problems_case_id'), 'rectification_problems', ['case_id'], unique=False)
    op.create_table('rectification_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_cases.id'], name=op.f('fk_rectification_measures_case_id_rectification_cases')),
    sa.ForeignKeyConstraint(['problem_id'], ['rectification_problems.id'], name=op.f('fk_rectification_measures_problem_id_rectification_problems')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_measures'))
    )
    op.create_index(op.f('ix_rectification_measures_case_id'), 'rectification_measures', ['case_id'], unique=False)
    op.create_index(op.f('ix_rectification_measures_done'), 'rectification_measures', ['done'], unique=False)
    op.create_table('rectification_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=True),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_cases.id'], name=op.f('fk_rectification_notes_case_id_rectification_cases')),
    sa.ForeignKeyConstraint(['measure_id'], ['rectification_measures.id'], name=op.f('fk_rectification_notes_measure_id_rectification_measures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_notes'))
    )
    op.create_index(op.f('ix_rectification_notes_case_id'), 'rectification_notes', ['case_id'], unique=False)
    # At most one open case per village.
    op.create_index('uq_rectification_cases_open_per_village', 'rectification_cases', ['village_id'], unique=True,
                    postgresql_where=sa.text("status IN ('open', 'rectifying', 'submitted')"))
    # History is never overwritten.
    for table in APPEND_ONLY:
        for stmt in forbid_change_sql(table):
            op.execute(stmt)


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_index('uq_rectification_cases_open_per_village', table_name='rectification_cases')
    op.drop_index(op.f('ix_rectification_notes_case_id'), table_name='rectification_notes')
    op.drop_table('rectification_notes')
    op.drop_index(op.f('ix_rectification_measures_done'), table_name='rectification_measures')
    op.drop_index(op.f('ix_rectification_measures_case_id'), table_name='rectification_measures')
    op.drop_table('rectification_measures')
    op.drop_index(op.f('ix_rectification_problems_case_id'), table_name='rectification_problems')
    op.drop_table('rectification_problems')
    op.drop_index(op.f('ix_rectification_events_village_id'), table_name='rectification_events')
    op.drop_index(op.f('ix_rectification_events_case_id'), table_name='rectification_events')
    op.drop_index(op.f('ix_rectification_events_at'), table_name='rectification_events')
    op.drop_table('rectification_events')
    op.drop_index(op.f('ix_screening_score_sheets_village_id'), table_name='screening_score_sheets')
    op.drop_index(op.f('ix_screening_score_sheets_round_id'), table_name='screening_score_sheets')
    op.drop_table('screening_score_sheets')
    op.drop_table('screening_round_townships')
    op.drop_index(op.f('ix_screening_round_criteria_round_id'), table_name='screening_round_criteria')
    op.drop_table('screening_round_criteria')
    op.drop_index(op.f('ix_screening_proposals_village_id'), table_name='screening_proposals')
    op.drop_index(op.f('ix_screening_proposals_round_id'), table_name='screening_proposals')
    op.drop_table('screening_proposals')
    op.drop_index(op.f('ix_rectification_cases_village_id'), table_name='rectification_cases')
    op.drop_index(op.f('ix_rectification_cases_status'), table_name='rectification_cases')
    op.drop_index(op.f('ix_rectification_cases_round_id'), table_name='rectification_cases')
    op.drop_table('rectification_cases')
    op.drop_index(op.f('ix_screening_rounds_status'), table_name='screening_rounds')
    op.drop_index(op.f('ix_screening_rounds_county_code'), table_name='screening_rounds')
    op.drop_table('screening_rounds')
    op.drop_index(op.f('ix_screening_criteria_county_code'), table_name='screening_criteria')
    op.drop_table('screening_criteria')
