"""One history: merge the per-domain heads (rectification, partners, funds/assets, cadres).

Revision ID: 0050_merge_heads
Revises: 0011_score_revisions, 0020_partners, 0031_assets, 0040_cadres
"""

from collections.abc import Sequence

revision: str = "0050_merge_heads"
down_revision: str | Sequence[str] | None = ("0011_score_revisions", "0020_partners", "0031_assets", "0040_cadres")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
