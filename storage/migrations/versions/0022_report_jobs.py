"""report_jobs: HR's long report jobs, recorded so that none is lost or run twice

A round's ZIP of result PDFs was a task in one process's memory: a restart lost it without a
word, and two instances each guarded against double presses on their own. Each job is now a
row (bot/reports/jobs.py): a unique key while it runs makes two presses one job on any
instance, and a row a restart left running is reported to the person who asked. Downgrading
drops the table: jobs running then are forgotten, as they were before this revision.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIT_LENGTH = 255  # the staff list's unit (bot/staff/rules.py), as it is at this revision


def upgrade() -> None:
    op.create_table(
        "report_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=UNIT_LENGTH), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_key", sa.String(length=96), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed', 'interrupted')", name=op.f("ck_report_jobs_status")
        ),
        sa.CheckConstraint(
            "(status = 'running') = (active_key IS NOT NULL)",
            name=op.f("ck_report_jobs_active_while_running"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_report_jobs_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_jobs")),
        sa.UniqueConstraint("active_key", name=op.f("uq_report_jobs_active_key")),
    )
    op.create_index(op.f("ix_report_jobs_campaign_id"), "report_jobs", ["campaign_id"])
    op.create_index("ix_report_jobs_status_updated_at", "report_jobs", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_report_jobs_status_updated_at", table_name="report_jobs")
    op.drop_index(op.f("ix_report_jobs_campaign_id"), table_name="report_jobs")
    op.drop_table("report_jobs")
