from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.factory import Runtime, create_bot, create_dispatcher, create_runtime
from bot.infra.config import Settings
from bot.infra.workers import Workers
from bot.kernel.methodology import Profile
from bot.staff import people
from bot.survey360 import rounds as campaigns
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from storage.survey360.campaigns import CampaignRepo
from tests.conversation.harness import FakeTelegram, Person, make_user
from tests.factories import STAFF_CSV, TELEGRAM_IDS, staff_validation


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.date()


@dataclass
class World:
    runtime: Runtime
    telegram: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    campaign_id: int = 0
    after_update: Callable[[Update], Awaitable[None]] | None = None  # see Person

    def person(self, telegram_id: int, first_name: str = "Test", language_code: str | None = "kk") -> Person:
        return Person(
            self.dispatcher,
            self.bot,
            self.telegram,
            make_user(telegram_id, first_name, language_code),
            self.after_update,
        )

    def restart(self) -> World:
        """A new bot process on the same database and the same chats."""
        return World(self.runtime, self.telegram, self.bot, create_dispatcher(self.runtime), self.campaign_id)

    async def setup_staff(self, *, bind: bool = True, csv_text: str = STAFF_CSV) -> None:
        today = self.runtime.clock.today()
        async with self.runtime.sessionmaker() as session, session.begin():
            await people.import_staff(session, staff_validation(today, csv_text), today)
            if bind:
                repo = EmployeeRepo(session)
                found = await repo.by_external_ids(TELEGRAM_IDS)
                for external_id, telegram_id in TELEGRAM_IDS.items():
                    await repo.bind_telegram(found[external_id].id, telegram_id, self.runtime.clock.now())

    async def closed_round(self, employee_ids: list[str], profile: Profile | None = None) -> int:
        """A round in which every questionnaire was answered and submitted, then closed; made
        under ``profile`` (default: the configured one)."""
        profile = profile or self.runtime.profile
        campaign_id = await self.running_round(employee_ids, profile=profile)
        async with self.runtime.sessionmaker() as session, session.begin():
            answers = AnswerRepo(session)
            for assignment in await CampaignRepo(session).assignments(campaign_id):
                task = await answers.task(assignment.id)
                assert task is not None
                questionnaire = profile.questionnaire(task.questionnaire)
                for statement in range(1, len(questionnaire.statements) + 1):
                    await answers.save_draft(assignment.id, statement, (assignment.id + statement) % 5 + 1)
                await answers.submit(assignment.id, questionnaire)
            await campaigns.close(session, campaign_id, self.runtime.clock.now())
        return campaign_id

    async def running_round(
        self, employee_ids: list[str], deadline: date = date(2026, 1, 10), *, profile: Profile | None = None
    ) -> int:
        profile = profile or self.runtime.profile
        async with self.runtime.sessionmaker() as session, session.begin():
            report = await campaigns.create_360(
                session,
                profile,
                year=2025,
                deadline=deadline,
                today=self.runtime.clock.today(),
                employee_ids=employee_ids,
            )
            await campaigns.start(session, profile, report.campaign.id, self.runtime.clock.now())
            return report.campaign.id


@pytest.fixture(scope="session")
def shared_workers() -> Iterator[Workers]:
    """One pool of worker processes for every test in this process: each bot of its own
    spent seconds spawning processes that import matplotlib and fpdf for its first report.
    A worker keeps nothing of one job for the next (tests/domain/test_report_reuse.py)."""
    workers = Workers("kk")
    try:
        yield workers
    finally:
        workers.shutdown()


@asynccontextmanager
async def world_under(
    engine: AsyncEngine, database_url: str, workers: Workers, profile: str = "kz-2023"
) -> AsyncIterator[World]:
    """The conversation world of an organisation configured with methodology ``profile``."""
    settings = Settings(
        _env_file=None,
        bot_token="42:TEST",
        database_url=database_url,
        default_locale="kk",
        methodology_profile=profile,
    )
    # No per-chat pacing: the delivery's second between two messages to one chat is checked
    # where it is the point (tests/e2e/test_broadcast.py measures the gaps; test_faults.py with
    # Redis); here it would only make a test wait a second for each further notice to a chat.
    runtime = create_runtime(
        settings,
        clock=FixedClock(datetime(2025, 12, 1, 6, 0, tzinfo=UTC)),
        engine=engine,
        chat_interval=0,
        workers=workers,
    )
    telegram = FakeTelegram()
    bot = create_bot(settings, session=telegram)
    try:
        yield World(runtime, telegram, bot, create_dispatcher(runtime))
    finally:
        await runtime.report_jobs.stop()


@pytest.fixture
async def world(engine: AsyncEngine, database_url: str, shared_workers: Workers) -> AsyncIterator[World]:
    async with world_under(engine, database_url, shared_workers) as made:
        yield made
