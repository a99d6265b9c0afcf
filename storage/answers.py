"""Answering questionnaires: drafts while answering, anonymous tallies once submitted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.scoring import Total
from storage.dto import AssignmentDTO, CampaignDTO, EmployeeDTO, TaskDTO
from storage.employees import EMPLOYEE_COLUMNS
from storage.models import (
    AnswerTally,
    Assignment,
    Campaign,
    CampaignSubject,
    DraftAnswer,
    Employee,
    SelfAnswer,
)
from storage.rows import dto_columns, table_of
from storage.upsert import dialect_of, insert_for, per_dialect

StatementMap = Iterable[tuple[str, int, int]]  # (questionnaire code, statement no, competency no)

# The statements of every answer, built once and read as plain columns straight into DTOs:
# building them and loading ORM objects took more time than running them (bench/answering.py).
_ASSIGNMENTS, _DRAFT_ANSWERS = table_of(Assignment), table_of(DraftAnswer)
_TASK_COLUMNS = (
    dto_columns(AssignmentDTO, Assignment),
    dto_columns(CampaignDTO, Campaign),
    EMPLOYEE_COLUMNS,
)


def _task_query(*extra: Any) -> Select[Any]:
    """The assignment, its round, the person evaluated and the questionnaire, then ``extra``."""
    return (
        select(
            *(column for columns in _TASK_COLUMNS for column in columns),
            table_of(CampaignSubject).c.questionnaire,
            *extra,
        )
        .join(table_of(CampaignSubject), table_of(CampaignSubject).c.id == _ASSIGNMENTS.c.subject_id)
        .join(table_of(Campaign), table_of(Campaign).c.id == table_of(CampaignSubject).c.campaign_id)
        .join(table_of(Employee), table_of(Employee).c.id == table_of(CampaignSubject).c.employee_id)
        # People left out of a round have no questionnaires to answer, even by direct id.
        .where(table_of(CampaignSubject).c.excluded_reason.is_(None))
    )


# Counted per assignment through the primary key, not by grouping every draft.
_TASKS = _task_query(
    select(func.count())
    .where(_DRAFT_ANSWERS.c.assignment_id == _ASSIGNMENTS.c.id)
    .correlate(_ASSIGNMENTS)
    .scalar_subquery()
)
_TASK = _TASKS.where(_ASSIGNMENTS.c.id == bindparam("assignment_id"))
# The answer path's one read: the task with its drafts, a row each (one with none), and the
# assignment's row locked.
_TASK_IN_PROGRESS = (
    _task_query(_DRAFT_ANSWERS.c.statement_no, _DRAFT_ANSWERS.c.score)
    .outerjoin(_DRAFT_ANSWERS, _DRAFT_ANSWERS.c.assignment_id == _ASSIGNMENTS.c.id)
    .where(_ASSIGNMENTS.c.id == bindparam("assignment_id"))
    .with_for_update(of=_ASSIGNMENTS)
)
_DRAFTS = select(_DRAFT_ANSWERS.c.statement_no, _DRAFT_ANSWERS.c.score).where(
    _DRAFT_ANSWERS.c.assignment_id == bindparam("assignment_id")
)


def _save_draft(insert: Callable[[Any], Any]) -> Any:
    statement = insert(_DRAFT_ANSWERS).values(
        assignment_id=bindparam("assignment_id"),
        statement_no=bindparam("statement_no"),
        score=bindparam("score"),
    )
    return statement.on_conflict_do_update(
        index_elements=["assignment_id", "statement_no"], set_={"score": statement.excluded.score}
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

# An answer: the draft saved and the cursor moved. PostgreSQL: in one statement (the upsert in a
# WITH), one round trip less an answer (bench/answering.py). SQLite allows no INSERT inside
# WITH, and a statement there costs no round trip: the two in turn.
_SAVE_ANSWER = {
    "postgresql": (_SET_CURSOR.add_cte(_SAVE_DRAFT["postgresql"].cte("saved")),),
    "sqlite": (_SAVE_DRAFT["sqlite"], _SET_CURSOR),
}


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


class AnswerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def task(self, assignment_id: int) -> TaskDTO | None:
        row = (await self.session.execute(_TASK, {"assignment_id": assignment_id})).first()
        return _task(row) if row else None

    async def task_in_progress(self, assignment_id: int) -> tuple[TaskDTO, dict[int, int]] | None:
        """One assignment with its draft answers (statement → score), in one statement, its
        row locked until the transaction ends, so that two taps on the same questionnaire are
        handled one after the other (PostgreSQL; SQLite transactions are serialised as a
        whole, see storage/db.py)."""
        rows = (await self.session.execute(_TASK_IN_PROGRESS, {"assignment_id": assignment_id})).all()
        if not rows:
            return None
        drafts = {row[-2]: row[-1] for row in rows if row[-2] is not None}
        return _task([*rows[0][:-2], len(drafts)]), drafts

    async def open_tasks(self, respondent_pk: int) -> list[TaskDTO]:
        """The respondent's unsubmitted questionnaires in running rounds, self-assessment last."""
        query = _TASKS.where(
            _ASSIGNMENTS.c.respondent_id == respondent_pk,
            _ASSIGNMENTS.c.submitted.is_(False),
            table_of(Campaign).c.status == "running",
        )
        tasks = [_task(row) for row in (await self.session.execute(query)).all()]
        return sorted(
            tasks, key=lambda t: (t.assignment.relation == "self", t.subject.full_name, t.assignment.id)
        )

    async def drafts(self, assignment_id: int) -> dict[int, int]:
        rows = await self.session.execute(_DRAFTS, {"assignment_id": assignment_id})
        return {no: score for no, score in rows.all()}

    async def save_draft(self, assignment_id: int, statement_no: int, score: int) -> None:
        await self.session.execute(
            _SAVE_DRAFT[dialect_of(self.session)],
            {"assignment_id": assignment_id, "statement_no": statement_no, "score": score},
        )

    async def set_cursor(
        self, assignment_id: int, cursor: int | None, *, back_to_review: bool, message_id: int | None
    ) -> None:
        await self.session.execute(
            _SET_CURSOR, _cursor_parameters(assignment_id, cursor, back_to_review, message_id)
        )

    async def save_answer(
        self, assignment_id: int, statement_no: int, score: int, cursor: int, *, message_id: int
    ) -> None:
        """``save_draft``, then ``set_cursor`` to ``cursor`` out of the review's editing mode."""
        parameters = _cursor_parameters(assignment_id, cursor, False, message_id)
        parameters.update(statement_no=statement_no, score=score)
        for statement in _SAVE_ANSWER[dialect_of(self.session)]:
            await self.session.execute(statement, parameters)

    async def submit(self, assignment_id: int) -> bool:
        """Move the drafts out of reach of their respondent, in one transaction. Returns False
        if the questionnaire was already submitted (a double tap on Submit)."""
        claimed = await self.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.submitted.is_(False))
            .values(submitted=True, cursor=None, back_to_review=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        assignment = await self.session.get(Assignment, assignment_id)
        assert assignment is not None
        drafts = await self.drafts(assignment_id)
        if assignment.relation == "self":
            for statement_no, score in drafts.items():
                self.session.add(
                    SelfAnswer(subject_id=assignment.subject_id, statement_no=statement_no, score=score)
                )
        else:
            for statement_no, score in sorted(drafts.items()):
                insert = insert_for(self.session, AnswerTally).values(
                    subject_id=assignment.subject_id, statement_no=statement_no, score=score, count=1
                )
                await self.session.execute(
                    insert.on_conflict_do_update(
                        index_elements=["subject_id", "statement_no", "score"],
                        set_={"count": AnswerTally.count + 1},
                    )
                )
        await self.session.execute(delete(DraftAnswer).where(DraftAnswer.assignment_id == assignment_id))
        await self.session.flush()
        return True

    async def competency_totals(
        self, campaign_id: int, statements: StatementMap, subject_id: int | None = None
    ) -> tuple[dict[int, dict[int, Total]], dict[int, dict[int, Total]]]:
        """The colleagues' answers and the self-assessments of a round (or of one person in
        it), added up by the database per person and competency: (colleagues, self), each
        subject → competency → total. ``statements``: (questionnaire, statement, competency)
        of the profile, which becomes a CASE the database evaluates row by row (cheaper on
        SQLite than a join); a round of 10,000 people comes back as some 200,000 small rows."""
        by_questionnaire: dict[str, dict[int, int]] = defaultdict(dict)
        for code, statement, competency_no in statements:
            by_questionnaire[code][statement] = competency_no

        def per_competency(
            subject: InstrumentedAttribute[int],
            statement_no: InstrumentedAttribute[int],
            points: ColumnElement[int],
            answers: ColumnElement[int],
        ) -> Select[int, int, int, int]:
            competency = case(
                *(
                    (CampaignSubject.questionnaire == code, case(mapping, value=statement_no))
                    for code, mapping in by_questionnaire.items()
                )
            ).label("competency_no")
            query = (
                select(subject, competency, points, answers)
                .join(CampaignSubject, CampaignSubject.id == subject)
                .where(CampaignSubject.campaign_id == campaign_id)
                .group_by(subject, competency)
            )
            return query if subject_id is None else query.where(subject == subject_id)

        queries = (
            per_competency(
                AnswerTally.subject_id,
                AnswerTally.statement_no,
                func.sum(AnswerTally.score * AnswerTally.count),
                func.sum(AnswerTally.count),
            ),
            per_competency(
                SelfAnswer.subject_id, SelfAnswer.statement_no, func.sum(SelfAnswer.score), func.count()
            ),
        )
        totals: tuple[dict[int, dict[int, Total]], dict[int, dict[int, Total]]] = (
            defaultdict(dict),
            defaultdict(dict),
        )
        # Through the session's connection: columns only, so the ORM's row loading is pure cost.
        connection = await self.session.connection()
        for into, query in zip(totals, queries, strict=True):
            for subject, competency_no, total_points, total_answers in await connection.execute(query):
                into[subject][competency_no] = Total(int(total_points), int(total_answers))
        return totals
