"""Deadline reminders that keep themselves (clause 4 and the round's deadline).

A planner, run by the bot's scheduler every few minutes and at start, makes sure every
person with work left in a running round has an outbox row for each reminder still ahead
(3 working days and 1 working day before the deadline, the deadline's morning), due at
09:00 local time on a working day. The rows are in the database, so reminders survive
restarts (one that came due while the bot was down goes out once when it is back); the outbox's
unique key and its claiming make them idempotent, even with two bot instances; a deadline
moved later moves the pending rows with it. When a reminder is due, it is composed afresh:
someone who has finished meanwhile gets nothing.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_naive, utc_from_local
from bot.domain.access import Role
from bot.domain.reminders import CLOSES, OPENS, deadline_reminders, next_send_slot
from bot.domain.workdays import WorkCalendar
from bot.services.calibration import APPEAL_DUE, VOTE_DUE, deciders
from bot.services.quarterly import RESULT_AGAIN
from storage.appeals import AppealRepo
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo
from storage.roles import RoleRepo


async def plan_reminders(session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo, now: datetime) -> int:
    """Queue the reminders still ahead in every running round; returns how many rows were
    planned (queued anew or moved)."""
    repo, outbox = ReminderRepo(session), OutboxRepo(session)
    planned = 0
    for campaign in await repo.running():
        opened = local_naive(campaign.started_at or now, zone)
        due = deadline_reminders(campaign.deadline, calendar, opened_at=opened)
        if not due:
            continue
        people = await repo.with_work_left(campaign)
        for reminder in due:
            # Whoever has finished since the last run is owed nothing.
            await outbox.drop_pending(reminder.reminder.value, campaign.id, keep=people)
            if people:
                moment = utc_from_local(next_send_slot(reminder.at, calendar), zone)
                await outbox.schedule(people, reminder.reminder.value, campaign.id, moment)
                planned += len(people)
    planned += await _plan_result_reminders(session, calendar, zone)
    planned += await _plan_hr_notices(session, calendar, zone, now)
    planned += await _plan_calibration_reminders(session, calendar, zone)
    return planned


async def _plan_calibration_reminders(session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo) -> int:
    """The deciders on the last day of clause 38's 3 working days if they have not decided; the
    members who have not voted on the session's morning."""
    appeals, outbox, planned = AppealRepo(session), OutboxRepo(session), 0
    for appeal in await appeals.open():
        if appeal.status == "filed":
            moment = next_send_slot(datetime.combine(appeal.decide_by, OPENS), calendar)
            await outbox.schedule_chats(
                await deciders(session), APPEAL_DUE, appeal.id, utc_from_local(moment, zone)
            )
            planned += 1
        elif appeal.session_at is not None:
            waiting = [m.employee_id for m in await appeals.members(appeal.id) if m.score is None]
            await outbox.drop_pending(VOTE_DUE, appeal.id, keep=waiting)
            if waiting:
                day = local_naive(appeal.session_at, zone).date()
                moment = next_send_slot(datetime.combine(day, OPENS), calendar)
                await outbox.schedule(waiting, VOTE_DUE, appeal.id, utc_from_local(moment, zone))
                planned += len(waiting)
    return planned


async def _plan_hr_notices(
    session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo, now: datetime
) -> int:
    """HR's role holders: a digest each working day while rounds run, and an alert once a
    round's deadline has passed with work left."""
    running = await ReminderRepo(session).running()
    roles = RoleRepo(session)
    accounts = sorted(set(await roles.holders(Role.HR)) | set(await roles.holders(Role.HR_HEAD)))
    if not running or not accounts:
        return 0
    local, outbox, planned = local_naive(now, zone), OutboxRepo(session), 0
    today = local.date()
    # Today's digest only while today's window is open, so that it never goes out tomorrow.
    if calendar.is_working_day(today) and local.time() < CLOSES:
        moment = utc_from_local(max(datetime.combine(today, OPENS), local), zone)
        await outbox.schedule_chats(accounts, HR_DIGEST, today.toordinal(), moment)
        planned += len(accounts)
    alert_at = utc_from_local(next_send_slot(local, calendar), zone)
    for campaign in running:
        if campaign.deadline < today and await ReminderRepo(session).with_work_left(campaign):
            await outbox.schedule_chats(accounts, DEADLINE_PASSED, campaign.id, alert_at)
            planned += len(accounts)
    return planned


ACKNOWLEDGE_WITHIN = 2  # working days (clause 11)
HR_DIGEST = "hr_digest"  # to HR's role holders: the running rounds (ref: the day's ordinal)
DEADLINE_PASSED = "deadline_passed"  # to HR's role holders: work left after it (ref: the round)


async def _plan_result_reminders(session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo) -> int:
    """A result still unread 2 working days after it was sent is sent again, once."""
    outbox, planned = OutboxRepo(session), 0
    for sheet_id, person_pk, submitted_at in await ReminderRepo(session).unread_results():
        sent_on = local_naive(submitted_at, zone)
        due = datetime.combine(calendar.add(sent_on.date(), ACKNOWLEDGE_WITHIN), time(9, 0))
        moment = utc_from_local(next_send_slot(due, calendar), zone)
        await outbox.schedule([person_pk], RESULT_AGAIN, sheet_id, moment)
        planned += 1
    return planned
