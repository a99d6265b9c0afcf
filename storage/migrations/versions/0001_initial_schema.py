"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("profile_code", sa.String(length=32), nullable=False),
        sa.Column("profile_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('360')", name=op.f("ck_campaigns_kind")),
        sa.CheckConstraint("status IN ('draft', 'running', 'closed')", name=op.f("ck_campaigns_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=255), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("appointed_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("chosen_locale", sa.String(length=2), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('head', 'employee')", name=op.f("ck_employees_role")),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["employees.id"], name=op.f("fk_employees_manager_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("employee_id", name=op.f("uq_employees_employee_id")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_employees_telegram_user_id")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employees_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_employees_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_employees_unit"), ["unit"], unique=False)

    op.create_table(
        "campaign_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire", sa.String(length=16), nullable=False),
        sa.Column("excluded_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_subjects_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_campaign_subjects_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_subjects")),
        sa.UniqueConstraint("campaign_id", "employee_id", name="uq_campaign_subjects_person"),
    )
    with op.batch_alter_table("campaign_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_subjects_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_subjects_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_invites_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("token", name=op.f("uq_invites_token")),
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invites_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'blocked', 'failed')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["employees.id"],
            name=op.f("fk_outbox_recipient_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("kind", "ref_id", "recipient_id", name="uq_outbox_once"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)

    op.create_table(
        "answer_tallies",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("statement_no", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_answer_tallies_score")),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["campaign_subjects.id"],
            name=op.f("fk_answer_tallies_subject_id_campaign_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", "statement_no", "score", name=op.f("pk_answer_tallies")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("submitted", sa.Boolean(), nullable=False),
        sa.Column("cursor", sa.SmallInteger(), nullable=True),
        sa.Column("back_to_review", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "relation IN ('self', 'manager', 'subordinate', 'peer')", name=op.f("ck_assignments_relation")
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"], ["employees.id"], name=op.f("fk_assignments_respondent_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["campaign_subjects.id"],
            name=op.f("fk_assignments_subject_id_campaign_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("subject_id", "respondent_id", name="uq_assignments_pair"),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_respondent_id"), ["respondent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "self_answers",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("statement_no", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["campaign_subjects.id"],
            name=op.f("fk_self_answers_subject_id_campaign_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subject_id", "statement_no", name=op.f("pk_self_answers")),
    )
    op.create_table(
        "draft_answers",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("statement_no", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_draft_answers_score")),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_draft_answers_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", "statement_no", name=op.f("pk_draft_answers")),
    )


def downgrade() -> None:

    op.drop_table("draft_answers")
    op.drop_table("self_answers")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_subject_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_respondent_id"))

    op.drop_table("assignments")
    op.drop_table("answer_tallies")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_recipient_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invites_employee_id"))

    op.drop_table("invites")
    with op.batch_alter_table("campaign_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_subjects_employee_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_subjects_campaign_id"))

    op.drop_table("campaign_subjects")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employees_unit"))
        batch_op.drop_index(batch_op.f("ix_employees_phone"))
        batch_op.drop_index(batch_op.f("ix_employees_manager_id"))

    op.drop_table("employees")
    op.drop_table("campaigns")
