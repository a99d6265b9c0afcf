"""The statements of every update and every answer, on SQLite and PostgreSQL: PostgreSQL folds
some of them into one statement (storage/updates.py, storage/survey360/answers.py), SQLite runs them in
turn, and both must store and return the same."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.kernel.access import Role
from bot.kernel.methodology import Profile
from storage.db import create_sessionmaker, redoable, writes_first
from storage.inbox import InboxRepo, Received
from storage.models import Assignment, InboxUpdate, ProcessedUpdate
from storage.roles import RoleRepo
from storage.senders import SenderRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from storage.updates import UpdateLog
from tests.factories import TELEGRAM_IDS
from tests.storage.test_repositories import _bind_all, _import, _running_round


async def test_an_update_is_recorded_once_with_its_sender(session: AsyncSession, today: date) -> None:
    await _import(session, today)
    await _bind_all(session)
    u1 = TELEGRAM_IDS["U1"]
    await RoleRepo(session).grant(u1, Role.HR, granted_by=None)
    updates = UpdateLog(session)

    sender = await updates.first_time_from(7001, u1)
    assert sender is not None and sender == await SenderRepo(session).who(u1)
    assert sender.employee is not None and sender.employee.employee_id == "U1"
    assert sender.roles == {Role.HR}
    # The same update again: refused, and recorded once.
    assert await updates.first_time_from(7001, u1) is None
    assert not await updates.first_time(7001)
    # Someone outside the staff list, with no role.
    stranger = await updates.first_time_from(7002, 555)
    assert stranger is not None and (stranger.employee, stranger.roles) == (None, frozenset())
    assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2


async def test_an_update_from_the_inbox_is_taken_and_recorded_once(
    session: AsyncSession, today: date
) -> None:
    """PostgreSQL folds the inbox's DELETE into the record's statement: taken and recorded
    together, or neither."""
    await _import(session, today)
    await _bind_all(session)
    u1 = TELEGRAM_IDS["U1"]
    inbox, updates = InboxRepo(session), UpdateLog(session)
    await inbox.store([Received(8001, u1, "{}"), Received(8002, u1, "{}")], "here")

    sender = await updates.take_first_time_from(8001, u1)
    assert sender is not None and sender == await SenderRepo(session).who(u1)
    # Taken already: nothing is recorded again.
    assert await updates.take_first_time_from(8001, u1) is None
    # Never in the inbox (handled by an instance that committed first): not recorded.
    assert await updates.take_first_time_from(8003, u1) is None
    # Delivered again after it was handled: stored again, then taken and found recorded.
    await inbox.store([Received(8001, u1, "{}")], "here")
    assert await updates.take_first_time_from(8001, u1) is None
    assert [p.update_id for p in await inbox.pending(10)] == [8002]
    recorded = await session.scalars(select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.update_id))
    assert list(recorded) == [8001]
    assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1


async def test_an_answer_saves_the_draft_and_moves_the_cursor(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    """In one statement on both databases (on SQLite through the temporary view,
    storage/survey360/answer_view.py)."""
    await _running_round(session, today, profile)
    answers = AnswerRepo(session)
    u1 = (await EmployeeRepo(session).by_external_ids(["U1"]))["U1"]
    task = (await answers.open_tasks(u1.id))[0]
    assignment_id = task.assignment.id
    await answers.set_cursor(assignment_id, 1, back_to_review=True, message_id=40)

    statements: list[str] = []
    engine = (await session.connection()).engine.sync_engine

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        await answers.save_answer(assignment_id, 1, 4, 2, message_id=41)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    await answers.save_answer(assignment_id, 2, 3, 0, message_id=41)
    await answers.save_answer(assignment_id, 1, 5, 2, message_id=42)  # changed: replaces the first

    assert await answers.drafts(assignment_id) == {1: 5, 2: 3}
    found = await answers.task_in_progress(assignment_id)
    assert found is not None
    moved, drafts = found
    assert (moved.assignment.cursor, moved.assignment.back_to_review, moved.assignment.message_id) == (
        2,
        False,
        42,
    )
    assert drafts == {1: 5, 2: 3} and moved.answered == 2
    # Nobody else's questionnaire moved.
    others = select(func.count()).where(Assignment.id != assignment_id, Assignment.cursor.is_not(None))
    assert await session.scalar(others) == 0


async def test_a_transaction_declared_to_write_first_is_one_transaction(engine: AsyncEngine) -> None:
    """``writes_first`` (SQLite: no BEGIN of its own, the driver begins it with the first
    write): its writes still commit or roll back together, and the next transaction on the
    pooled connection, not so declared, is a transaction as before."""
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        await writes_first(session)
        assert await UpdateLog(session).first_time(11)
        assert await UpdateLog(session).first_time(12)
        await session.rollback()
    async with sessions() as session:
        await redoable(session, writes_first=True)
        assert await UpdateLog(session).first_time(13)
        assert await UpdateLog(session).first_time(14)
        await session.commit()
    async with sessions() as session:
        assert await UpdateLog(session).first_time(15)
        await session.rollback()
    async with sessions() as session:
        stored = await session.scalars(select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.update_id))
        assert list(stored) == [13, 14]


async def test_writes_belong_to_the_sessions_transaction(engine: AsyncEngine) -> None:
    """Also when the update's record is the transaction's first statement."""
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        assert await UpdateLog(session).first_time(1)
        await session.rollback()
    async with sessions() as session:
        assert await UpdateLog(session).first_time(2)
        assert not await UpdateLog(session).first_time(2)
        await session.commit()
    async with sessions() as session:
        stored = await session.scalars(select(ProcessedUpdate.update_id))
        assert list(stored) == [2]


async def test_a_savepoint_holds_the_answers_given_in_it(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    """The answer path's statements run on the session's connection: a savepoint begun after
    one of them still holds the writes made inside it."""
    await _running_round(session, today, profile)
    answers = AnswerRepo(session)
    u1 = (await EmployeeRepo(session).by_external_ids(["U1"]))["U1"]
    assignment_id = (await answers.open_tasks(u1.id))[0].assignment.id
    await answers.save_answer(assignment_id, 3, 2, 4, message_id=41)  # outside the savepoint
    savepoint = await session.begin_nested()
    await answers.save_answer(assignment_id, 4, 1, 5, message_id=42)
    await savepoint.rollback()
    assert await answers.drafts(assignment_id) == {3: 2}
    task = await answers.task(assignment_id)
    assert task is not None and (task.assignment.cursor, task.assignment.message_id) == (4, 41)


async def test_only_a_redoable_transaction_commits_without_waiting_for_the_disk(engine: AsyncEngine) -> None:
    """SQLite: the handling of an update from the inbox commits with ``synchronous=NORMAL``
    (storage.db.redoable); every other transaction, the inbox's store among them, with FULL,
    also on the same pooled connection right after a redoable one."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL: the option has no effect, commits are as always")
    sessions = create_sessionmaker(engine)

    async def synchronous_of(*, redo: bool) -> int:
        async with sessions.begin() as session:
            if redo:
                await redoable(session)
            return int((await session.execute(text("PRAGMA synchronous"))).scalar_one())

    full, normal = 2, 1
    assert await synchronous_of(redo=False) == full
    assert await synchronous_of(redo=True) == normal
    assert await synchronous_of(redo=True) == normal
    assert await synchronous_of(redo=False) == full
