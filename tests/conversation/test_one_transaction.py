"""One update, one transaction, through the real dispatcher: a handler that fails, before or
after its first reply, leaves nothing of its writes behind, is not recorded as handled (so its
next delivery is handled afresh), and what the person was shown does not claim otherwise.

And the inbox (bot/infra/inbox.py) in one process: updates stored are handled once each, in order
per person; one stored again after it was handled is not handled twice; one that fails for
a fault is given up after the person was told, and the person's next updates go on."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, Update
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.factory import create_inbox, database_unavailable
from bot.infra.inbox import Inbox
from bot.infra.middlewares import reply_after_commit
from storage.inbox import InboxRepo, Received
from storage.models import Account, ProcessedUpdate
from tests.conversation.conftest import World
from tests.conversation.harness import FakeTelegram, make_user

PERSON = 7_000_001
OTHER = 7_000_002
NOT_SAVED = "what you just did was not saved"
APOLOGY = "Sorry, something went wrong. Please try again in a minute."
_ids = itertools.count(900_000_001)


@dataclass
class Script:
    """What the test handlers do: store the person's chosen language (a write), reply, store
    more, and fail where told. ``order`` is every update they saw through, in order."""

    fail: str | None = None  # "before" (after a write, before any reply) or "after" (its first reply)
    order: list[tuple[int, str]] = field(default_factory=list)


def install(world: World, script: Script) -> None:
    async def step(message: Message, session: AsyncSession) -> None:
        assert message.from_user is not None and message.text is not None
        session.add(Account(telegram_user_id=message.from_user.id, locale="en"))
        await session.flush()
        if script.fail == "before":
            raise RuntimeError("a fault before the reply")
        await message.answer("Step one is done.")  # a message: its id could be stored, so sent at once
        account = await session.get(Account, message.from_user.id)
        assert account is not None
        account.locale = "ru"
        await session.flush()
        if script.fail == "after":
            raise RuntimeError("a fault after the reply")
        script.order.append((message.from_user.id, message.text))

    async def press(query: CallbackQuery, session: AsyncSession) -> None:
        session.add(Account(telegram_user_id=query.from_user.id, locale="kk"))
        await session.flush()
        assert isinstance(query.message, Message)
        await query.message.edit_text("Pressed.")  # deferred until the commit
        await query.answer("Saved.")
        if script.fail is not None:
            raise RuntimeError("a fault after the screen was changed")

    async def note(message: Message) -> None:
        assert message.from_user is not None and message.text is not None
        script.order.append((message.from_user.id, message.text))
        if message.text == "/note boom":
            raise RuntimeError("a fault in one update of a sequence")

    async def flaky(message: Message, session: AsyncSession) -> None:
        assert message.from_user is not None
        session.add(Account(telegram_user_id=message.from_user.id, locale="kk"))
        await session.flush()
        await message.answer("Done.")
        if not script.order:
            script.order.append((message.from_user.id, "failed"))
            raise ConnectionResetError("the database went away")  # what the driver raises
        script.order.append((message.from_user.id, "handled"))

    # The dispatcher's own handlers come before its routers (and their fallback).
    world.dispatcher.message.register(flaky, Command("flaky"))
    world.dispatcher.message.register(step, Command("step"))
    world.dispatcher.message.register(note, Command("note"))
    world.dispatcher.callback_query.register(press)


def command(user_id: int, text: str) -> Update:
    entity = MessageEntity(type="bot_command", offset=0, length=len(text.split()[0]))
    message = Message(
        message_id=next(_ids),
        date=datetime(2025, 12, 1, tzinfo=UTC),
        chat=Chat(id=user_id, type="private"),
        from_user=make_user(user_id, "Test", "en"),
        text=text,
        entities=[entity],
    )
    return Update(update_id=next(_ids), message=message)


async def accounts(world: World) -> list[tuple[int, str]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(select(Account.telegram_user_id, Account.locale))
        return sorted((row[0], row[1]) for row in rows)


async def recorded(world: World, update_id: int) -> bool:
    async with world.runtime.sessionmaker() as session:
        found = await session.scalar(
            select(func.count()).select_from(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id)
        )
        return bool(found)


def texts(telegram: FakeTelegram, chat: int) -> list[str]:
    return [m.text for m in telegram.chat(chat)]


async def test_a_handler_failing_after_its_first_reply_keeps_nothing_and_runs_again(world: World) -> None:
    script = Script(fail="after")
    install(world, script)
    update = command(PERSON, "/step")
    await world.dispatcher.feed_update(world.bot, update)
    # The reply went out before the fault (the handler could have needed its id); the apology
    # after it says that what it showed was not kept: and it was not.
    shown = texts(world.telegram, PERSON)
    assert shown[0] == "Step one is done."
    assert NOT_SAVED in shown[1] and len(shown) == 2
    assert await accounts(world) == []
    assert not await recorded(world, update.update_id)  # not mistaken for handled

    script.fail = None  # Telegram delivers it again (its confirmation was lost): handled afresh
    await world.dispatcher.feed_update(world.bot, update)
    assert await accounts(world) == [(PERSON, "ru")]
    assert await recorded(world, update.update_id)
    await world.dispatcher.feed_update(world.bot, update)  # and once only
    assert script.order == [(PERSON, "/step")]
    assert texts(world.telegram, PERSON)[2:] == ["Step one is done."]


async def test_a_handler_failing_before_its_first_reply_keeps_nothing(world: World) -> None:
    install(world, Script(fail="before"))
    update = command(PERSON, "/step")
    await world.dispatcher.feed_update(world.bot, update)
    assert texts(world.telegram, PERSON) == [APOLOGY]
    assert await accounts(world) == []
    assert not await recorded(world, update.update_id)


async def test_a_screen_changed_before_a_failure_is_never_shown(world: World) -> None:
    """A press that edits the screen and answers, then fails: the edit and the answer waited
    for the commit, which never came, so the screen still shows what is stored; the press is
    answered with the apology alone."""
    install(world, Script(fail="after"))
    await world.bot.send_message(PERSON, "The screen.")
    screen = world.telegram.chat(PERSON)[0]
    query = CallbackQuery(
        id="q1",
        from_user=make_user(PERSON, "Test", "en"),
        chat_instance="ci",
        data="x",
        message=FakeTelegram._message(screen),
    )
    calls = len(world.telegram.calls)
    await world.dispatcher.feed_update(world.bot, Update(update_id=next(_ids), callback_query=query))
    assert world.telegram.chat(PERSON)[0].text == "The screen." and screen.edits == 0
    assert world.telegram.alerts == [(APOLOGY, True)]  # the one answer the press got
    assert len(world.telegram.calls) == calls + 1
    assert await accounts(world) == []


async def test_replies_wait_for_the_commit_and_then_go_out(world: World) -> None:
    install(world, Script())
    await world.bot.send_message(PERSON, "The screen.")
    screen = world.telegram.chat(PERSON)[0]
    seen: list[list[tuple[int, str]]] = []

    async def look(method: object) -> None:
        seen.append(await accounts(world))  # another connection: committed data only

    world.telegram.before_call = look
    query = CallbackQuery(
        id="q2",
        from_user=make_user(PERSON, "Test", "en"),
        chat_instance="ci",
        data="x",
        message=FakeTelegram._message(screen),
    )
    await world.dispatcher.feed_update(world.bot, Update(update_id=next(_ids), callback_query=query))
    assert world.telegram.chat(PERSON)[0].text == "Pressed."
    assert world.telegram.alerts == [("Saved.", False)]
    assert seen == [[(PERSON, "kk")], [(PERSON, "kk")]]  # both sent after the commit


def _drawing(world: World, fail: bool, seen: list[tuple[list[tuple[int, str]], str | None]]) -> None:
    """A press whose screen is composed by ``reply_after_commit``: it notes what is committed
    when the screen is drawn, and the language it is drawn in."""

    async def draw(query: CallbackQuery, session: AsyncSession) -> None:
        session.add(Account(telegram_user_id=query.from_user.id, locale="kk"))
        await session.flush()

        async def reply() -> None:
            seen.append((await accounts(world), world.runtime.i18n.current_locale))
            assert isinstance(query.message, Message)
            await query.message.edit_text("Drawn.")
            await query.answer()

        await reply_after_commit(reply)
        if fail:
            raise RuntimeError("a fault after the reply was planned")

    world.dispatcher.callback_query.register(draw, F.data == "draw")


async def _press_draw(world: World) -> None:
    await world.bot.send_message(PERSON, "The screen.")
    screen = world.telegram.chat(PERSON)[0]
    query = CallbackQuery(
        id="q3",
        from_user=make_user(PERSON, "Test", "ru"),
        chat_instance="ci",
        data="draw",
        message=FakeTelegram._message(screen),
    )
    await world.dispatcher.feed_update(world.bot, Update(update_id=next(_ids), callback_query=query))


async def test_a_reply_composed_after_the_commit_sees_it_and_speaks_the_update_language(world: World) -> None:
    """``reply_after_commit``: the screen is drawn once the update's writes are committed (the
    database's connection no longer held), in the language the update was handled in."""
    seen: list[tuple[list[tuple[int, str]], str | None]] = []
    _drawing(world, fail=False, seen=seen)
    await _press_draw(world)
    assert seen == [([(PERSON, "kk")], "ru")]
    assert world.telegram.chat(PERSON)[0].text == "Drawn."


