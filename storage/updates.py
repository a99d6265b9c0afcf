"""The log of Telegram updates already handled (see ``ProcessedUpdate``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate
from storage.rows import table_of
from storage.upsert import dialect_of, per_dialect

_RECORD = per_dialect(
    lambda insert: (
        insert(table_of(ProcessedUpdate))
        .values(update_id=bindparam("update_id"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table_of(ProcessedUpdate).c.update_id)
    )
)


class UpdateLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, update_id: int) -> bool:
        """Record the update; False if it was recorded before (this is a repeated delivery).
        The record belongs to the update's transaction: if handling fails, it goes too."""
        found = await self.session.execute(_RECORD[dialect_of(self.session)], {"update_id": update_id})
        return found.scalar_one_or_none() is not None

    async def forget_before(self, moment: datetime) -> int:
        """Telegram gives up on an update within a day; older records only take room."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < moment)
        )
        return cast("CursorResult[Any]", result).rowcount
