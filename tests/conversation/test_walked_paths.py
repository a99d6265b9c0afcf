"""Issue 19: the paths people walked in the polling bot, walked again press by press, and what
they saw that they should not have (findings 3, 4, 5 and 10)."""

from __future__ import annotations

import re

from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import World
from tests.conversation.test_quarterly import _in_english, _quarter, _score_person
from tests.factories import TELEGRAM_IDS

HR, HR_HEAD = 5001, 5002  # accounts outside the staff list
JOHN = TELEGRAM_IDS["E2"]


async def _grant(world: World, telegram_id: int, role: Role) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())


async def _deliver(world: World) -> None:
    from bot.factory import create_delivery

    await create_delivery(world.runtime, world.bot).deliver_pending()


# Latin words a Kazakh or Russian screen may hold: the commands, and what the file or the
# staff list wrote (ids, column names as in the file's header).
_LATIN = re.compile(r"(?<![/\w])[A-Za-z][A-Za-z_]+")


def _english_words(text: str, allowed: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    return {w for w in _LATIN.findall(re.sub(r"<[^>]+>", "", text)) if w not in allowed}


async def test_the_head_of_hr_gets_the_appeal_notice_in_the_language_of_his_screens(world: World) -> None:
    """Finding 5: his screens followed his Telegram language (Russian), the appeal notice came
    in Kazakh (the default). He is outside the staff list and never chose a language."""
    await _quarter(world)  # no authorised person: appeals go to the head of HR
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    head = world.person(HR_HEAD, "Бауыржан", "ru")
    await head.say("/roles")
    assert head.last.text.startswith("<b>Роли</b>")

    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Ерлан", "en"))
    await _score_person(manager, "John", [3, 3, 3, 3], "Орташа.")
    await _deliver(world)
    john = world.person(JOHN, "John", "en")
    await john.press("I have read it")
    await john.press("I disagree", john.last_with_buttons())
    await john.say("Келіспеймін.")
    await _deliver(world)
    notice = world.telegram.chat(HR_HEAD)[-1].text
    assert "Smith John" in notice and "Келіспеймін." in notice
    assert notice.startswith("⚖️ <b>Заявление о проведении калибровочной сессии</b> (пункт 12)")
    assert notice.endswith(
        "Просим принять решение о проведении калибровочной сессии и определить ее участников "
        "до 04.12.2025 (пункт 38)."
    )
