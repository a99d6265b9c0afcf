"""Rounds, the people they evaluate and who answers about whom."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import AssignmentDTO, CampaignDTO, EmployeeDTO, SubjectDTO
from storage.models import Assignment, Campaign, CampaignSubject, Employee
from storage.staff.employees import EMPLOYEE_COLUMNS
from storage.staff.employees import to_dto as employee_dto


def campaign_dto(row: Campaign) -> CampaignDTO:
    return CampaignDTO(
        id=row.id,
        kind=row.kind,
        year=row.year,
        deadline=row.deadline,
        status=row.status,
        profile_code=row.profile_code,
        profile_version=row.profile_version,
        quarter=row.quarter,
        heads_notified_by=row.heads_notified_by,
        employees_notified_by=row.employees_notified_by,
        actuals_due_by=row.actuals_due_by,
        started_at=row.started_at,
    )


def assignment_dto(row: Assignment) -> AssignmentDTO:
    return AssignmentDTO(
        id=row.id,
        subject_id=row.subject_id,
        respondent_id=row.respondent_id,
        relation=row.relation,
        submitted=row.submitted,
        cursor=row.cursor,
        back_to_review=row.back_to_review,
        message_id=row.message_id,
    )


class CampaignRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, *, kind: str, year: int, deadline: date, profile_code: str, profile_version: str
    ) -> CampaignDTO:
        row = Campaign(
            kind=kind,
            year=year,
            deadline=deadline,
            status="draft",
            profile_code=profile_code,
            profile_version=profile_version,
        )
        self.session.add(row)
        await self.session.flush()
        return campaign_dto(row)

    async def get(self, campaign_id: int) -> CampaignDTO | None:
        row = await self.session.get(Campaign, campaign_id)
        return campaign_dto(row) if row else None

    async def set_status(self, campaign_id: int, status: str, now: datetime) -> None:
        stamp = {"running": {"started_at": now}, "closed": {"closed_at": now}}.get(status, {})
        await self.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(status=status, **stamp)
        )

    async def latest_closed_round_of(self, employee_id: str) -> int | None:
        query = (
            select(Campaign.id)
            .join(CampaignSubject, CampaignSubject.campaign_id == Campaign.id)
            .join(Employee, Employee.id == CampaignSubject.employee_id)
            .where(
                Employee.employee_id == employee_id,
                Campaign.status == "closed",
                CampaignSubject.excluded_reason.is_(None),
            )
            .order_by(Campaign.closed_at.desc(), Campaign.id.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def evaluated_in_closed_rounds(self) -> list[EmployeeDTO]:
        """Everyone a closed round evaluated (not excluded from it): the people whose report
        ``latest_closed_round_of`` finds a round for (the picker orders them by name)."""
        evaluated = (
            select(CampaignSubject.employee_id)
            .join(Campaign, Campaign.id == CampaignSubject.campaign_id)
            .where(Campaign.status == "closed", CampaignSubject.excluded_reason.is_(None))
        )
        query = select(Employee).where(Employee.id.in_(evaluated)).order_by(Employee.id)
        return [employee_dto(row) for row in await self.session.scalars(query)]

    async def subject_of(self, campaign_id: int, employee_id: str) -> int | None:
        """The subject id of the person with this employee id in a round, if it evaluates them."""
        query = (
            select(CampaignSubject.id)
            .join(Employee, Employee.id == CampaignSubject.employee_id)
            .where(
                CampaignSubject.campaign_id == campaign_id,
                Employee.employee_id == employee_id,
                CampaignSubject.excluded_reason.is_(None),
            )
        )
        return await self.session.scalar(query)

    async def add_subject(self, campaign_id: int, employee_pk: int, questionnaire: str) -> int:
        row = CampaignSubject(campaign_id=campaign_id, employee_id=employee_pk, questionnaire=questionnaire)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def exclude_subject(self, subject_id: int, reason: str) -> None:
        await self.session.execute(
            update(CampaignSubject).where(CampaignSubject.id == subject_id).values(excluded_reason=reason)
        )

    async def subjects(
        self,
        campaign_id: int,
        *,
        included_only: bool = False,
        subject_id: int | None = None,
        among: Collection[int] | None = None,
    ) -> list[SubjectDTO]:
        """The people a round evaluates (or the one ``subject_id``, or those of ``among``: a
        report job's page, bot/reports/jobs.py), by employee id."""
        # The subject's own columns rather than its ORM object: a ministry's round lists
        # thousands, and building objects nobody changes is most of the cost.
        query = (
            select(
                CampaignSubject.id,
                CampaignSubject.questionnaire,
                CampaignSubject.excluded_reason,
                CampaignSubject.acknowledged_at,
                *EMPLOYEE_COLUMNS,
            )
            .join(Employee, Employee.id == CampaignSubject.employee_id)
            .where(CampaignSubject.campaign_id == campaign_id)
            .order_by(Employee.employee_id)
        )
        if included_only:
            query = query.where(CampaignSubject.excluded_reason.is_(None))
        if subject_id is not None:
            query = query.where(CampaignSubject.id == subject_id)
        if among is not None:
            query = query.where(CampaignSubject.id.in_(list(among)))
        return [
            SubjectDTO(
                id=row[0],
                campaign_id=campaign_id,
                employee=EmployeeDTO(*row[4:]),
                questionnaire=row[1],
                excluded_reason=row[2],
                acknowledged_at=row[3],
            )
            for row in await self.session.execute(query)
        ]

    async def acknowledge_report(self, subject_id: int, employee_pk: int, now: datetime) -> bool:
        """The person's "I have read it" on their 360 report; False if it is not theirs, the
        round is not closed (no report yet) or it was noted before."""
        closed = select(Campaign.id).where(Campaign.status == "closed")
        result = await self.session.execute(
            update(CampaignSubject)
            .where(
                CampaignSubject.id == subject_id,
                CampaignSubject.employee_id == employee_pk,
                CampaignSubject.excluded_reason.is_(None),
                CampaignSubject.acknowledged_at.is_(None),
                CampaignSubject.campaign_id.in_(closed),
            )
            .values(acknowledged_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_respondents(self, subject_id: int, respondents: Sequence[tuple[int, str]]) -> None:
        """Replace the colleagues who answer about a person; the self-assessment stays."""
        await self.session.execute(
            delete(Assignment).where(Assignment.subject_id == subject_id, Assignment.relation != "self")
        )
        for respondent_pk, relation in respondents:
            self.session.add(
                Assignment(subject_id=subject_id, respondent_id=respondent_pk, relation=relation)
            )
        await self.session.flush()

    async def add_self_assessment(self, subject_id: int, employee_pk: int) -> None:
        self.session.add(Assignment(subject_id=subject_id, respondent_id=employee_pk, relation="self"))
        await self.session.flush()

    async def assignments(self, campaign_id: int) -> list[AssignmentDTO]:
        query = (
            select(Assignment)
            .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
            .where(CampaignSubject.campaign_id == campaign_id)
            .order_by(Assignment.id)
        )
        return [assignment_dto(row) for row in await self.session.scalars(query)]

    async def respondent_counts(self, campaign_id: int) -> dict[int, int]:
        """Colleagues (not self) assigned per subject id."""
        query = (
            select(Assignment.subject_id, func.count())
            .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
            .where(CampaignSubject.campaign_id == campaign_id, Assignment.relation != "self")
            .group_by(Assignment.subject_id)
        )
        return {subject_id: count for subject_id, count in (await self.session.execute(query)).all()}

    async def submitted_counts(
        self, campaign_id: int, subject_id: int | None = None, *, among: Collection[int] | None = None
    ) -> dict[int, int]:
        """Submitted colleagues' questionnaires per subject id (the self-assessment excluded),
        of the round, of one person in it or of the people ``among``."""
        query = (
            select(Assignment.subject_id, func.count())
            .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
            .where(
                CampaignSubject.campaign_id == campaign_id,
                Assignment.relation != "self",
                Assignment.submitted.is_(True),
            )
            .group_by(Assignment.subject_id)
        )
        if subject_id is not None:
            query = query.where(Assignment.subject_id == subject_id)
        if among is not None:
            query = query.where(Assignment.subject_id.in_(list(among)))
        return {subject: count for subject, count in (await self.session.execute(query)).all()}


class ProgressRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def campaigns(self) -> list[CampaignDTO]:
        """The 360 rounds, newest first (quarterly rounds have a screen of their own)."""
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.kind == "360").order_by(Campaign.id.desc())
        )
        return [campaign_dto(row) for row in rows]

    # HR's dashboard, the deadline's notice: a ministry's round has tens of thousands of
    # questionnaires, and reading them one by one (a row, a DTO each) held the event loop for
    # seconds whenever HR opened its dashboard (bench/reports_load, 10,000 people: 1.8 s, then
    # 0.37 s as columns). The database counts them.

    def _included(self, campaign_id: int) -> Any:
        return (
            select()
            .select_from(Assignment)
            .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
            .join(Employee, Employee.id == Assignment.respondent_id)
            .where(CampaignSubject.campaign_id == campaign_id, CampaignSubject.excluded_reason.is_(None))
        )

    async def unit_completion(self, campaign_id: int) -> list[tuple[str, int, int]]:
        """(unit, submitted, total) of the questionnaires of the round's included people, by the
        respondent's unit."""
        submitted = func.coalesce(func.sum(case((Assignment.submitted.is_(True), 1), else_=0)), 0)
        query = (
            self._included(campaign_id)
            .add_columns(Employee.unit, submitted, func.count())
            .group_by(Employee.unit)
        )
        return [
            (unit, int(done), int(total)) for unit, done, total in (await self.session.execute(query)).all()
        ]

    async def unfinished(self, campaign_id: int) -> list[tuple[EmployeeDTO, int]]:
        """Each respondent with questionnaires of the round's included people still to submit,
        and how many."""
        query = (
            self._included(campaign_id)
            .add_columns(*EMPLOYEE_COLUMNS, func.count())
            .where(Assignment.submitted.is_(False))
            .group_by(Employee.id)
        )
        return [(EmployeeDTO(*row[:-1]), int(row[-1])) for row in (await self.session.execute(query)).all()]

    async def delete_draft(self, campaign_id: int) -> bool:
        result = await self.session.execute(
            delete(Campaign).where(Campaign.id == campaign_id, Campaign.status == "draft")
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def units(self) -> list[str]:
        query = select(Employee.unit).where(Employee.active.is_(True)).distinct().order_by(Employee.unit)
        return list(await self.session.scalars(query))

    async def set_deadline(self, campaign_id: int, deadline: date) -> None:
        await self.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(deadline=deadline)
        )
