"""the authorised person approves each sitting's results before they go to the people

004 clause 39: the results are approved by the authorised person and recorded in the protocol
(appendix 5). A sitting records the approval (when, by whom: the staff record and the Telegram
account when given in the bot, the name as it goes on the protocol); a decided sheet records when
its result was released to the person, which starts acquaintance and the appeal window. The
commission's own ``approved_at``, never used, is dropped: there is one approval a sitting.

Sittings closed before this revision sent their results at once: they count as approved when
they closed (by nobody named), and their decided sheets as released when decided. Downgrading
forgets the approvals: a result decided but not yet approved then stays unsent.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commission_sittings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_account", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_name", sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_commission_sittings_approved_by_id_employees"),
            "employees",
            ["approved_by_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_commission_sittings_approved_closed"),
            sa.text("approved_at IS NULL OR status = 'closed'"),
        )
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE commission_sittings SET approved_at = closed_at WHERE status = 'closed' AND EXISTS "
        "(SELECT 1 FROM legacy_sheets s WHERE s.decided_in_sitting_id = commission_sittings.id)"
    )
    op.execute("UPDATE legacy_sheets SET released_at = decided_at WHERE decision IS NOT NULL")
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.drop_column("approved_at")


def downgrade() -> None:
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.drop_column("released_at")
    with op.batch_alter_table("commission_sittings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_commission_sittings_approved_closed"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_commission_sittings_approved_by_id_employees"), type_="foreignkey"
        )
        batch_op.drop_column("approved_by_name")
        batch_op.drop_column("approved_by_account")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")
