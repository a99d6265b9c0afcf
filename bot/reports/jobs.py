"""Report jobs (a round's ZIP of result PDFs, a round's workbook, one person's PDF, the
quarterly workbook and one quarterly sheet as PDF) run beside the updates, not inside one.

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
  The round's results are never read whole: first who is in it (names and units, for the
  members' order), then PAGE people's results at a time as the workers need them.
* A workbook or a single PDF is read in a short session, drawn in a worker process, audited
  and sent; the press was answered at once, and it has no progress to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import shutil
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, FSInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.formatting import progress_bar
from bot.infra.i18n import in_locale
from bot.infra.middlewares import after_commit
from bot.infra.workers import Shared, Workers
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.reports import files
from bot.reports.rules import archive_name, archive_part_name
from bot.staff.access import Actor, audit
from bot.survey360.archive import archive_plan, write_member
from bot.survey360.results import SubjectResult, report_created_at
from bot.survey360.rounds import CampaignError
from storage.outbox import OutboxRepo
from storage.reports import ReportJobRepo

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 2.0  # seconds between two edits of the progress message
# The jobs' kinds; each row's ``unit`` column names what in the round (``ReportRequest.target``).
ZIP_360 = "zip360"  # a round's (or a unit's) 360 result PDFs
XLSX_360 = "xlsx360"  # a 360 round's workbook
PDF_360 = "pdf360"  # one person's 360 result PDF (/report): the target is their employee id
XLSX_QUARTER = "xlsxquarter"  # a quarterly round's workbook
PDF_SHEET = "pdfsheet"  # one quarterly sheet as PDF: the target is the sheet's id
OF_360 = frozenset({ZIP_360, XLSX_360, PDF_360})
# People whose results a ZIP job reads at a time, each page in a short session of its own.
PAGE = 50
# A ZIP file's size at most: a bot may upload files of up to 50 MB (Bot API, sendDocument), and a
# ministry's reports are more (10,000 PDFs: over 51 MB, refused whole). Past this, the next
# report starts the next file; the margin is for the archive's directory and the upload's form.
PART_BYTES = 45 * 1024 * 1024
# A ZIP file goes up in pieces this large, each read from disk in a thread and written to the
# socket by the event loop: aiogram's 64 KiB made some 700 trips a file, twice the CPU of these
# 45 (one 48 MiB upload to the stand-in: 0.54 s against 0.26, docs/benchmarks.md).
UPLOAD_CHUNK_BYTES = 1024 * 1024
# ... and at most this fast (256 Mbit/s), faster than most state bodies' lines to Telegram. At
# full speed the 7 files of a 10,000-person round went up in about a second, and while they
# did Telegram (the stand-in, on the same machine) answered the bot's other calls in 15-30 ms
# instead of 2: on SQLite an update that replies with a new message holds the database until
# Telegram answers, so each waited for all those before it, and replies took up to 1.2 s.
# Paced, the same files take 10 s (a 300-person ZIP, 0.3 s more) and the replies meanwhile are
# as fast as with nothing going on (docs/benchmarks.md).
UPLOAD_BYTES_PER_SECOND = 32 * 1024 * 1024
REPORT_INTERRUPTED = "report_interrupted"  # the outbox kind telling the person (notices.py)
# A running job records its progress at every edit, a few seconds apart; one silent this long
# belonged to an instance that died (a single PDF takes well under a second).
STALE_AFTER = timedelta(minutes=30)
KEEP_FINISHED = timedelta(days=30)  # finished jobs' rows; the downloads are in the audit log


@dataclass(frozen=True, slots=True)
class ReportRequest:
    campaign_id: int
    # What in the round: a ZIP's unit (None: the whole round), PDF_360's employee id,
    # PDF_SHEET's sheet id; None for the workbooks.
    target: str | None
    chat_id: int
    actor: Actor
    locale: str
    kind: str = ZIP_360


def archive_caption(year: int, unit: str | None, count: int, part: int = 1, parts: int = 1) -> str:
    """What the file is, under it in the chat (HTML); which part, when the reports come in
    several files (PART_BYTES)."""
    if unit is None:
        caption = _("All result reports of the 360 evaluation, {year} ({count} in all).").format(
            year=year, count=count
        )
    else:
        caption = _("Result reports of the unit «{unit}», 360 evaluation, {year} ({count} in all).").format(
            unit=escape(unit), year=year, count=count
        )
    if parts > 1:
        caption += "\n" + _("File {part} of {parts}.").format(part=part, parts=parts)
    return caption


class ReportJobs:
    """The report jobs running in this process; their rows are shared with every instance."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        workers: Workers,
        i18n: I18n,
        clock: Clock,
        *,
        instance: str = "main",
        progress_interval: float = PROGRESS_INTERVAL,
    ) -> None:
        self.sessionmaker, self.workers, self.i18n = sessionmaker, workers, i18n
        # No profile: each job's round is drawn under the profile it was made under.
        self.clock, self.progress_interval = clock, progress_interval
        self.instance = instance
        self._running: dict[int, asyncio.Task[None]] = {}

    async def request(self, session: AsyncSession, bot: Bot, request: ReportRequest) -> bool:
        """Record the job in the update's transaction and start it once that commits; False if
        the same one is being built for this person (here or on another instance)."""
        if request.actor.telegram_user_id is None:
            raise ValueError("a report job is asked for by a Telegram account")
        job_id = await ReportJobRepo(session).start(
            request.kind,
            request.campaign_id,
            request.target,
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

    def _launch(self, bot: Bot, job_id: int, request: ReportRequest) -> None:
        # A context of its own: the job is no part of the update that started it (whose
        # replies wait for its commit, bot/infra/middlewares.py).
        task = asyncio.create_task(self._run(bot, job_id, request), context=contextvars.Context())
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

    async def _run(self, bot: Bot, job_id: int, request: ReportRequest) -> None:
        status = "failed"
        with in_locale(self.i18n, request.locale):
            try:
                if request.kind == ZIP_360:
                    await self._build_and_send(bot, job_id, request)
                else:
                    await self._one_file(bot, request)
                status = "done"
            except CampaignError:
                if request.kind in OF_360:
                    await self._tell(bot, request, _("Reports exist for closed rounds only."))
                else:  # the quarterly round or sheet has changed since the press
                    await self._tell(
                        bot, request, _("This file can no longer be prepared: the round has changed.")
                    )
            except Exception:
                log.exception("report job %s (%s) could not be built", job_id, request.kind)
                await self._tell(
                    bot, request, _("Sorry, the reports could not be prepared. Please try again later.")
                )
        # Not on cancellation (the bot stopping): the row stays running, for the next start.
        async with self.sessionmaker.begin() as session:
            await ReportJobRepo(session).finish(job_id, status, self.clock.now())

    @staticmethod
    async def _tell(bot: Bot, request: ReportRequest, text: str) -> None:
        """A failure, said once; Telegram failing too must not leave the job's row running."""
        try:
            await bot.send_message(request.chat_id, text)
        except Exception:
            log.warning(
                "could not tell the requester of a %s of round %s that it failed",
                request.kind,
                request.campaign_id,
            )

    async def _one_file(self, bot: Bot, request: ReportRequest) -> None:
        """A workbook or one PDF: read in a short session, drawn in a worker process with no
        connection held, the download audited, then sent."""
        async with self.sessionmaker() as session:
            drawing = await self._read(session, request)
        file = await drawing.draw(self.workers)
        async with self.sessionmaker.begin() as session:
            await self._audit(session, request, file.name)
        await bot.send_document(
            request.chat_id, BufferedInputFile(file.data, filename=file.name), protect_content=True
        )

    async def _read(self, session: AsyncSession, request: ReportRequest) -> files.Drawing:
        campaign_id, target = request.campaign_id, request.target or ""
        if request.kind == XLSX_360:
            return await files.round_workbook(session, campaign_id, self.clock.today())
        if request.kind == PDF_360:
            return await files.person_pdf(session, campaign_id, target)
        if request.kind == XLSX_QUARTER:
            return await files.quarter_workbook(session, campaign_id, self.clock.now())
        if request.kind == PDF_SHEET:
            return await files.sheet_pdf(session, campaign_id, int(target), self.clock.now())
        raise ValueError(f"no report job of kind {request.kind!r}")

    async def _audit(self, session: AsyncSession, request: ReportRequest, name: str) -> None:
        """Every download of results is written to the audit log before the file leaves (the
        evaluated person's and evaluator's own sheet excepted, as in the chat)."""
        at, actor, campaign_id = self.clock.now(), request.actor, request.campaign_id
        if request.kind in (ZIP_360, XLSX_360):
            await audit(
                session, actor, "report.download", "campaign", campaign_id, at=at, details={"file": name}
            )
        elif request.kind == PDF_360:
            await audit(
                session,
                actor,
                "report.download",
                "employee",
                request.target,
                at=at,
                details={"campaign": campaign_id},
            )
        elif request.kind == XLSX_QUARTER:
            await audit(session, actor, "quarter.workbook", "campaign", campaign_id, at=at)

    async def _build_and_send(self, bot: Bot, job_id: int, request: ReportRequest) -> None:
        # Who is in it, without their results: the order and names of the members. The results
        # are read page by page as the PDFs are drawn (``_results``).
        async with self.sessionmaker() as session:
            campaign, profile = await files.closed_round(session, request.campaign_id)
            subjects = await files.closed_subjects(session, request.campaign_id, request.target)
        if not subjects:
            raise CampaignError(f"nobody is evaluated in round {request.campaign_id}")
        plan = archive_plan(subjects)
        del subjects
        total = len(plan)

        async def record(done: int, message_id: int | None) -> None:
            async with self.sessionmaker.begin() as session:
                await ReportJobRepo(session).progress(
                    job_id, done=done, total=total, message_id=message_id, now=self.clock.now()
                )

        progress = _Progress(bot, request.chat_id, total, self.progress_interval, record)
        await progress.begin()
        name = archive_name(campaign.year, request.target, request.locale)
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="bagalau-report-"))
        try:
            paths = await self._write_archive(
                folder, name, self._results(request.campaign_id, plan), profile, progress
            )
            async with self.sessionmaker.begin() as session:
                await self._audit(session, request, name)
            await progress.show(total, force=True)
            for part, path in enumerate(paths, start=1):
                await bot.send_document(
                    request.chat_id,
                    PacedFile(path, filename=path.name, chunk_size=UPLOAD_CHUNK_BYTES),
                    caption=archive_caption(campaign.year, request.target, total, part, len(paths)),
                    protect_content=True,
                )
        finally:
            # In a thread: deleting a large round's files (315 MB) took the loop some 60 ms.
            await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)

    async def _results(
        self, campaign_id: int, plan: Sequence[tuple[str, int]]
    ) -> AsyncIterator[tuple[str, datetime, SubjectResult]]:
        """The members in the plan's order, their results read PAGE people at a time, each page
        in a session of its own (on SQLite the one connection is held for milliseconds)."""
        for start in range(0, len(plan), PAGE):
            page = plan[start : start + PAGE]
            async with self.sessionmaker() as session:
                found = await files.closed_results(session, campaign_id, among=[s for _, s in page])
            by_subject = {item.subject.id: item for item in found}
            del found
            for name, subject_id in page:
                item = by_subject.pop(subject_id, None)
                if item is not None:  # excluded since the plan was made: left out
                    yield name, report_created_at(item), item

    async def _write_archive(
        self,
        folder: Path,
        name: str,
        members: AsyncIterator[tuple[str, datetime, SubjectResult]],
        profile: Profile,
        progress: _Progress,
    ) -> list[Path]:
        """Each PDF into the ZIP on disk as it comes, in the archive's order, into as many files
        of at most PART_BYTES as it takes (``name``, or ``archive_part_name`` of it for each when
        there are several). A few are drawn at once per worker process, no more: handing all of
        them over would pickle every person's results in one go, on the event loop, and keep
        every finished PDF in memory."""
        window = self.workers.size * 2
        shared_profile = Shared.of(profile)  # pickled once, not once per PDF
        drawing: deque[tuple[str, datetime, asyncio.Task[bytes]]] = deque()
        done = 0
        exhausted = False
        paths = [folder / archive_part_name(name, 1)]
        archive = zipfile.ZipFile(paths[0], "w", compression=zipfile.ZIP_DEFLATED)
        in_part = 0  # members written into the present file
        try:
            while True:
                while not exhausted and len(drawing) < window:
                    member = await anext(members, None)
                    if member is None:
                        exhausted = True
                        break
                    member_name, when, item = member
                    drawn = self.workers.run(
                        files.MEMBER_PDF,
                        item.campaign,
                        item.subject,
                        item.result,
                        shared_profile,
                        created_at=when,
                    )
                    drawing.append((member_name, when, asyncio.ensure_future(drawn)))
                if not drawing:
                    break
                member_name, when, task = drawing.popleft()
                pdf = await task
                # A count, not ``namelist()``: that copies every name so far, for every PDF.
                if in_part and paths[-1].stat().st_size + len(pdf) > PART_BYTES:
                    archive.close()
                    paths.append(folder / archive_part_name(name, len(paths) + 1))
                    archive = zipfile.ZipFile(paths[-1], "w", compression=zipfile.ZIP_DEFLATED)
                    in_part = 0
                # Deflating is C code that lets go of the GIL: in a thread, the loop goes on.
                await asyncio.to_thread(write_member, archive, member_name, when, pdf)
                in_part += 1
                done += 1
                await progress.show(done)
        finally:
            archive.close()
            for _name, _when, task in drawing:
                task.cancel()
        if len(paths) == 1:  # one file: the archive's own name, no part number
            paths[0] = paths[0].rename(folder / name)
        return paths


class PacedFile(FSInputFile):
    """A file on disk uploaded at most UPLOAD_BYTES_PER_SECOND: a pause after each piece
    whenever it is ahead of that pace."""

    async def read(self, bot: Bot) -> AsyncGenerator[bytes, None]:
        began, sent = time.monotonic(), 0
        async for chunk in super().read(bot):
            yield chunk
            sent += len(chunk)
            ahead = began + sent / UPLOAD_BYTES_PER_SECOND - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)


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
