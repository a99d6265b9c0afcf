"""Long report jobs (a round's ZIP of result PDFs) run beside the updates, not inside one.

Inside an update the job would hold the update's transaction, and on SQLite the database's
one connection, for as long as the PDFs take: everyone else's answers would wait behind it
even with the rendering in worker processes (issue 20). So HR's press only records the job;
once that is committed the job reads the results in a session of its own, says at once how
many reports it is preparing, builds the PDFs in worker processes (bot/infra/workers.py),
editing that message at most every PROGRESS_INTERVAL seconds with a progress bar, then writes
the download to the audit log and sends the file.

Each job is a row of ``report_jobs`` (storage/reports.py):

* Two presses of the same button (round, unit, person) make one job, on any instance: the row
  holds a unique key while it runs.
* A job a restart cut short is not lost silently: at start the bot marks this instance's
  running jobs, and anyone's silent for STALE_AFTER, interrupted, and the outbox tells each
  person, in their language, that the report they asked for at 10:42 was interrupted and to
  press again. It does not run them again by itself: the person may no longer hold the right
  to results, and a job that brought the process down (memory) would do it again at each start.
* The ZIP is written to a temporary file as each PDF comes back from its worker, in the
  archive's order, with at most a few PDFs in memory at a time, sent from disk and deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import FSInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.formatting import progress_bar
from bot.infra.i18n import in_locale
from bot.infra.middlewares import after_commit
from bot.infra.workers import Workers
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.reports.files import closed_results
from bot.reports.rules import archive_name
from bot.staff.access import Actor, audit
from bot.survey360.archive import archive_members, write_member
from bot.survey360.result_pdf import build_person_pdf
from bot.survey360.results import SubjectResult
from bot.survey360.rounds import CampaignError
from storage.outbox import OutboxRepo
from storage.reports import ReportJobRepo

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 2.0  # seconds between two edits of the progress message
ZIP_360 = "zip360"  # the job's kind: a round's (or a unit's) 360 result PDFs
REPORT_INTERRUPTED = "report_interrupted"  # the outbox kind telling the person (notices.py)
# A running job records its progress at every edit, a few seconds apart; one silent this long
# belonged to an instance that died (a single PDF takes well under a second).
STALE_AFTER = timedelta(minutes=30)
KEEP_FINISHED = timedelta(days=30)  # finished jobs' rows; the downloads are in the audit log


@dataclass(frozen=True, slots=True)
class ArchiveRequest:
    campaign_id: int
    unit: str | None  # None: the whole round
    chat_id: int
    actor: Actor
    locale: str


def archive_caption(year: int, unit: str | None, count: int) -> str:
    """What the file is, under it in the chat (HTML)."""
    if unit is None:
        return _("All result reports of the 360 evaluation, {year} ({count} in all).").format(
            year=year, count=count
        )
    return _("Result reports of the unit «{unit}», 360 evaluation, {year} ({count} in all).").format(
        unit=escape(unit), year=year, count=count
    )


class ReportJobs:
    """The report jobs running in this process; their rows are shared with every instance."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        workers: Workers,
        i18n: I18n,
        profile: Profile,
        clock: Clock,
        *,
        instance: str = "main",
        progress_interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.sessionmaker, self.workers, self.i18n = sessionmaker, workers, i18n
        self.profile, self.clock, self.progress_interval = profile, clock, progress_interval
        self.instance = instance
        self._running: dict[int, asyncio.Task[None]] = {}

    async def request_archive(self, session: AsyncSession, bot: Bot, request: ArchiveRequest) -> bool:
        """Record the job in the update's transaction and start it once that commits; False if
        the same one is being built for this person (here or on another instance)."""
        if request.actor.telegram_user_id is None:
            raise ValueError("a report job is asked for by a Telegram account")
        job_id = await ReportJobRepo(session).start(
            ZIP_360,
            request.campaign_id,
            request.unit,
            requested_by=request.actor.telegram_user_id,
            chat_id=request.chat_id,
            locale=request.locale,
            instance=self.instance,
            now=self.clock.now(),
        )
        if job_id is None:
            return False
        after_commit(lambda: self._launch(bot, job_id, request))
        return True

    def _launch(self, bot: Bot, job_id: int, request: ArchiveRequest) -> None:
        # A context of its own: the job is no part of the update that started it (whose
        # replies wait for its commit, bot/infra/middlewares.py).
        task = asyncio.create_task(self._archive(bot, job_id, request), context=contextvars.Context())
        self._running[job_id] = task
        task.add_done_callback(lambda _: self._running.pop(job_id, None))

    async def recover_interrupted(self, *, at_start: bool = True) -> int:
        """Jobs a stopped process left running: marked interrupted and their people told (by
        the outbox, so that the message survives a crash too). At start this instance's own and
        stale ones; later (the scheduler) stale ones only."""
        now = self.clock.now()
        async with self.sessionmaker.begin() as session:
            repo = ReportJobRepo(session)
            jobs = await repo.interrupt(
                instance=self.instance if at_start else None, stale_before=now - STALE_AFTER, now=now
            )
            outbox = OutboxRepo(session)
            for job in jobs:
                await outbox.schedule_chats([job.chat_id], REPORT_INTERRUPTED, job.id, now)
            await repo.forget_finished(now - KEEP_FINISHED)
        if jobs:
            log.warning("%d report job(s) interrupted by a restart; their people are told", len(jobs))
        return len(jobs)

    async def idle(self) -> None:
        """Wait for the running jobs (tests)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel the running jobs; their rows stay running, and the next start tells."""
        for task in self._running.values():
            task.cancel()
        await self.idle()

    async def _archive(self, bot: Bot, job_id: int, request: ArchiveRequest) -> None:
        status = "failed"
        with in_locale(self.i18n, request.locale):
            try:
                await self._build_and_send(bot, job_id, request)
                status = "done"
            except CampaignError:
                await self._tell(bot, request, _("Reports exist for closed rounds only."))
            except Exception:
                log.exception("the archive of round %s could not be built", request.campaign_id)
                await self._tell(
                    bot, request, _("Sorry, the reports could not be prepared. Please try again later.")
                )
        # Not on cancellation (the bot stopping): the row stays running, for the next start.
        async with self.sessionmaker.begin() as session:
            await ReportJobRepo(session).finish(job_id, status, self.clock.now())

    @staticmethod
    async def _tell(bot: Bot, request: ArchiveRequest, text: str) -> None:
        """A failure, said once; Telegram failing too must not leave the job's row running."""
        try:
            await bot.send_message(request.chat_id, text)
        except Exception:
            log.warning(
                "could not tell the requester of round %s's archive that it failed", request.campaign_id
            )

    async def _build_and_send(self, bot: Bot, job_id: int, request: ArchiveRequest) -> None:
        async with self.sessionmaker() as session:
            results = [
                r
                for r in await closed_results(session, self.profile, request.campaign_id)
                if request.unit in (None, r.subject.employee.unit)
            ]
        if not results:
            raise CampaignError(f"nobody is evaluated in round {request.campaign_id}")
        members = archive_members(results)
        total = len(members)

        async def record(done: int, message_id: int | None) -> None:
            async with self.sessionmaker.begin() as session:
                await ReportJobRepo(session).progress(
                    job_id, done=done, total=total, message_id=message_id, now=self.clock.now()
                )

        progress = _Progress(bot, request.chat_id, total, self.progress_interval, record)
        await progress.begin()
        year = results[0].campaign.year
        name = archive_name(year, request.unit, request.locale)
        del results  # the members hold what the PDFs need
        with tempfile.TemporaryDirectory(prefix="bagalau-report-") as folder:
            path = Path(folder) / name
            await self._write_archive(path, members, progress)
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
            await progress.show(total, force=True)
            await bot.send_document(
                request.chat_id,
                FSInputFile(path, filename=name),
                caption=archive_caption(year, request.unit, total),
                protect_content=True,
            )

    async def _write_archive(
        self, path: Path, members: Sequence[tuple[str, datetime, SubjectResult]], progress: _Progress
    ) -> None:
        """Each PDF into the ZIP on disk as it comes, in the archive's order. A few are drawn at
        once per worker process, no more: handing all of them over would pickle every person's
        results in one go, on the event loop, and keep every finished PDF in memory."""
        window = self.workers.size * 2
        drawing: deque[tuple[str, datetime, asyncio.Task[bytes]]] = deque()
        queued = iter(members)
        done = 0
        try:
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                while True:
                    while len(drawing) < window and (member := next(queued, None)) is not None:
                        name, when, item = member
                        pdf = self.workers.run(build_person_pdf, item, self.profile, created_at=when)
                        drawing.append((name, when, asyncio.ensure_future(pdf)))
                    if not drawing:
                        break
                    name, when, task = drawing.popleft()
                    # Deflating is C code that lets go of the GIL: in a thread, the loop goes on.
                    await asyncio.to_thread(write_member, archive, name, when, await task)
                    done += 1
                    await progress.show(done)
        finally:
            for _name, _when, task in drawing:
                task.cancel()


