"""Who still has work in a running round: the people deadline reminders are for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import unfinished_respondents
from storage.dto import CampaignDTO
from storage.models import Campaign, CampaignSubject, Employee, LegacySheet, QuarterSheet
from storage.survey360.campaigns import campaign_dto


class ReminderRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def running(self) -> list[CampaignDTO]:
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.status == "running").order_by(Campaign.id)
        )
        return [campaign_dto(row) for row in rows]

    async def with_work_left(self, campaign: CampaignDTO) -> list[int]:
        """360: respondents with an unsubmitted questionnaire; quarterly: evaluators with an
        open sheet."""
        return sorted(pk for pk in await self.session.scalars(work_left(campaign)) if pk is not None)

    async def open_sheet_dues(self, campaign_id: int) -> list[tuple[int, date | None]]:
        """A quarterly round's open sheets with an evaluator, as distinct (evaluator, the sheet's
        own due day, if it has one) pairs, for the overdue rule (bot/quarterly/rules.py,
        ``sheet_overdue``): the planner asks each run, and this is about one row an evaluator,
        not one a sheet."""
        rows = await self.session.execute(
            select(QuarterSheet.evaluator_id, QuarterSheet.kpi_due_on)
            .where(
                QuarterSheet.campaign_id == campaign_id,
                QuarterSheet.status == "open",
                QuarterSheet.evaluator_id.is_not(None),
            )
            .distinct()
        )
        return [(evaluator, due) for evaluator, due in rows.all() if evaluator is not None]

    async def sheets_due_on_their_own(self) -> list[OwnDueSheet]:
        """Open sheets of running quarterly rounds that have their own due day (an absent
        head's KPIs, 002 clause 5): each is reminded of on its own schedule."""
        rows = await self.session.execute(
            select(QuarterSheet.id, QuarterSheet.evaluator_id, QuarterSheet.kpi_due_on, Campaign.started_at)
            .join(Campaign, Campaign.id == QuarterSheet.campaign_id)
            .where(
                Campaign.status == "running",
                QuarterSheet.status == "open",
                QuarterSheet.kpi_due_on.is_not(None),
                QuarterSheet.evaluator_id.is_not(None),
            )
            .order_by(QuarterSheet.id)
        )
        return [
            OwnDueSheet(sheet, evaluator, due, started_at)
            for sheet, evaluator, due, started_at in rows.all()
            if evaluator is not None and due is not None
        ]

    async def unread_results(self, sent_since: datetime) -> list[UnreadResult]:
        """Results sent since ``sent_since`` their person has not confirmed reading (clause 11):
        quarterly sheets from their submission, 360 reports from their round's close, results
        of the 2018 method from their release after the authorised person's approval (004 clauses 39-40). People
        who left are not asked (clause 6)."""
        columns = (Employee.id, Employee.telegram_user_id, Campaign.year, Campaign.quarter)
        sheets = await self.session.execute(
            select(QuarterSheet.id, QuarterSheet.submitted_at, *columns)
            .join(Employee, Employee.id == QuarterSheet.employee_id)
            .join(Campaign, Campaign.id == QuarterSheet.campaign_id)
            .where(
                QuarterSheet.status == "submitted",
                QuarterSheet.acknowledged_at.is_(None),
                QuarterSheet.submitted_at >= sent_since,
                or_(QuarterSheet.absence.is_(None), QuarterSheet.absence != "dismissed"),
                # Nor those who left after the round started: HR owes them a written notice.
                Employee.active.is_(True),
            )
        )
        reports = await self.session.execute(
            select(CampaignSubject.id, Campaign.closed_at, *columns)
            .join(Campaign, Campaign.id == CampaignSubject.campaign_id)
            .join(Employee, Employee.id == CampaignSubject.employee_id)
            .where(
                Campaign.kind == "360",
                Campaign.status == "closed",
                Campaign.closed_at >= sent_since,
                CampaignSubject.excluded_reason.is_(None),
                CampaignSubject.acknowledged_at.is_(None),
                Employee.active.is_(True),
            )
        )
        legacy = await self.session.execute(
            select(LegacySheet.id, LegacySheet.released_at, *columns)
            .join(Employee, Employee.id == LegacySheet.employee_id)
            .join(Campaign, Campaign.id == LegacySheet.campaign_id)
            .where(
                LegacySheet.decision.is_not(None),
                LegacySheet.acquainted_at.is_(None),
                LegacySheet.refused_at.is_(None),
                LegacySheet.released_at >= sent_since,
                Employee.active.is_(True),
            )
        )
        found = [
            UnreadResult(kind, ref, person, sent_at, chat is not None, year, quarter)
            for kind, rows in (("quarter", sheets), ("360", reports), ("legacy", legacy))
            for ref, sent_at, person, chat, year, quarter in rows.all()
            if sent_at is not None
        ]
        return sorted(found, key=lambda item: (item.sent_at, item.kind, item.ref))


def work_left(campaign: CampaignDTO) -> Select[Any]:
    """The query of :meth:`ReminderRepo.with_work_left`, to use inside another statement.
    Quarterly sheets with their own due day are not the round's: they are reminded of by
    their own (:meth:`ReminderRepo.sheets_due_on_their_own`)."""
    if campaign.kind == "360":
        return unfinished_respondents(campaign.id).distinct()
    return (
        select(QuarterSheet.evaluator_id)
        .where(
            QuarterSheet.campaign_id == campaign.id,
            QuarterSheet.status == "open",
            QuarterSheet.evaluator_id.is_not(None),
            QuarterSheet.kpi_due_on.is_(None),
        )
        .distinct()
    )


@dataclass(frozen=True, slots=True)
class UnreadResult:
    kind: str  # "quarter" or "legacy" (ref: the sheet), or "360" (ref: the campaign subject)
    ref: int
    person: int
    sent_at: datetime
    in_bot: bool  # False: the person has not joined the bot, only HR can acquaint them
    year: int
    quarter: int | None  # None for a 360 report


@dataclass(frozen=True, slots=True)
class OwnDueSheet:
    sheet: int
    evaluator: int
    due_on: date  # the sheet's own due day (quarter_sheets.kpi_due_on)
    round_started_at: datetime | None
