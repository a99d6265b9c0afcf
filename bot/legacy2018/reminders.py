"""The 2018 method's own deadlines, kept by the deadline keeper (bot/deadlines/keeper.py):

* the plan, set within 10 working days after the year begins (004 clause 9): the direct
  managers with plans never submitted are reminded 3 working days and 1 working day before its
  last day and on its morning, like a round's deadline (none before the round was started);
* a plan (clause 12) or KPI sheet (clause 23) returned for correction comes back within 2
  working days: the direct manager is reminded on the morning of the last day, and HR is told the
  next working morning if it has not come back;
* someone absent during the evaluation is evaluated within 5 working days of being back
  (clause 4): their direct manager is reminded on the morning of that last day while the sheets
  are not ready for the commission.

Rows carry ids only and are composed when due (bot/legacy2018/notices.py), as things then stand:
a plan submitted meanwhile is owed no reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deadlines.rules import OPENS, Reminder, deadline_reminders, next_send_slot
from bot.kernel.clock import local_naive, utc_from_local
from bot.kernel.workdays import WorkCalendar
from bot.legacy2018.rules import plan_due
from bot.legacy2018.service import PLAN_DAYS, ready_for_commission, rules_of
from storage.legacy2018 import LegacyRepo, LegacySheetDTO
from storage.outbox import OutboxRepo

# Outbox kinds. To a direct manager about their plans not yet submitted (ref: the round):
LEGACY_PLAN_REMINDERS = {
    Reminder.THREE_DAYS: "legacy_plan_3d",
    Reminder.ONE_DAY: "legacy_plan_1d",
    Reminder.DEADLINE_DAY: "legacy_plan_due",
}
LEGACY_BACK_DUE = "legacy_back_due"  # to the direct manager: today it must come back (ref: the sheet)
LEGACY_BACK_OVERDUE = "legacy_back_overdue"  # to HR's role holders: it has not (ref: the sheet)
LEGACY_ABSENCE_DUE = (
    "legacy_absence_due"  # to the direct manager: the absent person's last day (ref: the sheet)
)


def returned_by(sheet: LegacySheetDTO) -> date | None:
    """The last day a returned plan or KPI sheet must come back; None when none is returned."""
    if "returned" in (sheet.plan_status, sheet.kpi_status):
        return sheet.resubmit_by
    return None


async def plan_legacy_reminders(
    session: AsyncSession,
    hr_accounts: Sequence[int],
    calendar: WorkCalendar,
    zone: ZoneInfo,
    now: datetime,
) -> int:
    """Queue the reminders of every running year under the 2018 method; returns how many rows
    were planned (queued anew or moved)."""
    repo, outbox, planned = LegacyRepo(session), OutboxRepo(session), 0
    for campaign in await repo.running_rounds():
        opened = local_naive(campaign.started_at or now, zone)
        for due in deadline_reminders(
            plan_due(campaign.year, calendar, PLAN_DAYS), calendar, opened_at=opened
        ):
            kind = LEGACY_PLAN_REMINDERS[due.reminder]
            writers = repo.plan_writers(campaign.id)
            await outbox.drop_pending(kind, campaign.id, keep=writers)
            managers = sorted(pk for pk in await session.scalars(writers) if pk is not None)
            if managers:
                moment = utc_from_local(next_send_slot(due.at, calendar), zone)
                await outbox.schedule(managers, kind, campaign.id, moment)
                planned += len(managers)
        _profile, rules = rules_of(campaign)
        for sheet in await repo.with_own_deadline(campaign.id):
            if sheet.evaluator_id is None:
                continue
            last_day = returned_by(sheet)
            if last_day is not None:
                morning = utc_from_local(next_send_slot(datetime.combine(last_day, OPENS), calendar), zone)
                await outbox.schedule_renewable(
                    LEGACY_BACK_DUE, sheet.id, morning, recipients=[sheet.evaluator_id]
                )
                after = datetime.combine(calendar.add(last_day, 1), OPENS)
                overdue = utc_from_local(next_send_slot(after, calendar), zone)
                await outbox.schedule_renewable(LEGACY_BACK_OVERDUE, sheet.id, overdue, chats=hr_accounts)
                planned += 1 + len(hr_accounts)
            if sheet.absence_due is not None and not ready_for_commission(sheet, rules):
                morning = utc_from_local(
                    next_send_slot(datetime.combine(sheet.absence_due, OPENS), calendar), zone
                )
                await outbox.schedule_renewable(
                    LEGACY_ABSENCE_DUE, sheet.id, morning, recipients=[sheet.evaluator_id]
                )
                planned += 1
    return planned
