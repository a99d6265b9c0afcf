"""The wizards' two widgets (bot/infra/dialogs), walked through the real dispatcher: the
working-day calendar and the people picker, in a small dialog of the test's own put on the
production dispatcher's wizards router; and a press on a finished wizard's message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram_dialog import ChatEvent, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import ManagedCalendar
from aiogram_dialog.widgets.text import Const, Multi

from bot.infra.dialogs import back_and_cancel, send, wizard
from bot.infra.dialogs.calendar import DayRange, WorkdayCalendar
from bot.infra.dialogs.people import PeoplePicker
from storage.dto import EmployeeDTO
from storage.staff.employees import EmployeeRepo
from tests.conversation.conftest import World
from tests.conversation.harness import Person
from tests.factories import STAFF_CSV

pytestmark = pytest.mark.asyncio


class Try(StatesGroup):
    day = State()
    short = State()  # a range ending mid-month, as the calibration session's
    ends_on_holidays = State()  # a range whose last month holds days off only
    one = State()
    many = State()


async def _chosen_day(event: ChatEvent, _widget: ManagedCalendar, manager: DialogManager, day: date) -> None:
    await send(manager, f"day {day.isoformat()}")
    await manager.done()


async def _everyone(manager: DialogManager) -> Sequence[EmployeeDTO]:
    return await EmployeeRepo(manager.middleware_data["session"]).all(active_only=True)


async def _one(event: ChatEvent, manager: DialogManager, person: EmployeeDTO) -> None:
    await send(manager, f"one {person.employee_id}")
    await manager.done()


async def _many(event: ChatEvent, manager: DialogManager, people: list[EmployeeDTO]) -> None:
    await send(manager, "many " + " ".join(sorted(p.employee_id for p in people)))
    await manager.done()


ONE = PeoplePicker("one", _everyone, on_pick=_one)
MANY = PeoplePicker("many", _everyone, on_done=_many)


def _test_router() -> Router:
    router = Router(name="test-wizard")
    days = WorkdayCalendar("day", _chosen_day, lambda _m: DayRange(date(2025, 11, 20), date(2026, 1, 10)))
    short = WorkdayCalendar("short", _chosen_day, lambda _m: DayRange(date(2025, 12, 1), date(2025, 12, 15)))
    holidays = WorkdayCalendar(
        "holidays", _chosen_day, lambda _m: DayRange(date(2025, 12, 22), date(2026, 1, 4))
    )
    router.include_router(
        wizard(
            Window(Const("Choose a day"), days, back_and_cancel(back=False), state=Try.day),
            Window(Const("Choose a day"), short, back_and_cancel(back=False), state=Try.short),
            Window(Const("Choose a day"), holidays, back_and_cancel(back=False), state=Try.ends_on_holidays),
            Window(
                Multi(Const("Whom?"), ONE.status),
                *ONE.widgets,
                back_and_cancel(),
                state=Try.one,
                getter=ONE.getter,
            ),
            Window(
                Multi(Const("Whom all?"), MANY.status),
                *MANY.widgets,
                back_and_cancel(),
                state=Try.many,
                getter=MANY.getter,
            ),
        )
    )

    async def start(message: Message, dialog_manager: DialogManager) -> None:
        commands = {"/day": Try.day, "/short": Try.short, "/holidays": Try.ends_on_holidays}
        state = {**commands, "/one": Try.one, "/many": Try.many}[(message.text or "").split()[0]]
        await dialog_manager.start(state, mode=StartMode.RESET_STACK)

    router.message.register(start, Command("day", "short", "holidays", "one", "many"))
    return router


@pytest.fixture
def tried(world: World) -> World:
    wizards = next(r for r in world.dispatcher.sub_routers if r.name == "wizards")
    wizards.include_router(_test_router())
    return world


def _days(person: Person) -> list[str]:
    """The day buttons of the calendar on screen, week rows only, left to right."""
    rows = person.last_with_buttons().markup.inline_keyboard
    return [b.text for row in rows[2:-2] for b in row]


async def test_the_calendar_offers_working_days_from_today_in_the_readers_language(tried: World) -> None:
    hr = tried.person(7001, language_code="ru")
    await hr.say("/day")
    screen = hr.last_with_buttons()
    texts = [t for t, _ in screen.buttons()]
    assert "🗓 Декабрь 2025" in texts  # today (1 December 2025, the test's clock) is in December
    assert texts[1:8] == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    days = _days(hr)
    # 1 December 2025 is a Monday: the grid starts with it.
    assert days[0] == "1" and days[4] == "5"
    assert days[5] == days[6] == "·"  # Saturday and Sunday
    assert days[14] == "15" and days[15] == "·" and days[16] == "17"  # 16 December: Independence Day
    assert "Январь ▶" in texts and not any(t.startswith("◀") for t in texts)  # nothing before today's month

    text, alert = await hr.press_exact("·")  # Saturday the 6th
    assert alert and text == "06.12.2025 — выходной день. Выберите рабочий день: рабочие дни показаны числом."
    await hr.press("Январь ▶")
    days = _days(hr)
    assert "🗓 Январь 2026" in [t for t, _ in hr.last_with_buttons().buttons()]
    # The grid starts on Monday 29 December, outside this month: blank. 1–2 January: New Year;
    # 7 January: Christmas; 10 January, the range's last day, is a Saturday; the 11th is past it.
    assert days[:3] == [" ", " ", " "] and days[3:7] == ["·", "·", "·", "·"]
    assert days[7:14] == ["5", "6", "·", "8", "9", "·", " "]
    await hr.press_exact("9")
    assert hr.last.text == "day 2026-01-09"


def _rows(person: Person) -> list[list[str]]:
    return [[b.text for b in row] for row in person.last_with_buttons().markup.inline_keyboard]


async def test_the_calendar_draws_no_week_and_no_month_with_nothing_in_range(tried: World) -> None:
    """Issue 19: a range ending on Monday 15 December drew two more weeks of blank buttons and an
    empty row where the month pager would be."""
    hr = tried.person(7006, language_code="en")
    await hr.say("/short")
    assert _rows(hr) == [
        ["🗓 December 2025"],
        ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
        ["1", "2", "3", "4", "5", "·", "·"],
        ["8", "9", "10", "11", "12", "·", "·"],
        ["15", " ", " ", " ", " ", " ", " "],  # the range's last day; its week stays whole
        ["✖ Cancel"],
    ]
    # A range ending on 4 January: 1–2 January are New Year's holidays and 3–4 a weekend, so
    # January holds nothing to choose and is not offered; the days off of December stay marked.
    await hr.say("/holidays")
    rows = _rows(hr)
    assert rows[0] == ["🗓 December 2025"] and not any(t.endswith(" ▶") for row in rows for t in row)
    assert rows[2:4] == [["22", "23", "24", "25", "26", "·", "·"], ["29", "30", "31", " ", " ", " ", " "]]
    assert rows[4] == ["✖ Cancel"]
    assert hr.calendar_cell(date(2025, 12, 15)) == (" ", "")  # a week before the range: not drawn


async def test_the_month_list_offers_the_ranges_months_only(tried: World) -> None:
    hr = tried.person(7007, language_code="en")
    await hr.say("/day")  # 1 December 2025 (today) to 10 January 2026
    await hr.press_exact("🔍")
    assert _rows(hr) == [["🗓 2025"], [" ", " ", "December"], [" ", "🔍", "2026 >>"], ["✖ Cancel"]]
    await hr.press_exact("2026 >>")
    # The range's last year: the library draws no pager there; its title lists the years.
    assert _rows(hr) == [["🗓 2026"], ["January", " ", " "], ["✖ Cancel"]]
    await hr.press_exact("🗓 2026")
    # 20 years to a page in the library: one row is drawn, and the page before (with 2025).
    assert _rows(hr) == [["2026", " ", " ", " ", " "], ["<< 2025", " "], ["✖ Cancel"]]
    await hr.press_exact("2026")
    await hr.press_exact("January")
    assert hr.calendar_cell(date(2026, 1, 9))[0] == "9"


async def test_the_calendar_in_kazakh_and_english(tried: World) -> None:
    for language, month, weekdays in (("kk", "Желтоқсан", "Дс"), ("en", "December", "Mo")):
        person = tried.person(7100 + len(language) + ord(language[0]), language_code=language)
        await person.say("/day")
        texts = [t for t, _ in person.last_with_buttons().buttons()]
        assert f"🗓 {month} 2025" in texts, texts
        assert texts[1] == weekdays, texts


async def test_a_day_from_an_old_page_is_refused(tried: World) -> None:
    """A past day's button (the calendar left open overnight) is not taken."""
    hr = tried.person(7002, language_code="en")
    await hr.say("/day")
    old = hr.last_with_buttons()
    tried.runtime.clock.current = tried.runtime.clock.current.replace(day=3)  # type: ignore[attr-defined]
    text, alert = await hr.press_exact("2", old)
    assert alert and text == "Choose a day from 03.12.2025 to 10.01.2026."
    assert not any(m.text.startswith("day ") for m in hr.chat)


