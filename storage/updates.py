"""The log of Telegram updates already handled (see ``ProcessedUpdate``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.fixed import FixedStatement
from storage.models import ProcessedUpdate
from storage.rows import table_of
from storage.senders import SENDER, SenderDTO, SenderRepo, sender_of
from storage.upsert import dialect_of, per_dialect

_RECORD = per_dialect(
    lambda insert: (
        insert(table_of(ProcessedUpdate))
        .values(update_id=bindparam("update_id"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table_of(ProcessedUpdate).c.update_id)
    )
)

# PostgreSQL: the record and the sender's read in one statement, one round trip less for every
# update (bench/answering.py); the sender's rows carry whether the record was new. SQLite
# allows no INSERT inside WITH, and a statement there costs no round trip: two statements.
_RECORDED = _RECORD["postgresql"].cte("recorded")
_RECORD_AND_SENDER = FixedStatement(
    SENDER.add_columns(select(func.count()).select_from(_RECORDED).scalar_subquery().label("recorded"))
)
_FIXED_RECORD = {dialect: FixedStatement(statement) for dialect, statement in _RECORD.items()}


class UpdateLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, update_id: int) -> bool:
        """Record the update; False if it was recorded before (this is a repeated delivery).
        The record belongs to the update's transaction: if handling fails, it goes too."""
        found = await _FIXED_RECORD[dialect_of(self.session)].rows(self.session, {"update_id": update_id})
        return bool(found)

    async def first_time_from(self, update_id: int, telegram_user_id: int) -> SenderDTO | None:
        """``first_time`` for an update someone sent, reading who sent it in the same go: the
        sender (see ``SenderRepo.who``), or None if the update was recorded before."""
        if dialect_of(self.session) != "postgresql":
            if not await self.first_time(update_id):
                return None
            return await SenderRepo(self.session).who(telegram_user_id)
        rows = await _RECORD_AND_SENDER.rows(
            self.session, {"update_id": update_id, "telegram_user_id": telegram_user_id}
        )
        return sender_of(rows) if rows[0][-1] else None

    async def forget_before(self, moment: datetime) -> int:
        """Telegram gives up on an update within a day; older records only take room."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < moment)
        )
        return cast("CursorResult[Any]", result).rowcount
