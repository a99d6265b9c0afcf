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
* **Composition.** Each row is composed by the feature that owns its kind
  (bot/infra/notices.py); this module knows no feature. What a feature shows while a run is
  sending (a broadcast's progress, bot/broadcasts/progress.py) is called every
  PROGRESS_INTERVAL seconds (:meth:`OutboxDelivery.while_sending`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.i18n import in_locale, pick_locale
from bot.infra.notices import NothingToSend, NoticeContext, Part, compose
from bot.infra.scaleout import SharedBudget
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from storage.dto import EmployeeDTO, OutboxDTO
from storage.outbox import OutboxRepo
from storage.roles import AccountRepo
from storage.staff.employees import EmployeeRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # tries of one row against network errors and Telegram's 5xx
# Far longer than a row stays claimed (5 tries with back-off, a flood-control pause): a row
# "sending" for longer belongs to an instance that died.
STALE_CLAIM = timedelta(minutes=10)
STALE_CHECK_SECONDS = 60.0
CHAT_INTERVAL = 1.0  # seconds between two requests to the same chat
PROGRESS_INTERVAL = 2.0  # seconds between two edits of HR's progress message
STOP_TIMEOUT = 30.0  # how long stop() lets sends in flight finish
_FEED_INTERVAL = 0.1  # how often the claimer looks at the local queue
T = TypeVar("T")


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    RELEASED = "released"  # not sent: back in the queue


@dataclass(frozen=True, slots=True)
class Claimed:
    item: OutboxDTO
    recipient: EmployeeDTO | None
    account_locale: str | None = None  # the language an HR account outside the staff list chose


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
        organisation: str = "",
        concurrency: int | None = None,
        chat_interval: float = CHAT_INTERVAL,
        progress_interval: float = PROGRESS_INTERVAL,
        bulk_kinds: tuple[str, ...] = (),
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
        # Enough requests in flight for the rate even at a second of latency per request.
        self.concurrency = concurrency or max(4, math.ceil(rate_per_second))
        # About half a second's worth: enough to keep the workers busy, and what a crash can
        # leave "interrupted" stays small (see storage/outbox.py).
        self.claim_size = max(10, math.ceil(rate_per_second / 2))
        self.progress_interval = progress_interval
        self.bulk_kinds = bulk_kinds  # sent after every other kind due (bulk broadcasts)
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._current: asyncio.Task[Any] | None = None
        self._background: asyncio.Task[int] | None = None
        self._in_flight = 0
        self._memo: dict[Any, Any] = {}  # the composers' (see NoticeContext.memo)
        self._while_sending: list[Callable[[], Awaitable[None]]] = []
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
        await self._show_while_sending()  # once more at the end: the totals
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
                limit, now=self.clock.now(), later_kinds=self.bulk_kinds, by=self.instance
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
        # The rule the screens follow (bot.infra.i18n.pick_locale): one language per person.
        locale = pick_locale(recipient, None, self.i18n.default_locale, entry.account_locale)
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
        context = NoticeContext(
            session,
            self.profile,
            self.clock,
            self.calendar,
            self.zone,
            self.organisation,
            recipient,
            self._memo,
        )
        return await compose(context, item)

    async def _render(self, part: Part) -> Part:
        if part.draw is None:
            return part
        return replace(part, draw=None, photo=await asyncio.to_thread(part.draw))

    # ------------------------------------------------------------------ while sending

    def while_sending(self, show: Callable[[], Awaitable[None]]) -> None:
        """Call ``show`` every ``progress_interval`` seconds while a run is sending (a
        feature's progress display, e.g. a broadcast's: bot/broadcasts/progress.py)."""
        self._while_sending.append(show)

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(self.progress_interval)
            await self._show_while_sending()

    async def _show_while_sending(self) -> None:
        for show in self._while_sending:
            try:
                await show()
            except Exception:
                log.exception("progress could not be shown")

    async def pause(self, seconds: float) -> None:
        """Pause every send of the bot (Telegram's flood control asked for it)."""
        await self.limiter.pause(seconds)

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """A paced turn for one request outside the queue (HR's progress message)."""
        async with self.chats.turn(chat_id):
            await self.chats.ready(chat_id)
            await self.limiter.acquire()
            try:
                yield
            finally:
                await self.chats.used(chat_id)
