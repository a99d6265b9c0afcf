"""Numbers and dates as people read them in each language."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

# The locale of what is drawn or said; here too, where the formatting helpers always were.
from bot.infra.translation import current_locale as current_locale
from bot.kernel.clock import local_naive


def format_date(day: date) -> str:
    """DD.MM.YYYY: how dates are written in Kazakhstan, whatever the language."""
    return day.strftime("%d.%m.%Y")


KAZAKHSTAN_TIME = ZoneInfo("Asia/Almaty")


def local_time(moment: datetime) -> datetime:
    """A stored moment as the clock in Kazakhstan showed it, without a time zone."""
    return local_naive(moment, KAZAKHSTAN_TIME)


def format_score(value: Decimal) -> str:
    """Two decimals with the language's decimal sign: 3,99 in Kazakh and Russian (as the
    methodology writes it), 3.99 in English."""
    return format_decimal(value, format="0.00", locale=current_locale())


BAR_CELLS = 10


def progress_bar(done: int, total: int) -> str:
    """▰▰▰▱▱▱▱▱▱▱ — rounded down, so the bar is full only when everything is done."""
    filled = min(BAR_CELLS, max(0, BAR_CELLS * done // total)) if total > 0 else 0
    return "▰" * filled + "▱" * (BAR_CELLS - filled)
