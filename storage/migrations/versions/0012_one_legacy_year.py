"""one 2018-method year per year, enforced by the database

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_campaigns_legacy_year",
        "campaigns",
        ["year"],
        unique=True,
        sqlite_where=sa.text("kind = 'legacy'"),
        postgresql_where=sa.text("kind = 'legacy'"),
    )


def downgrade() -> None:
    op.drop_index("uq_campaigns_legacy_year", table_name="campaigns")
