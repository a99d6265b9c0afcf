"""the 2018 method's commission sits more than once: sittings with their own attendance and votes

A commission held one sitting in its own columns; sheets not ready by then stayed undecided.
Each sitting is now a row of ``commission_sittings`` (numbered 1, 2, ... within the commission),
attendance moves from ``commission_members.present_at`` to ``sitting_attendance``, votes from
``commission_votes`` to ``sitting_votes`` (keyed by the sitting), and a decided sheet names the
sitting that decided it. An existing commission with a sitting becomes sitting 1 under the
commission's own id, so that notices already queued for it (their ref is the sitting now) still
find it.

Downgrading keeps, of several sittings, the latest in the commission's columns and each member's
latest vote on a result: the old shape holds one sitting only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('named', 'scheduled', 'sitting', 'closed', 'no_quorum')"
# What a commission held of its one sitting before: now a sitting's own.
SITTING_COLUMNS = ("sitting_at", "announced_at", "status", "conclusion", "closed_at")


def _create_votes(table: str, key: str, parent: str) -> None:
    """The open votes on results, keyed by ``key``: the sitting, or (before 0014) the commission."""
    op.create_table(
        table,
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("corrected_grade", sa.String(length=32), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(choice = 'revise') = (corrected_grade IS NOT NULL)", name=op.f(f"ck_{table}_corrected")
        ),
        sa.CheckConstraint("choice IN ('approve', 'revise')", name=op.f(f"ck_{table}_choice")),
        sa.ForeignKeyConstraint(
            [key], [f"{parent}.id"], name=op.f(f"fk_{table}_{key}_{parent}"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["employees.id"], name=op.f(f"fk_{table}_member_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["legacy_sheets.id"],
            name=op.f(f"fk_{table}_sheet_id_legacy_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(key, "sheet_id", "member_id", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.create_table(
        "commission_sittings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commission_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("sitting_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('scheduled', 'sitting', 'closed', 'no_quorum')",
            name=op.f("ck_commission_sittings_status"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_commission_sittings_number")),
        sa.ForeignKeyConstraint(
            ["commission_id"],
            ["commissions.id"],
            name=op.f("fk_commission_sittings_commission_id_commissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commission_sittings")),
        sa.UniqueConstraint("commission_id", "number", name=op.f("uq_commission_sittings_commission_id")),
    )
    op.create_table(
        "sitting_attendance",
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("present_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["employees.id"], name=op.f("fk_sitting_attendance_member_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"],
            ["commission_sittings.id"],
            name=op.f("fk_sitting_attendance_sitting_id_commission_sittings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sitting_id", "member_id", name=op.f("pk_sitting_attendance")),
    )
    _create_votes("sitting_votes", "sitting_id", "commission_sittings")
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_in_sitting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_legacy_sheets_decided_in_sitting_id_commission_sittings"),
            "commission_sittings",
            ["decided_in_sitting_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # A commission that had a sitting: sitting 1, under the commission's id.
    op.execute(
        "INSERT INTO commission_sittings "
        "(id, commission_id, number, sitting_at, announced_at, status, conclusion, closed_at) "
        "SELECT id, id, 1, sitting_at, COALESCE(announced_at, sitting_at), status, conclusion, closed_at "
        "FROM commissions WHERE status <> 'named' AND sitting_at IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":  # ids were given: the sequence goes on after them
        op.execute(
            "SELECT setval(pg_get_serial_sequence('commission_sittings', 'id'), "
            "COALESCE((SELECT MAX(id) FROM commission_sittings), 0) + 1, false)"
        )
    op.execute(
        "INSERT INTO sitting_attendance (sitting_id, member_id, present_at) "
        "SELECT m.commission_id, m.employee_id, m.present_at FROM commission_members m "
        "JOIN commission_sittings s ON s.id = m.commission_id WHERE m.present_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO sitting_votes (sitting_id, sheet_id, member_id, choice, corrected_grade, voted_at) "
        "SELECT v.commission_id, v.sheet_id, v.member_id, v.choice, v.corrected_grade, v.voted_at "
        "FROM commission_votes v JOIN commission_sittings s ON s.id = v.commission_id"
    )
    op.execute(
        "UPDATE legacy_sheets SET decided_in_sitting_id = ("
        "SELECT s.id FROM commissions c JOIN commission_sittings s ON s.commission_id = c.id "
        "WHERE c.campaign_id = legacy_sheets.campaign_id) "
        "WHERE decision IS NOT NULL"
    )

    op.drop_table("commission_votes")
    with op.batch_alter_table("commission_members", schema=None) as batch_op:
        batch_op.drop_column("present_at")
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_commissions_status"), type_="check")
        for column in SITTING_COLUMNS:
            batch_op.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sitting_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("conclusion", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("commission_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("present_at", sa.DateTime(timezone=True), nullable=True))
    _create_votes("commission_votes", "commission_id", "commissions")

    # The latest sitting goes back into the commission's columns; none: the commission is named.
    commissions = sa.table("commissions", sa.column("id"), *(sa.column(c) for c in SITTING_COLUMNS))
    sittings = sa.table(
        "commission_sittings",
        sa.column("commission_id"),
        sa.column("number"),
        *map(sa.column, SITTING_COLUMNS),
    )

    def latest(column: str) -> sa.ScalarSelect[object]:
        return (
            sa.select(sittings.c[column])
            .where(sittings.c.commission_id == commissions.c.id)
            .order_by(sittings.c.number.desc())
            .limit(1)
            .scalar_subquery()
        )

    values: dict[str, sa.ColumnElement[object]] = {column: latest(column) for column in SITTING_COLUMNS}
    values["status"] = sa.func.coalesce(latest("status"), "named")
    op.execute(commissions.update().values(values))
    op.execute(
        "UPDATE commission_members SET present_at = ("
        "SELECT a.present_at FROM sitting_attendance a JOIN commission_sittings s ON s.id = a.sitting_id "
        "WHERE s.commission_id = commission_members.commission_id "
        "AND a.member_id = commission_members.employee_id "
        "ORDER BY s.number DESC LIMIT 1)"
    )
    # Each member's latest vote on each result (a result may have been voted on at two sittings).
    op.execute(
        "INSERT INTO commission_votes (commission_id, sheet_id, member_id, choice, corrected_grade, voted_at) "
        "SELECT s.commission_id, v.sheet_id, v.member_id, v.choice, v.corrected_grade, v.voted_at "
        "FROM sitting_votes v JOIN commission_sittings s ON s.id = v.sitting_id "
        "WHERE NOT EXISTS (SELECT 1 FROM sitting_votes later "
        "JOIN commission_sittings ls ON ls.id = later.sitting_id "
        "WHERE ls.commission_id = s.commission_id AND later.sheet_id = v.sheet_id "
        "AND later.member_id = v.member_id AND ls.number > s.number)"
    )

    with op.batch_alter_table("commissions", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_commissions_status"), sa.text(OLD_STATUSES))
    with op.batch_alter_table("legacy_sheets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_legacy_sheets_decided_in_sitting_id_commission_sittings"), type_="foreignkey"
        )
        batch_op.drop_column("decided_in_sitting_id")
    op.drop_table("sitting_votes")
    op.drop_table("sitting_attendance")
    op.drop_table("commission_sittings")
