"""HR's report jobs outlive the process that ran them (issue 20): a job a restart cut short is
reported to the person who asked, in their language, and never silently lost; while its row
says it runs, a press on any instance makes no second job. The round's ZIP and a unit's have
names and captions of their own."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Collection
from typing import Any

import pytest
from aiogram.methods import SendDocument, SendMessage, TelegramMethod
from sqlalchemy import select

from bot.factory import create_delivery
from bot.infra.formatting import local_time
from bot.kernel.access import Role
from bot.kernel.methodology import load_profile
from bot.quarterly import rounds as quarterly
from bot.reports import files, jobs
from bot.staff.access import COMMAND_LINE, grant_role
from bot.survey360.archive import archive_members, archive_plan
from bot.survey360.results import campaign_results
from storage.models import AuditEntry, ReportJob
from storage.survey360.campaigns import CampaignRepo
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


async def _downloads(world: World) -> list[tuple[str, str]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(AuditEntry.object_type, AuditEntry.object_id)
            .where(AuditEntry.action == "report.download")
            .order_by(AuditEntry.id)
        )
        return [(kind, str(ref)) for kind, ref in rows]


async def test_the_workbook_and_one_persons_pdf_are_jobs_too(world: World) -> None:
    """The 360 workbook and /report are built beside the updates like the ZIP: the press is
    answered at once, a second press makes no second job, a restart loses none silently."""
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    head = await _head(world, "ru")
    await head.say("/rounds")
    await head.press("360 · 2025")
    rounds = head.last

    held, never = asyncio.Event(), asyncio.Event()

    async def hold_the_files(method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendDocument):
            held.set()
            await never.wait()

    world.telegram.before_call = hold_the_files
    assert await head.press("Книга (XLSX)", rounds) == ("Файл готовится…", False)
    assert await head.press("Книга (XLSX)", rounds) == ("Эти отчёты уже готовятся.", False)
    await head.say("/report E1")
    assert head.last.text == "Файл готовится…"
    await head.say("/report E1")
    assert head.last.text == "Эти отчёты уже готовятся."
    await asyncio.wait_for(held.wait(), timeout=120)
    await world.runtime.report_jobs.stop()  # the process goes with both files unsent
    world.telegram.before_call = None
    assert await _statuses(world) == ["running", "running"]

    restarted = world.restart()
    head = restarted.person(HR_HEAD, "Gulnar", "ru")
    assert await world.runtime.report_jobs.recover_interrupted() == 2
    await create_delivery(world.runtime, world.bot).deliver_pending()
    asked_at = local_time(world.runtime.clock.now()).strftime("%H:%M")
    said = " ".join(m.text for m in head.chat[-2:])
    assert f"Запрошенный вами отчёт (книга (XLSX) оценки 360 за 2025 год; время запроса: {asked_at})" in said
    assert "(отчёт оценки 360 сотрудника с табельным номером E1 за 2025 год; время запроса:" in said

    assert await head.press("Книга (XLSX)", rounds) == ("Файл готовится…", False)
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert name == "360-2025-round-1.xlsx" and data.startswith(b"PK") and head.last.protect_content
    await head.say("/report E1")
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert name == "360-2025-E1.pdf" and data.startswith(b"%PDF") and head.last.protect_content
    assert await _statuses(world) == ["interrupted", "interrupted", "done", "done"]
    # Audited before each file left: these two once each, after whatever the two jobs cut
    # short had written (a job stopped while drawing had not audited yet).
    downloads = await _downloads(world)
    assert downloads[-2:] == [("campaign", "1"), ("employee", "E1")]
    assert len(downloads) - 2 <= 2


async def test_the_zip_reads_the_round_a_page_at_a_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The all-reports job never reads the round's results whole: who is in it first (for
    the members' order), then PAGE people's results at a time, in the archive's order."""
    await world.setup_staff()
    campaign_id = await world.closed_round(["E1", "E2", "E3", "U1"])
    read: list[int | None] = []
    real = campaign_results

    async def counted(*args: Any, among: Collection[int] | None = None, **kwargs: Any) -> Any:
        read.append(None if among is None else len(among))
        return await real(*args, among=among, **kwargs)

    monkeypatch.setattr(files, "campaign_results", counted)
    monkeypatch.setattr(jobs, "PAGE", 3)
    async with world.runtime.sessionmaker() as session:
        whole = await files.closed_results(session, campaign_id)  # what the archive holds
        subjects = await files.closed_subjects(session, campaign_id)
    read.clear()
    plan = archive_plan(subjects)
    members = [m async for m in world.runtime.report_jobs._results(campaign_id, plan)]

    assert read == [3, 1]
    assert [(name, item.result) for name, _, item in members] == [
        (name, item.result) for name, _, item in archive_members(whole)
    ]


async def test_files_are_drawn_under_the_profile_the_round_was_made_under(world: World) -> None:
    """A round made under kz-2024 while the bot is configured with kz-2023 (or the other way
    round, after an upgrade): its workbook, PDFs and ZIP use the round's rules."""
    assert world.runtime.profile.code == "kz-2023"
    made_under = load_profile("kz-2024")
    await world.setup_staff()
    campaign_id = await world.closed_round(["E1", "E2", "E3", "U1"], profile=made_under)
    async with world.runtime.sessionmaker() as session:
        workbook = await files.round_workbook(session, campaign_id, world.runtime.clock.today())
        pdf = await files.person_pdf(session, campaign_id, "E1")
        _campaign, zip_profile = await files.closed_round(session, campaign_id)
        page = await files.closed_results(session, campaign_id)
    assert workbook.args[1] is made_under and pdf.args[1] is made_under and zip_profile is made_under
    for item in [*workbook.args[0], pdf.args[0], *page]:
        assert item.questionnaire == made_under.questionnaire(item.subject.questionnaire)
        assert item.questionnaire != world.runtime.profile.questionnaire(item.subject.questionnaire)

    # The quarterly workbook and sheet PDF: the same lookup (profile_of_round).
    async with world.runtime.sessionmaker() as session, session.begin():
        created = await quarterly.create_year(
            session, made_under, 2025, world.runtime.calendar, COMMAND_LINE, world.runtime.clock.now()
        )
        q4 = next(c for c in created if c.quarter == 4)
        await CampaignRepo(session).set_status(q4.id, "running", world.runtime.clock.now())
    async with world.runtime.sessionmaker() as session:
        quarter = await files.quarter_workbook(session, q4.id, world.runtime.clock.now())
    assert quarter.args[1] is made_under and quarter.name == "quarter-2025-Q4.xlsx"


async def test_reports_too_big_for_one_upload_come_in_numbered_files(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot uploads files of up to 50 MB; a ministry's ZIP is more (10,000 PDFs: over 51 MB,
    refused whole). Past PART_BYTES the next report starts the next file, each sent with its
    number; together they hold every report once."""
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    monkeypatch.setattr(jobs, "PART_BYTES", 1)  # every report its own file
    head = await _head(world, "kk")
    await head.say("/rounds")
    await head.press("360 · 2025")
    await head.press("Барлық есептер (ZIP)")
    await world.runtime.report_jobs.idle()
    sent = sorted(world.telegram.documents.values())
    assert [name for name, _ in sent] == [f"360-2025-all-kk-part{n}.zip" for n in range(1, 5)]
    members: list[str] = []
    for _name, data in sent:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert len(archive.namelist()) == 1
            members += archive.namelist()
    assert len(set(members)) == 4
    assert head.last.text == (
        "2025 жылғы 360 бағалау нәтижелері бойынша барлық есептер (барлығы: 4).\nФайл: 4 / 4."
    )
