"""employees: the probation's last day and the return from social leave or study (004 clause 4)

The 2018 methodology (seed 004, clause 4) evaluates nobody during their probation, nor in the
first three months after coming back from social leave or study. The staff list may now say
both (optional columns); the profiles that have the rule read them. Downgrading drops the
columns and what the staff lists said in them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probation_ends_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("returned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("returned_from", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("returned_from")
        batch_op.drop_column("returned_on")
        batch_op.drop_column("probation_ends_on")
