"""defects: a draft claim's amount and line may change while it is a draft; funds_claims_guard keeps
them fixed once the claim is submitted (and its village and author always)

Revision ID: 0190_defects
Revises: 0120_tasks
Create Date: 2026-12-02 10:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0190_defects"
down_revision: str | Sequence[str] | None = "0120_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMS_GUARD = """
CREATE OR REPLACE FUNCTION funds_claims_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'claims are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status IN ('rejected', 'withdrawn', 'reversed') THEN
    RAISE EXCEPTION 'claim % is %: it is not changed any more', OLD.id, OLD.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'paid' THEN
    IF NEW.status <> 'reversed'
       OR (to_jsonb(NEW) - 'status' - 'updated_at') <> (to_jsonb(OLD) - 'status' - 'updated_at') THEN
      RAISE EXCEPTION 'claim % is paid: it is not changed any more', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM funds_ledger_entries r JOIN funds_ledger_entries pm ON pm.id = r.reverses_id
                    WHERE pm.claim_id = OLD.id AND pm.kind = 'payment') THEN
      RAISE EXCEPTION 'claim % becomes reversed only when its payment is reversed', OLD.id
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF (NEW.village_id, NEW.created_by) IS DISTINCT FROM (OLD.village_id, OLD.created_by) THEN
    RAISE EXCEPTION 'a claim''s village and author are fixed when it is filed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- A draft's amount and line may change (the service moves the line reservations with them, under the
  -- claim's row lock); once submitted, or in the same update that submits it, they are fixed.
  IF (NEW.amount, NEW.line_id, NEW.budget_id, NEW.needs_approval)
     IS DISTINCT FROM (OLD.amount, OLD.line_id, OLD.budget_id, OLD.needs_approval)
     AND NOT (OLD.status = 'draft' AND NEW.status = 'draft') THEN
    RAISE EXCEPTION 'a claim''s amount and line are fixed once it is submitted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.invoice_exemption_reason IS NOT NULL
     AND (NEW.invoice_exemption_reason, NEW.invoice_exempted_by, NEW.invoice_exempted_at)
         IS DISTINCT FROM (OLD.invoice_exemption_reason, OLD.invoice_exempted_by, OLD.invoice_exempted_at) THEN
    RAISE EXCEPTION 'an invoice exemption is fixed once granted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""

# 0100's guard: the amount and line fixed from the claim's filing.
CLAIMS_GUARD_0100 = """
CREATE OR REPLACE FUNCTION funds_claims_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'claims are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status IN ('rejected', 'withdrawn', 'reversed') THEN
    RAISE EXCEPTION 'claim % is %: it is not changed any more', OLD.id, OLD.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'paid' THEN
    IF NEW.status <> 'reversed'
       OR (to_jsonb(NEW) - 'status' - 'updated_at') <> (to_jsonb(OLD) - 'status' - 'updated_at') THEN
      RAISE EXCEPTION 'claim % is paid: it is not changed any more', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM funds_ledger_entries r JOIN funds_ledger_entries pm ON pm.id = r.reverses_id
                    WHERE pm.claim_id = OLD.id AND pm.kind = 'payment') THEN
      RAISE EXCEPTION 'claim % becomes reversed only when its payment is reversed', OLD.id
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF (NEW.amount, NEW.line_id, NEW.budget_id, NEW.village_id, NEW.needs_approval, NEW.created_by)
     IS DISTINCT FROM (OLD.amount, OLD.line_id, OLD.budget_id, OLD.village_id, OLD.needs_approval, OLD.created_by)
  THEN
    RAISE EXCEPTION 'a claim''s amount and line are fixed when it is filed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.invoice_exemption_reason IS NOT NULL
     AND (NEW.invoice_exemption_reason, NEW.invoice_exempted_by, NEW.invoice_exempted_at)
         IS DISTINCT FROM (OLD.invoice_exemption_reason, OLD.invoice_exempted_by, OLD.invoice_exempted_at) THEN
    RAISE EXCEPTION 'an invoice exemption is fixed once granted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.execute(CLAIMS_GUARD)


def downgrade() -> None:
    op.execute(CLAIMS_GUARD_0100)
