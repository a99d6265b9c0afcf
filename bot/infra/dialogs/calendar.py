"""A calendar of working days: aiogram-dialog's ``Calendar`` with month and weekday names in
the reader's language (kk, ru, en, from CLDR through babel), the days that may be chosen shown
by their number and every other day as "·": days off and holidays by the bot's working-day
calendar (bot/kernel/workdays.py, the one ``calendar`` the dispatcher holds), past days (unless
the wizard asks for a day that has passed: ``past=True``) and days outside the range the wizard
allows. A press on such a day (an old page of the calendar,
a day off) is refused with the reason; the wizard's own handler sees only days it may take.

The range comes from the wizard (``bounds``); today from the bot's clock, never the machine's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, DialogManager
from aiogram_dialog.widgets.kbd import Calendar, CalendarScope, ManagedCalendar
from aiogram_dialog.widgets.kbd.calendar_kbd import (
    CalendarDaysView,
    CalendarMonthView,
    CalendarScopeView,
    CalendarUserConfig,
    CalendarYearsView,
    OnDateSelected,
)
from aiogram_dialog.widgets.text import Const, Text
from babel.dates import get_day_names, get_month_names

from bot.infra.dialogs import refuse
from bot.infra.formatting import format_date
from bot.kernel.clock import Clock
from bot.kernel.workdays import WorkCalendar

OFF = "·"


class DayRange(NamedTuple):
    first: date
    last: date


Bounds = Callable[[DialogManager], DayRange]


def _locale() -> str:
    return get_i18n().current_locale


def _work_calendar(manager: DialogManager) -> WorkCalendar:
    calendar: WorkCalendar = manager.middleware_data["calendar"]
    return calendar


def _today(manager: DialogManager) -> date:
    clock: Clock = manager.middleware_data["clock"]
    return clock.today()


def month_name(day: date, locale: str) -> str:
    """The month's name as the calendar writes it, capitalised (Russian names are written small)."""
    month = str(get_month_names("wide", "stand-alone", locale=locale)[day.month])
    return month[:1].upper() + month[1:]


class _MonthName(Text):
    def __init__(self, pattern: str = "{month}") -> None:
        super().__init__()
        self.pattern = pattern

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return self.pattern.format(month=month_name(day, _locale()), year=day.year)


class _WeekdayName(Text):
    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return str(get_day_names("short", "stand-alone", locale=_locale())[day.weekday()]).title()


class WorkdayCalendar(Calendar):
    """Choose a working day within ``bounds``; ``on_click`` receives it. A day to come (a
    deadline, a sitting): days before today are never offered. With ``past=True``, a day that
    may have passed (the day a letter was sent, an appeal filed, an absence ended): the range is
    the wizard's alone, and the calendar opens on today's month, within it."""

    def __init__(self, id: str, on_click: OnDateSelected, bounds: Bounds, *, past: bool = False) -> None:
        self.bounds = bounds
        self.chosen = on_click
        self.past = past
        super().__init__(id=id, on_click=self._checked)

    def allowed(self, manager: DialogManager) -> DayRange:
        first, last = self.bounds(manager)
        return DayRange(first, last) if self.past else DayRange(max(first, _today(manager)), last)

    def selectable(self, day: date, manager: DialogManager) -> bool:
        first, last = self.allowed(manager)
        return first <= day <= last and self._may_be_off_or_working(day, first, last, manager)

    @staticmethod
    def _may_be_off_or_working(day: date, first: date, last: date, manager: DialogManager) -> bool:
        """A working day; or any day when the range holds no working day at all (then a day
        off is all there is to choose)."""
        calendar = _work_calendar(manager)
        return calendar.is_working_day(day) or calendar.on_or_after(first) > last

    async def _checked(
        self, event: ChatEvent, widget: ManagedCalendar, manager: DialogManager, day: date, /
    ) -> None:
        first, last = self.allowed(manager)
        if not first <= day <= last:
            await refuse(
                manager,
                _("Choose a day from {first} to {last}.").format(
                    first=format_date(first), last=format_date(last)
                ),
            )
        elif not self._may_be_off_or_working(day, first, last, manager):
            await refuse(
                manager,
                _("{date} is a day off. Choose a working day: the days shown with their number.").format(
                    date=format_date(day)
                ),
            )
        else:
            await self.chosen(event, widget, manager, day)

    # aiogram-dialog's hooks for a customised calendar (its example/mega/bot_dialogs/calendar.py).
    def _init_views(self) -> dict[CalendarScope, CalendarScopeView]:
        day = _Day(self)
        month = _MonthName()
        return {
            CalendarScope.DAYS: CalendarDaysView(
                self._item_callback_data,
                date_text=day,
                today_text=day,  # today is marked by the range, not by the machine's clock
                weekday_text=_WeekdayName(),
                header_text=_MonthName("🗓 {month} {year}"),
                zoom_out_text=Const("🔍"),
                prev_month_text=_MonthName("◀ {month}"),
                next_month_text=_MonthName("{month} ▶"),
            ),
            CalendarScope.MONTHS: CalendarMonthView(
                self._item_callback_data,
                month_text=month,
                this_month_text=month,
                header_text=_MonthName("🗓 {year}"),
            ),
            CalendarScope.YEARS: CalendarYearsView(self._item_callback_data),
        }

    async def _get_user_config(self, data: dict[str, Any], manager: DialogManager) -> CalendarUserConfig:
        first, last = self.allowed(manager)
        return CalendarUserConfig(firstweekday=0, min_date=first, max_date=last)

    def get_offset(self, manager: DialogManager) -> date | None:
        """The month shown: the one paged to, else the first allowed day's, or for a day that
        may have passed today's, within the range (never the machine's today, the library's
        default)."""
        offset = super().get_offset(manager)
        first, last = self.allowed(manager)
        if offset is None or not first.replace(day=1) <= offset <= last:
            return min(max(_today(manager), first), last) if self.past else first
        return offset


class _Day(Text):
    def __init__(self, calendar: WorkdayCalendar) -> None:
        super().__init__()
        self.calendar = calendar

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return str(day.day) if self.calendar.selectable(day, manager) else OFF
