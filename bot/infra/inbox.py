"""No update lost, none handled twice: the transactional inbox.

aiogram's long polling asks Telegram for the next batch (which confirms the previous one)
while the updates of the previous batch are still being handled, so a crash lost them: 81 of
5,152 updates across 41 SIGKILLs. Here every update is stored in the database (``update_inbox``)
before Telegram is told it arrived, the next getUpdates offset or the webhook's 200, and a
worker hands the stored updates to the dispatcher. The update's row is deleted in the
transaction that handles it (bot/infra/middlewares.py), so it is handled whole exactly once: a crash
before the commit leaves it in the inbox, and it is handled at the next start; a crash after
leaves it handled; a repeated delivery finds it handled (the update log).

Each person's updates are handled one at a time, in the order Telegram numbered them; different
people's at once. With several instances (webhook mode, bot/infra/scaleout.py), an instance serves a
person one of whose waiting updates it received, all of their waiting updates in order, or a
person whose oldest waiting update has waited longer than ``ORPHANED_AFTER`` (its instance
died). Two instances that take the same update wait for each other (the person's lock in Redis,
then the update's row), and the second finds it gone; so a person's update is handled only
after the older ones are.

When the database is down, updates cannot be stored: they are handed straight to the dispatcher
instead, whose answer tells the person the service is unavailable (and nothing is written), as
before the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.middlewares import FailedAfterReplying, InboxTicket
from storage.db import writes_first
from storage.inbox import InboxRepo, Pending, Received

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds a getUpdates long poll waits for updates
SWEEP_SECONDS = 1.0  # how often the worker looks for updates nobody woke it for
ORPHANED_AFTER = 5.0  # seconds before another instance's waiting update is taken over
BATCH = 500
RETRIES = 10  # tries of an update that fails for want of the database or of Telegram
BACKOFF_MAX = 30.0


def person_of(update: Update) -> int | None:
    """Whose update this is, for handling each person's updates in order: the sender, or the
    chat when there is none."""
    context = UserContextMiddleware.resolve_event_context(update)
    if context.user is not None:
        return context.user.id
    return context.chat.id if context.chat is not None else None


def received(update: Update) -> Received:
    return Received(
        update.update_id, person_of(update), update.model_dump_json(by_alias=True, exclude_unset=True)
    )


def cause_of(error: BaseException) -> BaseException:
    """What made the update fail (under ``FailedAfterReplying``, what the handler raised)."""
    if isinstance(error, FailedAfterReplying) and error.__cause__ is not None:
        return error.__cause__
    return error


class Inbox:
    """Stores updates and hands them to the dispatcher (see the module's docstring)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        instance: str,
        database_unavailable: Callable[[BaseException], bool],
        *,
        concurrency: int = 100,
    ) -> None:
        self.dispatcher, self.bot, self.sessionmaker, self.instance = dispatcher, bot, sessionmaker, instance
        self.database_unavailable = database_unavailable
        self._wake = asyncio.Event()
        self._people: dict[int | None, deque[Pending]] = {}  # person → their updates queued here
        self._tasks: dict[int | None, asyncio.Task[None]] = {}
        self._queued: set[int] = set()
        self._seen_at: dict[int, float] = {}  # another instance's update → when first seen
        self._failures: dict[int, int] = {}
        self._resting_until: dict[int | None, float] = {}
        self._slots = asyncio.Semaphore(concurrency)
        self._read_once = False  # the inbox has been read since start
        self._parsed: dict[int, Update] = {}  # updates queued as received, not read back

    # ------------------------------------------------------------------ receiving

    async def store(self, updates: Sequence[Update], *, sole_receiver: bool = False) -> bool:
        """Store the updates in one transaction; False if the database could not be reached,
        in which case they have been handed to the dispatcher directly (see the module's
        docstring). Anything else that goes wrong is raised: nothing was confirmed.

        ``sole_receiver``: no other instance receives updates (long polling: Telegram serves
        one getUpdates at a time), so once the inbox has been read at start, each person's
        updates stored before these are queued here already, and these join the queues
        without reading the inbox again."""
        rows = [received(u) for u in updates]
        try:
            async with self.sessionmaker.begin() as session:
                await writes_first(session)
                await InboxRepo(session).store(rows, self.instance)
        except Exception as error:
            if not self.database_unavailable(error):
                raise
            log.warning(
                "%d update(s) not stored, the database is unavailable (%s): handled directly",
                len(updates),
                type(error).__name__,
            )
            for update in updates:
                await self.dispatcher.feed_update(self.bot, update)
            return False
        if sole_receiver and self._read_once:
            self._enqueue(
                [Pending(r.update_id, r.person, self.instance, r.payload) for r in rows],
                {u.update_id: u for u in updates},
            )
        else:
            self._wake.set()
        return True

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling: each batch is stored before the next getUpdates confirms it."""
        allowed = self.dispatcher.resolve_used_update_types()
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed
                )
                if updates:
                    await self.store(updates, sole_receiver=True)
                    offset = updates[-1].update_id + 1
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                pause = min(BACKOFF_MAX, 0.5 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s): again in %.1f s", type(error).__name__, pause)
                await _sleep_unless(stop, pause)

    def transient(self, error: BaseException) -> bool:
        """A failure that trying again later can mend: the database or Telegram unreachable."""
        error = cause_of(error)
        return self.database_unavailable(error) or isinstance(
            error, TelegramNetworkError | TelegramServerError | TelegramRetryAfter
        )

    # ------------------------------------------------------------------ handling

    async def work(self, stop: asyncio.Event) -> None:
        """Hand the stored updates to the dispatcher until ``stop``; those in hand finish."""
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self._queue_pending()
                except Exception as error:  # the database away: try again at the next sweep
                    log.warning("the inbox could not be read (%s)", type(error).__name__)
                waking = asyncio.ensure_future(self._wake.wait())
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait(
                    {waking, stopping}, timeout=SWEEP_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                waking.cancel()
                stopping.cancel()
        finally:
            if self._tasks:
                await asyncio.wait(list(self._tasks.values()), timeout=10)
            for task in self._tasks.values():
                task.cancel()

    async def drain(self) -> None:
        """Handle everything waiting, and return when it is done (for tests)."""
        while True:
            await self._queue_pending()
            if not self._tasks:
                return
            await asyncio.gather(*self._tasks.values())

    async def _queue_pending(self) -> None:
        async with self.sessionmaker() as session:
            waiting = await InboxRepo(session).pending(BATCH)
        now = time.monotonic()
        of_person: dict[int | None, list[Pending]] = {}
        for row in waiting:
            of_person.setdefault(row.person, []).append(row)
        # What was handled meanwhile (here or elsewhere) is forgotten.
        ids = {row.update_id for row in waiting}
        self._seen_at = {u: at for u, at in self._seen_at.items() if u in ids}
        self._failures = {u: n for u, n in self._failures.items() if u in ids}
        self._resting_until = {p: at for p, at in self._resting_until.items() if at > now}
        for person, rows in of_person.items():
            if person in self._resting_until:
                continue
            if person in self._people or self._ours(rows, now):
                self._join(person, rows)
        self._read_once = True

    def _enqueue(self, rows: list[Pending], parsed: dict[int, Update]) -> None:
        """Queue updates just stored here (see ``store``); a person resting after a failure
        keeps theirs in the inbox, behind the one that failed, until the rest is over."""
        of_person: dict[int | None, list[Pending]] = {}
        for row in rows:
            of_person.setdefault(row.person, []).append(row)
        now = time.monotonic()
        for person, theirs in of_person.items():
            if self._resting_until.get(person, 0) > now:
                continue
            self._parsed.update((row.update_id, parsed[row.update_id]) for row in theirs)
            self._join(person, theirs)

    def _join(self, person: int | None, rows: list[Pending]) -> None:
        """Queue the person's updates after those queued already, serving them if nobody is."""
        queue = self._people.get(person)
        if queue is None:
            queue = self._people[person] = deque()
            self._tasks[person] = asyncio.create_task(self._serve(person, queue))
        for row in rows:
            if row.update_id not in self._queued:
                queue.append(row)
                self._queued.add(row.update_id)

    def _ours(self, rows: list[Pending], now: float) -> bool:
        """Whether this instance serves the person now: it received one of their waiting
        updates (the older ones, if another instance is handling them, are found handled when
        their turn comes here: their rows are locked until then), or the oldest has waited too
        long for the instance that received it, which must have died."""
        if any(row.received_by == self.instance for row in rows):
            return True
        return now - self._seen_at.setdefault(rows[0].update_id, now) >= ORPHANED_AFTER

    async def _serve(self, person: int | None, queue: deque[Pending]) -> None:
        try:
            while queue:
                row = queue[0]
                update_id = row.update_id
                async with self._slots:
                    try:
                        done = await self._handle(row)
                    except Exception as error:  # giving it up failed: the database away
                        log.warning("update %s: not handled (%s)", update_id, type(error).__name__)
                        self._failures[update_id] = self._failures.get(update_id, 0) + 1
                        done = False
                if not done:  # the person's later updates wait behind this one
                    failures = self._failures.get(update_id, 1)
                    self._resting_until[person] = time.monotonic() + min(BACKOFF_MAX, 2.0**failures)
                    break
                queue.popleft()
                self._queued.discard(update_id)
        finally:
            for left in queue:
                self._queued.discard(left.update_id)
                self._parsed.pop(left.update_id, None)
            queue.clear()
            self._people.pop(person, None)
            self._tasks.pop(person, None)

    async def _handle(self, row: Pending) -> bool:
        """Hand one stored update to the dispatcher; False if it is to be tried again later.
        Handled meanwhile (by another instance), it is found gone in the inbox and skipped."""
        update_id = row.update_id
        try:
            update = self._parsed.pop(update_id, None) or Update.model_validate_json(
                row.payload, context={"bot": self.bot}
            )
        except ValidationError:  # not an update this aiogram reads: it never will be
            await self._give_up(update_id, "unreadable")
            return True
        ticket = InboxTicket(update_id, attempts=self._failures.get(update_id, 0))
        try:
            await self.dispatcher.feed_update(self.bot, update, inbox_ticket=ticket)
        except Exception as raised:  # the error handler itself failed
            ticket.outcome, ticket.error = ticket.outcome or "failed", ticket.error or raised
        if ticket.outcome in ("handled", "skipped"):
            self._failures.pop(update_id, None)
            return True
        error = ticket.error
        failures = self._failures[update_id] = self._failures.get(update_id, 0) + 1
        if (error is None or self.transient(error)) and failures < RETRIES:
            log.warning("update %s: not handled (%s), to be tried again", update_id, type(error).__name__)
            return False
        # A fault in the bot: trying again would fail again. The person has been told, and
        # nothing of the update was kept; it leaves the inbox so that their next ones go on.
        await self._give_up(update_id, type(error).__name__)
        return True

    async def _give_up(self, update_id: int, why: str) -> None:
        self._failures.pop(update_id, None)
        async with self.sessionmaker.begin() as session:
            await InboxRepo(session).take(update_id)
        log.error("update %s: failed, given up (%s)", update_id, why)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def stop_on_signals(stop: asyncio.Event) -> list[signal.Signals]:
    """SIGINT and SIGTERM (systemd's stop) set ``stop``; the signals to release afterwards."""
    loop = asyncio.get_running_loop()
    signals = [signal.SIGINT, signal.SIGTERM]
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    return signals


async def run_polling(inbox: Inbox, stop: asyncio.Event) -> None:
    """Poll and work until ``stop``: a poll in progress is abandoned (its updates, if any,
    were not confirmed and come again), the updates in hand are finished."""
    worker = asyncio.create_task(inbox.work(stop))
    poller = asyncio.create_task(inbox.poll(stop))
    try:
        await stop.wait()
    finally:
        poller.cancel()
        await asyncio.gather(poller, return_exceptions=True)
        stop.set()
        await worker
