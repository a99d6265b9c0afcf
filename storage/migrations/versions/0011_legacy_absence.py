"""legacy absence: a person absent during the 2018-method evaluation, and their own deadline

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("absent_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("absence_due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.drop_column("absence_due")
        batch_op.drop_column("absent_until")
