"""Identities cannot be taken (bot/staff/people.py over storage/staff/employees.py and
storage/staff/invites.py), on SQLite and PostgreSQL: any join closes the person's invites, a joined
person is never moved to another account by an invite or a contact, and only HR unbinds, in
the audit log."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.kernel.access import Role
from bot.staff import people
from bot.staff.access import Actor
from bot.staff.people import JoinOutcome, JoinResult, UnbindOutcome
from storage.db import create_sessionmaker
from storage.dto import EmployeeDTO
from storage.models import AuditEntry, Employee, Invite
from storage.staff.employees import EmployeeRepo
from tests.factories import staff_validation

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
DANA_PHONE = "+77010000004"  # E1
OWNER, THIEF = 42, 777
HR = Actor(5001, frozenset({Role.HR}))


async def _import(session: AsyncSession, today: date) -> None:
    assert await people.import_staff(session, staff_validation(today), today) is not None


async def _link_of(session: AsyncSession, employee_id: str) -> str:
    links = {link.employee_id: link.link for link in await people.invite_links(session, "bagalau_bot")}
    return links[employee_id].split("start=")[1]


async def _account_of(session: AsyncSession, employee_id: str) -> int | None:
    return await session.scalar(select(Employee.telegram_user_id).where(Employee.employee_id == employee_id))


async def _open_invites(session: AsyncSession, employee_id: str) -> int:
    query = (
        select(func.count())
        .select_from(Invite)
        .join(Employee, Employee.id == Invite.employee_id)
        .where(Employee.employee_id == employee_id, Invite.used_at.is_(None))
    )
    return int(await session.scalar(query) or 0)


async def _dana(session: AsyncSession) -> EmployeeDTO:
    return (await EmployeeRepo(session).by_external_ids(["E1"]))["E1"]


async def _by_contact(session: AsyncSession, sender: int, phone: str = DANA_PHONE) -> JoinResult:
    return await people.join_by_contact(
        session, sender_id=sender, contact_user_id=sender, phone=phone, now=NOW
    )


async def test_a_join_by_contact_closes_the_persons_invite(session: AsyncSession, today: date) -> None:
    """The attack: Dana joined by her contact, her printed link stayed open, and whoever
    opened it became Dana ("Welcome, …") while her own account was unbound."""
    await _import(session, today)
    token = await _link_of(session, "E1")
    assert (await _by_contact(session, OWNER)).outcome is JoinOutcome.JOINED
    assert await _open_invites(session, "E1") == 0
    stolen = await people.join_by_invite(session, token, THIEF, NOW)
    assert stolen == JoinResult(JoinOutcome.UNKNOWN_LINK)
    assert await _account_of(session, "E1") == OWNER
    assert await EmployeeRepo(session).by_telegram_id(THIEF) is None


async def test_a_leftover_invite_never_moves_a_joined_person(session: AsyncSession, today: date) -> None:
    """A link left open before this fix (or by any other path) meets the binding's own guard."""
    await _import(session, today)
    token = await _link_of(session, "E1")
    repo = EmployeeRepo(session)
    dana = (await repo.by_external_ids(["E1"]))["E1"]
    assert await repo.bind_telegram(dana.id, OWNER, NOW)  # joined without using the link
    assert await _open_invites(session, "E1") == 1

    stolen = await people.join_by_invite(session, token, THIEF, NOW)
    assert stolen == JoinResult(JoinOutcome.BOUND_ELSEWHERE)  # no name, no person for the stranger
    assert await _account_of(session, "E1") == OWNER
    assert await repo.by_telegram_id(THIEF) is None
    assert await _open_invites(session, "E1") == 0  # and the leftover is closed now
    assert (await people.join_by_invite(session, token, THIEF, NOW)).outcome is JoinOutcome.UNKNOWN_LINK
    assert not await repo.bind_telegram(dana.id, THIEF, NOW)
    assert await _account_of(session, "E1") == OWNER


async def test_the_owner_opening_a_leftover_link_stays_joined(session: AsyncSession, today: date) -> None:
    await _import(session, today)
    token = await _link_of(session, "E1")
    await _by_contact(session, OWNER)
    session.add(Invite(token="leftover-token-of-dana-0001", employee_id=(await _dana(session)).id))
    again = await people.join_by_invite(session, "leftover-token-of-dana-0001", OWNER, NOW)
    assert again.outcome is JoinOutcome.ALREADY_JOINED and again.employee is not None
    assert again.employee.employee_id == "E1"
    assert (await people.join_by_invite(session, token, OWNER, NOW)).outcome is JoinOutcome.ALREADY_JOINED
    assert await _account_of(session, "E1") == OWNER


