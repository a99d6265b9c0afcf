"""HR starts a year under the 2018 method from Telegram (/legacyrounds → «Start a year», or
/newround when the organisation's profile is a 2018 one), through the real dispatcher. Every bad
answer (a word for a year, a year before the method, a date in the year, a weekend, a date
that has passed), a stale or forged button and a person who is not HR change nothing.

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
from tests.conversation.harness import FakeTelegram
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


async def test_hr_starts_a_year_from_legacyrounds(world: World) -> None:
    await world.setup_staff(csv_text=staff_with_categories())
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Gulnar", "en")

    # Not HR: neither the screen nor its buttons (forged) do anything.
    stranger = world.person(TELEGRAM_IDS["E2"], "John", "en")
    await stranger.say("/legacyrounds")
    assert "Start a year" not in str(stranger.last.buttons())
    text, _alert = await stranger.press_data(
        LegacyStartCb(action=LegacyStartAction.BEGIN).pack(), stranger.last
    )
    assert text == "This button no longer works. Press /start."
    forged = LegacyStartCb(action=LegacyStartAction.START, value=2025).pack()
    text, _alert = await stranger.press_data(forged, stranger.last)
    assert text == "This button no longer works. Press /start."

    await hr.say("/legacyrounds")
    assert hr.last.text.startswith("No year under the 2018 methodology yet")
    # A Start button before the steps that lead to it: stale, nothing made.
    text, alert = await hr.press_data(forged)
    assert alert and (text or "").startswith("This step is no longer open")
    await hr.press("Start a year")
    assert "Which methodology scores it?" in hr.last.text
    assert next(t for t, _ in hr.last.buttons()).startswith("kz-2018: ")  # no default: kz-2023 runs here
    await hr.press("kz-2018:")
    assert "Which year is evaluated?" in hr.last.text

    for typed in ("last year", "2017", "2027"):
        await hr.say(typed)
        assert hr.last.text == "Please type a year from 2018 to 2026."
    await hr.press("2025")
    assert hr.last.text.startswith("Year 2025. What is the deadline of the evaluation?")

    refusals = {
        "soon": "Please type the date as dd.mm.yyyy, e.g. 29.01.2026.",
        "31.12.2025": "The deadline must come after the year evaluated, i.e. after 31.12.2025.",
        # Issue 19: a day off is answered with the working day after it.
        "31.01.2026": "This date is a weekend day or a public holiday. Type a working day, e.g. 02.02.2026.",
        "01.01.2026": "This date is a weekend day or a public holiday. Type a working day, e.g. 05.01.2026.",
    }
    for typed, reply in refusals.items():
        await hr.say(typed)
        assert hr.last.text == reply, typed
    assert await _rounds(world) == []

    await hr.say("30.01.2026")
    confirmation = hr.last
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
    assert await _rounds(world) == []  # nothing is made before Start

    await hr.press("Start", confirmation)
    assert any(m.text.startswith("✅ 2025 has started: 6 sheets.") for m in hr.chat[-2:])
    assert "<b>2025 under the 2018 methodology</b> (kz-2018 2018-03-29)" in hr.last.text
    assert await _rounds(world) == [(2025, "kz-2018", date(2026, 1, 30), 8)]

    # The confirmation's Start pressed again: stale, no second round.
    text, alert = await hr.press_data(
        LegacyStartCb(action=LegacyStartAction.START, value=2025).pack(), confirmation
    )
    assert alert and (text or "").startswith("This step is no longer open")
    # The same year again, under the other profile: refused at the year.
    await hr.press("Start a year")
    await hr.press("kz-2018-koksu")
    await hr.say("2025")
    assert hr.last.text.startswith("This year has a round under the 2018 methodology already")
    await hr.say("/cancel")
    assert hr.last.text == "Stopped: no year was started."
    await hr.say("2024")  # the wizard is over: the text is not a year's answer
    assert await _rounds(world) == [(2025, "kz-2018", date(2026, 1, 30), 8)]


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
    assert "Which year is evaluated?" in hr.last.text
    await hr.say("2025")
    await hr.say("29.12.2025")  # in the year
    assert hr.last.text.startswith("The deadline must come after the year evaluated")
    await hr.say("29.01.2026")
    assert "Start 2025 under kz-2018" in hr.last.text
    await hr.press("Start")
    assert await _rounds(world) == [(2025, "kz-2018", date(2026, 1, 29), 8)]

    # «Start a year» offers the organisation's own profile first, marked.
    await hr.say("/legacyrounds")
    await hr.press("Start a year")
    assert next(t for t, _ in hr.last.buttons()).startswith("✅ kz-2018: ")
    await hr.press("✖ Cancel")
    assert hr.last.text == "Stopped: no year was started."
    text, alert = await hr.press("kz-2018-koksu", hr.chat[-2])  # the cancelled step's button
    assert alert and (text or "").startswith("This step is no longer open")
