"""The report job's ZIP is written to disk PDF by PDF (bot/reports/jobs.py): whatever the
round's size, only a few PDFs are drawn or waiting at a time, and the members keep the
archive's order however the workers finish."""

from __future__ import annotations

import asyncio
import random
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from bot.reports.jobs import ReportJobs, _Progress
from bot.survey360.results import SubjectResult

PEOPLE = 60
WHEN = datetime(2026, 1, 12, tzinfo=UTC)


class SlowWorkers:
    """Worker processes as the job sees them: PDFs come back after uneven delays."""

    size = 2

    def __init__(self) -> None:
        self.started = 0
        self.written = 0
        self.most_outstanding = 0  # drawn or drawing, not yet in the ZIP
        self.rng = random.Random(5)

    async def run(
        self, job: Any, campaign: Any, subject: str, result: Any, profile: Any, *, created_at: datetime
    ) -> bytes:
        self.started += 1
        self.most_outstanding = max(self.most_outstanding, self.started - self.written)
        await asyncio.sleep(self.rng.uniform(0, 0.01))
        return f"%PDF {subject}".encode() * 1000


def _person(subject: str) -> SubjectResult:
    """What the job hands a worker of a member: its round, person and result (stand-ins)."""
    return cast(SubjectResult, SimpleNamespace(campaign=None, subject=subject, result=None))


class Counted:
    def __init__(self, workers: SlowWorkers) -> None:
        self.workers = workers

    async def show(self, done: int, *, force: bool = False) -> None:
        self.workers.written = done


async def test_the_zip_is_written_in_order_with_few_pdfs_held(tmp_path: Path) -> None:
    workers = SlowWorkers()
    jobs = ReportJobs(cast(Any, None), cast(Any, workers), cast(Any, None), cast(Any, None))
    members = [(f"Unit/{n:03} Person.pdf", WHEN, _person(f"person {n}")) for n in range(PEOPLE)]
    path = tmp_path / "360-2026-all-kk.zip"
    taken = 0  # members the job has asked for: their results are in memory from then on
    most_ahead = 0  # taken and not yet written

    async def feed() -> AsyncIterator[tuple[str, datetime, SubjectResult]]:
        nonlocal taken, most_ahead
        for member in members:
            taken += 1
            most_ahead = max(most_ahead, taken - workers.written)
            yield member

    paths = await jobs._write_archive(
        tmp_path, path.name, feed(), cast(Any, None), cast(_Progress, Counted(workers))
    )
    assert paths == [path]  # well under PART_BYTES: one file, under the archive's own name

    assert workers.started == PEOPLE
    assert workers.most_outstanding <= 2 * workers.size
    # The results are asked for as the workers need them, never the whole round ahead.
    assert most_ahead <= 2 * workers.size + 1
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [name for name, _, _ in members]
        assert archive.read("Unit/007 Person.pdf") == b"%PDF person 7" * 1000
        assert archive.testzip() is None
