"""funds: invoices or an exemption, reversed claims, a balance only the ledger moves, approved
amounts per line, income vouchers, claims against the current year

Revision ID: 0100_funds_invoices_reversals
Revises: 0095_user_version
Create Date: 2026-12-02 04:20:00

- funds_claims gains submitted_at (backfilled from the trail) and the township's invoice exemption;
  its status may be `reversed`, and funds_claims_guard lets a paid claim become reversed only once
  its payment's ledger entry is reversed, and freezes it after;
- the ledger's balance update moves to an AFTER INSERT trigger, and funds_accounts_guard refuses a
  balance other than the sum of the village's ledger entries (an UPDATE by hand fails);
- funds_budget_lines.approval_reason, funds_ledger_entries.received_on/payer/voucher_no and
  funds_settings.other_year_claims.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0100_funds_invoices_reversals"
down_revision: str | Sequence[str] | None = "0095_user_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = "'draft', 'submitted', 'committee_signed', 'township_approved', 'paid', 'rejected', 'withdrawn'"

LEDGER_CHECK = """
CREATE OR REPLACE FUNCTION funds_ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  orig funds_ledger_entries%ROWTYPE;
  claim funds_claims%ROWTYPE;
BEGIN
  IF NEW.kind = 'reversal' THEN
    SELECT * INTO orig FROM funds_ledger_entries WHERE id = NEW.reverses_id;
    IF NOT FOUND OR orig.kind = 'reversal' OR orig.village_id <> NEW.village_id OR orig.amount <> NEW.amount THEN
      RAISE EXCEPTION 'a reversal undoes one income or payment entry of the same village, for its full amount'
        USING ERRCODE = 'check_violation';
    END IF;
    NEW.line_id := orig.line_id;
    NEW.claim_id := orig.claim_id;
  ELSIF NEW.kind = 'payment' THEN
    SELECT * INTO claim FROM funds_claims WHERE id = NEW.claim_id;
    IF NOT FOUND OR claim.village_id <> NEW.village_id OR claim.line_id <> NEW.line_id
       OR claim.amount <> NEW.amount THEN
      RAISE EXCEPTION 'a payment pays one claim of the same village and line, for its amount'
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
"""

LEDGER_TOTAL = """
CREATE FUNCTION funds_ledger_total(v integer) RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(CASE WHEN e.kind = 'income' THEN e.amount
                           WHEN e.kind = 'payment' THEN -e.amount
                           WHEN o.kind = 'payment' THEN e.amount
                           ELSE -e.amount END), 0)::numeric(14, 2)
    FROM funds_ledger_entries e LEFT JOIN funds_ledger_entries o ON o.id = e.reverses_id
   WHERE e.village_id = v
$$;
"""

# After the entry is in the table: the balance becomes the ledger's sum (so several entries written
# by one statement agree too), which funds_accounts_guard checks again.
LEDGER_BALANCE = """
CREATE FUNCTION funds_ledger_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE funds_accounts SET balance = funds_ledger_total(NEW.village_id) WHERE village_id = NEW.village_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'village % has no account', NEW.village_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
"""

ACCOUNTS_GUARD = """
CREATE FUNCTION funds_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total numeric(14, 2);
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'village accounts are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.village_id <> OLD.village_id THEN
    RAISE EXCEPTION 'an account stays with its village' USING ERRCODE = 'insufficient_privilege';
  END IF;
  total := funds_ledger_total(NEW.village_id);
  IF NEW.balance <> total THEN
    RAISE EXCEPTION 'the balance of village % is the sum of its ledger entries (%), not %: only a ledger entry moves it',
      NEW.village_id, total, NEW.balance USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
