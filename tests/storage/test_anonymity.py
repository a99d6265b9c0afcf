"""Issue 17, item 1: a reader of the database (its files, its backups; not of BALLOT_SECRET)
tries to link 360 answers to their respondents. Each attack seen before the ballots is tried
here, on SQLite and PostgreSQL, with every submission in a transaction of its own as the bot
makes them."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.factory import create_runtime
from bot.infra.config import Settings
from bot.kernel import scoring
from bot.kernel.methodology import Profile
from bot.kernel.scoring import AnswerCount
from bot.survey360 import rounds as campaigns
from storage.db import create_sessionmaker
from storage.inbox import InboxRepo, Received
from storage.models import (
    AnswerTally,
    Assignment,
    Ballot,
    CampaignSubject,
    CompetencySum,
    DraftAnswer,
    InboxUpdate,
)
from storage.survey360 import answers as answer_storage
from storage.survey360.answers import AnswerRepo
from storage.survey360.ballots import BallotKeys, MissingBallotSecretError, SealBrokenError
from tests.conftest import TEST_BALLOT_SECRET
from tests.storage.test_repositories import NOW, _running_round


def _score(respondent: int, statement_no: int) -> int:
    """Each respondent's answers differ from the others' (a pattern of their own)."""
    return (respondent * 2 + statement_no) % 5 + 1


async def _round(
    sessions: async_sessionmaker[AsyncSession], today: date, profile: Profile
) -> tuple[int, int, list[int]]:
    """A running round; its first evaluated person with colleagues: (round, subject, their
    colleagues' assignments)."""
    async with sessions.begin() as session:
        campaign_id = await _running_round(session, today, profile)
        rows = (
            await session.execute(
                select(Assignment.subject_id, Assignment.id)
                .join(CampaignSubject, CampaignSubject.id == Assignment.subject_id)
                .where(CampaignSubject.campaign_id == campaign_id, Assignment.relation != "self")
                .order_by(Assignment.subject_id, Assignment.id)
            )
        ).all()
    by_subject: dict[int, list[int]] = {}
    for subject_id, assignment_id in rows:
        by_subject.setdefault(subject_id, []).append(assignment_id)
    subject_id, assignments = max(by_subject.items(), key=lambda item: len(item[1]))
    assert len(assignments) >= 2
    return campaign_id, subject_id, assignments


async def _answer(
    sessions: async_sessionmaker[AsyncSession], profile: Profile, respondent: int, assignment_id: int
) -> dict[int, int]:
    async with sessions.begin() as session:
        repo = AnswerRepo(session)
        task = await repo.task(assignment_id)
        assert task is not None
        questionnaire = profile.questionnaire(task.questionnaire)
        given = {s.no: _score(respondent, s.no) for s in questionnaire.statements}
        for no, score in given.items():
            await repo.save_draft(assignment_id, no, score)
    async with sessions.begin() as session:  # submitted later, in a transaction of its own
        assert await AnswerRepo(session).submit(assignment_id, questionnaire)
    return given


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine, ballot_secret=TEST_BALLOT_SECRET)


def _files_of(engine: AsyncEngine) -> bytes:
    """The SQLite database file and its write-ahead log, as a reader of the disk sees them."""
    database = Path(str(engine.url.database))
    return database.read_bytes() + Path(f"{database}-wal").read_bytes()