async def test_a_reply_composed_after_the_commit_is_not_composed_when_it_rolls_back(world: World) -> None:
    seen: list[tuple[list[tuple[int, str]], str | None]] = []
    _drawing(world, fail=True, seen=seen)
    await _press_draw(world)
    assert seen == []
    assert world.telegram.chat(PERSON)[0].text == "The screen."
    assert [alert for _, alert in world.telegram.alerts] == [True]  # the apology (in Russian) alone
    assert await accounts(world) == []


async def test_the_inbox_handles_each_stored_update_once_in_order_per_person(world: World) -> None:
    script = Script()
    install(world, script)
    inbox = create_inbox(world.runtime, world.dispatcher, world.bot)
    first = [command(PERSON, f"/note {n}") for n in range(1, 4)] + [command(OTHER, "/note a")]
    second = [command(OTHER, "/note b"), command(PERSON, "/note 4"), command(OTHER, "/note c")]
    assert await inbox.store(first)
    assert await inbox.store(second)
    assert await inbox.store(first[:2])  # delivered again before they were handled: kept once
    await inbox.drain()
    mine = [text for who, text in script.order if who == PERSON]
    theirs = [text for who, text in script.order if who == OTHER]
    assert mine == ["/note 1", "/note 2", "/note 3", "/note 4"]
    assert theirs == ["/note a", "/note b", "/note c"]
    async with world.runtime.sessionmaker() as session:
        assert await InboxRepo(session).pending(10) == []

    assert await inbox.store(first)  # delivered again after they were handled
    await inbox.drain()
    assert len(script.order) == 7  # none handled twice
    async with world.runtime.sessionmaker() as session:
        assert await InboxRepo(session).pending(10) == []


