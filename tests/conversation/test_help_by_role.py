"""Issue 19, finding 2 and the last part of finding 10: /help is written for the reader's
roles, and a role holder outside the staff list is never treated as a stranger."""

from __future__ import annotations

from aiogram.types import ReplyKeyboardMarkup

from bot.infra.callbacks import NavCb, TasksCb
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import World
from tests.conversation.harness import Person
from tests.factories import TELEGRAM_IDS

HR = 5001  # not in the staff list
STRANGER_WORDS = "I do not know you yet"


async def _grant(world: World, telegram_id: int, role: Role) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())


def _no_stranger_screen(person: Person) -> None:
    for message in person.chat:
        assert STRANGER_WORDS not in message.text
        assert not isinstance(message.markup, ReplyKeyboardMarkup), "the contact keyboard"


async def test_an_hr_officer_outside_the_staff_list_gets_hr_help_on_every_command(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Gulnar", "en")
    await hr.say("/start")
    assert hr.last.text.startswith("<b>HR tools</b>")
    await hr.say("/help")
    assert "<b>HR tools</b>" in hr.last.text and "/newround" in hr.last.text
    assert "/deadlines" not in hr.last.text and "/delegate" not in hr.last.text  # not a respondent's
    # Another role's commands, and words the bot does not expect: their own tools again.
    for said in ("/report E02", "/audit", "/plan 2026", "hello"):
        await hr.say(said)
        assert hr.last.text.startswith("That is not one of your commands. Here is what you can do:"), said
        assert "/newround" in hr.last.text and "/audit —" not in hr.last.text
    assert await hr.press_data(TasksCb().pack(), hr.last) == (
        "This button no longer works. Press /start.",
        False,
    )
    assert await hr.press_data(NavCb(assignment=1, action="r").pack(), hr.last) == (
        "This button no longer works. Press /start.",
        False,
    )
    _no_stranger_screen(hr)


async def test_a_head_of_hr_in_russian_gets_russian_help(world: World) -> None:
    await _grant(world, HR, Role.HR_HEAD)
    head = world.person(HR, "Марат", "ru")
    await head.say("/help")
    assert "/audit" in head.last.text and "/report" in head.last.text and "/newround" in head.last.text
    assert "Это не одна из Ваших команд" not in head.last.text
    await head.say("/broadcast")  # an HR officer's command, not the head's
    assert head.last.text.startswith("Это не одна из Ваших команд. Вот что Вы можете сделать:")
    _no_stranger_screen(head)


async def test_help_shows_only_the_readers_sections(world: World) -> None:
    await world.setup_staff()
    john = world.person(TELEGRAM_IDS["E2"], "John", "en")  # an employee, no one reports to him
    await john.say("/help")
    assert "/deadlines — what is due from you" in john.last.text
    assert "Managers:" not in john.last.text and "/delegate" not in john.last.text
    assert "HR tools" not in john.last.text

    erlan = world.person(TELEGRAM_IDS["U1"], "Ерлан", "kk")  # heads a unit of three
    await erlan.say("/help")
    assert "/deadlines" in erlan.last.text and "/plan" in erlan.last.text and "/delegate" in erlan.last.text
    assert "/newround" not in erlan.last.text

    await _grant(world, TELEGRAM_IDS["E2"], Role.HR)  # John is also an HR officer
    await john.say("/help")
    assert "/deadlines" in john.last.text and "<b>HR tools</b>" in john.last.text
    assert "Managers:" not in john.last.text


async def test_the_authorised_persons_tools_are_not_called_hrs(world: World) -> None:
    """Issue 19: the authorised person (outside HR) was greeted with "HR tools"."""
    await world.setup_staff()
    await _grant(world, 5003, Role.AUTHORISED)
    authorised = world.person(5003, "Нұрлан", "ru")
    await authorised.say("/start")
    assert authorised.last.text.startswith("<b>Инструменты уполномоченного лица</b>\n\n⚖️")
    await _grant(world, 5003, Role.HR)  # HR's tools too: HR's title
    await authorised.say("/start")
    assert authorised.last.text.startswith("<b>Инструменты службы управления персоналом</b>")
    _no_stranger_screen(authorised)
