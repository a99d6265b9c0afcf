"""Results HR delivers in writing to people who left the body (000 clause 11, second part).

When an evaluator submits the sheet of a dismissed person the bot sends them nothing (they no
longer use it) and records instead that HR owes them a written notice within two working days.
HR lists those notices, prints each letter (bot/quarterly/letter_pdf.py) and records how, when
and under what reference it was sent; the 5 working days to disagree (clause 12) run from that
day. The list and the letters show results: HR only (clause 20), checked by the callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import local_naive
from bot.kernel.workdays import WorkCalendar
from bot.quarterly.appeals import window_closes
from bot.quarterly.rules import Absence
from bot.quarterly.written_rules import Channel, DeliveryRefusal, check_delivery, written_notice_due
from bot.staff.access import Actor, audit
from storage.quarterly import SheetDTO
from storage.written_notices import WrittenNoticeDTO, WrittenNoticeRepo

__all__ = [
    "Channel",
    "DeliveryOutcome",
    "DeliveryRefusal",
    "WrittenNoticeDTO",
    "WrittenNoticeRow",
    "needs_written_notice",
    "notices",
    "record_delivery",
    "require_written_notice",
]


def needs_written_notice(sheet: SheetDTO) -> bool:
    """Dismissed before the deadline (clause 6, known at the round's start), or gone since."""
    return sheet.absence == Absence.DISMISSED or not sheet.employee.active or sheet.left_on is not None


async def require_written_notice(
    session: AsyncSession, sheet: SheetDTO, *, submitted_on: date, calendar: WorkCalendar, now: datetime
) -> date:
    """Record that HR owes this submitted sheet's person a written notice; returns its due day."""
    due = written_notice_due(submitted_on, calendar)
    await WrittenNoticeRepo(session).add(sheet.id, due, now)
    return due


@dataclass(frozen=True, slots=True)
class WrittenNoticeRow:
    notice: WrittenNoticeDTO
    overdue: bool  # not sent and past its due day
    appeal_closes: date | None  # the last day to apply, once delivered


async def notices(
    session: AsyncSession, *, today: date, calendar: WorkCalendar, pending_only: bool = False
) -> list[WrittenNoticeRow]:
    rows = []
    for notice in await WrittenNoticeRepo(session).listed(pending_only=pending_only):
        closes = window_closes(notice.sent_on, calendar) if notice.sent_on is not None else None
        rows.append(WrittenNoticeRow(notice, notice.sent_on is None and today > notice.due_on, closes))
    return rows


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    refusal: DeliveryRefusal | None = None
    unknown: bool = False  # no such notice
    already: bool = False  # recorded before
    appeal_closes: date | None = None


async def record_delivery(
    session: AsyncSession,
    actor: Actor,
    sheet_id: int,
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
    notice = await repo.get(sheet_id)
    if notice is None or notice.submitted_at is None:
        return DeliveryOutcome(unknown=True)
    if notice.sent_on is not None:
        return DeliveryOutcome(already=True, appeal_closes=window_closes(notice.sent_on, calendar))
    evaluated_on = local_naive(notice.submitted_at, zone).date()
    refusal = check_delivery(sent_on, reference, evaluated_on=evaluated_on, today=today)
    if refusal is not None:
        return DeliveryOutcome(refusal=refusal)
    stored = await repo.record(
        sheet_id,
        channel=channel.value,
        sent_on=sent_on,
        reference=reference.strip(),
        recorded_by=actor.telegram_user_id,
        now=now,
    )
    if not stored:  # recorded by someone else meanwhile
        return DeliveryOutcome(already=True)
    await audit(
        session,
        actor,
        "quarter.written_notice",
        "sheet",
        sheet_id,
        at=now,
        details={"channel": channel.value, "sent_on": sent_on.isoformat(), "late": sent_on > notice.due_on},
    )
    return DeliveryOutcome(appeal_closes=window_closes(sent_on, calendar))