class _Progress:
    """ "Preparing N reports" in HR's chat, edited at most once per interval, each edit also
    recorded on the job's row (its sign of life)."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        total: int,
        interval: float,
        record: Callable[[int, int | None], Awaitable[None]],
    ) -> None:
        self.bot, self.chat_id, self.total, self.interval = bot, chat_id, total, interval
        self.record = record
        self.message_id: int | None = None
        self.shown_at = 0.0

    def _text(self, done: int) -> str:
        return _("Preparing {total} reports: {done} done.\n{bar}").format(
            total=self.total, done=done, bar=progress_bar(done, self.total)
        )

    async def begin(self) -> None:
        self.message_id = (await self.bot.send_message(self.chat_id, self._text(0))).message_id
        self.shown_at = time.monotonic()
        await self.record(0, self.message_id)

    async def show(self, done: int, *, force: bool = False) -> None:
        if self.message_id is None or (not force and time.monotonic() - self.shown_at < self.interval):
            return
        self.shown_at = time.monotonic()
        # Not modified, or deleted by the person: the file comes all the same.
        with contextlib.suppress(TelegramBadRequest):
            await self.bot.edit_message_text(
                self._text(done), chat_id=self.chat_id, message_id=self.message_id
            )
        await self.record(done, self.message_id)
