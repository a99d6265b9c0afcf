"""Results delivered in writing to people who left the body (000 clause 11, second part)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, Employee, QuarterSheet, WrittenNotice
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class WrittenNoticeDTO:
    sheet_id: int
    campaign_id: int
    year: int
    quarter: int | None
    employee_code: str
    full_name: str
    submitted_at: datetime | None
    due_on: date
    channel: str | None = None
    sent_on: date | None = None
    reference: str | None = None

    @property
    def delivered(self) -> bool:
        return self.sent_on is not None


_COLUMNS = (
    WrittenNotice.sheet_id,
    QuarterSheet.campaign_id,
    Campaign.year,
    Campaign.quarter,
    Employee.employee_id,
    Employee.full_name,
    QuarterSheet.submitted_at,
    WrittenNotice.due_on,
    WrittenNotice.channel,
    WrittenNotice.sent_on,
    WrittenNotice.reference,
)

_NOTICES = (
    select(*_COLUMNS)
    .join(QuarterSheet, QuarterSheet.id == WrittenNotice.sheet_id)
    .join(Campaign, Campaign.id == QuarterSheet.campaign_id)
    .join(Employee, Employee.id == QuarterSheet.employee_id)
)


class WrittenNoticeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, sheet_id: int, due_on: date, now: datetime) -> None:
        """Once per sheet: a second submission of the same sheet cannot happen, but a retried
        transaction must not fail on the row it wrote the first time."""
        statement = insert_for(self.session, WrittenNotice.__table__).values(
            sheet_id=sheet_id, due_on=due_on, created_at=now
        )
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["sheet_id"]))

    async def get(self, sheet_id: int) -> WrittenNoticeDTO | None:
        row = (await self.session.execute(_NOTICES.where(WrittenNotice.sheet_id == sheet_id))).first()
        return WrittenNoticeDTO(*row) if row is not None else None

    async def listed(self, *, pending_only: bool, campaign_id: int | None = None) -> list[WrittenNoticeDTO]:
        """Earliest due first; ``pending_only``: those not recorded as sent yet."""
        query = _NOTICES
        if pending_only:
            query = query.where(WrittenNotice.sent_on.is_(None))
        if campaign_id is not None:
            query = query.where(QuarterSheet.campaign_id == campaign_id)
        query = query.order_by(WrittenNotice.due_on, Employee.full_name, WrittenNotice.sheet_id)
        return [WrittenNoticeDTO(*row) for row in (await self.session.execute(query)).all()]

    async def record(
        self,
        sheet_id: int,
        *,
        channel: str,
        sent_on: date,
        reference: str,
        recorded_by: int | None,
        now: datetime,
    ) -> bool:
        """Record the delivery once; False when there is no such notice or it is recorded already
        (a correction is a new decision, not an overwrite of the record the window counts from)."""
        result = await self.session.execute(
            update(WrittenNotice)
            .where(WrittenNotice.sheet_id == sheet_id, WrittenNotice.sent_on.is_(None))
            .values(
                channel=channel,
                sent_on=sent_on,
                reference=reference,
                recorded_at=now,
                recorded_by=recorded_by,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delivered_on(self, sheet_id: int) -> date | None:
        return await self.session.scalar(
            select(WrittenNotice.sent_on).where(WrittenNotice.sheet_id == sheet_id)
        )
