"""360 reports acknowledged (clause 11), the calibration session's chair, accounts' languages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_subjects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("calibration_votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_chair", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "accounts",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_accounts")),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    with op.batch_alter_table("calibration_votes", schema=None) as batch_op:
        batch_op.drop_column("is_chair")
    with op.batch_alter_table("campaign_subjects", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_at")
