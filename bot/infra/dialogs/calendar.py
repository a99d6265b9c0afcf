"""A calendar of working days: aiogram-dialog's ``Calendar`` with month and weekday names in
the reader's language (kk, ru, en, from CLDR through babel), the days that may be chosen shown
by their number and every other day as "·": days off and holidays by the bot's working-day
calendar (bot/kernel/workdays.py, the one ``calendar`` the dispatcher holds), past days (unless
the wizard asks for a day that has passed: ``past=True``) and days outside the range the wizard
allows. A press on such a day (an old page of the calendar,
a day off) is refused with the reason; the wizard's own handler sees only days it may take.

The range comes from the wizard (``bounds``); today from the bot's clock, never the machine's.
Only what may be chosen is drawn: a week with no day of the range in it is left out, and so is a
month (to page to, or in the month and year lists behind 🔍) with no day that may be chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import ChatEvent, DialogManager
from aiogram_dialog.widgets.kbd import Calendar, CalendarScope, ManagedCalendar
from aiogram_dialog.widgets.kbd.calendar_kbd import (
    CalendarConfig,
    CalendarDaysView,
    CalendarMonthView,
    CalendarScopeView,
    CalendarUserConfig,
    CalendarYearsView,
    OnDateSelected,
)
from aiogram_dialog.widgets.text import Const, Format, Text
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
        year = Format("{date:%Y}")  # the library marks the machine's year; the range says enough
        views: dict[CalendarScope, CalendarScopeView] = {
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
            CalendarScope.YEARS: CalendarYearsView(
                self._item_callback_data, year_text=year, this_year_text=year
            ),
        }
        return {scope: _WithoutBlankRows(view) for scope, view in views.items()}

    def shown(self, manager: DialogManager) -> DayRange:
        """The days drawn: the allowed ones, less the months at either end that hold no day that
        may be chosen (the range ends on 2 January, a holiday: January is not offered)."""
        first, last = self.allowed(manager)
        earliest, latest = first, last
        while earliest < last and not self.selectable(earliest, manager):
            earliest += timedelta(days=1)
        while latest > earliest and not self.selectable(latest, manager):
            latest -= timedelta(days=1)
        if not self.selectable(earliest, manager):  # nothing to choose: the range as it is
            return DayRange(first, last)
        month_end = (latest.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return DayRange(max(first, earliest.replace(day=1)), min(last, month_end))

    async def _get_user_config(self, data: dict[str, Any], manager: DialogManager) -> CalendarUserConfig:
        first, last = self.shown(manager)
        return CalendarUserConfig(firstweekday=0, min_date=first, max_date=last)

    def get_offset(self, manager: DialogManager) -> date | None:
        """The month shown: the one paged to, else the first allowed day's, or for a day that
        may have passed today's, within the range (never the machine's today, the library's
        default). Paged past the range (a year forward from December in the month list lands on
        a December after it), the range's nearest month."""
        offset = super().get_offset(manager)
        first, last = self.shown(manager)
        if offset is None:
            return min(max(_today(manager), first), last) if self.past else first
        if offset < first.replace(day=1):
            return first
        return min(offset, last.replace(day=1))


def _blank(button: InlineKeyboardButton) -> bool:
    """The library's filler: a day outside the range or the month, a month or year outside it."""
    return not button.text.strip() and not button.callback_data


class _WithoutBlankRows(CalendarScopeView):
    """One of the library's views, less its rows that show nothing: the weeks after the range's
    last day (or before its first), the rows of months or years outside it, and the pager's
    row when there is no other month to page to."""

    def __init__(self, view: CalendarScopeView) -> None:
        self.view = view

    async def render(
        self, config: CalendarConfig, offset: date, data: dict[str, Any], manager: DialogManager
    ) -> list[list[InlineKeyboardButton]]:
        rows = await self.view.render(config, offset, data, manager)
        return [row for row in rows if not all(_blank(button) for button in row)]


class _Day(Text):
    def __init__(self, calendar: WorkdayCalendar) -> None:
        super().__init__()
        self.calendar = calendar

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        day: date = data["date"]
        return str(day.day) if self.calendar.selectable(day, manager) else OFF
