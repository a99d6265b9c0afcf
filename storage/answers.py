"""Answering questionnaires: drafts while answering, anonymous tallies once submitted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.methodology import Questionnaire
from bot.domain.scoring import Total, answer_totals
from storage.dto import AssignmentDTO, CampaignDTO, EmployeeDTO, TaskDTO
from storage.employees import EMPLOYEE_COLUMNS
from storage.fixed import FixedStatement
from storage.models import (
    AnswerTally,
    Assignment,
    Campaign,
    CampaignSubject,
    CompetencySum,
    DraftAnswer,
    Employee,
    SelfAnswer,
)
from storage.rows import dto_columns, table_of
from storage.upsert import dialect_of, insert_for, per_dialect

# The statements of every answer, built once and read as plain columns straight into DTOs:
# building them and loading ORM objects took more time than running them (bench/answering.py).
_ASSIGNMENTS, _DRAFT_ANSWERS = table_of(Assignment), table_of(DraftAnswer)
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
_TASK_IN_PROGRESS = FixedStatement(
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
_FIXED_SET_CURSOR = FixedStatement(_SET_CURSOR)
_SAVE_ANSWER = {
    "postgresql": (FixedStatement(_SET_CURSOR.add_cte(_SAVE_DRAFT["postgresql"].cte("saved"))),),
    "sqlite": (FixedStatement(_SAVE_DRAFT["sqlite"]), _FIXED_SET_CURSOR),
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
        rows = await _TASK_IN_PROGRESS.rows(self.session, {"assignment_id": assignment_id})
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
        await _FIXED_SET_CURSOR.rows(
            self.session, _cursor_parameters(assignment_id, cursor, back_to_review, message_id)
        )

    async def save_answer(
        self, assignment_id: int, statement_no: int, score: int, cursor: int, *, message_id: int
    ) -> None:
        """``save_draft``, then ``set_cursor`` to ``cursor`` out of the review's editing mode."""
        parameters = _cursor_parameters(assignment_id, cursor, False, message_id)
        parameters.update(statement_no=statement_no, score=score)
        for statement in _SAVE_ANSWER[dialect_of(self.session)]:
            await statement.rows(self.session, parameters)

    async def submit(self, assignment_id: int, questionnaire: Questionnaire) -> bool:
        """Move the drafts out of reach of their respondent, in one transaction: into the
        tallies (or the self-assessment) and the sums per competency of ``questionnaire``.
        Returns False if the questionnaire was already submitted (a double tap on Submit)."""
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
        self_assessed = assignment.relation == "self"
        if self_assessed:
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
        await self._add_to_sums(assignment.subject_id, self_assessed, answer_totals(questionnaire, drafts))
        await self.session.execute(delete(DraftAnswer).where(DraftAnswer.assignment_id == assignment_id))
        await self.session.flush()
        return True

    async def _add_to_sums(self, subject_id: int, self_assessed: bool, sums: Mapping[int, Total]) -> None:
        if not sums:
            return
        insert = insert_for(self.session, CompetencySum).values(
            [
                {
                    "subject_id": subject_id,
                    "self_assessed": self_assessed,
                    "competency_no": competency_no,
                    "points": total.points,
                    "answers": total.answers,
                }
                for competency_no, total in sorted(sums.items())
            ]
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["subject_id", "self_assessed", "competency_no"],
                set_={
                    "points": CompetencySum.points + insert.excluded.points,
                    "answers": CompetencySum.answers + insert.excluded.answers,
                },
            )
        )

    async def competency_totals(
        self, campaign_id: int, subject_id: int | None = None
    ) -> tuple[dict[int, dict[int, Total]], dict[int, dict[int, Total]]]:
        """The colleagues' answers and the self-assessments of a round (or of one person in
        it), added up per person and competency: (colleagues, self), each subject →
        competency → total. Read from the sums kept at each submission: a round of 10,000
        people is some 170,000 small rows, with nothing left to group."""
        query = _COMPETENCY_SUMS.where(CampaignSubject.campaign_id == campaign_id)
        if subject_id is not None:
            query = query.where(CompetencySum.subject_id == subject_id)
        others: dict[int, dict[int, Total]] = defaultdict(dict)
        own: dict[int, dict[int, Total]] = defaultdict(dict)
        # Through the session's connection: columns only, so the ORM's row loading is pure cost.
        connection = await self.session.connection()
        for subject, self_assessed, competency_no, points, answers in await connection.execute(query):
            (own if self_assessed else others)[subject][competency_no] = Total(points, answers)
        return others, own