async def test_an_update_failing_for_a_fault_is_given_up_and_the_next_ones_go_on(world: World) -> None:
    script = Script()
    install(world, script)
    inbox = create_inbox(world.runtime, world.dispatcher, world.bot)
    updates = [command(PERSON, "/note 1"), command(PERSON, "/note boom"), command(PERSON, "/note 3")]
    await inbox.store(updates)
    await inbox.drain()
    assert script.order == [(PERSON, "/note 1"), (PERSON, "/note boom"), (PERSON, "/note 3")]
    assert texts(world.telegram, PERSON) == [APOLOGY]  # told once; trying again would fail again
    assert not await recorded(world, updates[1].update_id)
    assert await recorded(world, updates[2].update_id)
    async with world.runtime.sessionmaker() as session:
        assert await InboxRepo(session).pending(10) == []


async def test_two_instances_share_the_inbox_in_order_and_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Webhook mode behind a balancer: a person's updates reach the instances in turn. Each
    is handled once, in order, whichever instance handles it; an update whose instance died
    is taken over once it has waited long enough."""
    script = Script()
    install(world, script)
    a = Inbox(world.dispatcher, world.bot, world.runtime.sessionmaker, "a", database_unavailable)
    b = Inbox(world.dispatcher, world.bot, world.runtime.sessionmaker, "b", database_unavailable)
    updates = [command(PERSON, f"/note {n}") for n in range(1, 7)]
    for n, update in enumerate(updates):
        await (a if n % 2 else b).store([update])
    await asyncio.gather(a.drain(), b.drain())
    assert script.order == [(PERSON, f"/note {n}") for n in range(1, 7)]

    orphan = command(OTHER, "/note left behind")
    await a.store([orphan])  # and instance a dies before handling it
    await b.drain()
    assert script.order[6:] == []  # a young update of another instance is that one's to handle
    monkeypatch.setattr("bot.infra.inbox.ORPHANED_AFTER", 0.0)
    await b.drain()
    assert script.order[6:] == [(OTHER, "/note left behind")]
    await a.drain()  # a, restarted, finds it handled
    assert len(script.order) == 7


async def test_an_update_failing_for_want_of_the_database_is_tried_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = Script()
    install(world, script)
    monkeypatch.setattr("bot.infra.inbox.BACKOFF_MAX", 0.0)  # no pause before the next try
    inbox = create_inbox(world.runtime, world.dispatcher, world.bot)
    update = command(PERSON, "/flaky")
    await inbox.store([update])
    await inbox.drain()
    assert script.order == [(PERSON, "failed"), (PERSON, "handled")]
    # Told that the first try's reply did not count (the second try is not apologised for
    # again), then the reply of the try that was kept.
    shown = texts(world.telegram, PERSON)
    assert shown[0] == "Done." and NOT_SAVED in shown[1] and shown[2:] == ["Done."]
    assert await accounts(world) == [(PERSON, "kk")]
    assert await recorded(world, update.update_id)


async def test_an_unreadable_update_is_given_up(world: World) -> None:
    script = Script()
    install(world, script)
    inbox = create_inbox(world.runtime, world.dispatcher, world.bot)
    async with world.runtime.sessionmaker.begin() as session:
        await InboxRepo(session).store([Received(5, PERSON, '{"update_id": "five"}')], "test")
    await inbox.store([command(PERSON, "/note after")])
    await inbox.drain()
    assert script.order == [(PERSON, "/note after")]
    async with world.runtime.sessionmaker() as session:
        assert await InboxRepo(session).pending(10) == []


async def test_polled_updates_join_the_queues_without_reading_the_inbox_again(world: World) -> None:
    """Long polling has one receiver: once the inbox was read at start, what it stores next is
    queued as it is, behind what each person has waiting already."""
    script = Script()
    install(world, script)
    inbox = create_inbox(world.runtime, world.dispatcher, world.bot)
    await inbox.store([command(PERSON, "/note left from before")])  # a previous run's
    await inbox.drain()
    batch = [command(PERSON, "/note 1"), command(OTHER, "/note a"), command(PERSON, "/note 2")]
    assert await inbox.store(batch, sole_receiver=True)
    await inbox.drain()
    mine = [text for who, text in script.order if who == PERSON]
    assert mine == ["/note left from before", "/note 1", "/note 2"]
    assert (OTHER, "/note a") in script.order and len(script.order) == 4
    assert [await recorded(world, u.update_id) for u in batch] == [True, True, True]
