"""/grant, /revoke, /find, /unbind and /report typed alone open a wizard with the people picker
(issue 19: nobody types an id where a picker can do); the one-line forms stay as they were
(tests/conversation/test_hr.py, test_onboarding.py, test_hr_broadcast_reports.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import AuditEntry, Employee, RoleGrant
from tests.conversation.conftest import World

HR, HR_HEAD = 5001, 5002  # outside the staff list, as HR accounts may be
JOHN, DANA = 1005, 1004  # E2 and E1 of the staff list

STALE_RU = "Этот экран устарел: шаг уже завершён или отменён. Пользуйтесь последним сообщением."


async def _grant(world: World, telegram_id: int, role: Role) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())


async def _roles_of(world: World, telegram_id: int) -> set[str]:
    async with world.runtime.sessionmaker() as session:
        query = select(RoleGrant.role).where(RoleGrant.telegram_user_id == telegram_id)
        return set(await session.scalars(query))


async def _audited(world: World, action: str) -> list[tuple[int | None, str | None]]:
    """Who did ``action`` to what, in the chat (the set-up's grants are the command line's)."""
    async with world.runtime.sessionmaker() as session:
        entries = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.actor_telegram_id.is_not(None))
            .order_by(AuditEntry.id)
        )
        return [(e.actor_telegram_id, e.object_id) for e in entries]


def _texts(world: World, telegram_id: int) -> list[str]:
    return [text for text, _ in world.telegram.chat(telegram_id)[-1].buttons()]


async def test_the_head_of_hr_grants_a_role_by_the_wizard_in_kazakh(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    head = world.person(HR_HEAD, "Бауыржан", "kk")
    await head.say("/grant")
    assert head.last.text.startswith("<b>Рөл беру</b>\n\nКімге?")
    assert [text for text, _ in head.last.buttons()] == ["✖ Бас тарту"]  # the first window: no Back
    await head.say("smith")
    assert "«smith» бойынша табылғандар: 1." in head.last.text
    await head.press("Smith John (E2)")
    assert head.last.text == "Smith John (E2): қандай рөл берілсін?"
    roles = [text for text, _ in head.last.buttons()]
    assert roles == [
        "персоналды басқару қызметінің қызметкері",
        "персоналды басқару қызметінің басшысы",
        "уәкілетті адам",
        "◀ Артқа",
        "✖ Бас тарту",
    ]
    await head.press_exact("уәкілетті адам")
    assert head.last.text == "Smith John (E2): «уәкілетті адам» рөлі берілсін бе?"
    await head.press("◀")  # changed their mind: back to the roles
    await head.press_exact("персоналды басқару қызметінің қызметкері")
    confirm = head.last_with_buttons()
    grant = next(data for text, data in confirm.buttons() if text == "✅ Рөлді беру")
    await head.press("✅ Рөлді беру")
    assert head.last.text == (
        "Дайын: «персоналды басқару қызметінің қызметкері» рөлі берілді (Smith John (E2))."
    )
    assert await _roles_of(world, JOHN) == {"hr"}
    assert await _audited(world, "role.grant") == [(HR_HEAD, str(JOHN))]
    # The confirmation pressed again (a double tap on the old window): refused, nothing granted twice.
    text, alert = await head.press_data(grant, confirm)
    assert alert and text and text.startswith("Бұл экран ескірген")
    assert len(await _audited(world, "role.grant")) == 1
    # Back in the wizard, John is offered only what he does not hold yet.
    await head.say("/grant")
    await head.say("E2")  # an employee id typed whole is taken at once
    assert "персоналды басқару қызметінің қызметкері" not in _texts(world, HR_HEAD)


async def test_an_officer_is_offered_no_role_that_sees_scores_nor_themselves_in_russian(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR, Role.HR)
    await _grant(world, JOHN, Role.HR)
    officer = world.person(HR, "Гульнар", "ru")
    await officer.say("/grant")
    assert officer.last.text.startswith("<b>Назначение роли</b>\n\nКому?")
    await officer.say(str(HR))  # their own account, by its Telegram id
    assert (
        officer.chat[-2].text == "Вы не можете назначить роль самому себе: это должен решить другой человек."
    )
    await officer.say("Дана")
    await officer.press("Омарова Дана")
    assert officer.last.text == "Какую роль назначить: Омарова Дана Серікқызы (E1)?"
    assert _texts(world, HR) == ["сотрудник службы управления персоналом", "◀ Назад", "✖ Отмена"]
    # A forged press for a role an officer may not grant: refused, in the reader's language.
    offered = next(data for text, data in officer.last.buttons() if text.startswith("сотрудник"))
    forged = offered.rsplit(":", 1)[0] + ":" + Role.AUTHORISED.value
    assert await officer.press_data(forged) == (STALE_RU, True)
    assert await _roles_of(world, DANA) == set()

    # An officer on the staff list tries to pick themselves by name.
    john = world.person(JOHN, "John", "en")
    await john.say("/grant")
    await john.say("Smith")
    text, alert = await john.press("Smith John (E2)")
    assert alert and text == "You may not grant a role to yourself: another person must decide it."
    assert john.last.text.startswith("<b>Grant a role</b>")  # still choosing
    await john.say("/cancel")
    assert john.last.text == "Stopped."
    assert await _roles_of(world, JOHN) == {"hr"}
    assert await _audited(world, "role.grant") == []


async def test_revoke_offers_only_role_holders_and_their_roles(world: World) -> None:
    await world.setup_staff()
    for account, role in ((HR, Role.HR), (HR_HEAD, Role.HR_HEAD), (DANA, Role.HR), (DANA, Role.AUTHORISED)):
        await _grant(world, account, role)
    officer = world.person(HR, "Gulnar", "en")
    await officer.say("/help")  # she has written to the bot: Telegram tells her name
    head = world.person(HR_HEAD, "Bauyrzhan", "en")
    await head.say("/revoke")
    assert "Accounts outside the staff list that hold a role:" in head.last.text
    assert _texts(world, HR_HEAD) == ["Gulnar (5001)", "Bauyrzhan (5002)", "✖ Cancel"]
    await head.say("Smith")  # holds no role: not among those offered
    assert "Nobody matches “Smith”." in head.last.text
    await head.say("дана")
    await head.press("Омарова Дана Серікқызы (E1)")
    assert head.last.text == "Which role to take from Омарова Дана Серікқызы (E1)?"
    assert _texts(world, HR_HEAD) == ["HR officer", "authorised person", "◀ Back", "✖ Cancel"]
    await head.press("authorised person")
    assert head.last.text == "Take the role authorised person from Омарова Дана Серікқызы (E1)?"
    await head.press("✅ Take the role away")
    assert head.last.text == "Done: authorised person taken from Омарова Дана Серікқызы (E1)."
    assert await _roles_of(world, DANA) == {"hr"}

    await head.say("/revoke")
    await head.press("Gulnar (5001)")
    await head.press("HR officer")
    await head.press("✅ Take the role away")
    assert head.last.text == "Done: HR officer taken from Gulnar (5001)."
    assert await _roles_of(world, HR) == set()
    assert await _audited(world, "role.revoke") == [(HR_HEAD, str(DANA)), (HR_HEAD, str(HR))]

    # The last head of HR steps down by the wizard: refused as the one-line form refuses it.
    await head.say("/revoke")
    await head.say(str(HR_HEAD))  # an account outside the staff list, by its Telegram id
    await head.press("head of the HR service")
    await head.press("✅ Take the role away")
    assert (
        head.last.text
        == "Bauyrzhan (5002) is the last head of the HR service: grant the role to someone else first."
    )
    assert await _roles_of(world, HR_HEAD) == {"hr_head"}


async def test_unbind_by_the_picker_in_kazakh(world: World) -> None:
    await world.setup_staff()
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Гүлнар", "kk")
    await hr.say("/unbind")
    assert hr.last.text.startswith("<b>Telegram аккаунтын ажырату</b>")
    await hr.say("smith")
    await hr.press("Smith John (E2)")
    assert hr.last.text.startswith("Smith John (E2) өзінің Telegram аккаунтынан ажыратылсын ба?")
    await hr.press("◀")
    assert "«smith» бойынша табылғандар: 1." in hr.last.text  # the search is kept
    await hr.press("Smith John (E2)")
    await hr.press("✅ Ажырату")
    assert hr.last.text == (
        "Smith John өзінің Telegram аккаунтынан ажыратылды. Оған жаңа жеке сілтеме жіберіңіз: /invites."
    )
    async with world.runtime.sessionmaker() as session:
        bound = await session.scalar(select(Employee.telegram_user_id).where(Employee.employee_id == "E2"))
    assert bound is None
    assert await _audited(world, "staff.unbind") == [(HR, "E2")]
    # Disconnected now: no longer among those offered.
    await hr.say("/unbind")
    await hr.say("E2")
    assert "«E2» бойынша ешкім табылмады." in hr.last.text


async def test_find_by_the_picker_shows_the_card_of_find_name_in_russian(world: World) -> None:
    await world.setup_staff()
    await world.running_round(["E1", "E2", "E3", "U1"])
    await _grant(world, HR, Role.HR)
    hr = world.person(HR, "Гульнар", "ru")
    await hr.say("/find Дана")
    card = hr.last.text
    await hr.say("/find")
    assert hr.last.text.startswith("<b>Поиск сотрудника</b>")
    await hr.say("ова")
    assert [t for t in _texts(world, HR) if "(" in t] == [
        "Иванова Ольга Петровна (U2)",
        "Омарова Дана Серікқызы (E1)",
        "Серікова Айгерім Нұрланқызы (D1)",
        "Қасымова Әсел Маратқызы (E5)",
    ]
    await hr.press("Омарова Дана")
    assert hr.last.text == card and "Открытые анкеты: 4" in card
    assert len(await _audited(world, "staff.find")) == 2


async def test_report_by_the_picker_offers_the_people_a_closed_round_evaluated(world: World) -> None:
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    await _grant(world, HR_HEAD, Role.HR_HEAD)
    head = world.person(HR_HEAD, "Bauyrzhan", "en")
    await head.say("/report")
    assert head.last.text.startswith("<b>A person's 360 report</b>")
    await head.say("Қасымова")  # E5 was not evaluated
    assert "Nobody matches “Қасымова”." in head.last.text
    await head.say("Омар")
    await head.press("Омарова Дана")
    assert head.last.text == "Preparing the file…"
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert name.endswith(".pdf") and data.startswith(b"%PDF") and head.last.protect_content
    async with world.runtime.sessionmaker() as session:
        downloads = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.download")
        )
    assert downloads == 1
    # An HR officer has no right to results: /report alone is not theirs either.
    await _grant(world, HR, Role.HR)
    officer = world.person(HR, "Gulnar", "en")
    await officer.say("/report")
    assert officer.last.text.startswith("That is not one of your commands.")
