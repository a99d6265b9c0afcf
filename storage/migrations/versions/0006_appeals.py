"""appeals: applications for a calibration session (clause 12)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decide_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("status IN ('filed', 'session', 'decided')", name=op.f("ck_appeals_status")),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["quarter_sheets.id"],
            name=op.f("fk_appeals_sheet_id_quarter_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("sheet_id", name=op.f("uq_appeals_sheet_id")),
    )


def downgrade() -> None:
    op.drop_table("appeals")
