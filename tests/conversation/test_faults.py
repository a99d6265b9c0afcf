"""Faults of the kind Telegram, crashes and lost services produce, through the real dispatcher.

- Every update delivered twice (Telegram re-sends an update whose delivery it did not see
  confirmed): after each second delivery the database is exactly what the first left.
- Redis lost: the conversation state in it goes, nobody's place in a questionnaire or a sheet
  does (it is in the database).
- The scheduler's gate: one instance a period, and every instance when Redis is away.
- Telegram's sending budget: one for all instances (in Redis), each its own when Redis is away.
(Random updates in every state: test_fuzz.py; two instances and a SIGKILL: e2e/test_scaleout.py.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Update
from redis.asyncio import Redis
from redis.exceptions import LockNotOwnedError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.factory import create_delivery, create_dispatcher
from bot.infra.callbacks import CalibrationCb
from bot.infra.outbox import ChatSpacing, RateLimiter
from bot.infra.scaleout import PERSON_LOCK_SECONDS, JobGate, SharedBudget, conversation_state
from storage.models import Base
from tests.conversation.conftest import FixedClock, World
from tests.conversation.test_appeals import AUTHORISED, john_appeals, set_session
from tests.conversation.test_quarterly import _in_english, _quarter
from tests.factories import TELEGRAM_IDS


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


async def test_every_update_delivered_twice_changes_nothing_the_first_did_not(world: World) -> None:
    engine = world.runtime.engine
    repeated: list[int] = []

    async def deliver_again(update: Update) -> None:
        before = await snapshot(engine)
        shown = len(world.telegram.messages)
        await world.dispatcher.feed_update(world.bot, update)
        assert await snapshot(engine) == before, f"update {update.update_id} changed the database again"
        assert len(world.telegram.messages) == shown  # and the person is not answered twice
        repeated.append(update.update_id)

    world.after_update = deliver_again
    # A manager scores a sheet (buttons, a typed justification, submit), the person reads the
    # result and appeals, the authorised person sets a session, the members vote.
    await john_appeals(world, scores=(3, 4, 3, 4))
    authorised = world.person(AUTHORISED, "Нұрлан", "en")
    notice = world.telegram.chat(AUTHORISED)[-1]
    appeal = next(d for _, d in notice.buttons() if d.startswith("cs:"))
    await set_session(authorised, notice, CalibrationCb.unpack(appeal).appeal, "D1 U2 E4", 10, "15:00")
    await create_delivery(world.runtime, world.bot).deliver_pending()
    clock = world.runtime.clock
    assert isinstance(clock, FixedClock)
    clock.current = datetime(2025, 12, 10, 10, 0, tzinfo=UTC)
    for code in ("D1", "U2", "E4"):
        member = world.person(TELEGRAM_IDS[code], code, "en")
        case = next(m for m in member.chat if any(d.startswith("cv:") for _, d in m.buttons()))
        await member.press("✅", case)
    assert len(repeated) >= 15
    outcome = (await snapshot(engine))["appeals"][0]
    assert "decided" in outcome


REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(REDIS_URL is None, reason="TEST_REDIS_URL is not set")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    assert REDIS_URL is not None
    client = Redis.from_url(REDIS_URL)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


@needs_redis
async def test_losing_redis_loses_no_place_in_a_questionnaire_or_a_sheet(world: World, redis: Redis) -> None:
    """With REDIS_URL, conversation state lives in Redis. Redis wiped mid-way (a restart without
    persistence): the respondent and the manager go on where they were, because where they are
    is in the database."""
    world.runtime = replace(world.runtime, redis=redis, gate=JobGate(redis, "a"))
    world.dispatcher = create_dispatcher(world.runtime)
    await _quarter(world)
    await world.running_round(["E1", "E3", "U1"])
    john = world.person(TELEGRAM_IDS["E2"], "John", "en")
    await john.say("/start")
    await john.press("Дана")
    for score in ("4", "3", "5"):
        await john.press(score)
    manager = await _in_english(world.person(TELEGRAM_IDS["U1"], "Ерлан", "en"))
    await manager.say("/start")
    await manager.press("John")
    for score in ("3", "4", "3", "4"):
        await manager.press(score)
    assert isinstance(world.dispatcher.fsm.storage, RedisStorage)

    # A Redis restart without persistence, as far as this bot sees it: its own database
    # emptied (all of Redis would take other users' databases with it).
    await redis.flushdb()
    world.dispatcher = create_dispatcher(world.runtime)  # and the bot restarted, for good measure
    john, manager = world.person(john.user.id, "John", "en"), world.person(manager.user.id, "Ерлан", "en")
    await john.say("/start")
    await john.press("Дана")
    assert "Statement 4 of 24" in john.last.text
    await manager.say("Жақсы жұмыс.")  # the justification the sheet was waiting for
    assert "Final score" in manager.last.text


@needs_redis
async def test_one_instance_a_period_runs_a_scheduled_job(redis: Redis) -> None:
    first, second = JobGate(redis, "a"), JobGate(redis, "b")
    assert await first.claim("keeper", 0.5)
    assert not await second.claim("keeper", 0.5)  # same period: already taken
    assert not await first.claim("keeper", 0.5)
    await asyncio.sleep(0.5)
    assert await second.claim("keeper", 0.5)  # the next period: whoever comes first
    assert await JobGate(None).claim("keeper", 0.5)  # one process: always itself


@needs_redis
async def test_a_person_held_by_an_instance_that_died_is_let_go_within_seconds(redis: Redis) -> None:
    """An instance killed while handling someone's update never releases their
    one-update-at-a-time lock: another instance takes their next update once it expires."""
    key = StorageKey(bot_id=1, chat_id=700, user_id=700)
    _, dead = conversation_state(redis)
    _, alive = conversation_state(redis)
    held = dead.lock(key)
    await held.__aenter__()  # entered, and not left while the other waits: the instance died inside
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def next_update() -> float:
        async with alive.lock(key):
            return loop.time() - started

    waited = await asyncio.wait_for(next_update(), PERSON_LOCK_SECONDS + 20)
    assert waited >= PERSON_LOCK_SECONDS - 1  # one update at a time while the lock lives
    with contextlib.suppress(LockNotOwnedError):  # long expired: nothing of the dead one's to release
        await held.__aexit__(None, None, None)


async def test_with_redis_unreachable_the_jobs_run_anyway() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        assert await JobGate(unreachable, "a").claim("keeper", 60)
    finally:
        await unreachable.aclose()


@needs_redis
async def test_two_instances_share_one_sending_budget(redis: Redis) -> None:
    """Telegram counts the bot, not an instance: slots come from one grid in Redis, whichever
    instance asks, and a 429 seen by one holds the other too."""
    a, b = RateLimiter(10, SharedBudget(redis)), RateLimiter(10, SharedBudget(redis))
    assert await a.acquire()  # the first slot is now
    waits = [await SharedBudget(redis).reserve(0.1) for _ in range(4)]
    # The grid is 0.1 s: the next slots are 0.1, 0.2, 0.3, 0.4 s away, less the time the
    # calls took (a few milliseconds).
    assert [round(w, 1) for w in waits] == [0.1, 0.2, 0.3, 0.4]
    await b.take_slot()  # a reply sent by instance b uses a slot of the same grid
    assert round(await SharedBudget(redis).reserve(0.1), 1) == 0.6
    await redis.flushdb()

    await a.pause(0.5)
    assert 0.4 < await SharedBudget(redis).reserve(0.1) <= 0.5
    started = asyncio.get_running_loop().time()
    assert await b.acquire()  # b waits for a's pause too (its next slot is after the one above)
    assert asyncio.get_running_loop().time() - started >= 0.5


@needs_redis
async def test_two_instances_take_turns_in_a_chat(redis: Redis) -> None:
    a, b = ChatSpacing(0.5, SharedBudget(redis)), ChatSpacing(0.5, SharedBudget(redis))
    assert await a.ready(7)  # a claims chat 7's next message
    assert await SharedBudget(redis).chat_turn(7, 0.5) > 0.4  # b would have to wait for it
    assert await SharedBudget(redis).chat_turn(8, 0.5) == 0  # another chat is free
    await a.used(7)  # a's message is out: the gap is measured from now
    assert 0.4 < await SharedBudget(redis).chat_turn(7, 0.5) <= 0.5
    started = asyncio.get_running_loop().time()
    assert await b.ready(7)  # waits out the gap, then it is b's turn
    assert asyncio.get_running_loop().time() - started > 0.3


async def test_with_redis_unreachable_each_instance_paces_itself() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        limiter = RateLimiter(1000, SharedBudget(unreachable))
        chats = ChatSpacing(0.3, SharedBudget(unreachable))
        assert await limiter.acquire() and await chats.ready(7)  # not stuck, not failed
        await chats.used(7)
        await limiter.pause(0.3)
        started = asyncio.get_running_loop().time()
        assert await chats.ready(7) and await limiter.acquire()  # its own spacing and pause hold
        assert asyncio.get_running_loop().time() - started >= 0.29
    finally:
        await unreachable.aclose()
