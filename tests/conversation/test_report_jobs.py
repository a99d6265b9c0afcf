"""HR's report jobs outlive the process that ran them (issue 20): a job a restart cut short is
reported to the person who asked, in their language, and never silently lost; while its row
says it runs, a press on any instance makes no second job. The round's ZIP and a unit's have
names and captions of their own."""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import Any

from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import select

from bot.factory import create_delivery
from bot.infra.formatting import local_time
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import ReportJob
from tests.conversation.conftest import World

HR_HEAD = 5002


async def _head(world: World, language: str) -> Any:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR_HEAD, Role.HR_HEAD, world.runtime.clock.now())
    return world.person(HR_HEAD, "Gulnar", language)


async def _statuses(world: World) -> list[str]:
    async with world.runtime.sessionmaker() as session:
        return list((await session.scalars(select(ReportJob.status).order_by(ReportJob.id))).all())


async def test_a_job_cut_short_by_a_restart_is_reported_and_can_be_asked_again(world: World) -> None:
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    head = await _head(world, "ru")
    await head.say("/rounds")
    await head.press("360 · 2025")
    rounds = head.last

    started, never = asyncio.Event(), asyncio.Event()

    async def hang_at_the_progress(method: TelegramMethod[Any]) -> None:
        # The job stops here, its progress message going out, as if the process were killed.
        if isinstance(method, SendMessage) and method.text.startswith("Готовится отчётов: 4"):
            started.set()
            await never.wait()

    world.telegram.before_call = hang_at_the_progress
    await head.press("Все отчеты (ZIP)", rounds)
    await asyncio.wait_for(started.wait(), timeout=60)
    await world.runtime.report_jobs.stop()  # the process goes; its row stays "running"
    world.telegram.before_call = None
    assert await _statuses(world) == ["running"]

    # Another bot process (nothing of the job in its memory): the row alone stops a second job.
    restarted = world.restart()
    head = restarted.person(HR_HEAD, "Gulnar", "ru")
    assert await head.press("Все отчеты (ZIP)", rounds) == ("Эти отчёты уже готовятся.", False)

    assert await world.runtime.report_jobs.recover_interrupted() == 1
    assert await world.runtime.report_jobs.recover_interrupted() == 0  # told once
    await create_delivery(world.runtime, world.bot).deliver_pending()
    asked_at = local_time(world.runtime.clock.now()).strftime("%H:%M")
    assert head.last.text == (
        f"Запрошенный вами отчёт (все отчёты оценки 360 за 2025 год; время запроса: {asked_at}) не "
        "подготовлен: за это время бот был перезапущен. Нажмите кнопку ещё раз."
    )
    assert await _statuses(world) == ["interrupted"]

    await head.press("Все отчеты (ZIP)", rounds)
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert name == "360-2025-all-ru.zip"
    assert head.last.text == "Все отчёты о результатах оценки 360 за 2025 год (всего: 4)."
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == 4
    assert await _statuses(world) == ["interrupted", "done"]


async def test_the_rounds_zip_and_a_units_zip_are_told_apart(world: World) -> None:
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    head = await _head(world, "kk")
    await head.say("/rounds")
    await head.press("360 · 2025")
    rounds = head.last
    await head.press("Барлық есептер (ZIP)", rounds)
    await world.runtime.report_jobs.idle()
    whole, _ = world.telegram.documents[head.last.message_id]
    assert whole == "360-2025-all-kk.zip"
    assert head.last.text == "2025 жылғы 360 бағалау нәтижелері бойынша барлық есептер (барлығы: 4)."

    await head.press("Бөлімше есептері (ZIP)", rounds)
    await head.press("Жоспарлау басқармасы")
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert name == "360-2025-zhosparlau-basqarmasy-kk.zip" != whole
    assert head.last.text == (
        "«Жоспарлау басқармасы» бөлімшесі бойынша 2025 жылғы 360 бағалау нәтижелерінің есептері (барлығы: 4)."
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {n.split("/")[0] for n in archive.namelist()} == {"Жоспарлау басқармасы"}


async def test_a_failed_job_says_so_and_a_new_press_starts_another(world: World) -> None:
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    head = await _head(world, "en")
    await head.say("/rounds")
    await head.press("360 · 2025")
    rounds = head.last

    async def break_the_progress(method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendMessage) and method.text.startswith("Preparing 4 reports"):
            raise RuntimeError("the job breaks before drawing anything")

    world.telegram.before_call = break_the_progress
    for _ in range(2):
        assert await head.press("All reports (ZIP)", rounds) == ("Preparing the file…", False)
        await world.runtime.report_jobs.idle()
        assert head.last.text == "Sorry, the reports could not be prepared. Please try again later."
    assert await _statuses(world) == ["failed", "failed"]
    assert not world.telegram.documents
