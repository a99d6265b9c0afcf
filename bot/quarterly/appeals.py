"""Disagreeing with a quarterly result (clause 12): within 5 working days of reading it, the
evaluated person applies for a calibration session in free form; the window closes by itself.
The authorised person (clause 38) is told at once and has 3 working days to decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calibration.service import deciders
from bot.kernel.clock import local_naive
from bot.kernel.workdays import WorkCalendar
from bot.quarterly.written_rules import acquainted_on
from bot.staff.access import Actor, audit
from storage.appeals import AppealRepo
from storage.dto import EmployeeDTO
from storage.outbox import OutboxRepo
from storage.quarterly import QuarterRepo
from storage.written_notices import WrittenNoticeRepo

APPEAL_WITHIN = 5  # working days from reading the result (clause 12)
DECIDE_WITHIN = 3  # working days for the authorised person (clause 38)
MAX_APPLICATION = 4000
APPEAL_FILED = "appeal_filed"  # to the authorised person(s): an application (ref: the appeal)


class AppealRefusal(StrEnum):
    NOT_YOURS = "not_yours"
    NOT_READ = "not_read"  # the window opens when the person has read the result
    WINDOW_CLOSED = "window_closed"
    ALREADY_FILED = "already_filed"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class AppealOutcome:
    refusal: AppealRefusal | None = None
    closes_on: date | None = None  # the window's last day
    decide_by: date | None = None


def window_closes(read_on: date, calendar: WorkCalendar) -> date:
    """The last day to apply: the 5th working day after the day the result was read."""
    return calendar.add(read_on, APPEAL_WITHIN)


def application_problem(text: str) -> AppealRefusal | None:
    """What is wrong with an application's text itself, told before its preview."""
    application = text.strip()
    if not application:
        return AppealRefusal.EMPTY
    if len(application) > MAX_APPLICATION:
        return AppealRefusal.TOO_LONG
    return None


async def check_appeal(
    session: AsyncSession,
    employee: EmployeeDTO,
    sheet_id: int,
    *,
    today: date,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> AppealOutcome:
    sheet = await QuarterRepo(session).sheet(sheet_id)
    if sheet is None or sheet.employee.id != employee.id or sheet.status != "submitted":
        return AppealOutcome(AppealRefusal.NOT_YOURS)
    read_on = local_naive(sheet.acknowledged_at, zone).date() if sheet.acknowledged_at else None
    # A person who left was acquainted in writing: the window runs from the delivery HR recorded.
    acquainted = acquainted_on(read_on, await WrittenNoticeRepo(session).delivered_on(sheet_id))
    if acquainted is None:
        return AppealOutcome(AppealRefusal.NOT_READ)
    closes = window_closes(acquainted, calendar)
    if today > closes:
        return AppealOutcome(AppealRefusal.WINDOW_CLOSED, closes_on=closes)
    if await AppealRepo(session).of_sheet(sheet_id) is not None:
        return AppealOutcome(AppealRefusal.ALREADY_FILED, closes_on=closes)
    return AppealOutcome(closes_on=closes)


async def file_appeal(
    session: AsyncSession,
    employee: EmployeeDTO,
    sheet_id: int,
    text: str,
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo,
    now: datetime,
    actor: Actor,
) -> AppealOutcome:
    today = local_naive(now, zone).date()
    checked = await check_appeal(session, employee, sheet_id, today=today, calendar=calendar, zone=zone)
    if checked.refusal is not None:
        return checked
    application = text.strip()
    if (problem := application_problem(application)) is not None:
        return AppealOutcome(problem)
    decide_by = calendar.add(today, DECIDE_WITHIN)
    appeal_id = await AppealRepo(session).file(sheet_id, application, now, decide_by)
    if appeal_id is None:
        return AppealOutcome(AppealRefusal.ALREADY_FILED)
    # The authorised person decides; without one configured, the head of HR is told instead.
    await OutboxRepo(session).schedule_chats(await deciders(session), APPEAL_FILED, appeal_id, now)
    await audit(session, actor, "appeal.file", "sheet", sheet_id, at=now)
    return AppealOutcome(closes_on=checked.closes_on, decide_by=decide_by)
