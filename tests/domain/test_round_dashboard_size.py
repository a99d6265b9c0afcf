"""HR's 360 dashboard for a ministry: a hundred and twenty units still fit one Telegram message.

Listed whole, the units passed Telegram's 4,096 characters at 10,000 people and HR got no
dashboard at all (MESSAGE_TOO_LONG, bench/reports_load.py)."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import I18n

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.access import PERMISSIONS, Role
from bot.staff.hr_screens import MAX_LISTED, round_dashboard
from bot.survey360.progress import RoundProgress, UnitCompletion
from storage.dto import CampaignDTO

TELEGRAM_LIMIT = 4096
UNITS = 120


def ministry_progress() -> RoundProgress:
    units = [
        UnitCompletion(f"Департамент стратегического планирования и анализа № {n}", n, 90)
        for n in range(UNITS)
    ]
    return RoundProgress(
        campaign=CampaignDTO(1, "360", 2025, date(2026, 1, 20), "running", "kz-2023", "1"),
        submitted=sum(u.submitted for u in units),
        total=sum(u.total for u in units),
        units=units,
        below_threshold=[],
        unfinished=[],
        not_joined=0,
    )


def test_a_ministry_dashboard_lists_some_units_and_counts_the_rest() -> None:
    i18n: I18n = create_i18n("kk")
    for locale in ("kk", "ru", "en"):
        with in_locale(i18n, locale):
            text, _markup = round_dashboard(ministry_progress(), PERMISSIONS[Role.HR_HEAD])
        assert len(text) < TELEGRAM_LIMIT, (locale, len(text))
        assert text.count("Департамент стратегического") == MAX_LISTED
        assert str(UNITS - MAX_LISTED) in text.splitlines()[4 + MAX_LISTED]
