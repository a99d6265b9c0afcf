"""written_notices about a 360 result or a 2018-method result too

A person who left the body is acquainted with a 360 result (000 clause 11) or a 2018-method
year's result (003 clauses 12 and 69) in writing, as with a quarterly sheet (0021). Each notice
now has its own number (``id``) and refers to exactly one result: a quarterly sheet, a 360
round's evaluated person (campaign_subjects) or a 2018-method sheet. The notices already
recorded keep their numbers: each gets its sheet's id, the number HR was shown. Downgrading
drops the notices about 360 and 2018 results.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_REFERENCE = (
    "(CASE WHEN sheet_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN subject_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN legacy_sheet_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    with op.batch_alter_table("written_notices") as batch:
        batch.add_column(sa.Column("id", sa.Integer(), nullable=True))
    op.execute("UPDATE written_notices SET id = sheet_id")  # the numbers HR was shown stay
    with op.batch_alter_table("written_notices") as batch:
        batch.drop_constraint("pk_written_notices", type_="primary")
        batch.alter_column("id", existing_type=sa.Integer(), nullable=False)
        batch.create_primary_key("pk_written_notices", ["id"])
        batch.alter_column("sheet_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("legacy_sheet_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_written_notices_sheet_id"), ["sheet_id"])
        batch.create_unique_constraint(batch.f("uq_written_notices_subject_id"), ["subject_id"])
        batch.create_unique_constraint(batch.f("uq_written_notices_legacy_sheet_id"), ["legacy_sheet_id"])
        batch.create_foreign_key(
            batch.f("fk_written_notices_subject_id_campaign_subjects"),
            "campaign_subjects",
            ["subject_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            batch.f("fk_written_notices_legacy_sheet_id_legacy_sheets"),
            "legacy_sheets",
            ["legacy_sheet_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_check_constraint(batch.f("ck_written_notices_one_reference"), ONE_REFERENCE)
    if op.get_bind().dialect.name == "postgresql":
        # SQLite numbers an INTEGER PRIMARY KEY itself; PostgreSQL needs the sequence a SERIAL
        # column has, started after the numbers carried over.
        op.execute("CREATE SEQUENCE written_notices_id_seq OWNED BY written_notices.id")
        op.execute(
            "ALTER TABLE written_notices ALTER COLUMN id SET DEFAULT nextval('written_notices_id_seq')"
        )
        op.execute(
            "SELECT setval('written_notices_id_seq', COALESCE((SELECT MAX(id) FROM written_notices), 0) + 1,"
            " false)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM written_notices WHERE sheet_id IS NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE written_notices ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE written_notices_id_seq")
    with op.batch_alter_table("written_notices") as batch:
        batch.drop_constraint(batch.f("ck_written_notices_one_reference"), type_="check")
        batch.drop_constraint(batch.f("fk_written_notices_legacy_sheet_id_legacy_sheets"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_written_notices_subject_id_campaign_subjects"), type_="foreignkey")
        batch.drop_constraint(batch.f("uq_written_notices_legacy_sheet_id"), type_="unique")
        batch.drop_constraint(batch.f("uq_written_notices_subject_id"), type_="unique")
        batch.drop_constraint(batch.f("uq_written_notices_sheet_id"), type_="unique")
        batch.drop_column("legacy_sheet_id")
        batch.drop_column("subject_id")
        batch.drop_constraint("pk_written_notices", type_="primary")
        batch.alter_column("sheet_id", existing_type=sa.Integer(), nullable=False)
        batch.create_primary_key("pk_written_notices", ["sheet_id"])
        batch.drop_column("id")
