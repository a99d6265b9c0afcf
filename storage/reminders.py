"""Who still has work in a running round: the people deadline reminders are for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import unfinished_respondents
from storage.campaigns import campaign_dto
from storage.dto import CampaignDTO
from storage.models import Campaign, QuarterSheet


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
        query: Select[int] | Select[int | None]
        if campaign.kind == "360":
            query = unfinished_respondents(campaign.id).distinct()
        else:
            query = (
                select(QuarterSheet.evaluator_id)
                .where(
                    QuarterSheet.campaign_id == campaign.id,
                    QuarterSheet.status == "open",
                    QuarterSheet.evaluator_id.is_not(None),
                )
                .distinct()
            )
        return sorted(pk for pk in await self.session.scalars(query) if pk is not None)

    async def unread_results(self) -> list[tuple[int, int, datetime]]:
        """Submitted quarterly results their person has not confirmed reading: (sheet,
        person, submitted at); people who left are not asked (clause 6)."""
        rows = await self.session.execute(
            select(QuarterSheet.id, QuarterSheet.employee_id, QuarterSheet.submitted_at).where(
                QuarterSheet.status == "submitted",
                QuarterSheet.acknowledged_at.is_(None),
                or_(QuarterSheet.absence.is_(None), QuarterSheet.absence != "dismissed"),
            )
        )
        return [(sheet, person, at) for sheet, person, at in rows.all() if at is not None]
