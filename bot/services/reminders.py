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

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.reminders import deadline_reminders, next_send_slot
from bot.domain.workdays import WorkCalendar
from storage.outbox import OutboxRepo
from storage.reminders import ReminderRepo


async def plan_reminders(session: AsyncSession, calendar: WorkCalendar, zone: ZoneInfo, now: datetime) -> int:
    """Queue the reminders still ahead in every running round; returns how many rows were
    planned (queued anew or moved)."""
    repo, outbox = ReminderRepo(session), OutboxRepo(session)
    planned = 0
    for campaign in await repo.running():
        opened = (campaign.started_at or now).astimezone(zone).replace(tzinfo=None)
        due = deadline_reminders(campaign.deadline, calendar, opened_at=opened)
        if not due:
            continue
        people = await repo.with_work_left(campaign)
        for reminder in due:
            # Whoever has finished since the last run is owed nothing.
            await outbox.drop_pending(reminder.reminder.value, campaign.id, keep=people)
            if people:
                moment = next_send_slot(reminder.at, calendar).replace(tzinfo=zone).astimezone(UTC)
                await outbox.schedule(people, reminder.reminder.value, campaign.id, moment)
                planned += len(people)
    return planned
