"""assets: registries of collective assets and resources with their disposal and letting state

Revision ID: 0031_assets
Revises: 0030_funds
Create Date: 2026-11-27 00:09:34

The steps themselves (who, when, what) go to funds_events, entity 'asset' or 'resource'.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_assets"
down_revision: str | Sequence[str] | None = "0030_funds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('acquired_on', sa.Date(), nullable=True),
    sa.Column('book_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('valuation', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('appraiser', sa.String(length=200), nullable=True),
    sa.Column('disposal_method', sa.String(length=16), nullable=True),
    sa.Column('disposal_proceeds', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('counterparty', sa.String(length=200), nullable=True),
    sa.Column('disposed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("disposal_method IS NULL OR disposal_method IN ('sale', 'auction', 'scrap', 'transfer')", name=op.f('ck_assets_method')),
    sa.CheckConstraint("kind IN ('building', 'machinery', 'vehicle', 'facility', 'other')", name=op.f('ck_assets_kind')),
    sa.CheckConstraint("status <> 'disposed' OR (disposal_method IS NOT NULL AND disposed_on IS NOT NULL)", name=op.f('ck_assets_disposal_recorded')),
    sa.CheckConstraint("status IN ('registered', 'valued', 'approved', 'disposed')", name=op.f('ck_assets_status')),
    sa.CheckConstraint('book_value >= 0 AND (valuation IS NULL OR valuation >= 0)', name=op.f('ck_assets_values')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_assets_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets'))
    )
    op.create_index(op.f('ix_assets_status'), 'assets', ['status'], unique=False)
    op.create_index(op.f('ix_assets_village_id'), 'assets', ['village_id'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('surveyed_area', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('boundaries', sa.Text(), nullable=True),
    sa.Column('reserve_rent', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('appraiser', sa.String(length=200), nullable=True),
    sa.Column('tender_notice', sa.Text(), nullable=True),
    sa.Column('tender_closes_on', sa.Date(), nullable=True),
    sa.Column('tenant', sa.String(length=200), nullable=True),
    sa.Column('annual_rent', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('bids', sa.SmallInteger(), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('land', 'pond', 'forest', 'grassland', 'other')", name=op.f('ck_resources_kind')),
    sa.CheckConstraint("status <> 'let' OR (tenant IS NOT NULL AND annual_rent IS NOT NULL AND term_start IS NOT NULL)", name=op.f('ck_resources_letting_recorded')),
    sa.CheckConstraint("status IN ('registered', 'surveyed', 'valued', 'approved', 'tendering', 'let')", name=op.f('ck_resources_status')),
    sa.CheckConstraint('annual_rent IS NULL OR reserve_rent IS NULL OR annual_rent >= reserve_rent', name=op.f('ck_resources_rent_not_below_reserve')),
    sa.CheckConstraint('area > 0 AND (surveyed_area IS NULL OR surveyed_area > 0)', name=op.f('ck_resources_area_positive')),
    sa.CheckConstraint('term_start IS NULL OR term_end > term_start', name=op.f('ck_resources_term_order')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_resources_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    op.create_index(op.f('ix_resources_status'), 'resources', ['status'], unique=False)
    op.create_index(op.f('ix_resources_village_id'), 'resources', ['village_id'], unique=False)


def downgrade() -> None:
    op.drop_table("resources")
    op.drop_table("assets")
