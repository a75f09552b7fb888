"""funds: village accounts, budgets, amendments, claims, attachments, the ledger and the trail

Revision ID: 0030_funds
Revises: 0001_platform
Create Date: 2026-11-27 00:09:34

Besides the tables, the rules that must hold even if the application is wrong:
- funds_budget_lines CHECK 0 <= paid <= committed <= approved;
- the ledger, the trail (funds_events) and attachments are append-only (cunzhi_forbid_change);
- funds_ledger_apply keeps funds_accounts.balance (CHECK >= 0) in step with every ledger entry
  and checks that a reversal matches its entry and a payment matches its claim;
- funds_claims_guard freezes a claim's amount and line, and the claim itself once it is closed.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cunzhi.kit.audit import forbid_change_sql

revision: str = "0030_funds"
down_revision: str | Sequence[str] | None = "0001_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("funds_ledger_entries", "funds_events", "funds_attachments")

LEDGER_APPLY = """
CREATE FUNCTION funds_ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  orig funds_ledger_entries%ROWTYPE;
  claim funds_claims%ROWTYPE;
  effect numeric(14, 2);
BEGIN
  IF NEW.kind = 'reversal' THEN
    SELECT * INTO orig FROM funds_ledger_entries WHERE id = NEW.reverses_id;
    IF NOT FOUND OR orig.kind = 'reversal' OR orig.village_id <> NEW.village_id OR orig.amount <> NEW.amount THEN
      RAISE EXCEPTION 'a reversal undoes one income or payment entry of the same village, for its full amount'
        USING ERRCODE = 'check_violation';
    END IF;
    NEW.line_id := orig.line_id;
    NEW.claim_id := orig.claim_id;
    effect := CASE WHEN orig.kind = 'payment' THEN NEW.amount ELSE -NEW.amount END;
  ELSIF NEW.kind = 'payment' THEN
    SELECT * INTO claim FROM funds_claims WHERE id = NEW.claim_id;
    IF NOT FOUND OR claim.village_id <> NEW.village_id OR claim.line_id <> NEW.line_id
       OR claim.amount <> NEW.amount THEN
      RAISE EXCEPTION 'a payment pays one claim of the same village and line, for its amount'
        USING ERRCODE = 'check_violation';
    END IF;
    effect := -NEW.amount;
  ELSE
    effect := NEW.amount;
  END IF;
  UPDATE funds_accounts SET balance = balance + effect WHERE village_id = NEW.village_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'village % has no account', NEW.village_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$;
