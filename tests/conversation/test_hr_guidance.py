"""Issue 19, finding 13, walked as HR walked it: after each import the bot says what to do
next with the command to tap; the quarters whose deadline has passed offer no "Start" (and a
forged press is refused); a started quarter names who is not evaluated, not only how many;
and HR's tools are in the chat's "/" menu in HR's language, the bot's description in kk/ru/en."""

from __future__ import annotations

from aiogram.methods import SetMyCommands, SetMyDescription, SetMyShortDescription
from aiogram.types import BotCommandScopeChat
from sqlalchemy import select

from bot.factory import set_menus
from bot.infra.callbacks import QuarterAction, QuarterCb
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import Campaign
from tests.conversation.conftest import World
from tests.conversation.test_quarterly_hr import (
    ACTUALS,
    HR,
    PLANS,
    STAFF_WITH_MINISTER,
    _deliver,
    _staff_and_roles,
    _upload,
)
from tests.factories import STAFF_CSV


async def test_after_the_staff_import_the_next_step_is_named(world: World) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
    hr = world.person(HR, "Gulnar", "en")
    await hr.send_document(STAFF_CSV.encode(), "staff.csv")
    await hr.press("Import")
    assert hr.last.text == (
        "Imported. New: 8. Changed: 0. Unchanged: 0. Marked as having left: 0.\n\n"
        "Next: /invites — the links that bring people into the bot; /newround — start an evaluation round. "
        "/quarters 2025 — the quarterly evaluation of 2025."
    )
    kazakh = world.person(HR, "Гүлнар", "kk")
    await kazakh.say("/language")
    await kazakh.press("Қазақша")
    await kazakh.send_document(STAFF_CSV.encode(), "staff.csv")
    await kazakh.press("✅")
    assert (
        "/invites" in kazakh.last.text
        and "/quarters 2025 — 2025 жылғы тоқсандық бағалау." in kazakh.last.text
    )


async def test_a_quarter_walked_from_the_year_to_its_start(world: World) -> None:
    await _staff_and_roles(world)
    hr = world.person(HR, "Gulnar", "en")
    await hr.say("/quarters 2025")
    await hr.press("Create the four rounds of 2025")
    # Today is 01.12.2025: Q1-Q3 2025 were due by the 10th of April, July and October.
    screen = hr.last
    assert screen.text.count("The deadline has passed: this round can no longer be started.") == 3
    assert [text for text, _ in screen.buttons()] == ["▶ Start Q4 2025"]
    async with world.runtime.sessionmaker() as session:
        q1 = await session.scalar(select(Campaign.id).where(Campaign.quarter == 1))
    assert q1 is not None
    answer, alert = await hr.press_data(QuarterCb(action=QuarterAction.START, value=q1).pack(), screen)
    assert (answer, alert) == ("The deadline has passed: this round can no longer be started.", True)
    async with world.runtime.sessionmaker() as session:
        assert await session.scalar(select(Campaign.status).where(Campaign.id == q1)) == "draft"

    text = await _upload(hr, "/plans 2025", PLANS, "plans.csv")
    assert text.endswith(
        "Next: /actuals 2025 — the KPI actual values, when known; /quarters 2025 — start a quarter."
    )
    text = await _upload(hr, "/actuals 2025", ACTUALS, "actuals.csv")
    assert text == (
        "<b>actuals.csv</b>: 3 row(s) saved.\n\n"
        "Next: /quarters 2025 — the year's rounds: start a quarter or follow it."
    )
    await _deliver(world)

    # The plans still await the minister's approval, and D1 has none: the three heads are named.
    await hr.say("/quarters 2025")
    await hr.press("Start Q4 2025")
    started = next(m.text for m in reversed(hr.chat) if "has started" in m.text).splitlines()
    reason = started.index("Not evaluated — no KPIs set for the quarter (clause 22): 3")
    assert (
        started[reason + 1]
        == "    Серікова Айгерім Нұрланқызы, Ахметов Ерлан Болатұлы, Иванова Ольга Петровна"
    )
    assert "Not evaluated — no manager above them in the staff list to evaluate them: 1" in started
    assert "    Мұратов Бауыржан Асқарұлы" in started


async def test_hr_tools_are_in_the_menu_and_the_profile_speaks_three_languages(world: World) -> None:
    await world.setup_staff(csv_text=STAFF_WITH_MINISTER)
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
    officer = world.person(HR, "Гульнар", "ru")
    await officer.say("/language")
    await officer.press("Русский")
    await set_menus(world.bot, world.runtime)
    calls = world.telegram.calls
    menus = [
        c
        for c in calls
        if isinstance(c, SetMyCommands) and isinstance(c.scope, BotCommandScopeChat) and c.scope.chat_id == HR
    ]
    assert menus and menus[-1].language_code is None  # her language is known: one menu, in it
    commands = dict((c.command, c.description) for c in menus[-1].commands)
    assert {"hr", "newround", "quarters", "rounds"} <= set(commands)
    assert all(not d.isascii() for d in commands.values())  # in Russian
    for method in (SetMyDescription, SetMyShortDescription):
        assert {c.language_code for c in calls if isinstance(c, method)} >= {"kk", "ru", "en"}
