"""Notifications owed to people, delivered by the running bot.

A row's life: ``pending`` (queued) → ``sending`` (claimed by one sender) → ``sent``,
``blocked`` (the person blocked the bot) or ``failed`` (with ``last_error``); a claimed row
that was not sent goes back to ``pending`` (:meth:`OutboxRepo.release`).

**At most once.** A row is claimed with a conditional update (``pending`` → ``sending``)
before anything is sent, so two senders, even in two processes, never send the same row.
If the process dies while rows are ``sending``, nobody can tell whether Telegram got them:
:meth:`OutboxRepo.recover_interrupted`, run when the bot starts, marks them ``failed`` with
:data:`INTERRUPTED` instead of sending them again. A crash therefore loses at most the rows
that were claimed at that moment (about a second's worth plus those in flight), and HR sees
them counted as failed; it never makes anyone receive the same message twice, which for a
report or an announcement to thousands of civil servants is the worse failure. A graceful
stop releases what it claimed but did not send, so only a crash costs anything.

Recovery assumes that no other sender is working on the same database at that moment:
Telegram lets only one process long-poll a bot, so there is one running bot per database.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import OutboxDTO
from storage.models import Employee, OutboxMessage
from storage.rows import table_of
from storage.upsert import dialect_of, insert_for, per_dialect

INTERRUPTED = "interrupted: delivery unknown"
# Rows per multi-row INSERT: well under SQLite's limit on bound parameters.
_CHUNK = 500


def _schedule(insert: Any) -> Any:
    """Queue a row, or move a pending one's time. Built once and run with many rows' values
    (executemany): the deadline keeper re-plans every reminder of a round each run, and
    building a statement of each chunk's values took it 10 s for 350,000 rows."""
    outbox = table_of(OutboxMessage)
    statement = insert(outbox)
    return statement.on_conflict_do_update(
        index_elements=["kind", "ref_id", "recipient_id"],
        set_={"not_before": statement.excluded.not_before},
        where=outbox.c.status == "pending",
    )


_SCHEDULE = per_dialect(_schedule)
# A row owed again: waiting as if never tried.
_AFRESH: dict[str, Any] = {
    "status": "pending",
    "attempts": 0,
    "last_error": None,
    "sent_at": None,
    "claimed_by": None,
    "claimed_at": None,
}