async def test_a_join_by_invite_closes_every_other_invite(session: AsyncSession, today: date) -> None:
    await _import(session, today)
    token = await _link_of(session, "E1")
    session.add(Invite(token="second-link-of-dana-0000001", employee_id=(await _dana(session)).id))
    assert (await people.join_by_invite(session, token, OWNER, NOW)).outcome is JoinOutcome.JOINED
    assert await _open_invites(session, "E1") == 0
    stolen = await people.join_by_invite(session, "second-link-of-dana-0000001", THIEF, NOW)
    assert stolen.outcome is JoinOutcome.UNKNOWN_LINK
    assert await _account_of(session, "E1") == OWNER


async def test_a_contact_never_rebinds_a_joined_person(session: AsyncSession, today: date) -> None:
    """Someone whose own Telegram account carries Dana's number (a recycled SIM, a second
    account) shares it: Dana, joined by her link, stays on her account."""
    await _import(session, today)
    assert (await people.join_by_invite(session, await _link_of(session, "E1"), OWNER, NOW)).employee
    taken = await _by_contact(session, THIEF)
    assert taken == JoinResult(JoinOutcome.BOUND_ELSEWHERE)
    assert await _account_of(session, "E1") == OWNER
    assert await EmployeeRepo(session).by_telegram_id(THIEF) is None


async def test_hr_unbinds_explicitly_and_it_is_audited(session: AsyncSession, today: date) -> None:
    await _import(session, today)
    await _by_contact(session, OWNER)
    unbound = await people.unbind_person(session, HR, "E1", NOW)
    assert unbound.outcome is UnbindOutcome.UNBOUND
    assert await _account_of(session, "E1") is None
    entry = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.unbind"))).one()
    assert (entry.actor_telegram_id, entry.object_type, entry.object_id) == (
        HR.telegram_user_id,
        "employee",
        "E1",
    )
    assert entry.details is not None and json.loads(entry.details) == {"telegram_user_id": OWNER}

    # Her new phone's account joins with a new personal link.
    assert (await people.join_by_invite(session, await _link_of(session, "E1"), THIEF, NOW)).employee
    assert await _account_of(session, "E1") == THIEF

    assert (await people.unbind_person(session, HR, "E2", NOW)).outcome is UnbindOutcome.NOT_BOUND
    assert (await people.unbind_person(session, HR, "NOBODY", NOW)).outcome is UnbindOutcome.UNKNOWN
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1


async def _in_own_transaction(engine: AsyncEngine, start: asyncio.Event, join: str, token: str) -> JoinResult:
    async with create_sessionmaker(engine)() as session, session.begin():
        await start.wait()
        if join == "invite":
            return await people.join_by_invite(session, token, THIEF, NOW)
        return await _by_contact(session, OWNER)


async def test_two_accounts_joining_as_one_person_at_once(engine: AsyncEngine, today: date) -> None:
    """A link and a contact for the same person in two transactions at the same moment: one
    account gets the person, the other is refused, and nothing is half-moved."""
    async with create_sessionmaker(engine)() as session, session.begin():
        await _import(session, today)
        token = await _link_of(session, "E1")
    start = asyncio.Event()
    both = asyncio.gather(
        _in_own_transaction(engine, start, "invite", token),
        _in_own_transaction(engine, start, "contact", token),
    )
    await asyncio.sleep(0.05)
    start.set()
    by_invite, by_contact = await both
    outcomes = {by_invite.outcome, by_contact.outcome}
    assert JoinOutcome.JOINED in outcomes and len(outcomes) == 2, outcomes
    assert outcomes - {JoinOutcome.JOINED} <= {JoinOutcome.BOUND_ELSEWHERE, JoinOutcome.UNKNOWN_LINK}
    winner = THIEF if by_invite.outcome is JoinOutcome.JOINED else OWNER
    async with create_sessionmaker(engine)() as session:
        assert await _account_of(session, "E1") == winner
        assert await _open_invites(session, "E1") == 0