def _wal_size(engine: AsyncEngine) -> int:
    return Path(f"{engine.url.database}-wal").stat().st_size


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_nothing_links_a_respondent_to_answers(
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    today: date,
    profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answer_storage, "_RELEASE_CHUNK", 2)  # ballots read in several chunks
    campaign_id, subject_id, assignments = await _round(sessions, today, profile)
    first = await _answer(sessions, profile, 0, assignments[0])

    async with sessions() as session:
        # A subject's first submission: no tally, no colleagues' sum is there to read.
        assert await _count(session, AnswerTally) == 0
        assert await session.scalar(select(func.count()).where(CompetencySum.self_assessed.is_(False))) == 0
        # The ballot holds neither respondent nor time nor subject, and opens only with the secret.
        (ballot,) = (await session.execute(select(Ballot.id, Ballot.campaign_id, Ballot.sealed))).all()
        assert ballot.campaign_id == campaign_id
        with pytest.raises(SealBrokenError):
            BallotKeys("another-secret-of-at-least-32-characters!").open_ballot(campaign_id, ballot.sealed)
        opened = BallotKeys(TEST_BALLOT_SECRET).open_ballot(campaign_id, ballot.sealed)
        assert opened.subject_id == subject_id and {no: s for no, s, _ in opened.counts} == first
        if engine.dialect.name == "postgresql":
            # The xmin join that returned one respondent's answers: the submission's transaction
            # wrote the assignment and a ciphertext, and no answer at all.
            joined = await session.execute(
                text(
                    "SELECT count(*) FROM answer_tallies t JOIN assignments a ON a.xmin = t.xmin "
                    "UNION ALL SELECT count(*) FROM competency_sums c JOIN assignments a ON a.xmin = c.xmin "
                    "WHERE NOT c.self_assessed"
                )
            )
            assert [n for (n,) in joined] == [0, 0]

    given = [first] + [await _answer(sessions, profile, i, a) for i, a in enumerate(assignments[1:], start=1)]
    if make_url(str(engine.url)).get_backend_name() == "sqlite":
        # The database file and its write-ahead log never held a ballot's plain text.
        on_disk = _files_of(engine)
        assert b'{"s":' not in on_disk and b'"c":[[' not in on_disk

    async with sessions.begin() as session:
        await campaigns.close(session, campaign_id, NOW)
    async with sessions() as session:
        assert await _count(session, Ballot) == 0  # counted, then deleted
        # Results equal what tallying each submission gave before the ballots.
        expected = Counter((no, score) for answers in given for no, score in answers.items())
        order = "rowid" if engine.dialect.name == "sqlite" else "ctid"
        rows = (
            await session.execute(
                text(f"SELECT subject_id, statement_no, score, count FROM answer_tallies ORDER BY {order}")  # noqa: S608
            )
        ).all()
        assert {(no, score): count for s, no, score, count in rows if s == subject_id} == expected
        # The first-inserted tally per statement is no longer the first submitter's: rows are
        # written in the order of their keys, whatever order people submitted in.
        assert [tuple(row) for row in rows] == sorted(tuple(row) for row in rows)
        others, _ = await AnswerRepo(session).competency_totals(campaign_id, subject_id)
        task = await AnswerRepo(session).task(assignments[0])
        assert task is not None
        assert others[subject_id] == scoring.competency_totals(
            profile.questionnaire(task.questionnaire),
            (AnswerCount(no, score, count) for (no, score), count in expected.items()),
        )
        if engine.dialect.name == "postgresql":
            # Every tally was written by the close's one transaction: none shares a submission's.
            shared = await session.scalar(
                text("SELECT count(*) FROM answer_tallies t JOIN assignments a ON a.xmin = t.xmin")
            )
            assert shared == 0


async def test_drafts_are_ciphertext(
    sessions: async_sessionmaker[AsyncSession], today: date, profile: Profile
) -> None:
    _, _, assignments = await _round(sessions, today, profile)
    async with sessions.begin() as session:
        repo = AnswerRepo(session)
        for no in range(1, 6):
            await repo.save_draft(assignments[0], no, 3)
        await repo.save_draft(assignments[1], 1, 3)
    async with sessions() as session:
        stored = (
            await session.execute(
                select(DraftAnswer.assignment_id, DraftAnswer.statement_no, DraftAnswer.sealed)
            )
        ).all()
        assert len(stored) == 6
        # No score in clear, and equal scores look different (a random nonce each).
        assert len({sealed for _, _, sealed in stored}) == 6
        assert all(len(sealed) == 12 + 1 + 16 for _, _, sealed in stored)
        assert await AnswerRepo(session).drafts(assignments[0]) == {no: 3 for no in range(1, 6)}
        # A ciphertext moved to another assignment or statement does not open there.
        keys = BallotKeys(TEST_BALLOT_SECRET)
        assignment_id, no, sealed = stored[0]
        with pytest.raises(SealBrokenError):
            keys.open_draft(assignments[1], no, sealed)
        with pytest.raises(SealBrokenError):
            keys.open_draft(assignment_id, no + 10, sealed)


