"""quarter_sheets.kpi_due_on: an absent head's KPIs are evaluated after their return

Seed 002 clause 5: a head on leave, sick, on a trip or in training during the evaluation has
their KPIs evaluated within five working days after returning to work (seed 000 evaluates them
without the person in the normal deadlines; the profile says which). The day is fixed when the
round starts, from the absences HR recorded. Sheets of rounds started before this revision
have none: they followed 000. Downgrading forgets the day.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quarter_sheets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kpi_due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quarter_sheets", schema=None) as batch_op:
        batch_op.drop_column("kpi_due_on")
