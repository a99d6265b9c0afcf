"""The answer path's statements run straight on the driver (storage/fixed.py), on SQLite and
PostgreSQL: the same rows, typed the same, as SQLAlchemy gives; inside the session's
transaction; and a fault raised by the driver surfaces as SQLAlchemy's, with nothing stored."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.domain.methodology import Profile
from storage import senders as sender_statements
from storage.answers import AnswerRepo
from storage.db import create_sessionmaker
from storage.employees import EmployeeRepo
from storage.fixed import FixedStatement
from storage.models import Assignment, ProcessedUpdate
from storage.rows import table_of
from storage.updates import UpdateLog
from tests.factories import TELEGRAM_IDS
from tests.storage.test_repositories import _running_round


async def _a_started_task(session: AsyncSession, today: date, profile: Profile) -> int:
    await _running_round(session, today, profile)
    answers = AnswerRepo(session)
    u1 = (await EmployeeRepo(session).by_external_ids(["U1"]))["U1"]
    assignment_id = (await answers.open_tasks(u1.id))[0].assignment.id
    await answers.set_cursor(assignment_id, 3, back_to_review=True, message_id=40)
    await answers.save_draft(assignment_id, 1, 4)
    await answers.save_draft(assignment_id, 2, 5)
    return assignment_id


async def test_rows_are_sqlalchemys_rows_typed_alike(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    await _a_started_task(session, today, profile)
    cases = [
        (sender_statements._FIXED_SENDER, {"telegram_user_id": TELEGRAM_IDS["U1"]}),
        (sender_statements._FIXED_SENDER, {"telegram_user_id": 5}),  # a stranger: one row of nulls
    ]
    for fixed, parameters in cases:
        expected = [tuple(row) for row in (await session.execute(fixed.statement, parameters)).all()]
        found = await fixed.rows(session, parameters)
        assert found == expected
        assert [[type(value) for value in row] for row in found] == [
            [type(value) for value in row] for row in expected
        ]


async def test_writes_belong_to_the_sessions_transaction(engine: AsyncEngine) -> None:
    """Also when a fixed statement is the transaction's first: on PostgreSQL SQLAlchemy begins
    the transaction only before its own first statement."""
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


async def test_a_savepoint_begun_after_a_fixed_statement_holds_its_writes(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    """The session emits a savepoint only when asked for its connection: a fixed statement
    reusing the connection it had taken before must still ask within the savepoint."""
    assignment_id = await _a_started_task(session, today, profile)
    answers = AnswerRepo(session)
    await answers.save_answer(assignment_id, 3, 2, 4, message_id=41)  # outside the savepoint
    savepoint = await session.begin_nested()
    await answers.save_answer(assignment_id, 4, 1, 5, message_id=42)
    await savepoint.rollback()
    assert await answers.drafts(assignment_id) == {1: 4, 2: 5, 3: 2}
    task = await answers.task(assignment_id)
    assert task is not None and (task.assignment.cursor, task.assignment.message_id) == (4, 41)


def test_a_statement_needing_python_side_defaults_is_refused(engine: AsyncEngine) -> None:
    # Assignment.submitted has a Python-side default, which SQLAlchemy computes at execution.
    statement = insert(table_of(Assignment)).values(
        subject_id=bindparam("subject_id"), respondent_id=bindparam("respondent_id"), relation="peer"
    )
    with pytest.raises(ValueError, match="Python-side"):
        FixedStatement(statement)._compile(engine.dialect)
