"""competency_sums: submitted answers added up per person and competency

A round's reports grouped every answer by person and competency when they were asked for:
on SQLite that is a sort of the whole tally table. The bot now adds each submitted
questionnaire's answers to these sums in the transaction that tallies them. Rounds answered
before this revision get their sums here, from the tallies and the self-assessments, with the
statement → competency map of the profile each round recorded (the map is the profile's data,
bot/methodology/<code>.json, so it is read from there). Downgrading drops the sums; the
tallies they came from stay.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.kernel.methodology import load_profile

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_subjects = sa.table(
    "campaign_subjects", sa.column("id"), sa.column("campaign_id"), sa.column("questionnaire")
)
_campaigns = sa.table("campaigns", sa.column("id"), sa.column("profile_code"))
_tallies = sa.table(
    "answer_tallies",
    sa.column("subject_id"),
    sa.column("statement_no"),
    sa.column("score"),
    sa.column("count"),
)
_selves = sa.table("self_answers", sa.column("subject_id"), sa.column("statement_no"), sa.column("score"))
_SUM_COLUMNS = ["subject_id", "self_assessed", "competency_no", "points", "answers"]


def upgrade() -> None:
    sums = op.create_table(
        "competency_sums",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("self_assessed", sa.Boolean(), nullable=False),
        sa.Column("competency_no", sa.SmallInteger(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["campaign_subjects.id"],
            name=op.f("fk_competency_sums_subject_id_campaign_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "subject_id", "self_assessed", "competency_no", name=op.f("pk_competency_sums")
        ),
    )
    assert sums is not None
    bind = op.get_bind()
    for table, self_assessed, points, answers in (
        (
            _tallies,
            False,
            sa.func.sum(_tallies.c.score * _tallies.c["count"]),
            sa.func.sum(_tallies.c["count"]),
        ),
        (_selves, True, sa.func.sum(_selves.c.score), sa.func.count()),
    ):
        answered = _campaigns.join(_subjects, _subjects.c.campaign_id == _campaigns.c.id).join(
            table, table.c.subject_id == _subjects.c.id
        )
        codes = bind.execute(sa.select(_campaigns.c.profile_code).distinct().select_from(answered))
        for code in list(codes.scalars()):
            competency = sa.case(
                *(
                    (
                        _subjects.c.questionnaire == questionnaire_code,
                        sa.case(
                            {s.no: s.competency_no for s in questionnaire.statements},
                            value=table.c.statement_no,
                        ),
                    )
                    for questionnaire_code, questionnaire in load_profile(code).questionnaires.items()
                )
            )
            per_competency = (
                sa.select(table.c.subject_id, sa.literal(self_assessed), competency, points, answers)
                .select_from(answered)
                .where(_campaigns.c.profile_code == code)
                .group_by(table.c.subject_id, competency)
            )
            bind.execute(sa.insert(sums).from_select(_SUM_COLUMNS, per_competency))


def downgrade() -> None:
    op.drop_table("competency_sums")
