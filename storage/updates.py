"""The log of Telegram updates already handled (see ``ProcessedUpdate``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.inbox import InboxRepo
from storage.models import Account, Employee, InboxUpdate, ProcessedUpdate, RoleGrant
from storage.rows import table_of
from storage.senders import SENDER, SenderDTO, sender_of
from storage.staff.employees import EMPLOYEE_COLUMNS
from storage.upsert import dialect_of, per_dialect

_RECORD = per_dialect(
    lambda insert: (
        insert(table_of(ProcessedUpdate))
        .values(update_id=bindparam("update_id"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table_of(ProcessedUpdate).c.update_id)
    )
)

# The record and the sender's read in one statement, for every update (bench/answering.py):
# PostgreSQL, one round trip less; SQLite, four trips less to aiosqlite's thread while the
# database's lock is held. PostgreSQL: the sender's rows carry whether the record was new.
_RECORDED = _RECORD["postgresql"].cte("recorded")
_RECORD_AND_SENDER = SENDER.add_columns(
    select(func.count()).select_from(_RECORDED).scalar_subquery().label("recorded")
)

# PostgreSQL: the update's removal from the inbox joins the same statement (one round trip
# less for every update from the inbox, bench/answering.py). It is recorded only if it was
# taken; a second instance taking it waits for the first one's transaction on the row's lock
# (as a plain DELETE does) and, if that one committed, takes and records nothing.
_TAKEN = (
    delete(table_of(InboxUpdate))
    .where(table_of(InboxUpdate).c.update_id == bindparam("update_id"))
    .returning(table_of(InboxUpdate).c.update_id)
    .cte("taken")
)
_TAKEN_RECORDED = (
    postgresql.insert(table_of(ProcessedUpdate))
    .from_select(["update_id"], select(_TAKEN.c.update_id))
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(table_of(ProcessedUpdate).c.update_id)
    .cte("recorded")
)
_TAKE_RECORD_AND_SENDER = SENDER.add_columns(
    select(func.count()).select_from(_TAKEN_RECORDED).scalar_subquery().label("recorded")
)


def _of_sender(column: Any, telegram_user_id: Any) -> Any:
    return select(column).where(telegram_user_id == bindparam("telegram_user_id")).scalar_subquery()


# SQLite allows no INSERT inside WITH, but a RETURNING clause may hold subqueries: the record
# returns the sender's person, roles (comma-separated) and language, and no row if it was there.
_SQLITE_RECORD_AND_SENDER = _RECORD["sqlite"].returning(
    *(_of_sender(column, table_of(Employee).c.telegram_user_id) for column in EMPLOYEE_COLUMNS),
    _of_sender(func.group_concat(table_of(RoleGrant).c.role, ","), table_of(RoleGrant).c.telegram_user_id),
    _of_sender(table_of(Account).c.locale, table_of(Account).c.telegram_user_id),
)


class UpdateLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, update_id: int) -> bool:
        """Record the update; False if it was recorded before (this is a repeated delivery).
        The record belongs to the update's transaction: if handling fails, it goes too."""
        connection = await self.session.connection()
        found = await connection.execute(_RECORD[dialect_of(self.session)], {"update_id": update_id})
        return found.first() is not None

    async def first_time_from(self, update_id: int, telegram_user_id: int) -> SenderDTO | None:
        """``first_time`` for an update someone sent, reading who sent it in the same go: the
        sender (see ``SenderRepo.who``), or None if the update was recorded before."""
        connection = await self.session.connection()
        parameters = {"update_id": update_id, "telegram_user_id": telegram_user_id}
        if dialect_of(self.session) == "sqlite":
            row = (await connection.execute(_SQLITE_RECORD_AND_SENDER, parameters)).first()
            if row is None:
                return None
            *employee, roles, locale = row[1:]
            return sender_of([(*employee, role, locale) for role in (roles.split(",") if roles else [None])])
        result = await connection.execute(_RECORD_AND_SENDER, parameters)
        rows = result.all()
        return sender_of(rows) if rows[0][-1] else None

    async def take_first_time_from(self, update_id: int, telegram_user_id: int) -> SenderDTO | None:
        """``InboxRepo.take`` and ``first_time_from`` together, for an update handed over by
        the inbox: the sender, or None if the update was no longer in the inbox (handled
        already, here or by another instance) or was recorded before (a repeated delivery).
        PostgreSQL, in one statement; SQLite, which allows no DELETE inside WITH, in two."""
        if dialect_of(self.session) == "sqlite":
            if not await InboxRepo(self.session).take(update_id):
                return None
            return await self.first_time_from(update_id, telegram_user_id)
        connection = await self.session.connection()
        parameters = {"update_id": update_id, "telegram_user_id": telegram_user_id}
        rows = (await connection.execute(_TAKE_RECORD_AND_SENDER, parameters)).all()
        return sender_of(rows) if rows[0][-1] else None

    async def forget_before(self, moment: datetime) -> int:
        """Telegram gives up on an update within a day; older records only take room."""
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.handled_at < moment)
        )
        return cast("CursorResult[Any]", result).rowcount
