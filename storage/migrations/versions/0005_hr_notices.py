"""hr notices: outbox rows addressed to a Telegram account (HR's role holders)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch_op.alter_column("recipient_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint("uq_outbox_once_chat", ["kind", "ref_id", "chat_id"])
        # Autogenerate does not see CHECK constraints.
        batch_op.create_check_constraint(
            op.f("ck_outbox_one_recipient"), "(recipient_id IS NULL) <> (chat_id IS NULL)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE recipient_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_one_recipient"), type_="check")
        batch_op.drop_constraint("uq_outbox_once_chat", type_="unique")
        batch_op.alter_column("recipient_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("chat_id")