def _dto(row: OutboxMessage) -> OutboxDTO:
    return OutboxDTO(
        id=row.id,
        recipient_id=row.recipient_id,
        kind=row.kind,
        ref_id=row.ref_id,
        attempts=row.attempts,
        chat_id=row.chat_id,
    )


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

    async def enqueue_again(self, recipient_pk: int, kind: str, ref_id: int) -> None:
        """Queue a notification that may be owed more than once for the same thing (a sitting
        moved, a sheet submitted again): one that went out, or failed, is sent anew; one still
        waiting is left to go once, composed as things stand when it goes."""
        insert = insert_for(self.session, OutboxMessage).values(
            recipient_id=recipient_pk, kind=kind, ref_id=ref_id, status="pending", attempts=0
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["kind", "ref_id", "recipient_id"],
                set_=_AFRESH,
                where=OutboxMessage.status.in_(("sent", "failed")),
            )
        )

    async def enqueue_many(self, recipient_pks: Sequence[int], kind: str, ref_id: int) -> int:
        """Queue one notification per recipient; returns how many were new (a recipient
        already queued for this ``kind`` and ``ref_id`` is not queued again)."""
        queued = 0
        for start in range(0, len(recipient_pks), _CHUNK):
            rows = [
                {"recipient_id": pk, "kind": kind, "ref_id": ref_id, "status": "pending", "attempts": 0}
                for pk in recipient_pks[start : start + _CHUNK]
            ]
            insert = (
                insert_for(self.session, OutboxMessage)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["kind", "ref_id", "recipient_id"])
                .returning(OutboxMessage.id)
            )
            queued += len((await self.session.execute(insert)).all())
        return queued

    async def pending(self, limit: int) -> list[OutboxDTO]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return [_dto(row) for row in await self.session.scalars(query)]

    async def schedule(
        self, recipient_pks: Sequence[int], kind: str, ref_id: int, not_before: datetime
    ) -> None:
        """Queue a notification that waits until ``not_before``; one already queued and still
        pending is moved to the new moment (a deadline was extended), one already sent stays
        sent."""
        await self.schedule_each([(pk, ref_id) for pk in recipient_pks], kind, not_before)

    async def schedule_each(
        self, recipients_and_refs: Sequence[tuple[int, int]], kind: str, not_before: datetime
    ) -> None:
        """:meth:`schedule` for many (recipient, ref) pairs at once: each person their own
        result, say, in a few statements rather than one each."""
        for start in range(0, len(recipients_and_refs), _CHUNK):
            rows = [
                {
                    "recipient_id": pk,
                    "kind": kind,
                    "ref_id": ref_id,
                    "status": "pending",
                    "attempts": 0,
                    "not_before": not_before,
                }
                for pk, ref_id in recipients_and_refs[start : start + _CHUNK]
            ]
            await self.session.execute(_SCHEDULE[dialect_of(self.session)], rows)

    async def schedule_chats(
        self, chat_ids: Sequence[int], kind: str, ref_id: int, not_before: datetime
    ) -> None:
        """Queue a notification to Telegram accounts (HR's role holders), once per account."""
        if not chat_ids:
            return
        rows = [
            {
                "chat_id": chat,
                "kind": kind,
                "ref_id": ref_id,
                "status": "pending",
                "attempts": 0,
                "not_before": not_before,
            }
            for chat in chat_ids
        ]
        insert = insert_for(self.session, OutboxMessage).values(rows)
        await self.session.execute(
            insert.on_conflict_do_nothing(index_elements=["kind", "ref_id", "chat_id"])
        )

    async def schedule_renewable(
        self,
        kind: str,
        ref_id: int,
        not_before: datetime,
        *,
        recipients: Sequence[int] = (),
        chats: Sequence[int] = (),
    ) -> None:
        """:meth:`schedule` for a notification owed again each time its moment moves later (a plan
        returned a second time gets a new last day): a row already sent, or failed, for an earlier
        moment is queued anew; one for this moment stays as it is, so that running this again, or on
        two instances, sends nothing twice."""
        targets = [("recipient_id", pk) for pk in recipients] + [("chat_id", chat) for chat in chats]
        for column, target in targets:
            insert = insert_for(self.session, OutboxMessage).values(
                {
                    column: target,
                    "kind": kind,
                    "ref_id": ref_id,
                    "status": "pending",
                    "attempts": 0,
                    "not_before": not_before,
                }
            )
            await self.session.execute(
                insert.on_conflict_do_update(
                    index_elements=["kind", "ref_id", column],
                    set_={"not_before": not_before, **_AFRESH},
                    where=(OutboxMessage.status.in_(("pending", "sent", "failed")))
                    & (OutboxMessage.not_before < not_before),
                )
            )

    async def drop_pending(self, kind: str, ref_id: int, *, keep: Sequence[int] | Select[Any]) -> None:
        """Forget queued notifications of this kind no longer owed to anyone but ``keep``: a
        few ids, or a query of them (a whole round's respondents would overflow the drivers'
        limit of 32,767 parameters a statement)."""
        kept = keep if isinstance(keep, Select) else list(keep)
        await self.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.kind == kind,
                OutboxMessage.ref_id == ref_id,
                OutboxMessage.status == "pending",
                OutboxMessage.recipient_id.not_in(kept),
            )
        )

    async def claim(
        self,
        limit: int,
        *,
        now: datetime | None = None,
        later_kinds: Collection[str] = (),
        by: str | None = None,
    ) -> list[OutboxDTO]:
        """Take up to ``limit`` pending rows that are due at ``now`` for sending (``pending`` →
        ``sending``), oldest first, ``later_kinds`` (bulk broadcasts) after everything else.
        Without ``now`` only rows that wait for nothing are taken. ``by``: the claiming
        instance, recorded with the time for :meth:`recover_interrupted`.

        Only rows this call switched are returned: the update re-checks ``status = 'pending'``,
        so a row another sender claimed in the meantime is left to it. On PostgreSQL the
        candidates are also locked with SKIP LOCKED, so concurrent senders take different rows
        instead of queueing behind each other; SQLite runs one writer at a time anyway."""
        later = case((OutboxMessage.kind.in_(list(later_kinds)), 1), else_=0) if later_kinds else None
        # Each branch names the status itself, so that both are searches of the (status,
        # not_before) index; "status = 'pending' AND (… OR …)" read every pending row, some
        # 40 ms for a round of 20,000 on SQLite, at every poll.
        pending = OutboxMessage.status == "pending"
        due: ColumnElement[bool] = and_(pending, OutboxMessage.not_before.is_(None))
        if now is not None:
            due = or_(due, and_(pending, OutboxMessage.not_before <= now))
        candidates = (
            select(OutboxMessage.id)
            .where(due)
            .order_by(*([later] if later is not None else []), OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(await self.session.scalars(candidates))
        if not ids:
            return []
        claimed = await self.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(status="sending", claimed_by=by, claimed_at=now or func.now())
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        order = {message_id: index for index, message_id in enumerate(ids)}
        return sorted((_dto(row) for row in claimed), key=lambda item: order[item.id])

    async def finish(self, message_id: int, status: str, now: datetime, error: str | None = None) -> None:
        """The row's fate is known: ``sent``, ``blocked`` or ``failed``."""
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

    async def finish_blocked(self, message_id: int, recipient_pk: int, now: datetime, error: str) -> None:
        """Telegram answered 403: the person blocked the bot. They are skipped by later
        broadcasts until they write to the bot again."""
        await self.finish(message_id, "blocked", now, error)
        await self.session.execute(
            update(Employee)
            .where(Employee.id == recipient_pk, Employee.blocked_at.is_(None))
            .values(blocked_at=now)
        )

    async def record_attempt(self, message_id: int, error: str) -> None:
        """A try that failed for a passing reason (network, Telegram's 5xx); the row stays claimed."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1, last_error=error)
        )

    async def retry_later(self, message_id: int, error: str) -> None:
        """Count a failed try and put the row back in the queue."""
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="pending", attempts=OutboxMessage.attempts + 1, last_error=error)
        )

    async def release(self, message_ids: Sequence[int]) -> int:
        """Give claimed rows that were not sent back to the queue (``sending`` → ``pending``)."""
        if not message_ids:
            return 0
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == "sending")
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )
        return cast("CursorResult[Any]", result).rowcount

    async def recover_interrupted(
        self, *, by: str | None = None, claimed_before: datetime | None = None
    ) -> int:
        """Rows a crashed process left ``sending`` become ``failed`` with :data:`INTERRUPTED`:
        they may or may not have reached the person, and sending them again could deliver
        twice (see the module docstring). Returns how many.

        At an instance's start-up, ``by`` settles its own rows (and those claimed before
        instances were recorded); ``claimed_before`` settles anyone's rows claimed longer ago
        than any send takes, left by an instance that died and has not come back. Neither:
        every ``sending`` row (one process, starting)."""
        settled = []
        if by is not None:
            settled.append(or_(OutboxMessage.claimed_by == by, OutboxMessage.claimed_by.is_(None)))
        if claimed_before is not None:
            settled.append(OutboxMessage.claimed_at < claimed_before)
        which: ColumnElement[bool] = OutboxMessage.status == "sending"
        if settled:
            which = and_(which, or_(*settled))
        result = await self.session.execute(
            update(OutboxMessage)
            .where(which)
            .values(status="failed", last_error=INTERRUPTED)
            .execution_options(synchronize_session=False)
        )
        return cast("CursorResult[Any]", result).rowcount

    async def counts(self) -> dict[str, int]:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        return {status: count for status, count in (await self.session.execute(query)).all()}

    async def counts_for(self, kind: str, ref_id: int) -> dict[str, int]:
        """Rows per status for one thing sent (e.g. one broadcast)."""
        query = (
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == kind, OutboxMessage.ref_id == ref_id)
            .group_by(OutboxMessage.status)
        )
        return {status: count for status, count in (await self.session.execute(query)).all()}
