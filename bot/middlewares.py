"""One database session per update, committed before the bot says anything about it,
and the employee behind the Telegram account."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.enums import ChatMemberStatus
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.access import Role
from storage.employees import EmployeeRepo
from storage.senders import SenderRepo
from storage.updates import UpdateLog

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# The session of the update being handled in this task (aiogram handles each update in a
# task of its own, so a context variable is private to it).
_update_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


class DbSessionMiddleware(BaseMiddleware):
    """One session per update, committed when the handler returns and rolled back when it
    raises, so an update is applied whole or not at all; an update delivered again (Telegram
    does, when it did not see the first delivery confirmed) is recognised and skipped."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            data["session"] = session
            token = _update_session.set(session)
            try:
                if isinstance(event, Update) and not await _first_time(event, data):
                    log.info("update %s delivered again: handled before, skipped", event.update_id)
                    return None
                result = await handler(event, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                _update_session.reset(token)


async def _first_time(update: Update, data: dict[str, Any]) -> bool:
    """Record the update; False if it was recorded before. Who sent it is read in the same
    go, for SenderMiddleware (one round trip less for every update on PostgreSQL)."""
    updates = UpdateLog(data["session"])
    user: User | None = data.get("event_from_user")
    if user is None:
        return await updates.first_time(update.update_id)
    data["sender"] = await updates.first_time_from(update.update_id, user.id)
    return data["sender"] is not None


class CommitBeforeSending(BaseRequestMiddleware):
    """Commits the current update's transaction before any Bot API call it makes.

    Whatever the bot shows has been stored first: a crash after the reply can never lose an
    answer the person saw accepted, the next tap is never judged against data not yet
    committed, and no database lock is held while waiting for Telegram. Calls made outside
    an update (notifications) pass through untouched."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = _update_session.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)


class SenderMiddleware(BaseMiddleware):
    """Puts who sent the update into the data, read in one statement for every update (so a
    revoked role or a person who left stops working at once): ``employee`` (an active person
    bound to this account, or None), ``roles`` (the account's HR-side roles) and, for a role
    holder outside the staff list, ``account_locale`` (the language chosen with /language).

    Someone marked as having blocked the bot (a 403 to a broadcast) who sends an update has
    unblocked it: the mark is cleared, so broadcasts reach them again."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        employee, roles = None, frozenset[Role]()
        if user is not None:
            # Read with the update's record (DbSessionMiddleware) when there is one.
            sender = data.pop("sender", None) or await SenderRepo(data["session"]).who(user.id)
            found, roles = sender.employee, sender.roles
            employee = found if found is not None and found.active else None
            # Checked on the loaded row first: a write on every update would serialise them all.
            if found is not None and found.blocked_at is not None and not _is_blocking_us(event):
                await EmployeeRepo(data["session"]).clear_blocked(user.id)
            if roles and employee is None:
                data["account_locale"] = sender.account_locale
        data["employee"], data["roles"] = employee, roles
        return await handler(event, data)


def _is_blocking_us(event: TelegramObject) -> bool:
    """The update Telegram sends when the person blocks the bot comes from them too."""
    member = event.my_chat_member if isinstance(event, Update) else None
    return member is not None and member.new_chat_member.status == ChatMemberStatus.KICKED
