"""The log of Telegram updates already handled (see ``ProcessedUpdate``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate
from storage.upsert import insert_for


class UpdateLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, update_id: int) -> bool:
        """Record the update; False if it was recorded before (this is a repeated delivery).
        The record belongs to the update's transaction: if handling fails, it goes too."""
        insert = insert_for(self.session, ProcessedUpdate).values(update_id=update_id)
        found = await self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["update_id"]).returning(ProcessedUpdate.update_id)
        )
        return found.scalar_one_or_none() is not None

    async def forget_before(self, moment: datetime) -> int:
        """Telegram gives up on an update within a day; older records only take room."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < moment)
        )
        return cast("CursorResult[Any]", result).rowcount
