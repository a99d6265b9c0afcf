"""Answering questionnaires: drafts while answering, anonymous tallies once submitted."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.scoring import AnswerCount
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

    async def tallies(self, subject_ids: list[int]) -> dict[int, list[AnswerCount]]:
        query = select(AnswerTally).where(AnswerTally.subject_id.in_(subject_ids))
        result: dict[int, list[AnswerCount]] = defaultdict(list)
        for row in await self.session.scalars(query):
            result[row.subject_id].append(AnswerCount(row.statement_no, row.score, row.count))
        return result

    async def self_answers(self, subject_ids: list[int]) -> dict[int, dict[int, int]]:
        query = select(SelfAnswer).where(SelfAnswer.subject_id.in_(subject_ids))
        result: dict[int, dict[int, int]] = defaultdict(dict)
        for row in await self.session.scalars(query):
            result[row.subject_id][row.statement_no] = row.score
        return result
