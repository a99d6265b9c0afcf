"""Answering questionnaires: sealed drafts while answering, sealed ballots once submitted,
anonymous tallies once the round closes (storage/survey360/ballots.py, docs/security.md)."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.kernel.methodology import Questionnaire
from bot.kernel.scoring import AnswerCount, Total, answer_totals, competency_totals
from storage.db import checkpoint_after_commit
from storage.dto import AssignmentDTO, CampaignDTO, EmployeeDTO, TaskDTO
from storage.models import (
    AnswerTally,
    Assignment,
    Ballot,
    Campaign,
    CampaignSubject,
    CompetencySum,
    DraftAnswer,
    Employee,
    SelfAnswer,
)
from storage.rows import dto_columns, table_of
from storage.staff.employees import EMPLOYEE_COLUMNS
from storage.survey360.answer_view import ANSWER_GIVEN
from storage.survey360.ballots import BallotKeys, ballot_of, keys_of
from storage.upsert import dialect_of, per_dialect

# The statements of every answer, built once, run as Core statements on the session's
# connection and read as plain columns straight into DTOs: building them and loading ORM
# objects took more time than running them (bench/answering.py).
_ASSIGNMENTS, _DRAFT_ANSWERS = table_of(Assignment), table_of(DraftAnswer)
_CAMPAIGNS, _SUBJECTS, _BALLOTS = table_of(Campaign), table_of(CampaignSubject), table_of(Ballot)
_TASK_COLUMNS = (
    dto_columns(AssignmentDTO, Assignment),
    dto_columns(CampaignDTO, Campaign),
    EMPLOYEE_COLUMNS,
)


_COMPETENCY_SUMS = select(
    CompetencySum.subject_id,
    CompetencySum.self_assessed,
    CompetencySum.competency_no,
    CompetencySum.points,
    CompetencySum.answers,
).join(CampaignSubject, CampaignSubject.id == CompetencySum.subject_id)


def _task_query(*extra: Any) -> Select[Any]:
    """The assignment, its round, the person evaluated and the questionnaire, then ``extra``."""
    return (
        select(
            *(column for columns in _TASK_COLUMNS for column in columns),
            _SUBJECTS.c.questionnaire,
            *extra,
        )
        .join(_SUBJECTS, _SUBJECTS.c.id == _ASSIGNMENTS.c.subject_id)
        .join(_CAMPAIGNS, _CAMPAIGNS.c.id == _SUBJECTS.c.campaign_id)
        .join(table_of(Employee), table_of(Employee).c.id == _SUBJECTS.c.employee_id)
        # People left out of a round have no questionnaires to answer, even by direct id.
        .where(_SUBJECTS.c.excluded_reason.is_(None))
    )


# Counted per assignment through the primary key, not by grouping every draft.
_TASKS = _task_query(
    select(func.count())
    .where(_DRAFT_ANSWERS.c.assignment_id == _ASSIGNMENTS.c.id)
    .correlate(_ASSIGNMENTS)
    .scalar_subquery()
)
_TASK = _TASKS.where(_ASSIGNMENTS.c.id == bindparam("assignment_id"))
# The answer path's one read: the task with its sealed drafts, a row each (one with none), and
# the assignment's row locked.
_TASK_IN_PROGRESS = (
    _task_query(_DRAFT_ANSWERS.c.statement_no, _DRAFT_ANSWERS.c.sealed)
    .outerjoin(_DRAFT_ANSWERS, _DRAFT_ANSWERS.c.assignment_id == _ASSIGNMENTS.c.id)
    .where(_ASSIGNMENTS.c.id == bindparam("assignment_id"))
    .with_for_update(of=_ASSIGNMENTS)
)
_DRAFTS = select(_DRAFT_ANSWERS.c.statement_no, _DRAFT_ANSWERS.c.sealed).where(
    _DRAFT_ANSWERS.c.assignment_id == bindparam("assignment_id")
)


def _save_draft(insert: Callable[[Any], Any]) -> Any:
    statement = insert(_DRAFT_ANSWERS).values(
        assignment_id=bindparam("assignment_id"),
        statement_no=bindparam("statement_no"),
        sealed=bindparam("sealed"),
    )
    return statement.on_conflict_do_update(
        index_elements=["assignment_id", "statement_no"], set_={"sealed": statement.excluded.sealed}
    )


_SAVE_DRAFT = per_dialect(_save_draft)
_SET_CURSOR = (
    update(_ASSIGNMENTS)
    .where(_ASSIGNMENTS.c.id == bindparam("assignment_id"))
    .values(
        cursor=bindparam("new_cursor"),
        back_to_review=bindparam("new_back_to_review"),
        message_id=bindparam("new_message_id"),
    )
)

# An answer: the draft saved and the cursor moved, in one statement. PostgreSQL: the upsert in a
# WITH, one round trip less an answer (bench/answering.py). SQLite allows no INSERT inside WITH:
# a row inserted into a temporary view whose trigger does the two (answer_view.py).
_SAVE_ANSWER = {
    "postgresql": _SET_CURSOR.add_cte(_SAVE_DRAFT["postgresql"].cte("saved")),
    "sqlite": ANSWER_GIVEN.insert().values(
        assignment_id=bindparam("assignment_id"),
        statement_no=bindparam("statement_no"),
        sealed=bindparam("sealed"),
        cursor=bindparam("new_cursor"),
        back_to_review=bindparam("new_back_to_review"),
        message_id=bindparam("new_message_id"),
    ),
}

# Submitting: the round's row is read with a shared lock first. Closing the round updates that
# row, so a submission and the close that tallies the round's ballots wait for each other: no
# ballot can land in a round after its ballots were counted (PostgreSQL; SQLite transactions are
# serialised as a whole).
_ROUND_OF_ASSIGNMENT = (
    select(_CAMPAIGNS.c.id, _CAMPAIGNS.c.status)
    .join(_SUBJECTS, _SUBJECTS.c.campaign_id == _CAMPAIGNS.c.id)
    .join(_ASSIGNMENTS, _ASSIGNMENTS.c.subject_id == _SUBJECTS.c.id)
    .where(_ASSIGNMENTS.c.id == bindparam("assignment_id"))
    .with_for_update(of=_CAMPAIGNS, read=True)
)
_CLAIM = (
    update(_ASSIGNMENTS)
    .where(_ASSIGNMENTS.c.id == bindparam("assignment_id"), _ASSIGNMENTS.c.submitted.is_(False))
    .values(submitted=True, cursor=None, back_to_review=False)
    .returning(_ASSIGNMENTS.c.subject_id, _ASSIGNMENTS.c.relation)
)
_ADD_BALLOT = _BALLOTS.insert()
_DELETE_DRAFTS = delete(_DRAFT_ANSWERS).where(_DRAFT_ANSWERS.c.assignment_id == bindparam("assignment_id"))


def _add_tallies(insert: Callable[[Any], Any]) -> Any:
    statement = insert(table_of(AnswerTally))
    return statement.on_conflict_do_update(
        index_elements=["subject_id", "statement_no", "score"],
        set_={"count": table_of(AnswerTally).c["count"] + statement.excluded["count"]},
    )


def _add_sums(insert: Callable[[Any], Any]) -> Any:
    statement = insert(table_of(CompetencySum))
    sums = table_of(CompetencySum).c
    return statement.on_conflict_do_update(
        index_elements=["subject_id", "self_assessed", "competency_no"],
        set_={
            "points": sums.points + statement.excluded.points,
            "answers": sums.answers + statement.excluded.answers,
        },
    )


_ADD_TALLIES, _ADD_SUMS = per_dialect(_add_tallies), per_dialect(_add_sums)


def _task(row: Sequence[Any]) -> TaskDTO:
    assignment_end = len(_TASK_COLUMNS[0])
    campaign_end = assignment_end + len(_TASK_COLUMNS[1])
    subject_end = campaign_end + len(_TASK_COLUMNS[2])
    return TaskDTO(
        assignment=AssignmentDTO(*row[:assignment_end]),
        campaign=CampaignDTO(*row[assignment_end:campaign_end]),
        subject=EmployeeDTO(*row[campaign_end:subject_end]),
        questionnaire=row[subject_end],
        answered=row[subject_end + 1] or 0,
    )


def _cursor_parameters(
    assignment_id: int, cursor: int | None, back_to_review: bool, message_id: int | None
) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "new_cursor": cursor,
        "new_back_to_review": back_to_review,
        "new_message_id": message_id,
    }


_RELEASE_CHUNK = 2000


def _add_up(
    keys: BallotKeys, campaign_id: int, sealed: Sequence[bytes], counts: dict[int, Counter[tuple[int, int]]]
) -> None:
    for value in sealed:
        ballot = keys.open_ballot(campaign_id, value)
        for statement_no, score, count in ballot.counts:
            counts[ballot.subject_id][statement_no, score] += count


class AnswerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _core(self) -> AsyncConnection:
        # Core statements on the session's connection, inside its transaction: the ORM's
        # execution path costs more than these statements' work.
        return await self.session.connection()

    async def task(self, assignment_id: int) -> TaskDTO | None:
        connection = await self._core()
        row = (await connection.execute(_TASK, {"assignment_id": assignment_id})).first()
        return _task(row) if row else None

    async def task_in_progress(self, assignment_id: int) -> tuple[TaskDTO, dict[int, int]] | None:
        """One assignment with its draft answers (statement → score), in one statement, its
        row locked until the transaction ends, so that two taps on the same questionnaire are
        handled one after the other (PostgreSQL; SQLite transactions are serialised as a
        whole, see storage/db.py)."""
        connection = await self._core()
        rows = (await connection.execute(_TASK_IN_PROGRESS, {"assignment_id": assignment_id})).all()
        if not rows:
            return None
        drafts = self._opened(assignment_id, ((row[-2], row[-1]) for row in rows if row[-2] is not None))
        return _task([*rows[0][:-2], len(drafts)]), drafts

    def _opened(self, assignment_id: int, sealed: Any) -> dict[int, int]:
        keys = keys_of(self.session)
        return {no: keys.open_draft(assignment_id, no, value) for no, value in sealed}

    async def open_tasks(self, respondent_pk: int) -> list[TaskDTO]:
        """The respondent's unsubmitted questionnaires in running rounds, self-assessment last."""
        query = _TASKS.where(
            _ASSIGNMENTS.c.respondent_id == respondent_pk,
            _ASSIGNMENTS.c.submitted.is_(False),
            _CAMPAIGNS.c.status == "running",
        )
        connection = await self._core()
        tasks = [_task(row) for row in (await connection.execute(query)).all()]
        return sorted(
            tasks, key=lambda t: (t.assignment.relation == "self", t.subject.full_name, t.assignment.id)
        )

    async def drafts(self, assignment_id: int) -> dict[int, int]:
        connection = await self._core()
        rows = await connection.execute(_DRAFTS, {"assignment_id": assignment_id})
        return self._opened(assignment_id, rows.all())

    async def save_draft(self, assignment_id: int, statement_no: int, score: int) -> None:
        connection = await self._core()
        await connection.execute(
            _SAVE_DRAFT[dialect_of(self.session)],
            {
                "assignment_id": assignment_id,
                "statement_no": statement_no,
                "sealed": self._seal(assignment_id, statement_no, score),
            },
        )

    def _seal(self, assignment_id: int, statement_no: int, score: int) -> bytes:
        return keys_of(self.session).seal_draft(assignment_id, statement_no, score)

    async def set_cursor(
        self, assignment_id: int, cursor: int | None, *, back_to_review: bool, message_id: int | None
    ) -> None:
        connection = await self._core()
        await connection.execute(
            _SET_CURSOR, _cursor_parameters(assignment_id, cursor, back_to_review, message_id)
        )

    async def save_answer(
        self, assignment_id: int, statement_no: int, score: int, cursor: int, *, message_id: int
    ) -> None:
        """``save_draft``, then ``set_cursor`` to ``cursor`` out of the review's editing mode."""
        parameters = _cursor_parameters(assignment_id, cursor, False, message_id)
        parameters.update(statement_no=statement_no, sealed=self._seal(assignment_id, statement_no, score))
        connection = await self._core()
        await connection.execute(_SAVE_ANSWER[dialect_of(self.session)], parameters)

    async def submit(self, assignment_id: int, questionnaire: Questionnaire) -> bool:
        """Move the drafts out of reach of their respondent, in one transaction: a colleague's
        into one sealed ballot of the round, which knows neither the respondent nor when it was
        given (counted when the round closes, see ``release``); the self-assessment, the
        person's own, into ``self_answers`` and its sums. Returns False if the questionnaire was
        already submitted (a double tap on Submit) or its round is no longer running."""
        connection = await self._core()
        parameters = {"assignment_id": assignment_id}
        round_ = (await connection.execute(_ROUND_OF_ASSIGNMENT, parameters)).first()
        if round_ is None or round_.status != "running":
            return False
        claimed = (await connection.execute(_CLAIM, parameters)).first()
        if claimed is None:
            return False
        drafts = await self.drafts(assignment_id)
        if claimed.relation == "self":
            if drafts:
                await connection.execute(
                    table_of(SelfAnswer).insert(),
                    [
                        {"subject_id": claimed.subject_id, "statement_no": no, "score": score}
                        for no, score in sorted(drafts.items())
                    ],
                )
            await self._add_to_sums(
                {claimed.subject_id: answer_totals(questionnaire, drafts)}, self_assessed=True
            )
        else:
            sealed = keys_of(self.session).seal_ballot(round_.id, ballot_of(claimed.subject_id, drafts))
            await connection.execute(
                _ADD_BALLOT, {"id": secrets.randbits(63), "campaign_id": round_.id, "sealed": sealed}
            )
        await connection.execute(_DELETE_DRAFTS, parameters)
        return True

    async def release(self, campaign_id: int, questionnaires: Mapping[str, Questionnaire]) -> int:
        """Open a closing round's ballots, add them up into the tallies and the colleagues' sums
        per competency (``questionnaires``: the round's profile's, by code), and delete them, in
        the caller's transaction; returns how many ballots were counted. What is written is a
        function of the totals alone (per person, statement and score, in key order), so neither
        row order nor anything else tells one ballot from another. On SQLite the write-ahead log
        is checkpointed once this commits (storage/db.py), and deleted pages are zeroed
        (secure_delete)."""
        connection = await self._core()
        keys = keys_of(self.session)
        counts: dict[int, Counter[tuple[int, int]]] = defaultdict(Counter)
        released = 0
        # A large round holds some 100,000 ballots: read in chunks, and opened and added up in
        # a worker thread, so that the event loop goes on serving everyone meanwhile.
        ballots = await connection.stream(
            select(_BALLOTS.c.sealed).where(_BALLOTS.c.campaign_id == campaign_id)
        )
        async for chunk in ballots.partitions(_RELEASE_CHUNK):
            sealed = [row[0] for row in chunk]
            await asyncio.to_thread(_add_up, keys, campaign_id, sealed, counts)
            released += len(sealed)
        if counts:
            subjects = select(_SUBJECTS.c.id, _SUBJECTS.c.questionnaire).where(
                _SUBJECTS.c.campaign_id == campaign_id
            )
            questionnaire_of = {subject: code for subject, code in await connection.execute(subjects)}
            await connection.execute(
                _ADD_TALLIES[dialect_of(self.session)],
                [
                    {"subject_id": subject, "statement_no": no, "score": score, "count": count}
                    for subject in sorted(counts)
                    for (no, score), count in sorted(counts[subject].items())
                ],
            )
            await self._add_to_sums(
                {
                    subject: competency_totals(
                        questionnaires[questionnaire_of[subject]],
                        (AnswerCount(no, score, count) for (no, score), count in given.items()),
                    )
                    for subject, given in counts.items()
                },
                self_assessed=False,
            )
        await connection.execute(delete(_BALLOTS).where(_BALLOTS.c.campaign_id == campaign_id))
        checkpoint_after_commit(self.session)
        return released

    async def _add_to_sums(self, sums: Mapping[int, Mapping[int, Total]], *, self_assessed: bool) -> None:
        rows = [
            {
                "subject_id": subject_id,
                "self_assessed": self_assessed,
                "competency_no": competency_no,
                "points": total.points,
                "answers": total.answers,
            }
            for subject_id in sorted(sums)
            for competency_no, total in sorted(sums[subject_id].items())
        ]
        if rows:
            connection = await self._core()
            await connection.execute(_ADD_SUMS[dialect_of(self.session)], rows)

    async def competency_totals(
        self, campaign_id: int, subject_id: int | None = None, *, among: Collection[int] | None = None
    ) -> tuple[dict[int, dict[int, Total]], dict[int, dict[int, Total]]]:
        """The colleagues' answers and the self-assessments of a round (or of one person in
        it), added up per person and competency: (colleagues, self), each subject →
        competency → total. Read from the sums: a round of 10,000 people is some 170,000
        small rows, with nothing left to group. The colleagues' are there once the round has
        closed (``release``)."""
        query = _COMPETENCY_SUMS.where(CampaignSubject.campaign_id == campaign_id)
        if subject_id is not None:
            query = query.where(CompetencySum.subject_id == subject_id)
        if among is not None:  # a report job's page of people (bot/reports/jobs.py)
            query = query.where(CompetencySum.subject_id.in_(list(among)))
        others: dict[int, dict[int, Total]] = defaultdict(dict)
        own: dict[int, dict[int, Total]] = defaultdict(dict)
        connection = await self._core()
        for subject, self_assessed, competency_no, points, answers in await connection.execute(query):
            (own if self_assessed else others)[subject][competency_no] = Total(points, answers)
        return others, own
