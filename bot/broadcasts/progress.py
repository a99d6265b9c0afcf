"""A broadcast's progress in HR's chat: while it is sending, HR's progress message is edited
with a bar and the counts, and finally with the totals; the broadcast is then ``done``.

Shown by the outbox's sending runs (:meth:`OutboxDelivery.while_sending`), with their pacing:
every edit takes a slot of the bot's budget and keeps the chat's spacing.
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcasts.service import DeliveryCounts, broadcast_counts
from bot.infra.formatting import progress_bar
from bot.infra.i18n import in_locale, pick_locale
from bot.infra.scaleout import JobGate
from bot.kernel.clock import Clock
from storage.broadcasts import BroadcastDTO, BroadcastRepo
from storage.roles import AccountRepo
from storage.staff.employees import EmployeeRepo

log = logging.getLogger(__name__)

FINAL_HOLD = 60.0  # seconds one instance has to show a broadcast's totals before another may


class Pacer(Protocol):
    """The outbox's pacing, for a request outside its queue."""

    def slot(self, chat_id: int) -> AbstractAsyncContextManager[None]: ...

    async def pause(self, seconds: float) -> None: ...


class BroadcastProgress:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        clock: Clock,
        pacer: Pacer,
        gate: JobGate,
        interval: float,
    ) -> None:
        self.bot, self.sessionmaker, self.i18n, self.clock = bot, sessionmaker, i18n, clock
        self.pacer, self.interval = pacer, interval
        # With several instances one of them at a time edits HR's progress message: each editing
        # it would crowd HR's chat towards Telegram's one message a second.
        self.gate = gate
        self._shown: dict[int, tuple[float, str]] = {}

    async def show(self) -> None:
        """Edit HR's progress message of every broadcast being sent; finish the settled ones."""
        async with self.sessionmaker() as session:
            active = await BroadcastRepo(session).sending()
            states = [
                (b, await broadcast_counts(session, b.id), await self._author_locale(session, b))
                for b in active
            ]
        for broadcast, counts, locale in states:
            # The totals are shown once (the hold outlasts an edit's retries); if the instance
            # that claimed them dies first, another shows them after its next run.
            hold = FINAL_HOLD if counts.pending == 0 else self.interval
            if not await self.gate.claim(f"progress:{broadcast.id}:{counts.pending == 0}", hold):
                continue
            with in_locale(self.i18n, locale):
                if counts.pending == 0:
                    await self._show(broadcast, done_text(counts), final=True)
                    async with self.sessionmaker.begin() as session:
                        if await BroadcastRepo(session).mark_done(broadcast.id, self.clock.now()):
                            log.info("broadcast %s done: %s", broadcast.id, counts)
                    self._shown.pop(broadcast.id, None)
                else:
                    await self._show(broadcast, progress_text(counts), final=False)

    async def _author_locale(self, session: AsyncSession, broadcast: BroadcastDTO) -> str:
        author = broadcast.author_telegram_id
        if author is None:
            return self.i18n.default_locale
        found = await EmployeeRepo(session).by_telegram_id(author)
        employee = found if found is not None and found.active else None
        # The rule of HR's screens (bot.infra.i18n.pick_locale): HR may be outside the staff list.
        account = await AccountRepo(session).locale(author) if employee is None else None
        return pick_locale(employee, None, self.i18n.default_locale, account)

    async def _show(self, broadcast: BroadcastDTO, text: str, *, final: bool) -> None:
        chat_id, message_id = broadcast.progress_chat_id, broadcast.progress_message_id
        if chat_id is None or message_id is None:
            return
        shown = self._shown.get(broadcast.id)
        if shown is not None and (
            shown[1] == text or (not final and time.monotonic() - shown[0] < self.interval * 0.9)
        ):
            return
        for _try in range(3 if final else 1):  # the totals are worth a retry after a 429
            try:
                async with self.pacer.slot(chat_id):
                    await self.bot.edit_message_text(
                        text=text, chat_id=chat_id, message_id=message_id, parse_mode=None
                    )
            except TelegramRetryAfter as exc:
                await self.pacer.pause(exc.retry_after)
                continue
            except TelegramBadRequest as exc:
                if "not modified" not in exc.message:
                    log.warning("broadcast %s: progress not shown: %s", broadcast.id, exc.message)
                    if final:  # the message is gone (HR deleted it): the totals still reach HR
                        await self._send_anew(chat_id, text)
            except TelegramAPIError as exc:
                log.warning("broadcast %s: progress not shown: %s", broadcast.id, exc)
            self._shown[broadcast.id] = (time.monotonic(), text)
            return

    async def _send_anew(self, chat_id: int, text: str) -> None:
        try:
            async with self.pacer.slot(chat_id):
                await self.bot.send_message(chat_id, text, parse_mode=None)
        except TelegramAPIError as exc:
            log.warning("broadcast totals not sent: %s", exc)


def progress_text(counts: DeliveryCounts) -> str:
    percent = counts.settled * 100 // counts.total if counts.total else 100
    return _(
        "{bar} {percent}% · {done}/{total} · delivered {delivered}, blocked {blocked}, failed {failed}"
    ).format(
        bar=progress_bar(counts.settled, counts.total),
        percent=percent,
        done=counts.settled,
        total=counts.total,
        delivered=counts.delivered,
        blocked=counts.blocked,
        failed=counts.failed,
    )


def done_text(counts: DeliveryCounts) -> str:
    return _("Done: delivered {delivered}, blocked {blocked}, failed {failed}").format(
        delivered=counts.delivered, blocked=counts.blocked, failed=counts.failed
    )
