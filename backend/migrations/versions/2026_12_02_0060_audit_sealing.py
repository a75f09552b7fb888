"""Audit events appended unchained and sealed later (no lock held by writers); idempotent answers
stored with their effect.

- audit_events: `seq` (the sealing order), `prev_hash` and `hash` are set once by the sealer and NULL
  until then; the existing chain keeps its hashes and gets seq in id order. The append-only trigger
  now allows exactly that one UPDATE (seal columns from NULL to a value) and nothing else.
- idempotency_keys: a key is stored only together with its answer now; rows left 'pending' by the
  old two-transaction scheme are dropped, so their retries run once.

Revision ID: 0060_audit_sealing
Revises: 0050_merge_heads
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cunzhi.kit.audit import SEAL_ONCE_FUNCTION

revision: str = "0060_audit_sealing"
down_revision: str | Sequence[str] | None = "0050_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.alter_column("audit_events", "prev_hash", existing_type=sa.String(64), nullable=True)
    op.alter_column("audit_events", "hash", existing_type=sa.String(64), nullable=True)
    op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    op.execute("UPDATE audit_events e SET seq = o.n FROM "
               "(SELECT id, row_number() OVER (ORDER BY id) AS n FROM audit_events) o WHERE o.id = e.id")
    op.create_unique_constraint(op.f("uq_audit_events_seq"), "audit_events", ["seq"])
    # Unsealed events are found by this index; it stays small (only events not sealed yet).
    op.create_index("ix_audit_events_unsealed", "audit_events", ["id"], postgresql_where=sa.text("seq IS NULL"))
    op.execute(SEAL_ONCE_FUNCTION)
    op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
               "FOR EACH ROW EXECUTE FUNCTION cunzhi_audit_seal_once()")
    op.execute("DELETE FROM idempotency_keys WHERE state <> 'done'")


def downgrade() -> None:
    # The old schema needs every event chained: run `cunzhi audit verify` (which seals) first.
    op.execute("DO $$ BEGIN IF EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL) THEN "
               "RAISE EXCEPTION 'unsealed audit events: run cunzhi audit verify first'; END IF; END $$")
    op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION cunzhi_audit_seal_once()")
    op.drop_index("ix_audit_events_unsealed", table_name="audit_events")
    op.drop_constraint(op.f("uq_audit_events_seq"), "audit_events", type_="unique")
    op.drop_column("audit_events", "seq")
    op.alter_column("audit_events", "prev_hash", existing_type=sa.String(64), nullable=False)
    op.alter_column("audit_events", "hash", existing_type=sa.String(64), nullable=False)
    op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
               "FOR EACH ROW EXECUTE FUNCTION cunzhi_forbid_change()")
