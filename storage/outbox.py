"""Notifications owed to people, delivered by the running bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import OutboxDTO
from storage.models import OutboxMessage
from storage.upsert import insert_for


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, recipient_pk: int, kind: str, ref_id: int) -> None:
        """Queue a notification; queueing the same one twice keeps one."""
        insert = insert_for(self.session, OutboxMessage).values(
            recipient_id=recipient_pk, kind=kind, ref_id=ref_id, status="pending", attempts=0
        )
        await self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["kind", "ref_id", "recipient_id"])
        )

    async def pending(self, limit: int) -> list[OutboxDTO]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return [
            OutboxDTO(
                id=row.id,
                recipient_id=row.recipient_id,
                kind=row.kind,
                ref_id=row.ref_id,
                attempts=row.attempts,
            )
            for row in await self.session.scalars(query)
        ]

    async def finish(self, message_id: int, status: str, now: datetime, error: str | None = None) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                status=status,
                sent_at=now if status == "sent" else None,
                last_error=error,
                attempts=OutboxMessage.attempts + 1,
            )
        )

    async def retry_later(self, message_id: int, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1, last_error=error)
        )

    async def counts(self) -> dict[str, int]:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        return {status: count for status, count in (await self.session.execute(query)).all()}
