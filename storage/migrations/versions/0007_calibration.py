"""calibration sessions: their time, members, votes and decision (clauses 38-41)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calibration_votes",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 0 AND 5", name=op.f("ck_calibration_votes_score")),
        sa.ForeignKeyConstraint(
            ["appeal_id"],
            ["appeals.id"],
            name=op.f("fk_calibration_votes_appeal_id_appeals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_calibration_votes_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("appeal_id", "employee_id", name=op.f("pk_calibration_votes")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("score_before", sa.Numeric(precision=4, scale=2), nullable=True))
        batch_op.add_column(sa.Column("score_after", sa.Numeric(precision=4, scale=2), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("decided_at")
        batch_op.drop_column("outcome")
        batch_op.drop_column("score_after")
        batch_op.drop_column("score_before")
        batch_op.drop_column("session_at")

    op.drop_table("calibration_votes")
