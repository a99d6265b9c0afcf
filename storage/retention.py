"""Removing evaluation records whose keeping period is over (clause 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AbsencePeriod, Campaign, CampaignSubject, QuarterSheet, WorkPlan


@dataclass(frozen=True, slots=True)
class Purged:
    rounds: int
    evaluated: int  # people's results in those rounds (360 subjects and quarterly sheets)
    plans: int
    absences: int


class RetentionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def purge(
        self,
        *,
        closed_before: datetime,
        plan_years_before: int,
        absences_ended_before: date,
        dry_run: bool = False,
    ) -> Purged:
        """Rounds closed before ``closed_before`` with everything in them (the database
        cascades to subjects, questionnaires, tallies, sheets and scores), work plans of years
        before ``plan_years_before`` no remaining sheet refers to, and absences that ended
        before ``absences_ended_before``."""
        expired = select(Campaign.id).where(Campaign.status == "closed", Campaign.closed_at < closed_before)
        ids = list(await self.session.scalars(expired))
        evaluated = 0
        if ids:
            evaluated = int(
                await self.session.scalar(
                    select(func.count())
                    .select_from(CampaignSubject)
                    .where(CampaignSubject.campaign_id.in_(ids))
                )
                or 0
            ) + int(
                await self.session.scalar(
                    select(func.count()).select_from(QuarterSheet).where(QuarterSheet.campaign_id.in_(ids))
                )
                or 0
            )
        still_referred = select(QuarterSheet.plan_id).where(
            QuarterSheet.plan_id.is_not(None), QuarterSheet.campaign_id.not_in(ids or [0])
        )
        old_plans = select(WorkPlan.id).where(
            WorkPlan.year < plan_years_before, WorkPlan.id.not_in(still_referred)
        )
        plan_ids = list(await self.session.scalars(old_plans))
        old_absences = select(AbsencePeriod.id).where(AbsencePeriod.ends_on < absences_ended_before)
        absence_ids = list(await self.session.scalars(old_absences))
        if not dry_run:
            if ids:
                await self.session.execute(delete(Campaign).where(Campaign.id.in_(ids)))
            if plan_ids:
                await self.session.execute(delete(WorkPlan).where(WorkPlan.id.in_(plan_ids)))
            if absence_ids:
                await self.session.execute(delete(AbsencePeriod).where(AbsencePeriod.id.in_(absence_ids)))
        return Purged(len(ids), evaluated, len(plan_ids), len(absence_ids))
