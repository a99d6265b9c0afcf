"""Granting and revoking roles (bot/staff/access.py over storage/roles.py) on SQLite and
PostgreSQL: nobody grants themselves a role, roles that see scores come only from the head of
HR, and the last head of HR stays even when two heads revoke each other at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, Actor, RoleChange, grant_role, revoke_role
from storage.db import create_sessionmaker
from storage.models import AuditEntry
from storage.roles import RoleRepo

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
OFFICER, HEAD_A, HEAD_B, OTHER = 5001, 5002, 5003, 5004


def _as(telegram_id: int, *roles: Role) -> Actor:
    return Actor(telegram_id, frozenset(roles))


async def _audited(session: AsyncSession, action: str) -> int:
    query = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    return int(await session.scalar(query) or 0)


async def test_nobody_grants_a_role_to_themselves(session: AsyncSession) -> None:
    officer = _as(OFFICER, Role.HR)
    head = _as(HEAD_A, Role.HR_HEAD)
    # The attack: an HR officer makes itself the authorised person, who receives protocols with scores.
    assert await grant_role(session, officer, OFFICER, Role.AUTHORISED, NOW) is RoleChange.OWN_ROLE
    assert await grant_role(session, head, HEAD_A, Role.AUTHORISED, NOW) is RoleChange.OWN_ROLE
    assert await grant_role(session, head, HEAD_A, Role.HR, NOW) is RoleChange.OWN_ROLE
    assert await RoleRepo(session).roles_of(OFFICER) == frozenset()
    assert await RoleRepo(session).roles_of(HEAD_A) == frozenset()
    assert await _audited(session, "role.grant") == 0
    # Stepping down from one's own role is still possible.
    await grant_role(session, COMMAND_LINE, OFFICER, Role.HR, NOW)
    assert await revoke_role(session, officer, OFFICER, Role.HR, NOW) is RoleChange.DONE


async def test_only_the_head_of_hr_hands_out_roles_that_see_scores(session: AsyncSession) -> None:
    officer = _as(OFFICER, Role.HR)
    for role in (Role.AUTHORISED, Role.HR_HEAD):
        assert await grant_role(session, officer, OTHER, role, NOW) is RoleChange.NOT_ALLOWED
    assert await grant_role(session, officer, OTHER, Role.HR, NOW) is RoleChange.DONE
    assert await RoleRepo(session).roles_of(OTHER) == frozenset({Role.HR})

    head = _as(HEAD_A, Role.HR_HEAD)
    assert await grant_role(session, head, OTHER, Role.AUTHORISED, NOW) is RoleChange.DONE
    assert await revoke_role(session, officer, OTHER, Role.AUTHORISED, NOW) is RoleChange.NOT_ALLOWED
    assert await RoleRepo(session).roles_of(OTHER) == frozenset({Role.HR, Role.AUTHORISED})
    assert await _audited(session, "role.grant") == 2


async def test_the_last_head_of_hr_stays(session: AsyncSession) -> None:
    await grant_role(session, COMMAND_LINE, HEAD_A, Role.HR_HEAD, NOW)
    head = _as(HEAD_A, Role.HR_HEAD)
    assert await revoke_role(session, head, HEAD_A, Role.HR_HEAD, NOW) is RoleChange.LAST_HR_HEAD
    assert await revoke_role(session, COMMAND_LINE, HEAD_A, Role.HR_HEAD, NOW) is RoleChange.LAST_HR_HEAD
    assert await RoleRepo(session).holders(Role.HR_HEAD) == [HEAD_A]


async def _revoke_in_own_transaction(
    engine: AsyncEngine, actor: Actor, target: int, start: asyncio.Event
) -> RoleChange:
    async with create_sessionmaker(engine)() as session, session.begin():
        await start.wait()
        return await revoke_role(session, actor, target, Role.HR_HEAD, NOW)


async def test_two_heads_revoking_each_other_at_once_leave_one(engine: AsyncEngine) -> None:
    """Each revoke runs in its own transaction on its own connection, both started together.
    Without the lock both saw two heads and both got "Done" (6 of 6 tries on PostgreSQL)."""
    for attempt in range(5):
        async with create_sessionmaker(engine)() as session, session.begin():
            for head in (HEAD_A, HEAD_B):
                await grant_role(session, COMMAND_LINE, head, Role.HR_HEAD, NOW)
        start = asyncio.Event()
        both = asyncio.gather(
            _revoke_in_own_transaction(engine, _as(HEAD_A, Role.HR_HEAD), HEAD_B, start),
            _revoke_in_own_transaction(engine, _as(HEAD_B, Role.HR_HEAD), HEAD_A, start),
        )
        await asyncio.sleep(0.05)  # both transactions are open, waiting for the start
        start.set()
        outcomes = await both
        assert outcomes.count(RoleChange.DONE) == 1, (attempt, outcomes)
        async with create_sessionmaker(engine)() as session:
            heads = await RoleRepo(session).holders(Role.HR_HEAD)
            assert len(heads) == 1, (attempt, heads)
            assert await _audited(session, "role.revoke") == attempt + 1
