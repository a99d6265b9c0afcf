"""written_notices: results HR delivers in writing to people who left the body

000 clause 11, second part: a person dismissed before the evaluated period ends is acquainted
with the result by a registered letter, telephonogram, telegram, text message or e-mail. Each
row is one such result (a submitted quarterly sheet): due two working days after submission,
then how, when and under what reference HR sent it. Downgrading drops the table and the
records of those deliveries with it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "written_notices",
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "channel IS NULL OR channel IN ('letter', 'phone', 'telegram', 'sms', 'email', 'other')",
            name=op.f("ck_written_notices_channel"),
        ),
        sa.CheckConstraint(
            "(channel IS NULL) = (sent_on IS NULL) AND (channel IS NULL) = (reference IS NULL)"
            " AND (channel IS NULL) = (recorded_at IS NULL)",
            name=op.f("ck_written_notices_recorded"),
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["quarter_sheets.id"],
            name=op.f("fk_written_notices_sheet_id_quarter_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sheet_id", name=op.f("pk_written_notices")),
    )


def downgrade() -> None:
    op.drop_table("written_notices")