"""

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

CLAIMS_GUARD_0030 = """
CREATE OR REPLACE FUNCTION funds_claims_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    op.add_column("funds_settings", sa.Column("other_year_claims", sa.Boolean(), server_default=sa.text("false"),
                                              nullable=False))
    op.add_column("funds_budget_lines", sa.Column("approval_reason", sa.Text(), nullable=True))
    op.add_column("funds_claims", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("funds_claims", sa.Column("invoice_exemption_reason", sa.Text(), nullable=True))
    op.add_column("funds_claims", sa.Column("invoice_exempted_by", sa.String(length=100), nullable=True))
    op.add_column("funds_claims", sa.Column("invoice_exempted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("funds_ledger_entries", sa.Column("received_on", sa.Date(), nullable=True))
    op.add_column("funds_ledger_entries", sa.Column("payer", sa.String(length=200), nullable=True))
    op.add_column("funds_ledger_entries", sa.Column("voucher_no", sa.String(length=40), nullable=True))

    op.drop_constraint(op.f("ck_funds_claims_status"), "funds_claims", type_="check")
    op.create_check_constraint(op.f("ck_funds_claims_status"), "funds_claims", f"status IN ({STATES}, 'reversed')")

    # Claims filed before: their submit step is in the trail; paid claims whose payment was reversed
    # become reversed. The guard is off for the backfill only.
    op.execute("ALTER TABLE funds_claims DISABLE TRIGGER funds_claims_guard")
    op.execute("""
        UPDATE funds_claims c SET submitted_at = s.at
          FROM (SELECT entity_id, min(at) AS at FROM funds_events
                 WHERE entity = 'claim' AND action = 'submit' GROUP BY entity_id) s
         WHERE s.entity_id = c.id
    """)
    op.execute("""
        UPDATE funds_claims c SET status = 'reversed'
         WHERE c.status = 'paid' AND EXISTS (
           SELECT 1 FROM funds_ledger_entries r JOIN funds_ledger_entries pm ON pm.id = r.reverses_id
            WHERE pm.claim_id = c.id AND pm.kind = 'payment')
    """)
    op.execute("ALTER TABLE funds_claims ENABLE TRIGGER funds_claims_guard")
    op.execute(CLAIMS_GUARD)

    op.execute(LEDGER_CHECK)
    op.execute(LEDGER_TOTAL)
    op.execute(LEDGER_BALANCE)
    op.execute("CREATE TRIGGER funds_ledger_entries_balance AFTER INSERT ON funds_ledger_entries "
               "FOR EACH ROW EXECUTE FUNCTION funds_ledger_balance()")
    op.execute(ACCOUNTS_GUARD)
    op.execute("CREATE TRIGGER funds_accounts_guard BEFORE INSERT OR UPDATE OR DELETE ON funds_accounts "
               "FOR EACH ROW EXECUTE FUNCTION funds_accounts_guard()")


def downgrade() -> None:
    op.execute("DROP TRIGGER funds_accounts_guard ON funds_accounts")
    op.execute("DROP FUNCTION funds_accounts_guard()")
    op.execute("DROP TRIGGER funds_ledger_entries_balance ON funds_ledger_entries")
    op.execute("DROP FUNCTION funds_ledger_balance()")
    op.execute("DROP FUNCTION funds_ledger_total(integer)")
    # Back to 0030's trigger, which both checks an entry and moves the balance.
    op.execute(LEDGER_CHECK.replace("RETURN NEW;\nEND $$;", "").rstrip() + """
  UPDATE funds_accounts SET balance = balance + CASE
      WHEN NEW.kind = 'income' THEN NEW.amount
      WHEN NEW.kind = 'payment' THEN -NEW.amount
      WHEN (SELECT kind FROM funds_ledger_entries WHERE id = NEW.reverses_id) = 'payment' THEN NEW.amount
      ELSE -NEW.amount END
   WHERE village_id = NEW.village_id;
  RETURN NEW;
END $$;
""")
    op.execute(CLAIMS_GUARD_0030)
    op.execute("ALTER TABLE funds_claims DISABLE TRIGGER funds_claims_guard")
    op.execute("UPDATE funds_claims SET status = 'paid' WHERE status = 'reversed'")
    op.execute("ALTER TABLE funds_claims ENABLE TRIGGER funds_claims_guard")
    op.drop_constraint(op.f("ck_funds_claims_status"), "funds_claims", type_="check")
    op.create_check_constraint(op.f("ck_funds_claims_status"), "funds_claims", f"status IN ({STATES})")
    for table, column in [("funds_ledger_entries", "voucher_no"), ("funds_ledger_entries", "payer"),
                          ("funds_ledger_entries", "received_on"), ("funds_claims", "invoice_exempted_at"),
                          ("funds_claims", "invoice_exempted_by"), ("funds_claims", "invoice_exemption_reason"),
                          ("funds_claims", "submitted_at"), ("funds_budget_lines", "approval_reason"),
                          ("funds_settings", "other_year_claims")]:
        op.drop_column(table, column)
