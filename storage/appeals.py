"""Applications for calibration sessions (clause 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Appeal, CalibrationVote
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class AppealDTO:
    id: int
    sheet_id: int
    text: str
    filed_at: datetime
    decide_by: date
    status: str
    session_at: datetime | None = None
    score_before: Decimal | None = None
    score_after: Decimal | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class MemberVote:
    employee_id: int
    score: Decimal | None  # None until the member has voted
    reason: str | None
    is_chair: bool = False


def _dto(row: Appeal) -> AppealDTO:
    return AppealDTO(
        row.id,
        row.sheet_id,
        row.text,
        row.filed_at,
        row.decide_by,
        row.status,
        row.session_at,
        row.score_before,
        row.score_after,
        row.outcome,
    )


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

    async def get_for_update(self, appeal_id: int) -> AppealDTO | None:
        query = select(Appeal).where(Appeal.id == appeal_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # two last votes at once are counted one after the other
        row = await self.session.scalar(query)
        return _dto(row) if row else None

    async def set_session(
        self, appeal_id: int, session_at: datetime, members: list[int], chair: int | None = None
    ) -> bool:
        """Only an application still waiting for the decision; False otherwise."""
        result = await self.session.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id, Appeal.status == "filed")
            .values(status="session", session_at=session_at)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        self.session.add_all(
            CalibrationVote(appeal_id=appeal_id, employee_id=pk, is_chair=pk == chair) for pk in members
        )
        await self.session.flush()
        return True

    async def members(self, appeal_id: int) -> list[MemberVote]:
        rows = await self.session.scalars(
            select(CalibrationVote)
            .where(CalibrationVote.appeal_id == appeal_id)
            .order_by(CalibrationVote.employee_id)
        )
        return [MemberVote(r.employee_id, r.score, r.reason, r.is_chair) for r in rows]

    async def vote(
        self, appeal_id: int, member_pk: int, score: Decimal, reason: str | None, now: datetime
    ) -> bool:
        """False if the member has voted already (a vote is final) or is not a member."""
        result = await self.session.execute(
            update(CalibrationVote)
            .where(
                CalibrationVote.appeal_id == appeal_id,
                CalibrationVote.employee_id == member_pk,
                CalibrationVote.score.is_(None),
            )
            .values(score=score, reason=reason, voted_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def decide(
        self, appeal_id: int, before: Decimal, after: Decimal, outcome: str, now: datetime
    ) -> None:
        await self.session.execute(
            update(Appeal)
            .where(Appeal.id == appeal_id)
            .values(status="decided", score_before=before, score_after=after, outcome=outcome, decided_at=now)
        )

    async def in_session_before(self, moment: datetime) -> list[AppealDTO]:
        """Sessions set for a time before ``moment`` and not yet decided."""
        rows = await self.session.scalars(
            select(Appeal).where(Appeal.status == "session", Appeal.session_at < moment).order_by(Appeal.id)
        )
        return [_dto(row) for row in rows]

    async def open(self) -> list[AppealDTO]:
        """Applications still waiting for a decision or for votes."""
        rows = await self.session.scalars(select(Appeal).where(Appeal.status.in_(("filed", "session"))))
        return [_dto(row) for row in rows]

    async def of_sheet(self, sheet_id: int) -> AppealDTO | None:
        row = await self.session.scalar(select(Appeal).where(Appeal.sheet_id == sheet_id))
        return _dto(row) if row else None
