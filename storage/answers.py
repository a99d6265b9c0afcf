"""Answering questionnaires: drafts while answering, anonymous tallies once submitted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Row, Select, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.scoring import Total
from storage.campaigns import assignment_dto, campaign_dto
from storage.dto import TaskDTO
from storage.employees import to_dto as employee_dto
from storage.models import (
    AnswerTally,
    Assignment,
    Campaign,
    CampaignSubject,
    DraftAnswer,
    Employee,
    SelfAnswer,
)
from storage.upsert import insert_for

StatementMap = Iterable[tuple[str, int, int]]  # (questionnaire code, statement no, competency no)


class AnswerRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _tasks_query(self) -> Select[Assignment, Campaign, Employee, str, int]:
        # Counted per assignment through the primary key, not by grouping every draft.
        answered = (
            select(func.count())
            .where(DraftAnswer.assignment_id == Assignment.id)
            .correlate(Assignment)
            .scalar_subquery()
        )
        return (
            select(Assignment, Campaign, Employee, CampaignSubject.questionnaire, answered)
            .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
            .join(Campaign, Campaign.id == CampaignSubject.campaign_id)
            .join(Employee, Employee.id == CampaignSubject.employee_id)
            # People left out of a round have no questionnaires to answer, even by direct id.
            .where(CampaignSubject.excluded_reason.is_(None))
        )

    @staticmethod
    def _task(row: Row[Assignment, Campaign, Employee, str, int]) -> TaskDTO:
        assignment, campaign, subject, questionnaire, answered = row
        return TaskDTO(
            assignment=assignment_dto(assignment),
            campaign=campaign_dto(campaign),
            subject=employee_dto(subject),
            questionnaire=questionnaire,
            answered=answered or 0,
        )

    async def task(self, assignment_id: int, *, for_update: bool = False) -> TaskDTO | None:
        """One assignment; ``for_update`` locks its row until the transaction ends, so that two
        taps on the same questionnaire are handled one after the other (PostgreSQL; SQLite
        transactions are serialised as a whole, see storage/db.py)."""
        query = self._tasks_query().where(Assignment.id == assignment_id)
        if for_update:
            query = query.with_for_update(of=Assignment)
        row = (await self.session.execute(query)).first()
        return self._task(row) if row else None

    async def open_tasks(self, respondent_pk: int) -> list[TaskDTO]:
        """The respondent's unsubmitted questionnaires in running rounds, self-assessment last."""
        query = self._tasks_query().where(
            Assignment.respondent_id == respondent_pk,
            Assignment.submitted.is_(False),
            Campaign.status == "running",
        )
        tasks = [self._task(row) for row in (await self.session.execute(query)).all()]
        return sorted(
            tasks, key=lambda t: (t.assignment.relation == "self", t.subject.full_name, t.assignment.id)
        )

    async def drafts(self, assignment_id: int) -> dict[int, int]:
        query = select(DraftAnswer.statement_no, DraftAnswer.score).where(
            DraftAnswer.assignment_id == assignment_id
        )
        return {no: score for no, score in (await self.session.execute(query)).all()}

    async def save_draft(self, assignment_id: int, statement_no: int, score: int) -> None:
        insert = insert_for(self.session, DraftAnswer).values(
            assignment_id=assignment_id, statement_no=statement_no, score=score
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["assignment_id", "statement_no"], set_={"score": insert.excluded.score}
            )
        )

    async def set_cursor(
        self, assignment_id: int, cursor: int | None, *, back_to_review: bool, message_id: int | None
    ) -> None:
        await self.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id)
            .values(cursor=cursor, back_to_review=back_to_review, message_id=message_id)
        )

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
        for into, query in zip(totals, queries, strict=True):
            for subject, competency_no, total_points, total_answers in await self.session.execute(query):
                into[subject][competency_no] = Total(int(total_points), int(total_answers))
        return totals
