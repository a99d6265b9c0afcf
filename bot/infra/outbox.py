"""Delivering the outbox: notifications queued by commands and services (round started,
reports, broadcasts and reminders), sent by the running bot.

Rows carry ids only; each message is composed when it is sent, in the recipient's language.

How sending works:

* **Claim.** About half a second's worth of pending rows at a time is claimed atomically
  (``pending`` → ``sending``, storage/outbox.py), so no row is ever sent by two senders;
  personal notices (round started, reports) before bulk broadcasts.
* **Pace.** One token bucket for the whole bot hands out evenly spaced slots at
  ``OUTBOX_RATE_PER_SECOND`` (Telegram allows about 30 messages a second); every send and
  every progress edit takes a slot. Several workers send at once, so the network's
  latency does not cap the rate: the bucket does.
* **Per chat** one request at a time, and at least a second from the end of one to the
  start of the next (a 360 report is two messages); one person's rows leave in queue order.
* **The rest of the bot** (replies, HR's screens) is never delayed, but what it sends is
  seen by :class:`RequestObserver` and uses up the same budget.
* **429** (flood control, per bot): the whole sender pauses for ``retry_after``, then the
  same message is sent again. **403**: the person blocked the bot; the row is ``blocked``
  and ``Employee.blocked_at`` is set, so broadcasts skip them until they write again.
  **400** and other refusals: ``failed`` with Telegram's description. **Network errors and
  5xx**: the same worker tries again after 1, 2, 4… seconds, at most MAX_ATTEMPTS tries.
* **Stop.** :meth:`OutboxDelivery.stop` stops claiming, gives back claimed rows that were
  not started and lets the sends in flight finish. **Crash**: rows left ``sending`` are
  marked failed at the next start (:meth:`OutboxDelivery.recover_interrupted`): at most
  once, never twice.
* **Progress.** While a broadcast with a progress message is sending, HR's message is
  edited every PROGRESS_INTERVAL seconds with a bar and the counts, and finally with the
  totals; the broadcast is then ``done``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcasts.service import REMINDER, DeliveryCounts, broadcast_counts
from bot.calibration.screens import CALIBRATION_KINDS, calibration_notice
from bot.deadlines.hr_notices import HR_KINDS, hr_notice
from bot.deadlines.keeper import REPORT_AGAIN
from bot.deadlines.rules import Reminder
from bot.infra.callbacks import TasksCb
from bot.infra.formatting import format_date, progress_bar
from bot.infra.i18n import in_locale
from bot.infra.scaleout import JobGate, SharedBudget
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.notices import LEGACY_KINDS, approval_notice, legacy_notice
from bot.legacy2018.service import LEGACY_APPROVAL
from bot.quarterly.notices import QUARTERLY_KINDS, quarterly_notice, sheets_reminder
from bot.survey360.questionnaire import QuestionnaireService
from bot.survey360.report import report_chart, report_markup, report_text
from bot.survey360.results import SubjectResult, campaign_results
from bot.survey360.rounds import REPORT_360, ROUND_STARTED
from storage.broadcasts import BROADCAST, BroadcastDTO, BroadcastRepo
from storage.dto import EmployeeDTO, OutboxDTO
from storage.models import CampaignSubject
from storage.outbox import OutboxRepo
from storage.roles import AccountRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # tries of one row against network errors and Telegram's 5xx
# Far longer than a row stays claimed (5 tries with back-off, a flood-control pause): a row
# "sending" for longer belongs to an instance that died.
STALE_CLAIM = timedelta(minutes=10)
STALE_CHECK_SECONDS = 60.0
CHAT_INTERVAL = 1.0  # seconds between two requests to the same chat
PROGRESS_INTERVAL = 2.0  # seconds between two edits of HR's progress message
FINAL_HOLD = 60.0  # seconds one instance has to show a broadcast's totals before another may
STOP_TIMEOUT = 30.0  # how long stop() lets sends in flight finish
CAPTION_LIMIT = 1024  # Telegram's limit on a caption, in UTF-16 code units
_FEED_INTERVAL = 0.1  # how often the claimer looks at the local queue
T = TypeVar("T")
REMINDER_KINDS = frozenset(reminder.value for reminder in Reminder)


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    RELEASED = "released"  # not sent: back in the queue


@dataclass(frozen=True, slots=True)
class Part:
    """One Telegram message of a notification."""

    text: str | None = None
    markup: InlineKeyboardMarkup | None = None
    photo: bytes | None = None  # a picture we made, uploaded with the message
    chart: SubjectResult | None = None  # a radar chart still to draw (see _render)
    file: tuple[str, str] | None = None  # ("photo" | "document", file_id) already on Telegram
    document: tuple[str, bytes] | None = None  # (file name, bytes) of a file we made
    protect: bool = False
    plain: bool = False  # someone's own words: sent as they are, without HTML parsing


@dataclass(frozen=True, slots=True)
class Claimed:
    item: OutboxDTO
    recipient: EmployeeDTO | None
    account_locale: str | None = None  # the language an HR account outside the staff list chose


class NothingToSend(Exception):
    """The notification is no longer due (e.g. the reminded person has finished meanwhile)."""


async def _wait(seconds: float, stopping: asyncio.Event | None) -> bool:
    """Sleep ``seconds``; False (at once) if ``stopping`` is or gets set."""
    if stopping is not None and stopping.is_set():
        return False
    if seconds <= 0:
        return True
    if stopping is None:
        await asyncio.sleep(seconds)
        return True
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return True
    return False


class RateLimiter:
    """Slots ``rate`` a second for the whole bot, and one shared pause when Telegram answers
    429. Waiters queue (first come, first served) and are let through on a grid ``1/rate``
    apart. A slot granted a little late keeps the grid, so wake-up delays do not add up and
    lower the rate; one granted after a stall (later than a whole interval) starts a new
    grid from now, so the sends held up by the stall never go out in a burst.

    With several instances (``shared``, in Redis) the grid and the pause are kept there, for
    all of them; this instance's own waiters still queue here first, so that it asks Redis
    for one slot at a time."""

    def __init__(self, rate: float, shared: SharedBudget | None = None) -> None:
        self.interval = 1.0 / rate
        self.shared = shared
        self._free_at = 0.0  # when the next slot may be granted
        self._paused_until = 0.0
        self._queue = asyncio.Lock()

    async def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds``: Telegram's flood control counts the whole bot."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        if self.shared is not None:
            await _shared(self.shared.pause(seconds))

    async def take_slot(self) -> None:
        """A request sent without waiting (not by the outbox) still uses up a slot."""
        if self.shared is not None and await _shared(self.shared.reserve(self.interval)) is not None:
            return
        self._free_at = max(self._free_at, time.monotonic()) + self.interval

    async def acquire(self, stopping: asyncio.Event | None = None) -> bool:
        """Wait for the next slot; False if ``stopping`` was set meanwhile."""
        async with self._queue:
            if self.shared is not None:
                wait = await _shared(self.shared.reserve(self.interval))
                if wait is not None:
                    return await _wait(wait, stopping)
            while True:
                now = time.monotonic()
                due = max(self._free_at, self._paused_until)
                if due <= now:
                    self._free_at = (due if now - due < self.interval else now) + self.interval
                    return True
                delay = due - now
                if not await _wait(delay, stopping):
                    return False


class ChatSpacing:
    """One request at a time per chat, and ``interval`` seconds from the end of one request
    to the start of the next: Telegram allows about one message a second per chat. Measured
    from the end, so that however long a request travels, Telegram sees the gap. With
    several instances (``shared``) a chat's turn is also claimed in Redis."""

    def __init__(self, interval: float, shared: SharedBudget | None = None) -> None:
        self.interval = interval
        self.shared = shared
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: Counter[int] = Counter()
        self._free_at: dict[int, float] = {}

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._holders[chat_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._holders[chat_id] -= 1
            if not self._holders[chat_id]:
                del self._holders[chat_id], self._locks[chat_id]

    async def ready(self, chat_id: int, stopping: asyncio.Event | None = None) -> bool:
        if not await _wait(self._free_at.get(chat_id, 0.0) - time.monotonic(), stopping):
            return False
        while self.shared is not None:
            wait = await _shared(self.shared.chat_turn(chat_id, self.interval))
            if not wait:  # ours, or Redis is away (then this instance's own spacing is all)
                break
            if not await _wait(wait, stopping):
                return False
        return True

    async def used(self, chat_id: int) -> None:
        now = time.monotonic()
        self._free_at[chat_id] = now + self.interval
        if len(self._free_at) > 10_000:  # forget chats whose gap is over
            self._free_at = {chat: at for chat, at in self._free_at.items() if at > now}
        if self.shared is not None:
            await _shared(self.shared.chat_used(chat_id, self.interval))


_shared_trouble = False


async def _shared(call: Awaitable[T]) -> T | None:
    """A call to the shared budget; None when Redis fails (logged once per outage)."""
    global _shared_trouble
    try:
        result = await call
    except RedisError as exc:
        if not _shared_trouble:
            log.warning("sending budget: Redis is unavailable (%s); pacing this instance alone", exc)
        _shared_trouble = True
        return None
    if _shared_trouble:
        log.warning("sending budget: Redis is back; pacing shared again")
    _shared_trouble = False
    return result


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _backoff(attempt: int) -> float:
    return float(min(2 ** (attempt - 1), 30))


# Set in the delivery's own tasks: their requests are paced already.
_OWN_REQUEST: ContextVar[bool] = ContextVar("outbox_request", default=False)
_NOT_MESSAGES = frozenset({"sendChatAction"})


class RequestObserver(BaseRequestMiddleware):
    """Sees every request the bot makes. What the rest of the bot sends (replies, HR's
    screens) is never delayed, but it uses the same budget as the outbox: it takes a slot
    from the limiter and counts as the chat's latest message."""

    def __init__(self, limiter: RateLimiter, chats: ChatSpacing) -> None:
        self.limiter, self.chats = limiter, chats

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if (
            _OWN_REQUEST.get()
            or not name.startswith(("send", "edit", "copy", "forward"))
            or name in _NOT_MESSAGES
        ):
            return await make_request(bot, method)
        await self.limiter.take_slot()
        try:
            return await make_request(bot, method)
        finally:
            chat_id = getattr(method, "chat_id", None)
            if isinstance(chat_id, int):
                await self.chats.used(chat_id)


class OutboxDelivery:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        profile: Profile,
        clock: Clock,
        rate_per_second: float,
        *,
        calendar: WorkCalendar,
        zone: ZoneInfo,
        instance: str = "bot",
        shared: SharedBudget | None = None,
        gate: JobGate | None = None,
        organisation: str = "",
        concurrency: int | None = None,
        chat_interval: float = CHAT_INTERVAL,
        progress_interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.bot, self.sessionmaker, self.i18n, self.profile, self.clock = (
            bot,
            sessionmaker,
            i18n,
            profile,
            clock,
        )
        self.calendar, self.zone = calendar, zone  # to compose notices about working-day deadlines
        self.instance = instance  # recorded on the rows it claims (see recover_interrupted)
        self.organisation = organisation  # the state body's name on the forms it sends
        self._stale_checked = 0.0
        # The budget is the bot's: with several instances it is kept in Redis (bot/infra/scaleout.py).
        self.limiter = RateLimiter(rate_per_second, shared)
        self.chats = ChatSpacing(chat_interval, shared)
        # With several instances one of them at a time edits HR's progress message: each editing
        # it would crowd HR's chat towards Telegram's one message a second.
        self.gate = gate or JobGate(None)
        # Enough requests in flight for the rate even at a second of latency per request.
        self.concurrency = concurrency or max(4, math.ceil(rate_per_second))
        # About half a second's worth: enough to keep the workers busy, and what a crash can
        # leave "interrupted" stays small (see storage/outbox.py).
        self.claim_size = max(10, math.ceil(rate_per_second / 2))
        self.progress_interval = progress_interval
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._current: asyncio.Task[Any] | None = None
        self._background: asyncio.Task[int] | None = None
        self._in_flight = 0
        self._broadcasts: dict[int, BroadcastDTO] = {}  # a confirmed broadcast never changes
        self._progress_shown: dict[int, tuple[float, str]] = {}
        bot.session.middleware(RequestObserver(self.limiter, self.chats))

    # ------------------------------------------------------------------------- lifecycle

    async def recover_interrupted(self, *, at_start: bool = True) -> int:
        """Rows a crash left ``sending`` become failed: at start-up, before the first run, this
        instance's own; at any time, anyone's claimed longer ago than a send can take (an
        instance that died and stayed away)."""
        stale = self.clock.now() - STALE_CLAIM
        async with self.sessionmaker.begin() as session:
            repo = OutboxRepo(session)
            count = await repo.recover_interrupted(
                by=self.instance if at_start else None, claimed_before=stale
            )
        if count:
            log.warning(
                "outbox: %d message(s) interrupted by a crash marked failed (delivery unknown)", count
            )
        return count

    async def tick(self) -> None:
        """For the scheduler: start a run in the background unless one is going; returns at
        once, so that a long broadcast does not hold the scheduler's job."""
        if time.monotonic() - self._stale_checked > STALE_CHECK_SECONDS:
            self._stale_checked = time.monotonic()
            await self.recover_interrupted(at_start=False)
        if self._idle.is_set() and not self._stopping.is_set():
            self._idle.clear()
            self._background = asyncio.create_task(self._run_once())

    async def deliver_pending(self) -> int:
        """Send everything due, until the queue is empty; returns how many rows reached a
        final state. A call while a run is going (or after stop) returns 0 at once."""
        if not self._idle.is_set() or self._stopping.is_set():
            return 0
        self._idle.clear()
        return await self._run_once()

    async def stop(self, grace: float = STOP_TIMEOUT) -> None:
        """Stop claiming, give back what was claimed and not started, let the sends in flight
        finish (at most ``grace`` seconds; after that they are cancelled and the next start
        marks them failed)."""
        self._stopping.set()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("outbox: sends still in flight after %.0f s, cancelled", grace)
            if self._current is not None:
                self._current.cancel()
                await asyncio.gather(self._current, return_exceptions=True)

    close = stop

    async def _run_once(self) -> int:
        self._current = asyncio.current_task()
        own = _OWN_REQUEST.set(True)  # this run and the workers it starts pace themselves
        try:
            return await self._deliver_all()
        except Exception:
            log.exception("outbox run failed")
            return 0
        finally:
            _OWN_REQUEST.reset(own)
            self._current = None
            self._idle.set()

    # ------------------------------------------------------------------------ the queue

    async def _deliver_all(self) -> int:
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue()
        outcomes: Counter[Outcome] = Counter()
        workers = [asyncio.create_task(self._worker(queue, outcomes)) for _ in range(self.concurrency)]
        progress = asyncio.create_task(self._progress_loop())
        try:
            await self._feed(queue)
            for _worker in workers:
                queue.put_nowait(None)
            await asyncio.gather(*workers)
        finally:
            progress.cancel()
            for worker in workers:  # only when cancelled: rows in flight stay "sending"
                worker.cancel()
            await asyncio.gather(progress, *workers, return_exceptions=True)
        try:
            await self._show_progress()
        except Exception:
            log.exception("broadcast progress could not be shown")
        settled = outcomes[Outcome.SENT] + outcomes[Outcome.BLOCKED] + outcomes[Outcome.FAILED]
        if settled or outcomes[Outcome.RELEASED]:
            log.info("outbox run: %s", ", ".join(f"{o.value} {n}" for o, n in sorted(outcomes.items())))
        return settled

    async def _feed(self, queue: asyncio.Queue[Claimed | None]) -> None:
        """Keep some claimed rows ready until nothing is left (or the database fails: then
        the rows in flight are finished and the next run tries again)."""
        while not self._stopping.is_set():
            if queue.qsize() <= self.claim_size // 2:
                try:
                    claimed = await self._claim(self.claim_size - queue.qsize())
                except Exception:
                    log.exception("outbox: could not claim rows; trying again at the next run")
                    return
                for entry in claimed:
                    queue.put_nowait(entry)
                if not claimed and queue.empty() and self._in_flight == 0:
                    return
            await _wait(_FEED_INTERVAL, self._stopping)

    async def _claim(self, limit: int) -> list[Claimed]:
        async with self.sessionmaker.begin() as session:
            # Personal notices (round started, reports) go before bulk broadcasts.
            items = await OutboxRepo(session).claim(
                limit, now=self.clock.now(), later_kinds=(BROADCAST,), by=self.instance
            )
            employees = EmployeeRepo(session)
            people = await employees.many({i.recipient_id for i in items if i.recipient_id is not None})
            # An HR account may be someone in the staff list too: then it speaks their language.
            chats = {i.chat_id for i in items if i.chat_id is not None}
            accounts = await employees.by_telegram_ids(chats)
            chosen = await AccountRepo(session).locales(chats)
        return [
            Claimed(item, people.get(item.recipient_id))
            if item.recipient_id
            else Claimed(item, accounts.get(item.chat_id or 0), chosen.get(item.chat_id or 0))
            for item in items
        ]

    async def _worker(self, queue: asyncio.Queue[Claimed | None], outcomes: Counter[Outcome]) -> None:
        while (entry := await queue.get()) is not None:
            self._in_flight += 1
            try:
                if self._stopping.is_set():
                    outcome, error = Outcome.RELEASED, None
                else:
                    outcome, error = await self._deliver(entry)
                await self._record(entry, outcome, error)
                outcomes[outcome] += 1
                log.debug("outbox %s (%s): %s", entry.item.id, entry.item.kind, outcome.value)
            except Exception as exc:
                log.exception("outbox %s (%s) could not be delivered", entry.item.id, entry.item.kind)
                await self._record_error(entry, exc)
            finally:
                self._in_flight -= 1

    async def _record_error(self, entry: Claimed, exc: Exception) -> None:
        """A bug or the database gone: the row is failed if that can still be written (never
        pending again: it may have gone out), else the next start marks it so."""
        try:
            await self._record(entry, Outcome.FAILED, f"error: {type(exc).__name__}")
        except Exception:
            log.exception("outbox %s left for recovery at the next start", entry.item.id)

    async def _record(self, entry: Claimed, outcome: Outcome, error: str | None) -> None:
        item, now = entry.item, self.clock.now()
        async with self.sessionmaker.begin() as session:
            outbox = OutboxRepo(session)
            if outcome is Outcome.RELEASED:
                await outbox.release([item.id])
            elif outcome is Outcome.BLOCKED and item.recipient_id is not None:
                await outbox.finish_blocked(item.id, item.recipient_id, now, error or "blocked")
            else:
                await outbox.finish(item.id, outcome.value, now, error)

    # ---------------------------------------------------------------------- one delivery

    async def _deliver(self, entry: Claimed) -> tuple[Outcome, str | None]:
        item, recipient = entry.item, entry.recipient
        if item.chat_id is not None:  # an HR account
            chat_id = item.chat_id
        elif recipient is None or recipient.telegram_user_id is None or not recipient.active:
            return Outcome.FAILED, "recipient has not joined or has left"
        else:
            chat_id = recipient.telegram_user_id
        locale = (recipient.locale if recipient else entry.account_locale) or self.i18n.default_locale
        # The chat's turn is taken before anything is awaited: rows for one person leave in
        # the order they were queued (workers take them off the queue in that order).
        async with self.chats.turn(chat_id):
            with in_locale(self.i18n, locale):
                try:
                    async with self.sessionmaker() as session:
                        parts = await self._compose(session, item, recipient)
                    # Charts are drawn after the transaction: on SQLite it holds the database.
                    parts = [await self._render(part) for part in parts]
                except NothingToSend as reason:
                    return Outcome.FAILED, f"not sent: {reason}"
            return await self._send(item, chat_id, parts)

    async def _send(self, item: OutboxDTO, chat_id: int, parts: list[Part]) -> tuple[Outcome, str | None]:
        """Send the parts in the chat's turn (the caller holds it)."""
        attempts = item.attempts
        for number, part in enumerate(parts):
            # Until the first part is out a stop gives the row back; after it, it is finished.
            stopping = self._stopping if number == 0 else None
            while True:
                if not (await self.chats.ready(chat_id, stopping) and await self.limiter.acquire(stopping)):
                    return Outcome.RELEASED, None
                try:
                    await self._send_part(chat_id, part)
                    break
                except TelegramRetryAfter as exc:
                    log.warning("outbox: Telegram asks to wait %s s", exc.retry_after)
                    await self.limiter.pause(exc.retry_after)
                except TelegramForbiddenError as exc:
                    return Outcome.BLOCKED, exc.message
                except (TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError) as exc:
                    if isinstance(exc, TelegramEntityTooLarge):
                        return Outcome.FAILED, exc.message
                    attempts += 1
                    if attempts >= MAX_ATTEMPTS:
                        return Outcome.FAILED, str(exc)
                    await self._record_attempt(item.id, str(exc))
                    if not await _wait(_backoff(attempts), stopping):
                        return Outcome.RELEASED, None
                except TelegramAPIError as exc:  # 400 and any other refusal
                    return Outcome.FAILED, exc.message
                finally:
                    await self.chats.used(chat_id)
        return Outcome.SENT, None

    async def _record_attempt(self, message_id: int, error: str) -> None:
        async with self.sessionmaker.begin() as session:
            await OutboxRepo(session).record_attempt(message_id, error)

    async def _send_part(self, chat_id: int, part: Part) -> None:
        options: dict[str, Any] = {"protect_content": part.protect, "reply_markup": part.markup}
        if part.plain:
            options["parse_mode"] = None
        if part.photo is not None:
            photo = BufferedInputFile(part.photo, filename="radar.png")
            await self.bot.send_photo(chat_id, photo, caption=part.text, **options)
        elif part.document is not None:
            name, data = part.document
            await self.bot.send_document(chat_id, BufferedInputFile(data, name), caption=part.text, **options)
        elif part.file is not None:
            kind, file_id = part.file
            if kind == "photo":
                await self.bot.send_photo(chat_id, file_id, caption=part.text, **options)
            else:
                await self.bot.send_document(chat_id, file_id, caption=part.text, **options)
        else:
            assert part.text is not None
            await self.bot.send_message(chat_id, part.text, **options)

    # ----------------------------------------------------------------------- composition

    async def _compose(
        self, session: AsyncSession, item: OutboxDTO, recipient: EmployeeDTO | None
    ) -> list[Part]:
        if item.kind in HR_KINDS:
            notices = await hr_notice(
                session,
                self.profile,
                item.kind,
                item.ref_id,
                self.clock.today(),
                self.calendar,
                self.zone,
                self.clock.now(),
            )
        elif item.kind in CALIBRATION_KINDS:
            assert recipient is not None
            notices = await calibration_notice(session, self.profile, item.kind, item.ref_id, recipient)
        elif item.kind in QUARTERLY_KINDS:
            assert recipient is not None
            notices = await quarterly_notice(session, self.profile, item.kind, item.ref_id, recipient)
        elif item.kind == LEGACY_APPROVAL:  # to the authorised person's accounts
            notices = await approval_notice(
                session, item.ref_id, organisation=self.organisation, now=self.clock.now()
            )
        elif item.kind in LEGACY_KINDS:
            assert recipient is not None
            notices = await legacy_notice(
                session,
                item.kind,
                item.ref_id,
                recipient,
                self.calendar,
                organisation=self.organisation,
                now=self.clock.now(),
            )
        else:
            notices = None
        if notices is not None:
            if not notices:
                raise NothingToSend(
                    "the sheet is no longer open"
                    if item.kind in QUARTERLY_KINDS | LEGACY_KINDS | {LEGACY_APPROVAL}
                    else "nothing to report"
                )
            return [Part(n.text, n.markup, protect=n.confidential, document=n.document) for n in notices]
        assert recipient is not None, f"{item.kind} is for a person in the staff list"
        if item.kind == ROUND_STARTED:
            return await self._round_started(session, item.ref_id, recipient)
        if item.kind in (REPORT_360, REPORT_AGAIN):
            return await self._report(session, item.ref_id, again=item.kind == REPORT_AGAIN)
        if item.kind in REMINDER_KINDS:
            return await self._deadline_reminder(session, item.ref_id, recipient)
        if item.kind == BROADCAST:
            broadcast = await self._broadcast(session, item.ref_id)
            if broadcast.kind == REMINDER:
                return await self._reminder(session, broadcast, recipient)
            return message_parts(broadcast)
        raise ValueError(f"unknown outbox kind {item.kind!r}")

    async def _render(self, part: Part) -> Part:
        if part.chart is None:
            return part
        return replace(part, chart=None, photo=await asyncio.to_thread(report_chart, part.chart))

    async def _round_started(
        self, session: AsyncSession, campaign_id: int, recipient: EmployeeDTO
    ) -> list[Part]:
        campaign = await CampaignRepo(session).get(campaign_id)
        assert campaign is not None
        tasks = [
            t
            for t in await QuestionnaireService(session, self.profile).open_tasks(recipient)
            if t.task.campaign.id == campaign_id
        ]
        text = "\n\n".join(
            [
                _("A 360 evaluation round for {year} has started.").format(year=campaign.year),
                ngettext(
                    "You have {count} questionnaire to fill by {deadline}.",
                    "You have {count} questionnaires to fill by {deadline}.",
                    len(tasks),
                ).format(count=len(tasks), deadline=format_date(campaign.deadline)),
                _("Answers about colleagues are anonymous: nobody sees who answered what."),
            ]
        )
        return [Part(text, _tasks_button())]

    async def _report(self, session: AsyncSession, subject_id: int, *, again: bool) -> list[Part]:
        """The 360 report, with "I have read it" under its last message (clause 11)."""
        subject = await session.get(CampaignSubject, subject_id)
        assert subject is not None
        if again and subject.acknowledged_at is not None:
            raise NothingToSend("read meanwhile")
        results = await campaign_results(session, self.profile, subject.campaign_id, subject_id=subject_id)
        item = results[0]
        text = report_text(item, self.profile.min_respondents)
        if again:
            text = _("Reminder: please read your result and confirm with the button below.") + "\n\n" + text
        parts = [Part(text, protect=True)]
        if not item.result.withheld:
            caption = _("Radar chart: colleagues' average and your self-assessment.")
            parts.append(Part(caption, chart=item, protect=True))
        parts[-1] = replace(parts[-1], markup=report_markup(subject_id, acknowledged=False))
        return parts

    async def _broadcast(self, session: AsyncSession, broadcast_id: int) -> BroadcastDTO:
        if broadcast_id not in self._broadcasts:
            found = await BroadcastRepo(session).get(broadcast_id)
            if found is None:
                raise NothingToSend(f"broadcast {broadcast_id} does not exist")
            self._broadcasts[broadcast_id] = found
        return self._broadcasts[broadcast_id]

    async def _reminder(
        self, session: AsyncSession, broadcast: BroadcastDTO, recipient: EmployeeDTO
    ) -> list[Part]:
        """HR's "remind the unfinished": the same message as the deadline reminders."""
        if broadcast.audience_campaign_id is None:
            raise NothingToSend("the round is no longer running")
        return await self._deadline_reminder(session, broadcast.audience_campaign_id, recipient)

    async def _deadline_reminder(
        self, session: AsyncSession, campaign_id: int, recipient: EmployeeDTO
    ) -> list[Part]:
        """A deadline reminder, composed when it is due: nothing if the work is done."""
        campaign = await CampaignRepo(session).get(campaign_id)
        if campaign is None or campaign.status != "running":
            raise NothingToSend("the round is no longer running")
        if campaign.kind == "360":
            count = await BroadcastRepo(session).unfinished_count(campaign.id, recipient.id)
            if count == 0:
                raise NothingToSend("every questionnaire was submitted meanwhile")
            return [Part(reminder_text(count, campaign.year, campaign.deadline), _tasks_button(), plain=True)]
        notice = await sheets_reminder(session, campaign, recipient)
        if notice is None:
            raise NothingToSend("every sheet was submitted meanwhile")
        return [Part(notice.text, notice.markup)]

    # -------------------------------------------------------------------------- progress

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(self.progress_interval)
            try:
                await self._show_progress()
            except Exception:
                log.exception("broadcast progress could not be shown")

    async def _show_progress(self) -> None:
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
            hold = FINAL_HOLD if counts.pending == 0 else self.progress_interval
            if not await self.gate.claim(f"progress:{broadcast.id}:{counts.pending == 0}", hold):
                continue
            with in_locale(self.i18n, locale):
                if counts.pending == 0:
                    await self._show(broadcast, done_text(counts), final=True)
                    async with self.sessionmaker.begin() as session:
                        if await BroadcastRepo(session).mark_done(broadcast.id, self.clock.now()):
                            log.info("broadcast %s done: %s", broadcast.id, counts)
                    self._progress_shown.pop(broadcast.id, None)
                    self._broadcasts.pop(broadcast.id, None)
                else:
                    await self._show(broadcast, progress_text(counts), final=False)

    async def _author_locale(self, session: AsyncSession, broadcast: BroadcastDTO) -> str:
        author = broadcast.author_telegram_id
        employee = await EmployeeRepo(session).by_telegram_id(author) if author is not None else None
        return (employee.locale if employee else None) or self.i18n.default_locale

    async def _show(self, broadcast: BroadcastDTO, text: str, *, final: bool) -> None:
        chat_id, message_id = broadcast.progress_chat_id, broadcast.progress_message_id
        if chat_id is None or message_id is None:
            return
        shown = self._progress_shown.get(broadcast.id)
        if shown is not None and (
            shown[1] == text or (not final and time.monotonic() - shown[0] < self.progress_interval * 0.9)
        ):
            return
        for _try in range(3 if final else 1):  # the totals are worth a retry after a 429
            try:
                async with self._slot(chat_id):
                    await self.bot.edit_message_text(
                        text=text, chat_id=chat_id, message_id=message_id, parse_mode=None
                    )
            except TelegramRetryAfter as exc:
                await self.limiter.pause(exc.retry_after)
                continue
            except TelegramBadRequest as exc:
                if "not modified" not in exc.message:
                    log.warning("broadcast %s: progress not shown: %s", broadcast.id, exc.message)
                    if final:  # the message is gone (HR deleted it): the totals still reach HR
                        await self._send_anew(chat_id, text)
            except TelegramAPIError as exc:
                log.warning("broadcast %s: progress not shown: %s", broadcast.id, exc)
            self._progress_shown[broadcast.id] = (time.monotonic(), text)
            return

    async def _send_anew(self, chat_id: int, text: str) -> None:
        try:
            async with self._slot(chat_id):
                await self.bot.send_message(chat_id, text, parse_mode=None)
        except TelegramAPIError as exc:
            log.warning("broadcast totals not sent: %s", exc)

    @asynccontextmanager
    async def _slot(self, chat_id: int) -> AsyncIterator[None]:
        """A paced turn for one request outside the queue (HR's progress message)."""
        async with self.chats.turn(chat_id):
            await self.chats.ready(chat_id)
            await self.limiter.acquire()
            try:
                yield
            finally:
                await self.chats.used(chat_id)


def _tasks_button() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=_("📋 My questionnaires"), callback_data=TasksCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def reminder_text(count: int, year: int, deadline: date) -> str:
    return ngettext(
        "Reminder: you have {count} unfinished questionnaire in the 360 evaluation {year}; "
        "the deadline is {deadline}.",
        "Reminder: you have {count} unfinished questionnaires in the 360 evaluation {year}; "
        "the deadline is {deadline}.",
        count,
    ).format(count=count, year=year, deadline=format_date(deadline))


def message_parts(broadcast: BroadcastDTO) -> list[Part]:
    """HR's message as Telegram messages: the text as the file's caption when it fits,
    else the text first and the file right after it."""
    text = broadcast.text
    if broadcast.attachment_kind is None or broadcast.attachment_file_id is None:
        if not text:
            raise NothingToSend(f"broadcast {broadcast.id} has neither a text nor an attachment")
        return [Part(text, plain=True)]
    file = (broadcast.attachment_kind, broadcast.attachment_file_id)
    if text is None or _utf16_len(text) <= CAPTION_LIMIT:
        return [Part(text, file=file, plain=True)]
    return [Part(text, plain=True), Part(file=file, plain=True)]


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
