"""Two bot instances in webhook mode behind one "load balancer", sharing PostgreSQL and Redis:
the stand-in posts Telegram's updates to the instances in turn (as nginx would, after TLS).

People join and answer a whole 360 round with every update going to whichever instance's turn
it is; one instance is killed (SIGKILL) in the middle of someone's questionnaire and the other
carries on. Nothing is lost or doubled: every answer is stored once, every respondent continues
at the first unanswered statement, every report is sent once. Requests without the secret are
refused before they reach the bot."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from storage.db import create_engine
from storage.models import Assignment, SelfAnswer
from tests.e2e.support import (
    TOKEN,
    BotProcess,
    Respondents,
    add_staff_users,
    assignments_of,
    bot_environment,
    cli,
    expected_means,
    exported_means,
    free_port,
    join_with_invites,
    start_360_round,
)
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.stand_in import BotApiStandIn

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL")
PUBLIC_URL = "https://bagalau.example.kz/telegram/updates"
SECRET = "s3cret-Token_42"
EVALUATED = ["U1", "E1", "E2", "E3"]


async def _healthy(port: int) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as answer,
        ):
            return answer.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def _until(check: object, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def _count(database_url: str, table: type) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        await engine.dispose()


async def _submitted(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(Assignment).where(Assignment.submitted.is_(True))
            return int(await connection.scalar(query) or 0)
    finally:
        await engine.dispose()


async def test_two_instances_share_the_work_and_survive_a_kill(
    empty_database_url: str, tmp_path: Path
) -> None:
    if empty_database_url.startswith("sqlite") or REDIS_URL is None:
        pytest.skip("several instances run on PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)")
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    ports = [free_port(), free_port()]
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        stand_in.webhook_targets = [f"http://127.0.0.1:{port}" for port in ports]
        add_staff_users(stand_in)
        base = bot_environment(empty_database_url, stand_in)
        staff = tmp_path / "staff.csv"
        staff.write_text(STAFF_CSV, encoding="utf-8")
        assert "imported 8 people: 8 new" in await cli(base, "import-staff", str(staff))
        instances = [
            BotProcess(
                {
                    **base,
                    "REDIS_URL": REDIS_URL,
                    "WEBHOOK_URL": PUBLIC_URL,
                    "WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_LISTEN_PORT": str(port),
                    "INSTANCE_NAME": name,
                },
                tmp_path / f"bot-{name}.log",
            )
            for name, port in zip(("a", "b"), ports, strict=True)
        ]
        for instance in instances:
            await instance.start()
        try:
            for port in ports:
                await _until(lambda port=port: _healthy(port))
            await stand_in.wait_for(lambda: stand_in.webhook_url == PUBLIC_URL, timeout=30)

            # Without the secret, or with another, a request never reaches the bot.
            forged = {
                "update_id": 1,
                "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}},
            }
            async with aiohttp.ClientSession() as http:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                    async with http.post(
                        f"http://127.0.0.1:{ports[0]}/telegram/updates", json=forged, headers=headers
                    ) as answer:
                        assert answer.status == 401

            assert await join_with_invites(stand_in, base, tmp_path) == 8
            campaign_id = await start_360_round(base, EVALUATED)
            respondents = Respondents(stand_in, await assignments_of(empty_database_url))

            # E3 answers part of a questionnaire; instance a dies; the rest goes to b (the
            # "balancer" tries a, gets no answer, and gives the update to b, as nginx would).
            opened = await respondents.open_first_task("E3")
            assert opened is not None
            _, message_id = opened
            await respondents.answer("E3", message_id, stop_after=7)
            await instances[0].kill()
            await respondents.answer("E3", message_id)
            await respondents.submit("E3", message_id)
            await instances[0].start()  # back, and taking its turns again
            await _until(lambda: _healthy(ports[0]))
            for person in ("D1", "U1", "U2", "E1", "E2", "E3"):
                await respondents.answer_everything(person)

            served = {target for _, target, status in stand_in.webhook_deliveries if status == 200}
            assert served == set(stand_in.webhook_targets)  # both instances did work
            assert any(status != 200 for _, _, status in stand_in.webhook_deliveries)  # a's death was seen

            for person in EVALUATED:
                stand_in.mark_seen(TELEGRAM_IDS[person])
            await cli(base, "campaign-close", campaign_id)
            for person in EVALUATED:
                await stand_in.wait_for_message(
                    TELEGRAM_IDS[person], predicate=lambda m: m.kind == "photo", timeout=30
                )
            await asyncio.sleep(1)  # any second copy would have been sent by now
        finally:
            for instance in instances:
                await instance.stop()

    # Every answer once: one submission per questionnaire, means equal to what was pressed.
    assert await _submitted(empty_database_url) == len(respondents.answers)
    assert await exported_means(base, campaign_id) == expected_means(respondents.answers)
    assert await _count(empty_database_url, SelfAnswer) == sum(
        len(scores) for (who, about), scores in respondents.answers.items() if who == about
    )
    # Every report once: four text reports and four charts, in four chats.
    for person in EVALUATED:
        charts = [m for m in stand_in.messages_for(TELEGRAM_IDS[person]) if m.kind == "photo"]
        assert len(charts) == 1, person
