"""HR starts a year under the 2018 method from Telegram (/legacyrounds → «Start a year», or
/newround when the organisation's profile is a 2018 one), through the real dispatcher. Every bad
answer (a word for a year, a year before the method, a year taken), a day off pressed in the
calendar, a stale or forged button and a person who is not HR change nothing; days in the year,
past days and days off are not offered.

The clock: Monday 01.12.2025, 11:00 in Almaty. The department of tests/factories.py with post
categories: 8 people, of whom D1 has nobody above and E5 came in November.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.factory import create_bot, create_dispatcher, create_runtime
from bot.infra.callbacks import LegacyStartAction, LegacyStartCb
from bot.infra.config import Settings
from storage.legacy2018 import LEGACY
from storage.models import Campaign, LegacySheet
from tests.conversation.conftest import FixedClock, World
from tests.conversation.harness import FakeTelegram, Person
from tests.conversation.test_reminders import HR_ACCOUNT, _hr_account
from tests.factories import TELEGRAM_IDS
from tests.storage.test_legacy_year import staff_with_categories


async def _rounds(world: World) -> list[tuple[int, str, date, int]]:
    """Each legacy round: its year, profile, deadline and number of sheets."""
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Campaign.year, Campaign.profile_code, Campaign.deadline, func.count(LegacySheet.id))
            .join(LegacySheet, LegacySheet.campaign_id == Campaign.id, isouter=True)
            .where(Campaign.kind == LEGACY)
            .group_by(Campaign.id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


STALE = "This screen is out of date: that step was finished or cancelled. Use the newest message."


def _days(person: Person) -> list[str]:
    """The calendar's day buttons on screen, week rows only, left to right."""
    rows = person.last_with_buttons().markup.inline_keyboard
    return [b.text for row in rows[2:-2] for b in row]


def _cell(person: Person, day: date) -> str:
    """What the calendar on screen (showing ``day``'s month) shows for ``day``: its number when
    it may be chosen, "·" or " " when not."""
    return person.calendar_cell(day)[0]


async def _choose_day(person: Person, day: date, month: str) -> tuple[str | None, bool]:
    """Page the calendar to ``month`` ("January 2026"): forward as far as it goes, then back; and
    press ``day``'s button, whatever it shows (a refusal's alert is returned)."""
    forward = True
    for _page in range(26):
        texts = [t for t, _ in person.last_with_buttons().buttons()]
        if f"🗓 {month}" in texts:
            break
        pages = (
            [t for t in texts if t.endswith(" ▶")]
            if forward
            else [t for t in texts if t.startswith("◀ ")][:1]
        )
        if forward and not pages:
            forward = False
            continue
        await person.press_exact(pages[0])
    return await person.press_data(person.calendar_cell(day)[1], person.last_with_buttons())


async def test_hr_starts_a_year_from_legacyrounds(world: World) -> None:
    await world.setup_staff(csv_text=staff_with_categories())
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")

    # Not HR: neither the screen nor its button (forged) do anything.
    stranger = world.person(TELEGRAM_IDS["E2"], "John", "en")
    await stranger.say("/legacyrounds")
    assert "Start a year" not in str(stranger.last.buttons())
    text, _alert = await stranger.press_data(
        LegacyStartCb(action=LegacyStartAction.BEGIN).pack(), stranger.last
    )
    assert text == "This button no longer works. Press /start."

    await hr.say("/legacyrounds")
    # Issue 19: the screen named the command line's legacy-start, which nobody in Telegram can run.
    assert hr.last.text == "No year under the 2018 methodology yet: press «Start a year» below."
    await hr.press("Start a year")
    wizard = hr.last_with_buttons()
    assert "Which methodology scores it?" in wizard.text
    assert next(t for t, _ in wizard.buttons()).startswith("kz-2018: ")  # no default: kz-2023 runs here
    assert [t for t, _ in wizard.buttons()][-1] == "✖ Cancel"  # nothing to go back to
    await hr.press("kz-2018:")
    assert "Which year is evaluated?" in hr.last.text
    assert [t for t, _ in hr.last_with_buttons().buttons()] == ["2024", "2025", "◀ Back", "✖ Cancel"]
    await hr.press("◀ Back")  # back to the profile, and on again
    assert "Which methodology scores it?" in hr.last.text
    await hr.press("kz-2018:")

    for typed in ("last year", "2017", "2027"):
        await hr.say(typed)
        # The reason, then the question again under it.
        assert hr.chat[-2].text == "Please type a year from 2018 to 2026."
        assert "Which year is evaluated?" in hr.last.text
    await hr.press_exact("2025")
    screen = hr.last_with_buttons()
    assert screen.text.startswith("Year 2025. What is the deadline of the evaluation?")
    texts = [t for t, _ in screen.buttons()]
    # The calendar opens on the first month after the year; nothing in 2025 is offered.
    assert "🗓 January 2026" in texts and not any(t.startswith("◀ ") and t != "◀ Back" for t in texts)
    # Issue 19: days off are not offered — 1–2 January (New Year), the weekends, 7 January
    # (Christmas); the days offered are working days after the year.
    days = _days(hr)
    assert days[:3] == [" ", " ", " "]  # Monday 29 – Wednesday 31 December 2025: not in the range
    assert days[3:7] == ["·", "·", "·", "·"]  # 1–4 January
    assert days[7:14] == ["5", "6", "·", "8", "9", "·", "·"]
    text, alert = await _choose_day(hr, date(2026, 1, 31), "January 2026")  # a Saturday
    assert (
        alert and text == "31.01.2026 is a day off. Choose a working day: the days shown with their number."
    )
    assert await _rounds(world) == []

    await _choose_day(hr, date(2026, 1, 30), "January 2026")
    confirmation = hr.last_with_buttons()
    assert confirmation.text.startswith("<b>Start 2025 under kz-2018 (2018-03-29)?</b>")
    for line in (
        "Deadline: 30.01.2026.",
        "To be evaluated: 6.",
        "Not evaluated: 2.",
        "• less than 3 months in the post (clause 4): 1",
        "• no manager above them in the staff list to evaluate them: 1",
        "The 10 working days to set the plans (clause 9) ended on 17.01.2025",  # Sunday 5 January 2025 was a working day
    ):
        assert line in confirmation.text, line
    assert [t for t, _ in confirmation.buttons()] == ["▶ Start", "◀ Back", "✖ Cancel"]
    assert await _rounds(world) == []  # nothing is made before Start
    await hr.press("◀ Back")  # the deadline again: another day
    await _choose_day(hr, date(2026, 1, 30), "January 2026")
    start = next(data for t, data in hr.last_with_buttons().buttons() if t == "▶ Start")

    await hr.press("▶ Start")
    assert any(m.text.startswith("✅ 2025 has started: 6 sheets.") for m in hr.chat[-2:])
    assert "<b>2025 under the 2018 methodology</b> (kz-2018 2018-03-29)" in hr.last.text
    assert await _rounds(world) == [(2025, "kz-2018", date(2026, 1, 30), 8)]

    # The confirmation's Start pressed again: the wizard is over, no second round.
    text, alert = await hr.press_data(start, confirmation)
    assert alert and text == STALE
    # The same year again, under the other profile: refused at the year, by button or typed.
    await hr.press("Start a year")
    await hr.press("kz-2018-koksu")
    text, alert = await hr.press_exact("2025")
    assert alert and (text or "").startswith("This year has a round under the 2018 methodology already")
    await hr.say("2025")
    assert hr.chat[-2].text.startswith("This year has a round under the 2018 methodology already")
    await hr.say("/cancel")
    assert hr.last.text == "Stopped."
    await hr.say("2024")  # the wizard is over: the text is not a year's answer
    assert await _rounds(world) == [(2025, "kz-2018", date(2026, 1, 30), 8)]


