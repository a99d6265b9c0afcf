"""Applications for calibration sessions (clause 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Appeal
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class AppealDTO:
    id: int
    sheet_id: int
    text: str
    filed_at: datetime
    decide_by: date
    status: str


def _dto(row: Appeal) -> AppealDTO:
    return AppealDTO(row.id, row.sheet_id, row.text, row.filed_at, row.decide_by, row.status)


class AppealRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def file(self, sheet_id: int, text: str, filed_at: datetime, decide_by: date) -> int | None:
        """The new appeal's id; None if the sheet already has one (one application a result)."""
        insert = insert_for(self.session, Appeal).values(
            sheet_id=sheet_id, text=text, filed_at=filed_at, decide_by=decide_by, status="filed"
        )
        found = await self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["sheet_id"]).returning(Appeal.id)
        )
        return found.scalar_one_or_none()

    async def get(self, appeal_id: int) -> AppealDTO | None:
        row = await self.session.get(Appeal, appeal_id)
        return _dto(row) if row else None

    async def of_sheet(self, sheet_id: int) -> AppealDTO | None:
        row = await self.session.scalar(select(Appeal).where(Appeal.sheet_id == sheet_id))
        return _dto(row) if row else None