async def test_a_press_waiting_in_the_inbox_is_ciphertext(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The inbox keeps each update until it is handled: a press on a questionnaire carries the
    assignment, the statement and the score in its callback data, and the deleted row's copies
    (dead tuples, log frames) outlive it. So the stored update is sealed like a draft."""
    press = json.dumps(
        {
            "update_id": 9001,
            "callback_query": {
                "id": "1",
                "from": {"id": 700, "is_bot": False, "first_name": "A"},
                "chat_instance": "1",
                "data": "a:1:17:6:4",
            },
        }
    )
    async with sessions.begin() as session:
        await InboxRepo(session).store([Received(9001, 700, press)], "here")
    async with sessions() as session:
        stored = await session.scalar(select(InboxUpdate.payload))
        assert stored is not None and "a:1:17:6:4" not in stored and "callback_query" not in stored
        assert [(p.update_id, p.payload) for p in await InboxRepo(session).pending(10)] == [(9001, press)]
        # Moved to another update, it does not open.
        with pytest.raises(SealBrokenError):
            BallotKeys(TEST_BALLOT_SECRET).open_update(9002, stored)


async def test_sqlite_zeroes_deleted_rows_and_checkpoints_after_release(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, today: date, profile: Profile
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's files")
    campaign_id, _, assignments = await _round(sessions, today, profile)
    for i, assignment_id in enumerate(assignments):
        await _answer(sessions, profile, i, assignment_id)
    async with engine.connect() as connection:
        assert await connection.scalar(text("PRAGMA secure_delete")) == 1
    assert _wal_size(engine) > 0
    async with sessions.begin() as session:
        await campaigns.close(session, campaign_id, NOW)
    for _ in range(100):  # the checkpoint runs right after the commit, in a task of its own
        if _wal_size(engine) == 0:
            break
        await asyncio.sleep(0.01)
    assert _wal_size(engine) == 0


async def _drafted(sessions: async_sessionmaker[AsyncSession], profile: Profile, assignment_id: int) -> Any:
    async with sessions.begin() as session:
        repo = AnswerRepo(session)
        task = await repo.task(assignment_id)
        assert task is not None
        questionnaire = profile.questionnaire(task.questionnaire)
        for statement in questionnaire.statements:
            await repo.save_draft(assignment_id, statement.no, 4)
    return questionnaire


async def test_no_ballot_lands_after_the_count(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, today: date, profile: Profile
) -> None:
    """A submission and the round's close at the same moment (PostgreSQL; SQLite serialises
    whole transactions): the ballot is counted, or the submission is refused; never left over."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises whole transactions: the two cannot overlap")
    campaign_id, _, assignments = await _round(sessions, today, profile)
    first = await _drafted(sessions, profile, assignments[0])
    second = await _drafted(sessions, profile, assignments[1])

    # The submission first, still open when the close begins: the close waits, then counts it.
    async with sessions() as submitting:
        await submitting.begin()
        assert await AnswerRepo(submitting).submit(assignments[0], first)

        async def close() -> None:
            async with sessions.begin() as session:
                await campaigns.close(session, campaign_id, NOW)

        closing = asyncio.create_task(close())
        await asyncio.sleep(0.3)
        assert not closing.done()  # waiting for the submission's lock on the round
        await submitting.commit()
    await closing
    async with sessions() as session:
        assert await _count(session, Ballot) == 0
        assert await session.scalar(select(func.sum(AnswerTally.count))) == len(first.statements)

    # A submission after the close: refused, nothing stored, the questionnaire still open.
    async with sessions.begin() as session:
        assert not await AnswerRepo(session).submit(assignments[1], second)
    async with sessions() as session:
        assert await _count(session, Ballot) == 0
        assert (
            await session.scalar(select(Assignment.submitted).where(Assignment.id == assignments[1])) is False
        )


def test_without_a_secret_the_bot_stops_at_start(engine: AsyncEngine) -> None:
    """Fail fast: a bot that could not seal answers does not start (docs/security.md)."""
    for secret in (None, "too short to be a key"):
        settings = Settings(_env_file=None, bot_token="42:TEST", ballot_secret=secret)
        with pytest.raises(MissingBallotSecretError, match="BALLOT_SECRET is not set or shorter than 32"):
            create_runtime(settings, engine=engine)
