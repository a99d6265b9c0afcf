"""HR's report jobs as rows (storage/reports.py), on SQLite and PostgreSQL: two presses make
one job, on one instance or two at once; a job a stopped process left running is found once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.db import create_sessionmaker
from storage.models import Campaign, ReportJob
from storage.reports import ReportJobRepo
from tests.conftest import TEST_BALLOT_SECRET

NOW = datetime(2026, 3, 2, 5, 42, tzinfo=UTC)


async def _round(session: AsyncSession) -> int:
    await session.execute(
        insert(Campaign).values(
            id=7,
            kind="360",
            year=2026,
            deadline=date(2026, 3, 1),
            status="closed",
            profile_code="kz-2024",
            profile_version="1",
        )
    )
    return 7


async def _start(
    repo: ReportJobRepo, unit: str | None = None, person: int = 501, instance: str = "a", at: datetime = NOW
) -> int | None:
    return await repo.start(
        "zip360", 7, unit, requested_by=person, chat_id=person, locale="kk", instance=instance, now=at
    )


async def test_the_same_press_makes_one_job_until_it_ends(session: AsyncSession) -> None:
    await _round(session)
    repo = ReportJobRepo(session)
    first = await _start(repo)
    assert first is not None
    assert await _start(repo) is None  # the same round, unit and person
    assert await _start(repo, unit="Қаржы басқармасы") is not None  # another file
    assert await _start(repo, person=502) is not None  # another person
    await repo.progress(first, done=3, total=10, message_id=99, now=NOW + timedelta(seconds=2))
    job = await repo.get(first)
    assert job is not None
    assert (job.status, job.done, job.total, job.progress_message_id) == ("running", 3, 10, 99)
    await repo.finish(first, "done", NOW + timedelta(minutes=1))
    again = await _start(repo)
    assert again is not None and again != first
    assert (await repo.get(first)).status == "done"  # type: ignore[union-attr]


async def test_two_instances_pressing_at_once_make_one_job(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine, ballot_secret=TEST_BALLOT_SECRET)
    async with sessions.begin() as session:
        await _round(session)
    async with sessions() as one:
        await one.begin()
        assert await _start(ReportJobRepo(one), instance="a") is not None

        async def other() -> int | None:
            async with sessions.begin() as two:
                return await _start(ReportJobRepo(two), instance="b")

        # The second waits for the first one's transaction (PostgreSQL: the unique index;
        # SQLite: the write lock), then finds the job there.
        pressing = asyncio.create_task(other())
        await asyncio.sleep(0.2)
        await one.commit()
    assert await pressing is None
    async with sessions() as session:
        assert len((await session.execute(select(ReportJob.id))).all()) == 1


async def test_jobs_left_running_are_interrupted_once(session: AsyncSession) -> None:
    await _round(session)
    repo = ReportJobRepo(session)
    mine = await _start(repo, instance="a")
    theirs_alive = await _start(repo, person=502, instance="b")
    theirs_dead = await _start(repo, person=503, instance="b", at=NOW - timedelta(hours=2))
    finished = await _start(repo, person=504, instance="a")
    assert finished is not None and theirs_alive is not None
    await repo.finish(finished, "done", NOW)

    later, silent_since = NOW + timedelta(minutes=5), NOW - timedelta(minutes=30)
    # Later, from the scheduler: only what nobody has touched for a long time.
    found = await repo.interrupt(instance=None, stale_before=silent_since, now=later)
    assert [j.id for j in found] == [theirs_dead]
    # At instance a's start: its own.
    found = await repo.interrupt(instance="a", stale_before=silent_since, now=later)
    assert [(j.id, j.status, j.requested_by) for j in found] == [(mine, "interrupted", 501)]
    assert await repo.interrupt(instance="a", stale_before=silent_since, now=later) == []
    assert (await repo.get(theirs_alive)).status == "running"  # type: ignore[union-attr]
    # An interrupted job no longer stands in the way of the same press.
    assert await _start(repo, instance="a", at=later) is not None
    assert await repo.forget_finished(NOW + timedelta(days=1)) == 3  # done + two interrupted
