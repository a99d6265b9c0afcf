"""A 360 result (000 clause 11) and a 2018-method year's result (003 clauses 12 and 69) given to
someone who left the body: the bot sends them nothing, HR meets the notice in /written (in
Kazakh), the head of HR downloads the letter, an HR officer records the delivery. No appeal
window is shown: the bot takes no appeal against either.

The clock: Monday 01.12.2025, 11:00 in Almaty (tests/conversation/conftest.py)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlalchemy import select, update

from bot.factory import create_delivery
from bot.infra.callbacks import RoundAction, RoundCb
from bot.kernel.access import Role
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import service as legacy
from bot.staff import people
from bot.staff.access import COMMAND_LINE, grant_role
from bot.survey360 import rounds as campaigns
from storage.legacy2018 import LegacyRepo
from storage.models import AuditEntry, LegacySheet, OutboxMessage
from storage.staff.employees import EmployeeRepo
from storage.survey360.answers import AnswerRepo
from storage.survey360.campaigns import CampaignRepo
from storage.written_notices import WrittenNoticeDTO, WrittenNoticeRepo
from tests.conversation.conftest import FixedClock, World
from tests.conversation.test_legacy_people import _decide
from tests.conversation.test_quarterly import _staff_without
from tests.factories import TELEGRAM_IDS, staff_validation
from tests.legacy_support import approve_latest
from tests.storage.test_legacy_year import staff_with_categories

HR, HR_HEAD = 5001, 5002


async def _hr(world: World) -> None:
    async with world.runtime.sessionmaker() as session, session.begin():
        now = world.runtime.clock.now()
        await grant_role(session, COMMAND_LINE, HR, Role.HR, now)
        await grant_role(session, COMMAND_LINE, HR_HEAD, Role.HR_HEAD, now)


async def _notices(world: World) -> list[WrittenNoticeDTO]:
    async with world.runtime.sessionmaker() as session:
        return await WrittenNoticeRepo(session).listed(pending_only=False)


async def _audited(world: World, action: str) -> list[tuple[str, str | None, int | None]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(AuditEntry.object_type, AuditEntry.object_id, AuditEntry.actor_telegram_id).where(
                AuditEntry.action == action
            )
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


def _pdf_text(world: World) -> tuple[str, str]:
    name, data = world.telegram.documents[max(world.telegram.documents)]
    return name, "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_a_360_result_of_someone_who_left_goes_in_writing(world: World) -> None:
    """A 2025 round under kz-2024 (seed 000) for E1 and E3, all answered; E3 leaves before HR
    closes it."""
    profile = load_profile("kz-2024")
    await world.setup_staff()
    runtime = world.runtime
    today, now = runtime.clock.today(), runtime.clock.now()
    async with runtime.sessionmaker() as session, session.begin():
        report = await campaigns.create_360(
            session, profile, year=2025, deadline=date(2026, 1, 9), today=today, employee_ids=["E1", "E3"]
        )
        campaign_id = report.campaign.id
        await campaigns.start(session, profile, campaign_id, now)
        answers = AnswerRepo(session)
        for assignment in await CampaignRepo(session).assignments(campaign_id):
            task = await answers.task(assignment.id)
            assert task is not None
            questionnaire = profile.questionnaire(task.questionnaire)
            for statement in range(1, len(questionnaire.statements) + 1):
                await answers.save_draft(assignment.id, statement, (assignment.id + statement) % 3 + 3)
            await answers.submit(assignment.id, questionnaire)
        await people.import_staff(session, staff_validation(today, _staff_without("E3")), today)
    # HR closes the round in Telegram and is told who is owed their result in writing.
    await _hr(world)
    hr = world.person(HR, "Гүлнар")  # Kazakh
    await hr.say("/rounds")
    await hr.press("360 · 2025")
    await hr.press_data(RoundCb(action=RoundAction.CLOSE, campaign=campaign_id).pack())
    await hr.press_data(RoundCb(action=RoundAction.CLOSE_CONFIRM, campaign=campaign_id).pack())
    assert hr.last.text.endswith(
        "Мемлекеттік органнан кеткен, нәтижелері жазбаша түрде жеткізілетін адамдар (/written): 1."
    )
    await create_delivery(runtime, world.bot).deliver_pending()
    assert not any("360" in m.text for m in world.telegram.chat(TELEGRAM_IDS["E3"]) if m.text)
    async with runtime.sessionmaker() as session:
        reports = (
            await session.scalars(
                select(OutboxMessage.recipient_id).where(OutboxMessage.kind == "report_360")
            )
        ).all()
        e3 = (await EmployeeRepo(session).by_external_ids(["E3"]))["E3"]
    assert e3.id not in reports  # the bot does not send E3 the report
    (notice,) = await _notices(world)
    # Monday 01.12.2025 + 2 working days: Wednesday 03.12.2025.
    assert (notice.kind, notice.employee_code, notice.due_on) == ("360", "E3", date(2025, 12, 3))

    await hr.say("/written")
    assert f"№{notice.id} · Нұрланов Асқар Ерланұлы (E3) · 2025 жылғы 360 бағалау" in hr.last.text
    assert "мерзімі: 03.12.2025" in hr.last.text and hr.last.protect_content

    await hr.say(f"/letter {notice.id}")  # the letter shows the result: the head of HR only
    assert not world.telegram.documents
    head = world.person(HR_HEAD, "Айгүл")
    await head.say(f"/letter {notice.id}")
    name, text = _pdf_text(world)
    assert name == "notice-2025-360-E3.pdf" and head.last.protect_content
    assert "Бағалау нәтижесі туралы хабарлама" in text and "Нұрланов Асқар Ерланұлы" in text
    flat = " ".join(text.split())
    assert "Бағаланатын кезең 360 әдісімен бағалау, 2025" in flat
    assert "Орташа балл 4,00 Баға Функционалдық міндеттерді тиімді орындайды" in flat
    assert "жазбаша түрде таныстырады" in flat

    clock = runtime.clock
    assert isinstance(clock, FixedClock)
    clock.current = datetime(2025, 12, 2, 6, 0, tzinfo=UTC)  # Tuesday: HR sent the e-mail today
    await hr.say(f"/delivered {notice.id} email 02.12.2025 asqar@mail.kz")
    assert hr.last.text == "Тіркелді."  # no appeal window: the bot takes none against a 360 result
    await hr.say(f"/delivered {notice.id} sms 02.12.2025 again")
    assert hr.last.text != "Тіркелді."
    await hr.say("/written")
    assert "02.12.2025" in hr.last.text and "asqar@mail.kz" in hr.last.text
    (subject_id,) = {n.subject_id for n in await _notices(world)}
    assert await _audited(world, "round.written_notice") == [("subject", str(subject_id), HR)]
    assert await _audited(world, "round.written_letter") == [("subject", str(subject_id), HR_HEAD)]


async def test_a_2018_year_result_of_someone_who_left_goes_in_writing(world: World) -> None:
    """A 2025 year under kz-2018-koksu (seed 003, chapter 6); E1's and E2's KPI counts decided by
    the commission; E2 leaves before the authorised person approves them."""
    await world.setup_staff(csv_text=staff_with_categories())
    runtime = world.runtime
    today, now = runtime.clock.today(), runtime.clock.now()
    async with runtime.sessionmaker() as session, session.begin():
        started = await legacy.start_year(
            session,
            load_profile("kz-2018-koksu"),
            2025,
            date(2026, 1, 30),
            KAZAKHSTAN,
            today=today,
            now=now,
            actor=COMMAND_LINE,
        )
        repo = LegacyRepo(session)
        staff = await EmployeeRepo(session).many(
            [s.employee_id for s in await repo.sheets(started.campaign.id)]
        )
        sheets = {staff[s.employee_id].employee_id: s.id for s in await repo.sheets(started.campaign.id)}
        await session.execute(
            update(LegacySheet)
            .where(LegacySheet.id.in_([sheets["E1"], sheets["E2"]]))
            .values(plan_status="approved", kpi_status="agreed", kpi_met=4, kpi_grade="proper")
        )
    for code in ("E1", "E2"):
        await _decide(world, sheets[code], now)
    async with runtime.sessionmaker() as session, session.begin():
        csv = "\n".join(line for line in staff_with_categories().splitlines() if not line.startswith("E2,"))
        await people.import_staff(session, staff_validation(today, csv + "\n"), today)
        await approve_latest(session, started.campaign.id, on=today, now=now)
        results = (
            await session.scalars(
                select(OutboxMessage.ref_id).where(OutboxMessage.kind == legacy.LEGACY_RESULT)
            )
        ).all()
    assert results == [sheets["E1"]]  # E2 gets nothing from the bot
    (notice,) = await _notices(world)
    # Approved Monday 01.12.2025; HR acquaints within 2 working days (003 clause 68).
    assert (notice.kind, notice.employee_code, notice.legacy_sheet_id) == ("2018", "E2", sheets["E2"])
    assert notice.due_on == date(2025, 12, 3)

    await _hr(world)
    hr = world.person(HR, "Гүлнар")
    await hr.say("/written")
    assert f"№{notice.id} · Smith John (E2) · 2025 жыл (2018 жылғы әдістеме)" in hr.last.text
    head = world.person(HR_HEAD, "Айгүл")
    await head.say(f"/letter {notice.id}")
    name, text = _pdf_text(world)
    assert name == "notice-2025-2018-E2.pdf"
    flat = " ".join(text.split())
    assert "Smith John" in flat and "Функционалдық міндеттерді тиісті түрде орындайды" in flat
    assert "шағымдана аласыз" in flat  # the appeal to the agency (003 clause 70)

    await hr.say(f"/delivered {notice.id} letter 01.12.2025 KZ000777")
    assert hr.last.text == "Тіркелді."
    assert await _audited(world, "legacy.written_notice") == [("legacy_sheet", str(sheets["E2"]), HR)]
    assert await _audited(world, "legacy.written_letter") == [("legacy_sheet", str(sheets["E2"]), HR_HEAD)]
