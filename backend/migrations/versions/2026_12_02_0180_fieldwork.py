"""tasks: imports run by the worker (the file, the job's progress and outcome)

Revision ID: 0180_fieldwork
Revises: 0190_defects
Create Date: 2026-12-02 10:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0180_fieldwork'
down_revision: str | Sequence[str] | None = '0190_defects'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('task_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=12), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created', sa.Integer(), nullable=True),
    sa.Column('skipped', sa.Integer(), nullable=True),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error', sa.String(length=2000), nullable=True),
    sa.Column('job_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'validating', 'writing', 'done', 'rejected', 'failed')",
                       name=op.f('ck_task_imports_status')),
    sa.CheckConstraint('written >= 0 AND written <= rows', name=op.f('ck_task_imports_written')),
    sa.ForeignKeyConstraint(['county_code'], ['divisions.code'], name=op.f('fk_task_imports_county_code_divisions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_imports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_imports'))
    )
    op.create_index('ix_task_imports_user', 'task_imports', ['user_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_imports_user', table_name='task_imports')
    op.drop_table('task_imports')
