"""Results HR delivers in writing to people who left the body (000 clause 11, second part).

When an evaluator submits the sheet of a dismissed person the bot sends them nothing (they no
longer use it) and records instead that HR owes them a written notice within two working days.
A 360 round's result (bot/survey360/rounds.py) and a 2018-method year's (bot/legacy2018/
commission.py) given to someone who left are recorded the same way where the profile says so.
HR lists those notices of every kind, prints each letter (bot/reports/files.py) and records how,
when and under what reference it was sent; for a quarterly result the 5 working days to disagree
(clause 12) run from that day. The list and the letters show results: HR only (clause 20),
checked by the callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import local_naive
from bot.kernel.leaving import owed_in_writing
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from bot.quarterly.appeals import window_closes
from bot.quarterly.rules import Absence
from bot.quarterly.written_rules import (
    ACQUAINT_WITHIN,
    Channel,
    DeliveryRefusal,
    check_delivery,
    written_notice_due,
)
from bot.staff.access import Actor, audit
from storage.quarterly import SheetDTO
from storage.written_notices import WrittenNoticeDTO, WrittenNoticeRepo

__all__ = [
    "Channel",
    "DeliveryOutcome",
    "DeliveryRefusal",
    "WrittenNoticeDTO",
    "WrittenNoticeRow",
    "audit_action",
    "audit_target",
    "needs_written_notice",
    "notice",
    "notices",
    "record_delivery",
    "require_written_notice",
]


def needs_written_notice(sheet: SheetDTO, profile: Profile) -> bool:
    """Dismissed before the deadline (clause 6, known at the round's start), or gone since, where
    the round's methodology acquaints them in writing (``acquaintance.dismissed_in_writing``:
    kz-2024's clause 11 has the second part, kz-2023's has not), as for a 360 or 2018 result."""
    if sheet.absence == Absence.DISMISSED:
        return profile.dismissed_in_writing
    return owed_in_writing(profile, active=sheet.employee.active, left_on=sheet.left_on)


async def require_written_notice(
    session: AsyncSession,
    sheet: SheetDTO,
    *,
    submitted_on: date,
    calendar: WorkCalendar,
    now: datetime,
    within: int = ACQUAINT_WITHIN,
) -> date:
    """Record that HR owes this submitted sheet's person a written notice; returns its due day."""
    due = written_notice_due(submitted_on, calendar, within)
    await WrittenNoticeRepo(session).add(sheet.id, due, now)
    return due


@dataclass(frozen=True, slots=True)
class WrittenNoticeRow:
    notice: WrittenNoticeDTO
    overdue: bool  # not sent and past its due day
    appeal_closes: date | None  # the last day to apply, once a quarterly result is delivered


async def notices(
    session: AsyncSession, *, today: date, calendar: WorkCalendar, pending_only: bool = False
) -> list[WrittenNoticeRow]:
    rows = []
    for notice in await WrittenNoticeRepo(session).listed(pending_only=pending_only):
        closes = _appeal_closes(notice, notice.sent_on, calendar)
        rows.append(WrittenNoticeRow(notice, notice.sent_on is None and today > notice.due_on, closes))
    return rows


def _appeal_closes(notice: WrittenNoticeDTO, sent_on: date | None, calendar: WorkCalendar) -> date | None:
    """Only a quarterly result can be appealed in the bot (clause 12, a calibration session); the
    2018 method's appeal goes to the civil service agency within days of the decision (004 clause
    43), and the bot takes no appeal against a 360 result."""
    if notice.kind != "quarter" or sent_on is None:
        return None
    return window_closes(sent_on, calendar)


# What the audit log names for each kind of result: the action's prefix and the object.
_AUDIT: dict[str, tuple[str, str]] = {
    "quarter": ("quarter", "sheet"),
    "360": ("round", "subject"),
    "2018": ("legacy", "legacy_sheet"),
}


def audit_action(notice: WrittenNoticeDTO, what: str) -> str:
    """``quarter.written_notice``, ``round.written_letter``, …: ``what`` is written_notice (the
    delivery recorded) or written_letter (the letter downloaded)."""
    return f"{_AUDIT[notice.kind][0]}.{what}"


def audit_target(notice: WrittenNoticeDTO) -> tuple[str, int]:
    """The audited object: the result the notice is about (the sheet for a quarterly one)."""
    ref = notice.sheet_id or notice.subject_id or notice.legacy_sheet_id
    assert ref is not None
    return _AUDIT[notice.kind][1], ref


async def notice(session: AsyncSession, notice_id: int) -> WrittenNoticeDTO | None:
    return await WrittenNoticeRepo(session).get(notice_id)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    refusal: DeliveryRefusal | None = None
    unknown: bool = False  # no such notice
    already: bool = False  # recorded before
    appeal_closes: date | None = None


async def record_delivery(
    session: AsyncSession,
    actor: Actor,
    notice_id: int,
    *,
    channel: Channel,
    sent_on: date,
    reference: str,
    today: date,
    now: datetime,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> DeliveryOutcome:
    repo = WrittenNoticeRepo(session)
    notice = await repo.get(notice_id)
    if notice is None or notice.submitted_at is None:
        return DeliveryOutcome(unknown=True)
    if notice.sent_on is not None:
        return DeliveryOutcome(already=True, appeal_closes=_appeal_closes(notice, notice.sent_on, calendar))
    evaluated_on = local_naive(notice.submitted_at, zone).date()
    refusal = check_delivery(sent_on, reference, evaluated_on=evaluated_on, today=today)
    if refusal is not None:
        return DeliveryOutcome(refusal=refusal)
    stored = await repo.record(
        notice_id,
        channel=channel.value,
        sent_on=sent_on,
        reference=reference.strip(),
        recorded_by=actor.telegram_user_id,
        now=now,
    )
    if not stored:  # recorded by someone else meanwhile
        return DeliveryOutcome(already=True)
    target, ref = audit_target(notice)
    await audit(
        session,
        actor,
        audit_action(notice, "written_notice"),
        target,
        ref,
        at=now,
        details={"channel": channel.value, "sent_on": sent_on.isoformat(), "late": sent_on > notice.due_on},
    )
    return DeliveryOutcome(appeal_closes=_appeal_closes(notice, sent_on, calendar))
