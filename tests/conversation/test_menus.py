"""Issue 19, "Menus and profile in each language": the default menu and the bot's description
in kk/ru/en at start, and each role holder's own "/" menu in their language, set at start and
refreshed when a role is granted or taken away."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import DeleteMyCommands, SetMyCommands, SetMyDescription, SetMyShortDescription
from aiogram.types import BotCommandScopeChat

from bot.factory import set_menus
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.roles import RoleRepo
from tests.conversation.conftest import World
from tests.factories import TELEGRAM_IDS

HR_HEAD, OFFICER = 5002, 5001  # neither in the staff list
JOHN = TELEGRAM_IDS["E2"]  # in the staff list, English


async def _grant(world: World, telegram_id: int, role: Role) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())


def _menus(world: World, chat_id: int | None) -> dict[str | None, list[tuple[str, str]]]:
    """The menus Telegram holds for a chat (None: the default scope) by language, replaying the
    calls the bot made as Telegram would apply them."""
    held: dict[str | None, list[tuple[str, str]]] = {}
    for call in world.telegram.calls:
        if not isinstance(call, SetMyCommands | DeleteMyCommands):
            continue
        scope = call.scope
        if (scope.chat_id if isinstance(scope, BotCommandScopeChat) else None) != chat_id:
            continue
        if isinstance(call, DeleteMyCommands):
            held.pop(call.language_code, None)
        else:
            held[call.language_code] = [(c.command, c.description) for c in call.commands]
    return held


def _profile(world: World, method: type[Any]) -> dict[str | None, str]:
    field = "description" if method is SetMyDescription else "short_description"
    return {c.language_code: getattr(c, field) for c in world.telegram.calls if isinstance(c, method)}


async def test_at_start_the_profile_and_every_role_holders_menu_are_set(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    await _grant(world, JOHN, Role.HR)
    await set_menus(world.bot, world.runtime)

    descriptions = _profile(world, SetMyDescription)
    assert set(descriptions) == {"kk", "ru", "en", None}
    assert descriptions["en"].startswith("Bagalau runs the performance evaluation of civil servants")
    assert descriptions["ru"].startswith("«Бағалау» проводит оценку деятельности")
    assert descriptions[None] == descriptions["kk"] != descriptions["ru"]  # kk is the default
    shorts = _profile(world, SetMyShortDescription)
    assert set(shorts) == {"kk", "ru", "en", None} and all(0 < len(s) <= 120 for s in shorts.values())
    assert all(len(d) <= 512 for d in descriptions.values())

    default = _menus(world, None)
    assert [c for c, _ in default["en"]] == ["start", "deadlines", "language", "help"]

    # John's language is known (English, from the staff list): one menu for every app language.
    john = _menus(world, JOHN)
    assert list(john) == [None]
    assert [c for c, _ in john[None]] == [
        "start", "deadlines", "hr", "find", "invites", "rounds", "newround", "quarters",
        "legacyrounds", "broadcast", "roles", "language", "help",
    ]  # fmt: skip
    assert ("hr", "HR tools") in john[None]
    # The head of HR has chosen no language: a menu per app language, as the messages follow it.
    head = _menus(world, HR_HEAD)
    assert set(head) == {"kk", "ru", "en", None}
    assert [c for c, _ in head["ru"]] == [
        "hr",
        "rounds",
        "quarters",
        "roles",
        "report",
        "audit",
        "language",
        "help",
    ]
    assert ("audit", "Журнал действий службы управления персоналом") in head["ru"]
    assert "start" not in dict(head["ru"])  # not in the staff list: no questionnaires


async def test_the_menu_follows_a_grant_a_revoke_and_a_language(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    head = world.person(HR_HEAD, "Марат", "ru")
    await head.say(f"/grant {OFFICER} hr")
    assert head.last.text.startswith("Готово")
    officer = _menus(world, OFFICER)
    assert set(officer) == {"kk", "ru", "en", None}
    assert "newround" in dict(officer["en"]) and "audit" not in dict(officer["en"])

    # The officer chooses English: one menu, in English, whatever the app's language.
    gulnar = world.person(OFFICER, "Gulnar", "ru")
    await gulnar.say("/language")
    await gulnar.press("English")
    officer = _menus(world, OFFICER)
    assert list(officer) == [None] and ("rounds", "Evaluation rounds and their progress") in officer[None]

    await head.say(f"/grant {OFFICER} authorised")
    assert "approvals" in dict(_menus(world, OFFICER)[None])
    await head.say(f"/revoke {OFFICER} hr")
    officer = _menus(world, OFFICER)
    assert [c for c, _ in officer[None]] == ["hr", "approvals", "language", "help"]
    # Only the authorised person's tools left: not called HR's.
    assert ("hr", "The authorised person's tools") in officer[None]
    await head.say(f"/revoke {OFFICER} authorised")
    assert _menus(world, OFFICER) == {}  # no role left: back to the menu everyone has


async def test_a_grant_to_an_account_telegram_refuses_a_menu_for_still_stands(world: World) -> None:
    """A Telegram id that never opened the bot: Telegram refuses a menu for its chat."""
    await _grant(world, HR_HEAD, Role.HR_HEAD)

    async def no_such_chat(method: object) -> None:
        if isinstance(method, SetMyCommands | DeleteMyCommands) and isinstance(
            method.scope, BotCommandScopeChat
        ):
            raise TelegramBadRequest(method, "Bad Request: chat not found")

    world.telegram.before_call = no_such_chat
    head = world.person(HR_HEAD, "Марат", "en")
    await head.say(f"/grant {OFFICER} hr")
    assert head.last.text == f"Done: HR officer for {OFFICER}."
    async with world.runtime.sessionmaker() as session:
        assert await RoleRepo(session).roles_of(OFFICER) == {Role.HR}