async def test_the_picker_finds_by_part_of_a_name_and_pages(tried: World) -> None:
    many = "".join(
        f"T{n:02},Тестов Адам {n:02},Сарапшы,employee,Жоспарлау басқармасы,U1,,kk,2022-02-01\n"
        for n in range(1, 13)
    )
    await tried.setup_staff(bind=False, csv_text=STAFF_CSV + many)
    hr = tried.person(7003, language_code="en")
    await hr.say("/one")
    assert hr.last.text == "Whom?"
    await hr.say("тестов")
    screen = hr.last_with_buttons()
    assert "Found for “тестов”: 12. Press a name." in screen.text
    names = [t for t, _ in screen.buttons() if t.startswith("Тестов")]
    assert names == [f"Тестов Адам {n:02} (T{n:02})" for n in range(1, 9)]  # a page of eight
    # Issue 19: the library's pager read "1 < 1 > 2"; it says where one is and where one goes.
    assert _rows(hr)[-2:] == [["1/2", "Page 2 ▶"], ["◀ Back", "✖ Cancel"]]
    await hr.press_exact("Page 2 ▶")
    names = [t for t, _ in hr.last_with_buttons().buttons() if t.startswith("Тестов")]
    assert names == [f"Тестов Адам {n:02} (T{n:02})" for n in range(9, 13)]
    assert _rows(hr)[-2] == ["◀ Page 1", "2/2"]
    await hr.say("nobody-like-this")
    assert "Nobody matches “nobody-like-this”" in hr.last_with_buttons().text
    assert _rows(hr) == [["◀ Back", "✖ Cancel"]]  # nothing to page
    # Each search draws the picker again under what was typed; its earlier message is gone,
    # not left on screen with its buttons taken away.
    assert [m.text.split("\n")[0] for m in hr.chat] == ["Whom?"]
    assert hr.last is hr.last_with_buttons()
    await hr.say("Омар")  # part of a name is never taken for an id
    await hr.press("Омарова Дана")
    assert hr.last.text == "one E1"
    await hr.say("/one")
    await hr.say("e4")  # an employee id typed whole is taken at once
    assert hr.last.text == "one E4"


