"""The 2018 method's year (kz-2018 profiles): legacy sheets with their KPIs, indicators seen and
competency verdicts, the evaluation commission with members and votes, the post's category on
the staff list, and rounds of kind "legacy"

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("secretary_id", sa.Integer(), nullable=True),
        sa.Column("sitting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('named', 'scheduled', 'sitting', 'closed', 'no_quorum')",
            name=op.f("ck_commissions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_commissions_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["secretary_id"], ["employees.id"], name=op.f("fk_commissions_secretary_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissions")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_commissions_campaign_id")),
    )
    op.create_table(
        "legacy_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("excluded_reason", sa.String(length=32), nullable=True),
        sa.Column("position_category", sa.String(length=8), nullable=True),
        sa.Column("heads_unit", sa.Boolean(), nullable=False),
        sa.Column("serves_public", sa.Boolean(), nullable=False),
        sa.Column("plan_status", sa.String(length=16), nullable=False),
        sa.Column("kpi_status", sa.String(length=16), nullable=False),
        sa.Column("kpi_met", sa.SmallInteger(), nullable=True),
        sa.Column("kpi_grade", sa.String(length=32), nullable=True),
        sa.Column("return_comment", sa.Text(), nullable=True),
        sa.Column("resubmit_by", sa.Date(), nullable=True),
        sa.Column("kpi_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kpi_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("competencies_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("corrected_grade", sa.String(length=32), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acquaint_by", sa.Date(), nullable=True),
        sa.Column("acquainted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_note", sa.Text(), nullable=True),
        sa.Column("agency_appeal_by", sa.Date(), nullable=True),
        sa.Column("agency_appeal_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(decision = 'revise') = (corrected_grade IS NOT NULL)", name=op.f("ck_legacy_sheets_corrected")
        ),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('approve', 'revise')", name=op.f("ck_legacy_sheets_decision")
        ),
        sa.CheckConstraint(
            "kpi_status IN ('open', 'submitted', 'agreed', 'returned')",
            name=op.f("ck_legacy_sheets_kpi_status"),
        ),
        sa.CheckConstraint(
            "plan_status IN ('draft', 'submitted', 'approved', 'returned')",
            name=op.f("ck_legacy_sheets_plan_status"),
        ),
        sa.CheckConstraint(
            "acquainted_at IS NULL OR refused_at IS NULL", name=op.f("ck_legacy_sheets_acquaintance")
        ),
        sa.CheckConstraint(
            "kpi_met IS NULL OR kpi_met BETWEEN 0 AND 5", name=op.f("ck_legacy_sheets_kpi_met")
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["employees.id"], name=op.f("fk_legacy_sheets_approver_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_legacy_sheets_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_legacy_sheets_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"], ["employees.id"], name=op.f("fk_legacy_sheets_evaluator_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_sheets")),
        sa.UniqueConstraint("campaign_id", "employee_id", name="uq_legacy_sheets_person"),
    )
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legacy_sheets_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_legacy_sheets_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_legacy_sheets_evaluator_id"), ["evaluator_id"], unique=False)

    op.create_table(
        "commission_members",
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("is_chair", sa.Boolean(), nullable=False),
        sa.Column("present_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commissions.id"],
            name=op.f("fk_commission_members_commission_id_commissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_commission_members_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("commission_id", "employee_id", name=op.f("pk_commission_members")),
    )
    op.create_table(
        "commission_votes",
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("corrected_grade", sa.String(length=32), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(choice = 'revise') = (corrected_grade IS NOT NULL)", name=op.f("ck_commission_votes_corrected")
        ),
        sa.CheckConstraint("choice IN ('approve', 'revise')", name=op.f("ck_commission_votes_choice")),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commissions.id"],
            name=op.f("fk_commission_votes_commission_id_commissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["employees.id"], name=op.f("fk_commission_votes_member_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["legacy_sheets.id"],
            name=op.f("fk_commission_votes_sheet_id_legacy_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commission_id", "sheet_id", "member_id", name=op.f("pk_commission_votes")),
    )
    op.create_table(
        "legacy_competency_results",
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("competency_no", sa.SmallInteger(), nullable=False),
        sa.Column("seen", sa.SmallInteger(), nullable=False),
        sa.Column("total", sa.SmallInteger(), nullable=False),
        sa.Column("meets", sa.Boolean(), nullable=False),
        sa.CheckConstraint("seen BETWEEN 0 AND total", name=op.f("ck_legacy_competency_results_seen")),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["legacy_sheets.id"],
            name=op.f("fk_legacy_competency_results_sheet_id_legacy_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sheet_id", "competency_no", name=op.f("pk_legacy_competency_results")),
    )
    op.create_table(
        "legacy_indicators_seen",
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("competency_no", sa.SmallInteger(), nullable=False),
        sa.Column("indicator", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["legacy_sheets.id"],
            name=op.f("fk_legacy_indicators_seen_sheet_id_legacy_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "sheet_id", "competency_no", "indicator", name=op.f("pk_legacy_indicators_seen")
        ),
    )
    op.create_table(
        "legacy_kpis",
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("planned", sa.String(length=64), nullable=False),
        sa.Column("due", sa.String(length=64), nullable=False),
        sa.Column("key_result", sa.Text(), nullable=False),
        sa.Column("actual", sa.String(length=64), nullable=True),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.CheckConstraint("no BETWEEN 1 AND 5", name=op.f("ck_legacy_kpis_no")),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["legacy_sheets.id"],
            name=op.f("fk_legacy_kpis_sheet_id_legacy_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sheet_id", "no", name=op.f("pk_legacy_kpis")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position_category", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("serves_public", sa.Boolean(), nullable=True))
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaigns_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaigns_kind"), "kind IN ('360', 'quarter', 'legacy')")


def downgrade() -> None:
    op.execute("DELETE FROM campaigns WHERE kind = 'legacy'")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaigns_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaigns_kind"), "kind IN ('360', 'quarter')")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("serves_public")
        batch_op.drop_column("position_category")

    op.drop_table("legacy_kpis")
    op.drop_table("legacy_indicators_seen")
    op.drop_table("legacy_competency_results")
    op.drop_table("commission_votes")
    op.drop_table("commission_members")
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_sheets_evaluator_id"))
        batch_op.drop_index(batch_op.f("ix_legacy_sheets_employee_id"))
        batch_op.drop_index(batch_op.f("ix_legacy_sheets_campaign_id"))

    op.drop_table("legacy_sheets")
    op.drop_table("commissions")
