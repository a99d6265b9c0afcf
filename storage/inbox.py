"""The transactional inbox of Telegram updates (see ``InboxUpdate``). Each update's JSON is
sealed while it waits (storage/survey360/ballots.py): a press answering a questionnaire names the
assignment and the score, and a deleted row's copies stay in the database's files for a while."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate
from storage.rows import table_of
from storage.survey360.ballots import keys_of
from storage.upsert import insert_for

_INBOX = table_of(InboxUpdate)


@dataclass(frozen=True, slots=True)
class Received:
    """An update as it arrived: its id, whose it is, and its JSON."""

    update_id: int
    person: int | None
    payload: str


@dataclass(frozen=True, slots=True)
class Pending:
    update_id: int
    person: int | None
    received_by: str
    payload: str


class InboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, updates: Sequence[Received], instance: str) -> None:
        """Keep updates until they are handled. One already kept (a delivery repeated because
        its confirmation was lost) is left as it is."""
        if not updates:
            return
        keys = keys_of(self.session)
        statement = insert_for(self.session, _INBOX).on_conflict_do_nothing(index_elements=["update_id"])
        await self.session.execute(
            statement,
            [
                {
                    "update_id": u.update_id,
                    "person": u.person,
                    "payload": keys.seal_update(u.update_id, u.payload),
                    "received_by": instance,
                }
                for u in updates
            ],
        )

    async def pending(self, limit: int) -> list[Pending]:
        """The oldest updates not yet handled, in the order Telegram numbered them."""
        rows = await self.session.execute(
            select(_INBOX.c.update_id, _INBOX.c.person, _INBOX.c.received_by, _INBOX.c.payload)
            .order_by(_INBOX.c.update_id)
            .limit(limit)
        )
        keys = keys_of(self.session)
        return [
            Pending(row.update_id, row.person, row.received_by, keys.open_update(row.update_id, row.payload))
            for row in rows
        ]

    async def take(self, update_id: int) -> bool:
        """Remove the update from the inbox, in the transaction that handles it; False if it
        is no longer there (handled already, by this instance or another). On PostgreSQL a
        second instance taking the same update waits here until the first one's transaction
        ends, and finds it gone if that one committed."""
        result = await self.session.execute(delete(_INBOX).where(_INBOX.c.update_id == update_id))
        return cast("CursorResult[Any]", result).rowcount > 0