@pytest.mark.parametrize(
    ("language", "start", "month", "cancel", "stopped"),
    [
        ("kk", "Жылды бастау", "Қаңтар", "Бас тарту", "Тоқтатылды: бағалау жылы басталған жоқ."),
        ("ru", "Начать год", "Январь", "Отмена", "Прервано: год не начат."),
    ],
)
async def test_the_start_wizard_in_kazakh_and_russian(
    world: World, language: str, start: str, month: str, cancel: str, stopped: str
) -> None:
    await world.setup_staff(csv_text=staff_with_categories())
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Gulnar", language)
    await hr.say("/legacyrounds")
    await hr.press(start)
    await hr.press("kz-2018:")
    await hr.press_exact("2025")
    screen = hr.last_with_buttons()
    assert screen.text.startswith("2025 ")  # "2025 жыл." / "2025 год.": the deadline's question
    assert f"🗓 {month} 2026" in [t for t, _ in screen.buttons()]
    await hr.press(cancel)
    assert hr.last.text == stopped


@pytest.fixture
async def world_2018(engine: AsyncEngine, database_url: str) -> AsyncIterator[World]:
    """The conversation world of an organisation whose own profile is kz-2018."""
    settings = Settings(
        _env_file=None,
        bot_token="42:TEST",
        database_url=database_url,
        default_locale="kk",
        methodology_profile="kz-2018",
    )
    runtime = create_runtime(
        settings, clock=FixedClock(datetime(2025, 12, 1, 6, 0, tzinfo=UTC)), engine=engine, chat_interval=0
    )
    telegram = FakeTelegram()
    bot = create_bot(settings, session=telegram)
    yield World(runtime, telegram, bot, create_dispatcher(runtime))


async def test_newround_under_a_2018_profile_starts_a_legacy_year(world_2018: World) -> None:
    world = world_2018
    await world.setup_staff(csv_text=staff_with_categories())
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")
    await hr.say("/newround")
    assert hr.chat[-2].text.startswith("This organisation evaluates under the 2018 methodology (kz-2018)")
    # The wizard opens at the year at once, the profile chosen: nothing to press first.
    assert "Which year is evaluated?" in hr.last.text and "kz-2018:" in hr.last.text
    await hr.say("2025")
    # A day in the year is not offered: the calendar begins after it.
    assert "🗓 January 2026" in [t for t, _ in hr.last_with_buttons().buttons()]
    text, alert = await hr.press_exact("◀ Back")
    assert "Which year is evaluated?" in hr.last.text
    await hr.say("2025")
    await _choose_day(hr, date(2026, 1, 29), "January 2026")
    assert "Start 2025 under kz-2018" in hr.last.text
    await hr.press("▶ Start")
    assert await _rounds(world) == [(2025, "kz-2018", date(2026, 1, 29), 8)]

    # «Start a year» offers the organisation's own profile first, marked.
    await hr.say("/legacyrounds")
    await hr.press("Start a year")
    assert next(t for t, _ in hr.last.buttons()).startswith("✅ kz-2018: ")
    cancelled = hr.last_with_buttons()
    koksu = next(data for t, data in cancelled.buttons() if t.startswith("kz-2018-koksu"))
    await hr.press("✖ Cancel")
    assert hr.last.text == "Stopped: no year was started."
    assert cancelled.buttons() == []  # the wizard's message keeps no buttons
    text, alert = await hr.press_data(koksu, cancelled)  # the cancelled wizard's button, pressed anyway
    assert alert and text == STALE
