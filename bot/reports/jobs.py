"""Long report jobs (a round's ZIP of result PDFs) run beside the updates, not inside one.

Inside an update the job would hold the update's transaction, and on SQLite the database's
one connection, for as long as the PDFs take: everyone else's answers would wait behind it
even with the rendering in worker processes (issue 20). So HR's press only starts the job;
the job reads the results in a session of its own, says at once how many reports it is
preparing, builds the PDFs in worker processes (bot/infra/workers.py), editing that message
at most every PROGRESS_INTERVAL seconds with a progress bar, then writes the download to the
audit log and sends the file.

Two presses of the same button make one job: the guard is in this process's memory, keyed by
round, unit and person. It does not survive a restart, and several instances (Redis) each
keep their own (docs/heavy-work.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.formatting import progress_bar
from bot.infra.i18n import in_locale
from bot.infra.workers import Workers
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.reports.files import closed_results
from bot.staff.access import Actor, audit
from bot.survey360.archive import archive_members, pack_archive
from bot.survey360.result_pdf import build_person_pdf
from bot.survey360.results import SubjectResult
from bot.survey360.rounds import CampaignError

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 2.0  # seconds between two edits of the progress message


@dataclass(frozen=True, slots=True)
class ArchiveRequest:
    campaign_id: int
    unit: str | None  # None: the whole round
    chat_id: int
    actor: Actor
    locale: str

    @property
    def key(self) -> tuple[int, str | None, int | None]:
        return self.campaign_id, self.unit, self.actor.telegram_user_id


class ReportJobs:
    """The report jobs running in this process."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        workers: Workers,
        i18n: I18n,
        profile: Profile,
        clock: Clock,
        *,
        progress_interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.sessionmaker, self.workers, self.i18n = sessionmaker, workers, i18n
        self.profile, self.clock, self.progress_interval = profile, clock, progress_interval
        self._running: dict[tuple[int, str | None, int | None], asyncio.Task[None]] = {}

    def start_archive(self, bot: Bot, request: ArchiveRequest) -> bool:
        """Start building the archive; False if the same one is being built for this person."""
        if request.key in self._running:
            return False
        # A context of its own: the job is no part of the update that started it (whose
        # replies wait for its commit, bot/infra/middlewares.py).
        task = asyncio.create_task(self._archive(bot, request), context=contextvars.Context())
        self._running[request.key] = task
        task.add_done_callback(lambda _: self._running.pop(request.key, None))
        return True

    async def idle(self) -> None:
        """Wait for the running jobs (tests)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def stop(self) -> None:
        for task in self._running.values():
            task.cancel()
        await self.idle()

    async def _archive(self, bot: Bot, request: ArchiveRequest) -> None:
        with in_locale(self.i18n, request.locale):
            try:
                await self._build_and_send(bot, request)
            except CampaignError:
                await bot.send_message(request.chat_id, _("Reports exist for closed rounds only."))
            except Exception:
                log.exception("the archive of round %s could not be built", request.campaign_id)
                await bot.send_message(
                    request.chat_id, _("Sorry, the reports could not be prepared. Please try again later.")
                )

    async def _build_and_send(self, bot: Bot, request: ArchiveRequest) -> None:
        async with self.sessionmaker() as session:
            results = [
                r
                for r in await closed_results(session, self.profile, request.campaign_id)
                if request.unit in (None, r.subject.employee.unit)
            ]
        if not results:
            raise CampaignError(f"nobody is evaluated in round {request.campaign_id}")
        members = archive_members(results)
        progress = _Progress(bot, request.chat_id, len(members), self.progress_interval)
        await progress.begin()
        pdfs = await self._pdfs(members, progress)
        data = await self.workers.run(
            pack_archive, [(name, when, pdf) for (name, when, _), pdf in zip(members, pdfs, strict=True)]
        )
        name = f"360-{results[0].campaign.year}-round-{request.campaign_id}.zip"
        # Every download of results is written to the audit log before the file leaves.
        async with self.sessionmaker.begin() as session:
            await audit(
                session,
                request.actor,
                "report.download",
                "campaign",
                request.campaign_id,
                at=self.clock.now(),
                details={"file": name},
            )
        await progress.show(len(members), force=True)
        await bot.send_document(request.chat_id, BufferedInputFile(data, filename=name), protect_content=True)

    async def _pdfs(
        self, members: Sequence[tuple[str, datetime, SubjectResult]], progress: _Progress
    ) -> list[bytes]:
        # A few jobs queued per process keeps them busy; handing all of them over at once
        # would pickle every person's results in one go, on the event loop.
        in_flight = asyncio.Semaphore(self.workers.size * 2)
        done = 0

        async def one(item: SubjectResult, when: datetime) -> bytes:
            nonlocal done
            async with in_flight:
                pdf = await self.workers.run(build_person_pdf, item, self.profile, created_at=when)
            done += 1
            await progress.show(done)
            return pdf

        return list(await asyncio.gather(*(one(item, when) for _, when, item in members)))


class _Progress:
    """ "Preparing N reports" in HR's chat, edited at most once per interval."""

    def __init__(self, bot: Bot, chat_id: int, total: int, interval: float) -> None:
        self.bot, self.chat_id, self.total, self.interval = bot, chat_id, total, interval
        self.message_id: int | None = None
        self.shown_at = 0.0

    def _text(self, done: int) -> str:
        return _("Preparing {total} reports: {done} done.\n{bar}").format(
            total=self.total, done=done, bar=progress_bar(done, self.total)
        )

    async def begin(self) -> None:
        self.message_id = (await self.bot.send_message(self.chat_id, self._text(0))).message_id
        self.shown_at = time.monotonic()

    async def show(self, done: int, *, force: bool = False) -> None:
        if self.message_id is None or (not force and time.monotonic() - self.shown_at < self.interval):
            return
        self.shown_at = time.monotonic()  # before the edit: the other PDFs finishing meanwhile skip
        # Not modified, or deleted by the person: the file comes all the same.
        with contextlib.suppress(TelegramBadRequest):
            await self.bot.edit_message_text(
                self._text(done), chat_id=self.chat_id, message_id=self.message_id
            )
