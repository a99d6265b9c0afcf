"""Staff import and joining the bot (invite links, shared contact)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.cells import csv_text
from bot.staff.access import Actor, audit
from bot.staff.rules import StaffValidation, normalise_phone
from storage.dto import EmployeeDTO, ImportSummary
from storage.roles import AccountRepo
from storage.staff.employees import EmployeeRepo
from storage.staff.invites import InviteRepo


async def import_staff(
    session: AsyncSession, validation: StaffValidation, today: date
) -> ImportSummary | None:
    """Import a validated staff list; a list with any error imports nothing (None)."""
    if not validation.ok:
        return None
    return await EmployeeRepo(session).import_records(validation.records, today)


@dataclass(frozen=True, slots=True)
class InviteLink:
    employee_id: str
    full_name: str
    link: str


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def invites_csv(links: Sequence[InviteLink]) -> str:
    """employee_id,full_name,link — what HR hands out by e-mail or on paper; the ids and names
    came from an uploaded file, so they are written as text that no spreadsheet runs."""
    rows = [(link.employee_id, link.full_name, link.link) for link in links]
    return csv_text([("employee_id", "full_name", "link"), *rows])


async def invite_links(session: AsyncSession, bot_username: str) -> list[InviteLink]:
    """A personal single-use link for every active person who has not joined yet."""
    invites = InviteRepo(session)
    links = []
    for person in await EmployeeRepo(session).all(active_only=True):
        if person.telegram_user_id is None:
            token = await invites.unused_token(person.id)
            links.append(InviteLink(person.employee_id, person.full_name, deep_link(bot_username, token)))
    return links


class JoinOutcome(StrEnum):
    JOINED = "joined"
    ALREADY_JOINED = "already_joined"
    UNKNOWN_LINK = "unknown_link"  # never issued, or used already
    NOT_FOUND = "not_found"  # no active person with that phone
    AMBIGUOUS = "ambiguous"  # several people share the phone: HR must send an invite
    NOT_OWN_CONTACT = "not_own_contact"
    LEFT = "left"
    # The person is connected from another Telegram account: only HR can release it (/unbind).
    BOUND_ELSEWHERE = "bound_elsewhere"


@dataclass(frozen=True, slots=True)
class JoinResult:
    outcome: JoinOutcome
    employee: EmployeeDTO | None = None  # only for the person's own account: never a stranger


async def _bind(
    session: AsyncSession,
    employee: EmployeeDTO,
    telegram_user_id: int,
    telegram_locale: str | None,
    now: datetime,
) -> JoinResult:
    """Bind a person who has no account yet, and where the staff list gives no language take
    the person's Telegram one, so that notifications, sent with no update to read it from, use
    it too. Whatever happens, the person's open invites are closed: once they have joined, by
    link or by contact, a leftover link is only a way for someone else to take their place."""
    employees = EmployeeRepo(session)
    await InviteRepo(session).consume_all(employee.id, now)
    if employee.telegram_user_id == telegram_user_id:
        return JoinResult(JoinOutcome.ALREADY_JOINED, employee)
    if not await employees.bind_telegram(employee.id, telegram_user_id, now):
        return JoinResult(JoinOutcome.BOUND_ELSEWHERE)
    if employee.locale is None and telegram_locale is not None:
        await employees.set_locale(employee.id, telegram_locale)
    return JoinResult(JoinOutcome.JOINED, await employees.get(employee.id))


async def join_by_invite(
    session: AsyncSession,
    token: str,
    telegram_user_id: int,
    now: datetime,
    telegram_locale: str | None = None,
) -> JoinResult:
    employees = EmployeeRepo(session)
    current = await employees.by_telegram_id(telegram_user_id)
    employee_pk = await InviteRepo(session).redeem(token, now)
    if employee_pk is None:
        if current is not None:
            return JoinResult(JoinOutcome.ALREADY_JOINED, current)
        return JoinResult(JoinOutcome.UNKNOWN_LINK)
    employee = await employees.get(employee_pk)
    if employee is None or not employee.active:
        return JoinResult(JoinOutcome.LEFT)
    return await _bind(session, employee, telegram_user_id, telegram_locale, now)


async def join_by_contact(
    session: AsyncSession,
    *,
    sender_id: int,
    contact_user_id: int | None,
    phone: str,
    now: datetime,
    telegram_locale: str | None = None,
) -> JoinResult:
    """Bind by a shared phone contact; only the sender's own contact counts, or anyone could
    claim a colleague's identity by forwarding their contact card."""
    if contact_user_id != sender_id:
        return JoinResult(JoinOutcome.NOT_OWN_CONTACT)
    employees = EmployeeRepo(session)
    current = await employees.by_telegram_id(sender_id)
    if current is not None and current.active:
        return JoinResult(JoinOutcome.ALREADY_JOINED, current)
    normalised = normalise_phone(phone)
    matches = await employees.active_by_phone(normalised) if normalised else []
    if not matches:
        return JoinResult(JoinOutcome.NOT_FOUND)
    if len(matches) > 1:
        return JoinResult(JoinOutcome.AMBIGUOUS)
    return await _bind(session, matches[0], sender_id, telegram_locale, now)


class UnbindOutcome(StrEnum):
    UNBOUND = "unbound"
    NOT_BOUND = "not_bound"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class UnbindResult:
    outcome: UnbindOutcome
    employee: EmployeeDTO | None = None


async def unbind_person(session: AsyncSession, actor: Actor, employee_id: str, now: datetime) -> UnbindResult:
    """HR releases a person's Telegram account (a new phone, a lost or taken account), the only
    way a joined person is ever moved; written to the audit log with the account released.
    The person joins again with a new personal link (/invites)."""
    employees = EmployeeRepo(session)
    employee = (await employees.by_external_ids([employee_id])).get(employee_id)
    if employee is None:
        return UnbindResult(UnbindOutcome.UNKNOWN)
    released = await employees.unbind_telegram(employee.id)
    if released is None:
        return UnbindResult(UnbindOutcome.NOT_BOUND, employee)
    await audit(
        session,
        actor,
        "staff.unbind",
        "employee",
        employee.employee_id,
        at=now,
        details={"telegram_user_id": released},
    )
    return UnbindResult(UnbindOutcome.UNBOUND, employee)


async def preview_import(
    session: AsyncSession, validation: StaffValidation, today: date
) -> ImportSummary | None:
    """What importing would change, worked out by the import's own plan without writing
    anything: the preview can never disagree with the real import."""
    if not validation.ok:
        return None
    return await EmployeeRepo(session).import_summary(validation.records, today)


async def choose_language(
    session: AsyncSession, employee: EmployeeDTO | None, telegram_user_id: int, code: str
) -> None:
    """/language: kept on the person's record, or on the account of a role holder outside the
    staff list, so that notices the bot sends them later speak it too."""
    if employee is not None:
        await EmployeeRepo(session).set_locale(employee.id, code)
    else:
        await AccountRepo(session).set_locale(telegram_user_id, code)
