"""Joining the bot, strangers, and the language."""

from __future__ import annotations

from aiogram.types import ReplyKeyboardMarkup
from sqlalchemy import select

from bot.kernel.access import Role
from bot.staff import people
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import AuditEntry, Employee, Invite
from tests.conversation.conftest import World
from tests.factories import STAFF_CSV


async def _telegram_id_of(world: World, employee_id: str) -> int | None:
    async with world.runtime.sessionmaker() as session:
        return await session.scalar(
            select(Employee.telegram_user_id).where(Employee.employee_id == employee_id)
        )


async def test_strangers_are_refused_politely(world: World) -> None:
    await world.setup_staff(bind=False)
    stranger = world.person(9999, "Eve", "en")
    await stranger.say("/start")
    assert "I do not know you yet" in stranger.last.text
    markup = stranger.last.markup
    assert isinstance(markup, ReplyKeyboardMarkup) and markup.keyboard[0][0].request_contact
    await stranger.say("/language")
    assert "I do not know you yet" in stranger.last.text
    alert = await stranger.press_data("n:1:o:0", stranger.last)
    assert alert == ("Please join first: press /start.", True)


async def test_join_by_own_phone_contact_only(world: World) -> None:
    await world.setup_staff(bind=False)
    john = world.person(2005, "John", "en")
    await john.share_contact("+77010000004", user_id=3333)  # someone else's card
    assert "share your own contact" in john.last.text
    await john.share_contact("+77019999999", user_id=2005)
    assert "could not find this phone number" in john.last.text
    assert await _telegram_id_of(world, "E2") is None
    await john.share_contact("77010000005", user_id=2005)
    assert "Welcome, Smith John! You are connected as Chief expert" in john.chat[-2].text
    assert await _telegram_id_of(world, "E2") == 2005


async def test_personal_invite_link_is_single_use(world: World) -> None:
    await world.setup_staff(bind=False)
    async with world.runtime.sessionmaker() as session, session.begin():
        links = {
            link.employee_id: link.link for link in await people.invite_links(session, "bagalau_test_bot")
        }
    token = links["E2"].split("start=")[1]
    john = world.person(2005, "John", "en")
    await john.say(f"/start {token}")
    assert "Welcome, Smith John!" in john.chat[-2].text
    assert "You have no open questionnaires now" in john.last.text

    thief = world.person(2666, "Mallory", "en")
    await thief.say(f"/start {token}")
    assert "not valid or has already been used" in thief.last.text
    await thief.say("/start not-a-token!")
    assert "This link is not valid" in thief.last.text
    assert await _telegram_id_of(world, "E2") == 2005


async def test_language_can_be_changed(world: World) -> None:
    await world.setup_staff()
    john = world.person(1005, "John", "en")
    await john.say("/language")
    await john.press("Русский")
    assert john.last.text.startswith("Язык")
    async with world.runtime.sessionmaker() as session:
        assert (
            await session.scalar(select(Employee.chosen_locale).where(Employee.employee_id == "E2")) == "ru"
        )
    await john.say("/help")
    assert "/start" in john.last.text and "I walk you through" not in john.last.text


async def test_telegram_language_decides_where_the_staff_list_is_silent(world: World) -> None:
    await world.setup_staff(
        bind=False, csv_text=STAFF_CSV.replace("+7 701 000 00 05,en,", "+7 701 000 00 05,,")
    )
    john = world.person(2005, "John", "ru")
    await john.share_contact("77010000005", user_id=2005)
    assert john.chat[-2].text.startswith("Добро пожаловать")
    async with world.runtime.sessionmaker() as session:
        assert (
            await session.scalar(select(Employee.chosen_locale).where(Employee.employee_id == "E2")) == "ru"
        )

    dana = world.person(2004, "Dana", "ru")  # her staff record says kk: that wins over Telegram
    await dana.share_contact("77010000004", user_id=2004)
    assert "Омарова Дана" in dana.chat[-2].text and "Добро пожаловать" not in dana.chat[-2].text


async def test_a_joined_person_cannot_be_taken_by_link_or_contact(world: World) -> None:
    """The attack: John joined by sharing his contact and kept his printed link; a colleague
    who got hold of it opened it from another account and was greeted "Welcome, Smith John!",
    John's own account unbound. Now any join closes the person's links, a joined person is
    never moved (the other account is refused in its own language, John's chat is untouched),
    and only HR moves a person, with /unbind, in the audit log."""
    await world.setup_staff(bind=False)
    async with world.runtime.sessionmaker() as session, session.begin():
        links = {
            link.employee_id: link.link for link in await people.invite_links(session, "bagalau_test_bot")
        }
        john_pk = await session.scalar(select(Employee.id).where(Employee.employee_id == "E2"))
        assert john_pk is not None
    john = world.person(2005, "John", "en")
    await john.share_contact("77010000005", user_id=2005)
    assert "Welcome, Smith John!" in john.chat[-2].text
    johns_chat = len(john.chat)

    thief = world.person(2666, "Mallory", "en")
    await thief.say(f"/start {links['E2'].split('start=')[1]}")
    assert thief.last.text == "This link is not valid or has already been used. Please ask HR for a new one."
    # A link left open some other way (before this fix, say) meets the binding's own guard.
    async with world.runtime.sessionmaker() as session, session.begin():
        session.add(Invite(token="leftover-link-of-john-000001", employee_id=john_pk))
    cousin = world.person(2777, "Мария", "ru")
    await cousin.say("/start leftover-link-of-john-000001")
    assert cousin.last.text.startswith("Этот человек уже подключён к боту с другого аккаунта Telegram.")
    assert "Smith" not in cousin.last.text
    # Her account carries John's old number: sharing it finds him, and is refused all the same.
    await cousin.share_contact("+7 701 000 00 05", user_id=2777)
    assert cousin.last.text.startswith("Этот человек уже подключён к боту с другого аккаунта Telegram.")
    assert await _telegram_id_of(world, "E2") == 2005
    assert len(john.chat) == johns_chat  # nothing reached John's account
    await john.say("/start")
    assert "You have no open questionnaires now" in john.last.text

    # John has a new phone: HR disconnects the old account, and his new one joins by a new link.
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, 5001, Role.HR, world.runtime.clock.now())
    hr = world.person(5001, "Gulnar", "en")
    await hr.say("/unbind E2 E3")
    assert hr.last.text.startswith("Usage: /unbind ID")
    await hr.say("/unbind E2")
    assert (
        hr.last.text
        == "Smith John is disconnected from their Telegram account. Send them a new personal link: /invites."
    )
    assert await _telegram_id_of(world, "E2") is None
    await hr.say("/unbind E2")
    assert hr.last.text == "Smith John is not connected to the bot: nothing to disconnect."
    await hr.say("/unbind <b>X</b>")
    assert hr.last.text == "Nobody in the staff list has the employee id &lt;b&gt;X&lt;/b&gt;."
    async with world.runtime.sessionmaker() as session:
        audited = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.unbind"))).all()
        assert [(e.actor_telegram_id, e.object_id) for e in audited] == [(5001, "E2")]
    async with world.runtime.sessionmaker() as session, session.begin():
        fresh = {
            link.employee_id: link.link for link in await people.invite_links(session, "bagalau_test_bot")
        }
    new_phone = world.person(2888, "John", "en")
    await new_phone.say(f"/start {fresh['E2'].split('start=')[1]}")
    assert "Welcome, Smith John!" in new_phone.chat[-2].text
    assert await _telegram_id_of(world, "E2") == 2888
