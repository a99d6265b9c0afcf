"""When deadline reminders go out. Pure: times are local (the organisation's time zone),
naive, and given as arguments.

Reminders are sent 3 working days and 1 working day before a deadline and on the deadline's
morning (the last working day on or before it, when it falls on a day off), and only on
working days between 09:00 and 19:00: one due at night or on a holiday waits for the next
working morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.kernel.workdays import WorkCalendar

OPENS, CLOSES = time(9, 0), time(19, 0)


class Reminder(StrEnum):
    """Which reminder of a deadline; also the outbox kind it is delivered as."""

    THREE_DAYS = "remind_3d"
    ONE_DAY = "remind_1d"
    DEADLINE_DAY = "remind_due"


# The same reminders of a quarterly sheet that has its own due day (an absent head's KPIs,
# 002 clause 5), sent to its evaluator: the outbox kind of each (ref: the sheet).
SHEET_REMINDERS = {reminder: f"sheet_{reminder.value}" for reminder in Reminder}


@dataclass(frozen=True, slots=True)
class Due:
    reminder: Reminder
    at: datetime  # local, naive


def in_working_hours(moment: datetime, calendar: WorkCalendar) -> bool:
    """A working day, between 09:00 and 19:00."""
    return calendar.is_working_day(moment.date()) and OPENS <= moment.time() < CLOSES


def next_send_slot(moment: datetime, calendar: WorkCalendar) -> datetime:
    """``moment`` if a message may go out then, else the next working day's 09:00."""
    day = moment.date()
    if in_working_hours(moment, calendar):
        return moment
    if calendar.is_working_day(day) and moment.time() < OPENS:
        return datetime.combine(day, OPENS)
    return datetime.combine(calendar.on_or_after(day + timedelta(days=1)), OPENS)


def deadline_reminders(deadline: date, calendar: WorkCalendar, *, opened_at: datetime) -> list[Due]:
    """The reminders of a deadline that fall after the round opened (earlier ones are not
    sent late: the opening notice already told everyone the deadline)."""
    last_day = calendar.on_or_before(deadline)
    wanted = (
        (Reminder.THREE_DAYS, calendar.add(last_day, -3)),
        (Reminder.ONE_DAY, calendar.add(last_day, -1)),
        (Reminder.DEADLINE_DAY, last_day),
    )
    return [
        Due(reminder, datetime.combine(day, OPENS))
        for reminder, day in wanted
        if datetime.combine(day, OPENS) > opened_at
    ]
