"""The composition root: settings → engine, i18n, bot, dispatcher, scheduler.

``python -m bot run`` and the tests build the application through these same factories;
there is no module-level bot or dispatcher anywhere.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram import methods as aiogram_methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import ErrorEvent, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from redis.asyncio import Redis
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

# Each feature's notices module registers the outbox kinds it composes (bot/infra/notices.py).
from bot.broadcasts import notices as _broadcast_notices  # noqa: F401
from bot.broadcasts.progress import BroadcastProgress
from bot.calibration import notices as _calibration_notices  # noqa: F401
from bot.calibration.service import close_sessions
from bot.deadlines import notices as _deadline_notices  # noqa: F401
from bot.deadlines.keeper import plan_reminders
from bot.help.menus import refresh_all_role_menus, set_profile
from bot.infra.config import Settings
from bot.infra.dialogs import setup_wizards
from bot.infra.i18n import LocaleMiddleware, create_i18n, in_locale, pick_locale
from bot.infra.inbox import Inbox, cause_of, run_polling, stop_on_signals
from bot.infra.middlewares import (
    DbSessionMiddleware,
    FailedAfterReplying,
    InboxTicket,
    SendAfterCommit,
    SenderMiddleware,
)
from bot.infra.outbox import CHAT_INTERVAL, OutboxDelivery
from bot.infra.scaleout import JobGate, SharedBudget, connect_redis, conversation_state
from bot.infra.watchdog import LoopWatchdog
from bot.infra.webhook import serve_webhook
from bot.infra.workers import Workers
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.methodology import Profile, load_profile
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018 import notices as _legacy_notices  # noqa: F401
from bot.quarterly import notices as _quarterly_notices  # noqa: F401
from bot.reports import notices as _report_notices  # noqa: F401
from bot.reports.jobs import ReportJobs
from bot.retention.purge import purge_expired
from bot.staff.access import COMMAND_LINE
from bot.survey360 import notices as _survey360_notices  # noqa: F401
from handlers import create_routers, create_wizard_router
from storage.broadcasts import BROADCAST
from storage.db import create_engine, create_sessionmaker
from storage.survey360.ballots import BallotKeys

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What every part of the application shares, built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    profile: Profile
    clock: Clock
    calendar: WorkCalendar
    # Worker processes for CPU work, and the long report jobs run on them (docs/heavy-work.md).
    workers: Workers
    report_jobs: ReportJobs
    redis: Redis | None = None  # REDIS_URL: shared by several instances (bot/infra/scaleout.py)
    gate: JobGate = field(default_factory=lambda: JobGate(None))
    # Seconds between two messages to one chat (Telegram's limit). Only tests pass another
    # value: a conversation test would otherwise wait out a second per message it delivers.
    chat_interval: float = CHAT_INTERVAL


def create_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    chat_interval: float = CHAT_INTERVAL,
    workers: Workers | None = None,
) -> Runtime:
    """The bot's parts from its settings. ``workers``: a pool of worker processes the caller
    owns and stops (the tests share one between their bots); by default the runtime's own."""
    # hide_parameters: SQL errors in logs never carry names, phones or answers.
    engine = engine or create_engine(settings.database_url, hide_parameters=True)
    redis = connect_redis(settings.redis_url)
    # Without the secret the bot cannot seal answers: it stops here, saying so.
    sessionmaker = create_sessionmaker(engine, ballot_secret=_ballot_secret(settings))
    i18n = create_i18n(settings.default_locale)
    profile = load_profile(settings.methodology_profile)
    clock = clock or SystemClock(settings.zone)
    # No process is started before the first job.
    workers = workers or Workers(settings.default_locale)
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        i18n=i18n,
        profile=profile,
        clock=clock,
        calendar=settings.calendar,
        workers=workers,
        report_jobs=ReportJobs(sessionmaker, workers, i18n, clock, instance=settings.instance_name),
        redis=redis,
        gate=JobGate(redis, settings.instance_name),
        chat_interval=chat_interval,
    )


def _ballot_secret(settings: Settings) -> str:
    secret = settings.ballot_secret.get_secret_value() if settings.ballot_secret else None
    BallotKeys(secret)  # raises MissingBallotSecretError, with what to do, when absent or short
    assert secret is not None
    return secret


# aiogram reads every Bot API answer through ``Response[T]``, a pydantic generic model built on
# first use and kept by pydantic only weakly. Its classes sit in reference cycles, so each
# garbage collection drops them and the next answer builds the model again, schema and all:
# in bench/answering.py that was a tenth of the bot's time. Holding them keeps them built.
_RESPONSE_MODELS = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in vars(aiogram_methods).values()
    if isinstance(method, type) and issubclass(method, TelegramMethod) and method is not TelegramMethod
)


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    """A Bot talking to the configured Bot API server (official, local, or a test stand-in);
    tests may pass a session of their own."""
    session = session or AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(SendAfterCommit())
    return Bot(
        settings.require_token(), session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )


def create_dispatcher(runtime: Runtime) -> Dispatcher:
    storage, isolation = conversation_state(runtime.redis)
    dispatcher = Dispatcher(
        storage=storage,
        # One update at a time per person: a tap on the message a typed answer has just
        # brought waits until that message is recorded as the sheet's live one, instead of
        # racing it and being refused as out of date.
        events_isolation=isolation,
        profile=runtime.profile,
        clock=runtime.clock,
        calendar=runtime.calendar,
        settings=runtime.settings,
        error_i18n=runtime.i18n,
        workers=runtime.workers,
        report_jobs=runtime.report_jobs,
    )
    dispatcher.update.outer_middleware(DbSessionMiddleware(runtime.sessionmaker))
    dispatcher.update.outer_middleware(SenderMiddleware())
    dispatcher.update.outer_middleware(LocaleMiddleware(runtime.i18n))
    # The wizards (aiogram-dialog, docs/dialogs.md) on a router of their own, under the
    # update middlewares above: one transaction, the sender and the language hold for them too.
    wizards = create_wizard_router()
    setup_wizards(wizards, events_isolation=isolation)
    dispatcher.include_routers(*create_routers(wizards))
    dispatcher.errors.register(on_error)
    return dispatcher


def database_unavailable(exception: BaseException) -> bool:
    """The database cannot be reached (stopped, restarting, the network to it down), as opposed
    to a fault in the bot: the driver's connection errors, which SQLAlchemy wraps or not."""
    if isinstance(exception, DBAPIError):
        return exception.connection_invalidated or isinstance(exception, OperationalError | InterfaceError)
    return isinstance(exception, OSError | TimeoutError)


async def on_error(event: ErrorEvent, error_i18n: I18n, inbox_ticket: InboxTicket | None = None) -> bool:
    """Log what failed without personal data, and tell the person something went wrong: that
    the service is unavailable for a while when the database is (nothing of theirs was lost,
    since an update is stored whole or not at all), else that something failed, and that what
    the screen showed was not kept when the bot had already replied. An update the inbox tries
    again (bot/infra/inbox.py) is apologised for once. Runs outside the update's middlewares, so it
    sets the language itself."""
    cause = cause_of(event.exception)
    unavailable = database_unavailable(cause)
    if unavailable:
        log.warning(
            "update %s: the database is unavailable (%s)",
            event.update.update_id,
            type(cause).__name__,
        )
    else:
        log.error(
            "update %s failed: %s",
            event.update.update_id,
            type(cause).__name__,
            exc_info=(type(cause), cause, cause.__traceback__),
        )
    if inbox_ticket is not None and inbox_ticket.attempts > 0:
        return True
    user: User | None = getattr(event.update.event, "from_user", None)
    with in_locale(error_i18n, pick_locale(None, user, error_i18n.default_locale)):
        if isinstance(event.exception, FailedAfterReplying):
            text = _(
                "Sorry, something went wrong, and what you just did was not saved, whatever the "
                "screen shows. Please try again in a minute."
            )
        elif unavailable:
            text = _(
                "⏳ The service is temporarily unavailable. Everything you have answered so far is saved; "
                "please try again in a minute."
            )
        else:
            text = _("Sorry, something went wrong. Please try again in a minute.")
    try:
        if event.update.callback_query is not None:
            await event.update.callback_query.answer(text, show_alert=True)
        elif event.update.message is not None:
            await event.update.message.answer(text)
    except Exception:  # the reply is a courtesy; Telegram may be what failed
        log.warning("could not tell the user about the failed update %s", event.update.update_id)
    return True


def create_delivery(runtime: Runtime, bot: Bot) -> OutboxDelivery:
    delivery = OutboxDelivery(
        bot,
        runtime.sessionmaker,
        runtime.i18n,
        runtime.profile,
        runtime.clock,
        runtime.settings.outbox_rate_per_second,
        calendar=runtime.calendar,
        zone=runtime.settings.zone,
        instance=runtime.settings.instance_name,
        shared=SharedBudget(runtime.redis) if runtime.redis is not None else None,
        organisation=runtime.settings.organisation_name,
        chat_interval=runtime.chat_interval,
        bulk_kinds=(BROADCAST,),
    )
    progress = BroadcastProgress(
        bot,
        runtime.sessionmaker,
        runtime.i18n,
        runtime.clock,
        delivery,
        runtime.gate,
        delivery.progress_interval,
    )
    delivery.while_sending(progress.show)
    return delivery


