"""quarterly evaluation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("kind IN ('leave', 'sick', 'trip', 'training')", name=op.f("ck_absences_kind")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_absences_period")),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_absences_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
        sa.UniqueConstraint("employee_id", "kind", "starts_on", name="uq_absences_once"),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "work_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("return_comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'returned')", name=op.f("ck_work_plans_status")
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["employees.id"], name=op.f("fk_work_plans_approver_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_work_plans_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"], ["employees.id"], name=op.f("fk_work_plans_evaluator_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_plans")),
        sa.UniqueConstraint("employee_id", "year", name="uq_work_plans_year"),
    )
    with op.batch_alter_table("work_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_plans_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "plan_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("kpis_before", sa.Text(), nullable=True),
        sa.Column("kpis_after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["work_plans.id"],
            name=op.f("fk_plan_changes_plan_id_work_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_changes")),
    )
    with op.batch_alter_table("plan_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_changes_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("key_result", sa.Text(), nullable=False),
        sa.CheckConstraint("no BETWEEN 1 AND 5", name=op.f("ck_plan_kpis_no")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["work_plans.id"], name=op.f("fk_plan_kpis_plan_id_work_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_kpis")),
        sa.UniqueConstraint("plan_id", "no", name="uq_plan_kpis_no"),
    )
    with op.batch_alter_table("plan_kpis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_kpis_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "quarter_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("excluded_reason", sa.String(length=32), nullable=True),
        sa.Column("absence", sa.String(length=16), nullable=True),
        sa.Column("cursor", sa.SmallInteger(), nullable=True),
        sa.Column("awaiting", sa.String(length=16), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("final_score", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'excluded') = (excluded_reason IS NOT NULL)", name=op.f("ck_quarter_sheets_excluded")
        ),
        sa.CheckConstraint("method IN ('kpi', 'differentiation')", name=op.f("ck_quarter_sheets_method")),
        sa.CheckConstraint(
            "status IN ('open', 'submitted', 'excluded')", name=op.f("ck_quarter_sheets_status")
        ),
        sa.CheckConstraint(
            "final_score IS NULL OR final_score BETWEEN 0 AND 5", name=op.f("ck_quarter_sheets_final_score")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_quarter_sheets_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_quarter_sheets_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"], ["employees.id"], name=op.f("fk_quarter_sheets_evaluator_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["work_plans.id"], name=op.f("fk_quarter_sheets_plan_id_work_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_sheets")),
        sa.UniqueConstraint("campaign_id", "employee_id", name="uq_quarter_sheets_person"),
    )
    with op.batch_alter_table("quarter_sheets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarter_sheets_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarter_sheets_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarter_sheets_evaluator_id"), ["evaluator_id"], unique=False)

    op.create_table(
        "kpi_quarters",
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("planned", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("actual", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("actual_entered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("actual IS NULL OR actual >= 0", name=op.f("ck_kpi_quarters_actual")),
        sa.CheckConstraint("planned > 0", name=op.f("ck_kpi_quarters_planned")),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_kpi_quarters_quarter")),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["plan_kpis.id"], name=op.f("fk_kpi_quarters_kpi_id_plan_kpis"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("kpi_id", "quarter", name=op.f("pk_kpi_quarters")),
    )
    op.create_table(
        "sheet_scores",
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("item_no", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("allowed_min", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("allowed_max", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("percent", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "allowed_min >= 0 AND allowed_max <= 5 AND score >= allowed_min AND score <= allowed_max",
            name=op.f("ck_sheet_scores_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["quarter_sheets.id"],
            name=op.f("fk_sheet_scores_sheet_id_quarter_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sheet_id", "item_no", name=op.f("pk_sheet_scores")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quarter", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("heads_notified_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("employees_notified_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("actuals_due_by", sa.Date(), nullable=True))
        batch_op.create_unique_constraint("uq_campaigns_quarter", ["kind", "year", "quarter"])
        # Autogenerate does not see CHECK constraints: quarterly rounds, each with its quarter.
        batch_op.drop_constraint(op.f("ck_campaigns_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaigns_kind"), "kind IN ('360', 'quarter')")
        batch_op.create_check_constraint(
            op.f("ck_campaigns_quarter"), "(kind = 'quarter') = (quarter IS NOT NULL)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM campaigns WHERE kind = 'quarter'")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_campaigns_quarter"), type_="check")
        batch_op.drop_constraint(op.f("ck_campaigns_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_campaigns_kind"), "kind IN ('360')")
        batch_op.drop_constraint("uq_campaigns_quarter", type_="unique")
        batch_op.drop_column("actuals_due_by")
        batch_op.drop_column("employees_notified_by")
        batch_op.drop_column("heads_notified_by")
        batch_op.drop_column("quarter")

    op.drop_table("sheet_scores")
    op.drop_table("kpi_quarters")
    with op.batch_alter_table("quarter_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarter_sheets_evaluator_id"))
        batch_op.drop_index(batch_op.f("ix_quarter_sheets_employee_id"))
        batch_op.drop_index(batch_op.f("ix_quarter_sheets_campaign_id"))

    op.drop_table("quarter_sheets")
    with op.batch_alter_table("plan_kpis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_kpis_plan_id"))

    op.drop_table("plan_kpis")
    with op.batch_alter_table("plan_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_changes_plan_id"))

    op.drop_table("plan_changes")
    with op.batch_alter_table("work_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_plans_employee_id"))

    op.drop_table("work_plans")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absences_employee_id"))

    op.drop_table("absences")