"""

CLAIMS_GUARD = """
CREATE FUNCTION funds_claims_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'claims are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status IN ('paid', 'rejected', 'withdrawn') THEN
    RAISE EXCEPTION 'claim % is %: it is not changed any more', OLD.id, OLD.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.amount, NEW.line_id, NEW.budget_id, NEW.village_id, NEW.needs_approval, NEW.created_by)
     IS DISTINCT FROM (OLD.amount, OLD.line_id, OLD.budget_id, OLD.village_id, OLD.needs_approval, OLD.created_by)
  THEN
    RAISE EXCEPTION 'a claim''s amount and line are fixed when it is filed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.create_table('funds_settings',
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('single_claim_limit', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint('single_claim_limit > 0', name=op.f('ck_funds_settings_limit_positive')),
    sa.ForeignKeyConstraint(['township_code'], ['divisions.code'], name=op.f('fk_funds_settings_township_code_divisions')),
    sa.PrimaryKeyConstraint('township_code', name=op.f('pk_funds_settings'))
    )

    op.create_table('funds_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Numeric(precision=14, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_funds_accounts_balance_not_negative')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_accounts_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_accounts')),
    sa.UniqueConstraint('village_id', name=op.f('uq_funds_accounts_village_id'))
    )

    op.create_table('funds_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'returned', 'closed')", name=op.f('ck_funds_budgets_status')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_funds_budgets_year_range')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_budgets_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_budgets')),
    sa.UniqueConstraint('village_id', 'year', name='uq_funds_budgets_village_year')
    )
    op.create_index(op.f('ix_funds_budgets_village_id'), 'funds_budgets', ['village_id'], unique=False)

    op.create_table('funds_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("entity IN ('budget', 'amendment', 'claim', 'asset', 'resource')", name=op.f('ck_funds_events_entity')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_events_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_events'))
    )
    op.create_index('ix_funds_events_entity', 'funds_events', ['entity', 'entity_id', 'id'], unique=False)
    op.create_index(op.f('ix_funds_events_village_id'), 'funds_events', ['village_id'], unique=False)

    op.create_table('funds_budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('planned', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('approved', sa.Numeric(precision=14, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('committed', sa.Numeric(precision=14, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('paid', sa.Numeric(precision=14, scale=2), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint("category IN ('office', 'allowances', 'public_works', 'production', 'welfare', 'maintenance', 'other')", name=op.f('ck_funds_budget_lines_category')),
    sa.CheckConstraint('0 <= paid AND paid <= committed AND committed <= approved', name=op.f('ck_funds_budget_lines_committed_within_approved')),
    sa.CheckConstraint('planned > 0', name=op.f('ck_funds_budget_lines_planned_positive')),
    sa.ForeignKeyConstraint(['budget_id'], ['funds_budgets.id'], name=op.f('fk_funds_budget_lines_budget_id_funds_budgets')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_budget_lines_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_budget_lines'))
    )
    op.create_index(op.f('ix_funds_budget_lines_budget_id'), 'funds_budget_lines', ['budget_id'], unique=False)
    op.create_index(op.f('ix_funds_budget_lines_village_id'), 'funds_budget_lines', ['village_id'], unique=False)

    op.create_table('funds_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('old_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('new_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'returned')", name=op.f('ck_funds_amendments_status')),
    sa.CheckConstraint('new_amount >= 0 AND new_amount <> old_amount', name=op.f('ck_funds_amendments_amount_changes')),
    sa.ForeignKeyConstraint(['budget_id'], ['funds_budgets.id'], name=op.f('fk_funds_amendments_budget_id_funds_budgets')),
    sa.ForeignKeyConstraint(['line_id'], ['funds_budget_lines.id'], name=op.f('fk_funds_amendments_line_id_funds_budget_lines')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_amendments_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_amendments'))
    )
    op.create_index(op.f('ix_funds_amendments_budget_id'), 'funds_amendments', ['budget_id'], unique=False)
    op.create_index(op.f('ix_funds_amendments_line_id'), 'funds_amendments', ['line_id'], unique=False)
    op.create_index(op.f('ix_funds_amendments_village_id'), 'funds_amendments', ['village_id'], unique=False)
    op.create_index('uq_funds_amendments_one_pending', 'funds_amendments', ['line_id'], unique=True, postgresql_where=sa.text("status = 'pending'"))

    op.create_table('funds_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'committee_signed', 'township_approved', 'paid', 'rejected', 'withdrawn')", name=op.f('ck_funds_claims_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_funds_claims_amount_positive')),
    sa.ForeignKeyConstraint(['budget_id'], ['funds_budgets.id'], name=op.f('fk_funds_claims_budget_id_funds_budgets')),
    sa.ForeignKeyConstraint(['line_id'], ['funds_budget_lines.id'], name=op.f('fk_funds_claims_line_id_funds_budget_lines')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_claims_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_claims'))
    )
    op.create_index(op.f('ix_funds_claims_budget_id'), 'funds_claims', ['budget_id'], unique=False)
    op.create_index(op.f('ix_funds_claims_line_id'), 'funds_claims', ['line_id'], unique=False)
    op.create_index(op.f('ix_funds_claims_status'), 'funds_claims', ['status'], unique=False)
    op.create_index(op.f('ix_funds_claims_village_id'), 'funds_claims', ['village_id'], unique=False)

    op.create_table('funds_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_funds_attachments_size_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['funds_claims.id'], name=op.f('fk_funds_attachments_claim_id_funds_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_attachments'))
    )
    op.create_index(op.f('ix_funds_attachments_claim_id'), 'funds_attachments', ['claim_id'], unique=False)

    op.create_table('funds_ledger_entries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('booked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.BigInteger(), nullable=True),
    sa.Column('booked_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint("(kind = 'income' AND source IS NOT NULL AND line_id IS NULL AND claim_id IS NULL AND reverses_id IS NULL) OR (kind = 'payment' AND line_id IS NOT NULL AND claim_id IS NOT NULL AND reverses_id IS NULL) OR (kind = 'reversal' AND reverses_id IS NOT NULL)", name=op.f('ck_funds_ledger_entries_shape')),
    sa.CheckConstraint("kind IN ('income', 'payment', 'reversal')", name=op.f('ck_funds_ledger_entries_kind')),
    sa.CheckConstraint("source IS NULL OR source IN ('rent', 'subsidy', 'transfer', 'asset_sale', 'other')", name=op.f('ck_funds_ledger_entries_source')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_funds_ledger_entries_amount_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['funds_claims.id'], name=op.f('fk_funds_ledger_entries_claim_id_funds_claims')),
    sa.ForeignKeyConstraint(['line_id'], ['funds_budget_lines.id'], name=op.f('fk_funds_ledger_entries_line_id_funds_budget_lines')),
    sa.ForeignKeyConstraint(['reverses_id'], ['funds_ledger_entries.id'], name=op.f('fk_funds_ledger_entries_reverses_id_funds_ledger_entries')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_funds_ledger_entries_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_ledger_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_funds_ledger_entries_reverses_id'))
    )
    op.create_index(op.f('ix_funds_ledger_entries_claim_id'), 'funds_ledger_entries', ['claim_id'], unique=False)
    op.create_index(op.f('ix_funds_ledger_entries_line_id'), 'funds_ledger_entries', ['line_id'], unique=False)
    op.create_index('ix_funds_ledger_entries_village_booked', 'funds_ledger_entries', ['village_id', 'booked_on', 'id'], unique=False)
    op.create_index('uq_funds_ledger_entries_claim_paid_once', 'funds_ledger_entries', ['claim_id'], unique=True, postgresql_where=sa.text("kind = 'payment'"))

    op.execute(LEDGER_APPLY)
    op.execute("CREATE TRIGGER funds_ledger_entries_apply BEFORE INSERT ON funds_ledger_entries "
               "FOR EACH ROW EXECUTE FUNCTION funds_ledger_apply()")
    op.execute(CLAIMS_GUARD)
    op.execute("CREATE TRIGGER funds_claims_guard BEFORE UPDATE OR DELETE ON funds_claims "
               "FOR EACH ROW EXECUTE FUNCTION funds_claims_guard()")
    for table in APPEND_ONLY:
        for statement in forbid_change_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in ("funds_ledger_entries", "funds_attachments", "funds_claims", "funds_amendments",
                  "funds_budget_lines", "funds_events", "funds_budgets", "funds_accounts", "funds_settings"):
        op.drop_table(table)  # drops their triggers and indexes too
    op.execute("DROP FUNCTION IF EXISTS funds_ledger_apply()")
    op.execute("DROP FUNCTION IF EXISTS funds_claims_guard()")
