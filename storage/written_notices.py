"""Results delivered in writing to people who left the body (000 clause 11, second part; 003
clauses 12 and 69): each notice is about one quarterly sheet, one 360 round's evaluated person
or one 2018-method sheet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Campaign, CampaignSubject, Employee, LegacySheet, QuarterSheet, WrittenNotice
from storage.upsert import insert_for

NoticeKind = Literal["quarter", "360", "2018"]


@dataclass(frozen=True, slots=True)
class WrittenNoticeDTO:
    id: int  # the number HR sees
    kind: NoticeKind
    sheet_id: int | None  # the quarterly sheet (kind "quarter")
    subject_id: int | None  # the 360 round's evaluated person (kind "360")
    legacy_sheet_id: int | None  # the 2018-method sheet (kind "2018")
    campaign_id: int
    year: int
    quarter: int | None
    employee_code: str
    full_name: str
    submitted_at: datetime | None  # when the result was given: submitted, closed, released
    due_on: date
    channel: str | None = None
    sent_on: date | None = None
    reference: str | None = None

    @property
    def delivered(self) -> bool:
        return self.sent_on is not None


_NOTICE = (WrittenNotice.id,)
_REFERENCES = (WrittenNotice.sheet_id, WrittenNotice.subject_id, WrittenNotice.legacy_sheet_id)
_STATE = (WrittenNotice.due_on, WrittenNotice.channel, WrittenNotice.sent_on, WrittenNotice.reference)
_PERSON = (Campaign.year, Campaign.quarter, Employee.employee_id, Employee.full_name)

# One query a kind: each joins its result to its round and its person.
_QUERIES: dict[NoticeKind, Select[*tuple[Any, ...]]] = {
    "quarter": select(
        *_NOTICE, *_REFERENCES, QuarterSheet.campaign_id, *_PERSON, QuarterSheet.submitted_at, *_STATE
    )
    .join(QuarterSheet, QuarterSheet.id == WrittenNotice.sheet_id)
    .join(Campaign, Campaign.id == QuarterSheet.campaign_id)
    .join(Employee, Employee.id == QuarterSheet.employee_id),
    "360": select(*_NOTICE, *_REFERENCES, CampaignSubject.campaign_id, *_PERSON, Campaign.closed_at, *_STATE)
    .join(CampaignSubject, CampaignSubject.id == WrittenNotice.subject_id)
    .join(Campaign, Campaign.id == CampaignSubject.campaign_id)
    .join(Employee, Employee.id == CampaignSubject.employee_id),
    "2018": select(
        *_NOTICE, *_REFERENCES, LegacySheet.campaign_id, *_PERSON, LegacySheet.released_at, *_STATE
    )
    .join(LegacySheet, LegacySheet.id == WrittenNotice.legacy_sheet_id)
    .join(Campaign, Campaign.id == LegacySheet.campaign_id)
    .join(Employee, Employee.id == LegacySheet.employee_id),
}
_CAMPAIGN_OF: dict[NoticeKind, InstrumentedAttribute[int]] = {
    "quarter": QuarterSheet.campaign_id,
    "360": CampaignSubject.campaign_id,
    "2018": LegacySheet.campaign_id,
}


def _dto(kind: NoticeKind, row: Any) -> WrittenNoticeDTO:
    return WrittenNoticeDTO(row[0], kind, *row[1:])


class WrittenNoticeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, sheet_id: int, due_on: date, now: datetime) -> None:
        """A quarterly sheet's notice, once per sheet: a second submission of the same sheet
        cannot happen, but a retried transaction must not fail on the row it wrote the first time."""
        await self._add("sheet_id", sheet_id, due_on, now)

    async def add_for_subject(self, subject_id: int, due_on: date, now: datetime) -> None:
        """A 360 round's result for the evaluated person ``subject_id``, once."""
        await self._add("subject_id", subject_id, due_on, now)

    async def add_for_legacy_sheet(self, legacy_sheet_id: int, due_on: date, now: datetime) -> None:
        """A 2018-method year's result, once a sheet."""
        await self._add("legacy_sheet_id", legacy_sheet_id, due_on, now)

    async def _add(self, column: str, ref: int, due_on: date, now: datetime) -> None:
        statement = insert_for(self.session, WrittenNotice.__table__).values(
            {column: ref, "due_on": due_on, "created_at": now}
        )
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=[column]))

    async def get(self, notice_id: int) -> WrittenNoticeDTO | None:
        for kind, query in _QUERIES.items():
            row = (await self.session.execute(query.where(WrittenNotice.id == notice_id))).first()
            if row is not None:
                return _dto(kind, row)
        return None

    async def of_sheet(self, sheet_id: int) -> WrittenNoticeDTO | None:
        row = (
            await self.session.execute(_QUERIES["quarter"].where(WrittenNotice.sheet_id == sheet_id))
        ).first()
        return _dto("quarter", row) if row is not None else None

    async def listed(self, *, pending_only: bool, campaign_id: int | None = None) -> list[WrittenNoticeDTO]:
        """Earliest due first; ``pending_only``: those not recorded as sent yet."""
        found: list[WrittenNoticeDTO] = []
        for kind, query in _QUERIES.items():
            if pending_only:
                query = query.where(WrittenNotice.sent_on.is_(None))
            if campaign_id is not None:
                query = query.where(_CAMPAIGN_OF[kind] == campaign_id)
            found += [_dto(kind, row) for row in (await self.session.execute(query)).all()]
        return sorted(found, key=lambda n: (n.due_on, n.full_name, n.id))

    async def record(
        self,
        notice_id: int,
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
            .where(WrittenNotice.id == notice_id, WrittenNotice.sent_on.is_(None))
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
        """The day a quarterly sheet's notice was sent: its appeal window counts from it."""
        return await self.session.scalar(
            select(WrittenNotice.sent_on).where(WrittenNotice.sheet_id == sheet_id)
        )

    async def staff_states(self, employee_pks: Iterable[int]) -> dict[int, tuple[bool, date | None]]:
        """Whether each person is on the staff list and the day they left, for bot.kernel.leaving."""
        rows = await self.session.execute(
            select(Employee.id, Employee.active, Employee.left_on).where(Employee.id.in_(set(employee_pks)))
        )
        return {pk: (active, left_on) for pk, active, left_on in rows.all()}