async def test_the_pager_in_russian_and_kazakh(tried: World) -> None:
    many = "".join(
        f"T{n:02},Тестов Адам {n:02},Сарапшы,employee,Жоспарлау басқармасы,U1,,kk,2022-02-01\n"
        for n in range(1, 20)
    )
    await tried.setup_staff(bind=False, csv_text=STAFF_CSV + many)
    for language, pages in (
        ("ru", [["1/3", "Стр. 2 ▶"], ["◀ Стр. 1", "2/3", "Стр. 3 ▶"]]),
        ("kk", [["1/3", "2-бет ▶"], ["◀ 1-бет", "2/3", "3-бет ▶"]]),
    ):
        hr = tried.person(7010 + len(language) + ord(language[0]), language_code=language)
        await hr.say("/many")
        await hr.say("тестов")
        assert _rows(hr)[-2] == pages[0]
        await hr.press_exact(pages[0][1])
        assert _rows(hr)[-2] == pages[1]  # (nobody chosen yet: no ✔ Done between)


async def test_the_multi_picker_keeps_who_is_chosen_across_searches(tried: World) -> None:
    await tried.setup_staff(bind=False)
    hr = tried.person(7004, language_code="en")
    await hr.say("/many")
    assert not any("Done" in t for t, _ in hr.last_with_buttons().buttons())  # nobody chosen yet
    await hr.say("ова")
    await hr.press("Омарова")
    await hr.say("Smith")
    screen = hr.last_with_buttons()
    texts = [t for t, _ in screen.buttons()]
    assert texts[0] == "✅ Омарова Дана Серікқызы (E1)"  # the chosen stay at the top, checked
    assert "Smith John (E2)" in texts and "✔ Done (1)" in texts
    assert "Chosen (1): Дана О." in screen.text
    await hr.press("Smith John")
    await hr.say("E4, U2 NOBODY")  # employee ids typed: taken, and the unknown one named
    assert "Nobody with these employee ids: NOBODY" in [m.text for m in hr.chat[-2:]]
    await hr.press("✅ Омарова")  # unchecked again
    await hr.press("✔ Done")
    assert hr.last.text == "many E2 E4 U2"


async def test_back_cancel_and_a_stale_press_in_the_readers_language(tried: World) -> None:
    await tried.setup_staff(bind=False)
    hr = tried.person(7005, language_code="kk")
    await hr.say("/one")
    cancel = next(data for text, data in hr.last_with_buttons().buttons() if "Бас тарту" in text)
    await hr.press("Бас тарту")
    assert hr.last.text == "Тоқтатылды."
    text, alert = await hr.press_data(cancel, hr.last)  # the same message pressed again: its wizard closed
    assert (
        alert
        and text
        == "Бұл экран ескірген: ол қадам аяқталған немесе тоқтатылған. Ең соңғы хабарламаны пайдаланыңыз."
    )
    await hr.say("/one")
    await hr.say("Омар")
    await hr.say("/cancel")  # a command leaves the wizard
    assert hr.last.text == "Тоқтатылды."
    await hr.say("E1")  # no longer the wizard's
    assert hr.last.text != "one E1"
