"""ballots: answers sealed until their round closes (docs/security.md)

Until now a submitted questionnaire was added to ``answer_tallies`` and ``competency_sums`` in
the transaction that marked its assignment submitted, and drafts were plain scores: a reader
of the database (PostgreSQL's xmin, SQLite's row order and write-ahead log, a subject's first
submission) could tell who answered what. Drafts are now sealed (storage/survey360/ballots.py), and a
submitted colleague's questionnaire becomes a sealed ballot, tallied only when its round
closes.

This revision seals every draft. In a running round, what was tallied so far becomes one
sealed ballot per evaluated person holding the counts (they are added up at close exactly as
before) and leaves the readable tallies and the colleagues' sums; closed rounds keep theirs.
Both need BALLOT_SECRET when there is such data, and stop with a clear message without it.
Downgrading opens them again: drafts back to scores, ballots added to the tallies and sums.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.infra.config import Settings
from bot.kernel.methodology import load_profile
from bot.kernel.scoring import AnswerCount, competency_totals
from storage.survey360.ballots import BallotKeys, counted

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_campaigns = sa.table("campaigns", sa.column("id"), sa.column("status"), sa.column("profile_code"))
_subjects = sa.table(
    "campaign_subjects", sa.column("id"), sa.column("campaign_id"), sa.column("questionnaire")
)
_tallies = sa.table(
    "answer_tallies",
    sa.column("subject_id"),
    sa.column("statement_no"),
    sa.column("score"),
    sa.column("count"),
)
_sums = sa.table(
    "competency_sums",
    sa.column("subject_id"),
    sa.column("self_assessed"),
    sa.column("competency_no"),
    sa.column("points"),
    sa.column("answers"),
)
_ballots = sa.table("ballots", sa.column("id"), sa.column("campaign_id"), sa.column("sealed"))


def _drafts(*columns: str) -> sa.TableClause:
    return sa.table(
        "draft_answers", *(sa.column(name) for name in ("assignment_id", "statement_no", *columns))
    )


def _keys() -> BallotKeys:
    secret = Settings().ballot_secret
    return BallotKeys(secret.get_secret_value() if secret else None)


def _random_id() -> int:
    import secrets

    return secrets.randbits(63)


def upgrade() -> None:
    op.create_table(
        "ballots",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_ballots_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
    )
    op.create_index(op.f("ix_ballots_campaign_id"), "ballots", ["campaign_id"], unique=False)
    with op.batch_alter_table("draft_answers") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    plain = _drafts("score")
    drafts = bind.execute(sa.select(plain.c.assignment_id, plain.c.statement_no, plain.c.score)).all()
    running = (
        sa.select(
            _tallies.c.subject_id,
            _subjects.c.campaign_id,
            _tallies.c.statement_no,
            _tallies.c.score,
            _tallies.c["count"],
        )
        .join(_subjects, _subjects.c.id == _tallies.c.subject_id)
        .join(_campaigns, _campaigns.c.id == _subjects.c.campaign_id)
        .where(_campaigns.c.status == "running")
    )
    tallied = bind.execute(running).all()
    if drafts or tallied:
        keys = _keys()
        sealed = _drafts("sealed")
        for assignment_id, statement_no, score in drafts:
            bind.execute(
                sa.update(sealed)
                .where(sealed.c.assignment_id == assignment_id, sealed.c.statement_no == statement_no)
                .values(sealed=keys.seal_draft(assignment_id, statement_no, score))
            )
        per_subject: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
        for subject_id, campaign_id, statement_no, score, count in tallied:
            per_subject[subject_id, campaign_id].append((statement_no, score, count))
        for (subject_id, campaign_id), counts in per_subject.items():
            ballot = keys.seal_ballot(campaign_id, counted(subject_id, counts))
            bind.execute(sa.insert(_ballots).values(id=_random_id(), campaign_id=campaign_id, sealed=ballot))
        subjects = [subject_id for subject_id, _ in per_subject]
        for start in range(0, len(subjects), 500):
            chunk = subjects[start : start + 500]
            bind.execute(sa.delete(_tallies).where(_tallies.c.subject_id.in_(chunk)))
            bind.execute(
                sa.delete(_sums).where(_sums.c.subject_id.in_(chunk), _sums.c.self_assessed.is_(False))
            )
    with op.batch_alter_table("draft_answers") as batch:
        batch.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_constraint(op.f("ck_draft_answers_score"), type_="check")
        batch.drop_column("score")


def downgrade() -> None:
    with op.batch_alter_table("draft_answers") as batch:
        batch.add_column(sa.Column("score", sa.SmallInteger(), nullable=True))
    bind = op.get_bind()
    sealed = _drafts("sealed")
    drafts = bind.execute(sa.select(sealed.c.assignment_id, sealed.c.statement_no, sealed.c.sealed)).all()
    ballots = bind.execute(sa.select(_ballots.c.campaign_id, _ballots.c.sealed)).all()
    if drafts or ballots:
        keys = _keys()
        plain = _drafts("score")
        for assignment_id, statement_no, value in drafts:
            bind.execute(
                sa.update(plain)
                .where(plain.c.assignment_id == assignment_id, plain.c.statement_no == statement_no)
                .values(score=keys.open_draft(assignment_id, statement_no, value))
            )
        _tally(bind, [keys.open_ballot(campaign_id, value) for campaign_id, value in ballots])
    with op.batch_alter_table("draft_answers") as batch:
        batch.alter_column("score", existing_type=sa.SmallInteger(), nullable=False)
        batch.create_check_constraint(op.f("ck_draft_answers_score"), "score BETWEEN 1 AND 5")
        batch.drop_column("sealed")
    op.drop_index(op.f("ix_ballots_campaign_id"), table_name="ballots")
    op.drop_table("ballots")


def _tally(bind: sa.Connection, ballots: list) -> None:  # type: ignore[type-arg]
    """The ballots' counts into the tallies and the colleagues' sums, as revision 0016 kept them."""
    counts: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for ballot in ballots:
        for statement_no, score, count in ballot.counts:
            counts[ballot.subject_id][statement_no, score] += count
    if not counts:
        return
    questionnaires = bind.execute(
        sa.select(_subjects.c.id, _campaigns.c.profile_code, _subjects.c.questionnaire)
        .join(_campaigns, _campaigns.c.id == _subjects.c.campaign_id)
        .where(_subjects.c.id.in_(list(counts)))
    ).all()
    for subject_id, profile_code, questionnaire in questionnaires:
        given = counts[subject_id]
        for (statement_no, score), count in sorted(given.items()):
            bind.execute(
                sa.insert(_tallies).values(
                    subject_id=subject_id, statement_no=statement_no, score=score, count=count
                )
            )
        totals = competency_totals(
            load_profile(profile_code).questionnaires[questionnaire],
            (AnswerCount(no, score, count) for (no, score), count in given.items()),
        )
        for competency_no, total in sorted(totals.items()):
            bind.execute(
                sa.insert(_sums).values(
                    subject_id=subject_id,
                    self_assessed=False,
                    competency_no=competency_no,
                    points=total.points,
                    answers=total.answers,
                )
            )