def create_scheduler(runtime: Runtime, delivery: OutboxDelivery) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=runtime.settings.zone)
    # tick() starts a delivery run in the background and returns: a broadcast takes minutes.
    scheduler.add_job(
        delivery.tick,
        IntervalTrigger(seconds=runtime.settings.outbox_poll_seconds),
        id="outbox",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    # The planner only writes rows; it runs at start (next_run_time) and every 5 minutes, so a
    # round started from the command line or a moved deadline is picked up soon enough. With
    # several instances, one of them a period (bot/infra/scaleout.py).
    scheduler.add_job(
        partial(_gated, runtime, "keeper", KEEPER_PERIOD.total_seconds(), plan_reminders_now),
        IntervalTrigger(seconds=KEEPER_PERIOD.total_seconds()),
        id="reminders",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        next_run_time=datetime.now(runtime.settings.zone),
        # The run at start comes right after the start-up's work; on a busy machine the loop
        # may reach it more than APScheduler's default second late, which skipped it (and the
        # reminders waited for the next period).
        misfire_grace_time=None,
    )
    # Report jobs of an instance that died and stayed away: their people are told.
    scheduler.add_job(
        partial(runtime.report_jobs.recover_interrupted, at_start=False),
        IntervalTrigger(seconds=KEEPER_PERIOD.total_seconds()),
        id="report-jobs",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    # Clause 14: records past their keeping period go at night, when nobody is working.
    scheduler.add_job(
        partial(_gated, runtime, "retention", timedelta(hours=1).total_seconds(), purge_expired_now),
        CronTrigger(hour=2, minute=30, timezone=runtime.settings.zone),
        id="retention",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    return scheduler


KEEPER_PERIOD = timedelta(minutes=5)


async def _gated(
    runtime: Runtime, job: str, period_seconds: float, run: Callable[[Runtime], Awaitable[object]]
) -> None:
    if await runtime.gate.claim(job, period_seconds):
        await run(runtime)


async def purge_expired_now(runtime: Runtime) -> None:
    async with runtime.sessionmaker.begin() as session:
        await purge_expired(
            session, runtime.profile, today=runtime.clock.today(), now=runtime.clock.now(), actor=COMMAND_LINE
        )


async def plan_reminders_now(runtime: Runtime) -> int:
    """The deadline keeper's run: calibration sessions whose day has ended are decided, then the
    reminders still ahead are planned."""
    zone, now = runtime.settings.zone, runtime.clock.now()
    async with runtime.sessionmaker.begin() as session:
        await close_sessions(session, runtime.profile, zone, now=now, actor=COMMAND_LINE)
    async with runtime.sessionmaker.begin() as session:
        planned = await plan_reminders(session, runtime.profile, runtime.calendar, zone, now)
    # A count, nothing personal; also what a test that starts the bot waits for before its
    # first step, so that the reminders due at start are queued by then (tests/journeys).
    log.info("%s %d", REMINDERS_PLANNED, planned)
    return planned


REMINDERS_PLANNED = "reminders planned:"


async def set_menus(bot: Bot, runtime: Runtime) -> None:
    """The bot's profile and menus in every language, and each role holder's own menu."""
    await set_profile(bot, runtime.i18n)
    async with runtime.sessionmaker() as session:
        await refresh_all_role_menus(bot, session, runtime.i18n)


async def run_bot(settings: Settings) -> None:
    """Long-poll, or serve the webhook when WEBHOOK_URL is set, until stopped (SIGINT/SIGTERM),
    delivering the outbox meanwhile. Either way every update goes through the inbox
    (bot/infra/inbox.py): stored before Telegram is told it arrived, handled from there."""
    bot = create_bot(settings)
    runtime = create_runtime(settings)
    dispatcher = create_dispatcher(runtime)
    delivery = create_delivery(runtime, bot)
    scheduler = create_scheduler(runtime, delivery)
    inbox = create_inbox(runtime, dispatcher, bot)
    watchdog = LoopWatchdog(settings.loop_stall_ms / 1000) if settings.loop_stall_ms else None
    try:
        if watchdog is not None:
            watchdog.start()
        me = await bot.get_me()
        log.info("bot @%s starting", me.username)
        await set_menus(bot, runtime)
        await delivery.recover_interrupted()
        await runtime.report_jobs.recover_interrupted()  # queues notices: before the first run
        scheduler.start()
        # What start-up built (the profile, the routers, aiogram's and SQLAlchemy's caches)
        # lives as long as the process: kept out of the garbage collector's sight, so that its
        # full collections look only at what updates create. They walked the whole heap, up to
        # 0.4 s a time, every update waiting meanwhile (bench/answering.py).
        gc.collect()
        gc.freeze()
        if settings.webhook_url:
            await serve_webhook(settings, dispatcher, bot, runtime.engine, inbox)
        else:
            # Back from webhook mode: Telegram refuses getUpdates while a webhook is set.
            await bot.delete_webhook(drop_pending_updates=False)
            stop = asyncio.Event()
            signals = stop_on_signals(stop)
            try:
                await run_polling(inbox, stop)
            finally:
                for sig in signals:
                    asyncio.get_running_loop().remove_signal_handler(sig)
    finally:
        await runtime.report_jobs.stop()
        await delivery.stop()  # stops claiming; the sends in flight finish and are recorded
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await bot.session.close()
        await runtime.engine.dispose()
        if runtime.redis is not None:
            await runtime.redis.aclose()
        runtime.workers.shutdown()
        if watchdog is not None:
            watchdog.stop()


def create_inbox(runtime: Runtime, dispatcher: Dispatcher, bot: Bot) -> Inbox:
    return Inbox(dispatcher, bot, runtime.sessionmaker, runtime.settings.instance_name, database_unavailable)
