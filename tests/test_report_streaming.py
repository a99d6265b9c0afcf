"""The report job's ZIP is written to disk PDF by PDF (bot/reports/jobs.py): whatever the
round's size, only a few PDFs are drawn or waiting at a time, and the members keep the
archive's order however the workers finish. Its files go up no faster than
UPLOAD_BYTES_PER_SECOND."""

from __future__ import annotations

import asyncio
import random
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.reports import jobs as report_jobs
from bot.reports.jobs import UPLOAD_BYTES_PER_SECOND, PacedFile, ReportJobs, _Progress
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


class FakeClock:
    """The pacing's clock: moves only when the upload sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # The job module's names only: the event loop keeps the real clock.
    monkeypatch.setattr(report_jobs, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(report_jobs, "asyncio", SimpleNamespace(sleep=fake.sleep))
    return fake


async def test_a_file_goes_up_no_faster_than_the_pace(tmp_path: Path, clock: FakeClock) -> None:
    chunk = 1024 * 1024
    data = random.Random(3).randbytes(4 * chunk + 10)
    path = tmp_path / "part.zip"
    path.write_bytes(data)
    read = [piece async for piece in PacedFile(path, chunk_size=chunk).read(cast(Any, None))]
    assert b"".join(read) == data
    # Read at once, so ahead after every piece: a pause to bring it back to the pace.
    assert len(clock.slept) == 5
    assert clock.now - 100.0 == pytest.approx(len(data) / UPLOAD_BYTES_PER_SECOND)


async def test_an_upload_slower_than_the_pace_never_waits(tmp_path: Path, clock: FakeClock) -> None:
    chunk = 1024 * 1024
    path = tmp_path / "part.zip"
    path.write_bytes(bytes(3 * chunk))
    async for _ in PacedFile(path, chunk_size=chunk).read(cast(Any, None)):
        clock.now += 2 * chunk / UPLOAD_BYTES_PER_SECOND  # the line takes twice the pace's time
    assert clock.slept == []
