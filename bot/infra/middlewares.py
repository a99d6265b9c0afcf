"""One database session per update, committed whole with the update's mark in the inbox and
the update log, the replies it defers sent after the commit, and the employee behind the
Telegram account."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, cast

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    SendChatAction,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.i18n import remembered_locale
from bot.kernel.access import Role
from storage.db import redoable
from storage.inbox import InboxRepo
from storage.roles import AccountRepo
from storage.senders import SenderRepo
from storage.staff.employees import EmployeeRepo
from storage.updates import UpdateLog

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class InboxTicket:
    """An update the inbox hands to the dispatcher (bot/infra/inbox.py), passed to ``feed_update`` as
    ``inbox_ticket``: which row to take, how often it was tried, and what became of it."""

    update_id: int
    attempts: int = 0  # earlier tries that failed
    outcome: str | None = None  # "handled", "skipped" (handled before) or "failed"
    error: BaseException | None = None


class FailedAfterReplying(Exception):
    """A handler failed after the bot had already shown the person something (a message it
    needed the id of), and everything the update wrote was rolled back: the apology must say
    that what the screen showed was not kept."""


# Calls whose result no handler uses (True, or the edited message): sent once the update's
# transaction has committed, so nothing the person sees describes writes that are then rolled
# back, and no database lock waits on Telegram. Anything else (sending a message, whose id a
# handler may store) goes out at once, after the deferred calls before it, to keep the order.
_DEFERRED = (
    AnswerCallbackQuery,
    EditMessageText,
    EditMessageReplyMarkup,
    EditMessageCaption,
    DeleteMessage,
    SendChatAction,
)


# Refusals that change nothing for the person: an edit that renders the same screen again (a
# double tap); a wizard's old window to delete that is gone already, or older than Telegram lets
# a bot delete (48 hours; it stays, and its buttons still act on the wizard).
_HARMLESS = ("message is not modified", "message to delete not found", "message can't be deleted")


def _deferred(method: TelegramMethod[Any]) -> bool:
    return isinstance(method, _DEFERRED)


@dataclass(slots=True)
class _Replies:
    """The Bot API calls an update makes while its transaction is open."""

    deferred: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    committed: list[Callable[[], None]] = field(default_factory=list)  # see after_commit
    shown: bool = False  # something went out before the commit
    closed: bool = False  # the update is over: calls (from a task it started) go out at once
    sending: bool = False  # the deferred calls are going out: those they make go at once

    async def send_deferred(self) -> None:
        """In order. An edit Telegram refuses as a no-op, or a delete of a message that cannot be
        (``_HARMLESS``), is fine; any other failure stops here and is raised: the person is told
        something went wrong, rather than the rest being sent as if all was well."""
        calls, self.deferred = self.deferred, []
        self.sending = True
        try:
            for call in calls:
                try:
                    await call()
                except TelegramBadRequest as error:
                    if not any(harmless in error.message for harmless in _HARMLESS):
                        raise
        finally:
            self.sending = False


# The calls of the update being handled in this task (aiogram handles each update in a task
# of its own, so a context variable is private to it).
_update_replies: ContextVar[_Replies | None] = ContextVar("update_replies", default=None)


def after_commit(call: Callable[[], None]) -> None:
    """Call ``call`` once the current update's transaction has committed, and not at all if it
    rolls back; at once outside an update. For work started by an update that reads, from a
    session of its own, a row the update wrote (a report job, bot/reports/jobs.py): before the
    commit that row is invisible to it, and on SQLite the update holds the one connection."""
    replies = _update_replies.get()
    if replies is None or replies.closed:
        call()
    else:
        replies.committed.append(call)


async def reply_after_commit(reply: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    """Compose and send a reply (``reply``) once the current update's transaction has
    committed, in order with the calls deferred before it and in the update's context (its
    language), and not at all if the transaction rolls back; at once outside an update. For a
    reply whose composing is work of its own (a questionnaire's next screen: its text and
    buttons, the call's models): done while the database's connection is no longer held, which
    on SQLite is everyone's one connection (docs/benchmarks.md), rather than just before the
    commit. What it needs from the database must have been read before."""
    replies = _update_replies.get()
    if replies is None or replies.closed:
        await reply()
        return
    context = contextvars.copy_context()  # the language middleware's, reset once it returns
    replies.deferred.append(lambda: asyncio.get_running_loop().create_task(reply(), context=context))


class DbSessionMiddleware(BaseMiddleware):
    """One session and one transaction per update: the handler's writes, the update's removal
    from the inbox and its record in the update log commit together when the handler returns,
    and all roll back when it raises, so an update is applied whole or not at all, and one that
    failed is not mistaken for handled. An update delivered again (Telegram does, when it did
    not see the first delivery confirmed) is recognised and skipped.

    Replies that need no answer from Telegram wait for the commit (see ``SendAfterCommit``)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        ticket: InboxTicket | None = data.get("inbox_ticket")
        replies = _Replies()
        token = _update_replies.set(replies)
        try:
            async with self.sessionmaker() as session:
                data["session"] = session
                try:
                    if not await _first_time(event, data, ticket):
                        await session.commit()
                        if ticket is not None:
                            ticket.outcome = "skipped"
                        return None
                    result = await handler(event, data)
                    await session.commit()
                except BaseException as error:
                    await session.rollback()
                    if ticket is not None:
                        ticket.outcome, ticket.error = "failed", error
                    if replies.shown and isinstance(error, Exception):
                        raise FailedAfterReplying(type(error).__name__) from error
                    raise
            if ticket is not None:
                ticket.outcome = "handled"
            for call in replies.committed:  # before the replies: a failed reply must not stop them
                call()
            await replies.send_deferred()
            return result
        finally:
            replies.closed = True
            _update_replies.reset(token)


async def _first_time(event: TelegramObject, data: dict[str, Any], ticket: InboxTicket | None) -> bool:
    """Take the update out of the inbox and record it; False if it was handled before (taken
    by another instance, or recorded: a repeated delivery). Who sent it is read in the same
    go, for SenderMiddleware; on PostgreSQL the inbox's row is taken in that statement too
    (one round trip for all three, storage/updates.py)."""
    if not isinstance(event, Update):
        return True
    if ticket is not None:
        # Its row in the inbox is on disk: the handling can be done again. Taking that row out
        # is the transaction's first statement.
        await redoable(data["session"], writes_first=True)
    updates = UpdateLog(data["session"])
    user: User | None = data.get("event_from_user")
    if ticket is not None and user is not None:
        data["sender"] = await updates.take_first_time_from(ticket.update_id, user.id)
        if data["sender"] is None:
            log.info("update %s: handled already, skipped", event.update_id)
        return data["sender"] is not None
    if ticket is not None and not await InboxRepo(data["session"]).take(ticket.update_id):
        log.info("update %s: handled already, skipped", event.update_id)
        return False
    if user is None:
        first = await updates.first_time(event.update_id)
    else:
        data["sender"] = await updates.first_time_from(event.update_id, user.id)
        first = data["sender"] is not None
    if not first:
        log.info("update %s delivered again: handled before, skipped", event.update_id)
    return first


class SendAfterCommit(BaseRequestMiddleware):
    """Defers the current update's Bot API calls that need no answer until its transaction has
    committed (``_DEFERRED``), answering them True meanwhile; a call whose answer a handler
    may use goes out at once, after the deferred ones. So what the bot shows has been stored
    first (a crash after the reply never loses an answer the person saw accepted, and the next
    tap is never judged against data not yet committed), and a handler that fails rolls back
    whole without having shown anything it wrote. Calls made outside an update
    (notifications) pass through untouched."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        replies = _update_replies.get()
        if replies is None or replies.closed or replies.sending:
            return await make_request(bot, method)
        if _deferred(method):
            replies.deferred.append(lambda: make_request(bot, method))
            # The session hands the middlewares' result to the caller as the call's result.
            return cast("Response[TelegramType]", True)
        replies.shown = True  # from here on, what the person sees may not be stored yet
        await replies.send_deferred()
        return await make_request(bot, method)


class SenderMiddleware(BaseMiddleware):
    """Puts who sent the update into the data, read in one statement for every update (so a
    revoked role or a person who left stops working at once): ``employee`` (an active person
    bound to this account, or None), ``roles`` (the account's HR-side roles) and, for a role
    holder outside the staff list, ``account_locale`` (the language chosen with /language, or
    the Telegram one stored at their first update).

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
            account_locale = sender.account_locale if roles and employee is None else None
            # Notices are composed with no Telegram user to read the language from: someone whose
            # language is not known yet keeps the one their screens speak (bot.infra.i18n).
            # Written once, while nothing is known: not a write on every update.
            remembered = remembered_locale(employee, user, account_locale)
            if remembered is not None and employee is not None:
                await EmployeeRepo(data["session"]).set_locale(employee.id, remembered)
                employee = replace(employee, chosen_locale=remembered)
            elif remembered is not None and roles:
                await AccountRepo(data["session"]).set_locale(user.id, remembered)
                account_locale = remembered
            if roles and employee is None:
                data["account_locale"] = account_locale
        data["employee"], data["roles"] = employee, roles
        return await handler(event, data)


def _is_blocking_us(event: TelegramObject) -> bool:
    """The update Telegram sends when the person blocks the bot comes from them too."""
    member = event.my_chat_member if isinstance(event, Update) else None
    return member is not None and member.new_chat_member.status == ChatMemberStatus.KICKED
