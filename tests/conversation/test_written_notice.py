"""000 clause 11, second part (kz-2024, seed 000; kz-2023's clause 11 has no such part): E3 leaves during the quarter; when U1 submits E3's sheet the bot
messages E3 nothing and HR owes E3 a written notice within two working days. HR lists it, the
head of HR downloads the letter, an HR officer records the registered letter; the audit trail
has it, and the 5 working days to apply run from the delivery. Others may see none of it."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.factory import create_delivery
from bot.infra.callbacks import WrittenAction, WrittenCb
from bot.infra.workers import Workers
from bot.kernel.access import Role
from bot.kernel.workdays import KAZAKHSTAN
from bot.quarterly import appeals
from bot.quarterly.rounds import QUARTER_RESULT
from bot.staff import people
from bot.staff.access import COMMAND_LINE, grant_role
from storage.deadlines import ReminderRepo
from storage.dto import EmployeeDTO
from storage.models import AuditEntry, OutboxMessage, WrittenNotice
from storage.staff.employees import EmployeeRepo
from storage.written_notices import WrittenNoticeRepo
from tests.conversation.conftest import FixedClock, World, world_under
from tests.conversation.test_quarterly import (
    U1,
    _in_english,
    _score_person,
    _sheets,
    _staff_without,
    _start_q4,
)
from tests.factories import staff_validation

HR, HR_HEAD = 5001, 5002
E3_TELEGRAM = 1006


@pytest.fixture
async def world(engine: AsyncEngine, database_url: str, shared_workers: Workers) -> AsyncIterator[World]:
    """A body under kz-2024, whose clause 11 acquaints those who left in writing."""
    async with world_under(engine, database_url, shared_workers, "kz-2024") as made:
        yield made


async def _e3_left_and_was_evaluated(world: World) -> int:
    """Monday 01.12.2025: E3 is missing from the staff list, Q4 starts, U1 scores E3."""
    await world.setup_staff()
    runtime = world.runtime
    today, now = runtime.clock.today(), runtime.clock.now()
    async with runtime.sessionmaker() as session, session.begin():
        await people.import_staff(session, staff_validation(today, _staff_without("E3")), today)
        await _start_q4(session, runtime)
        await grant_role(session, COMMAND_LINE, HR, Role.HR, now)
        await grant_role(session, COMMAND_LINE, HR_HEAD, Role.HR_HEAD, now)
    manager = await _in_english(world.person(U1, "Ерлан", "en"))
    await _score_person(manager, "Асқар", [4, 4, 3, 3], "Тоқсан ішінде жұмыстан шықты.")
    await create_delivery(runtime, world.bot).deliver_pending()
    return (await _sheets(world))["E3"].id


async def test_hr_records_a_registered_letter_to_a_person_who_left(world: World) -> None:
    sheet_id = await _e3_left_and_was_evaluated(world)
    assert world.telegram.chat(E3_TELEGRAM) == []  # no bot message: E3 no longer uses the bot
    async with world.runtime.sessionmaker() as session:
        owed = (await session.execute(select(WrittenNotice))).scalars().all()
    # Submitted Monday 01.12.2025: due Wednesday 03.12.2025, two working days on.
    assert [(n.sheet_id, n.due_on, n.sent_on) for n in owed] == [(sheet_id, date(2025, 12, 3), None)]
    number = owed[0].id  # the notice's own number, which HR's commands take

    # Thursday: the notice is overdue in HR's list.
    clock = world.runtime.clock
    assert isinstance(clock, FixedClock)
    clock.current = datetime(2025, 12, 4, 6, 0, tzinfo=UTC)
    hr = await _in_english(world.person(HR, "Gulnar", "en"))
    await hr.say("/written")
    assert f"№{number} · Нұрланов Асқар Ерланұлы (E3) · Q4 2025" in hr.last.text
    assert "overdue: was due 03.12.2025" in hr.last.text and hr.last.protect_content

    # The letter shows the result: the head of HR only (clause 20).
    await hr.say(f"/letter {number}")
    assert "Only the head of HR may download the letter" in hr.last.text
    head = await _in_english(world.person(HR_HEAD, "Aigul", "en"))
    await head.say(f"/letter {number}")
    name, data = world.telegram.documents[max(world.telegram.documents)]
    assert name == "notice-2025-Q4-E3.pdf" and head.last.protect_content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Notice of the evaluation result" in text and "Нұрланов Асқар Ерланұлы" in text
    assert "Score 3.50" in text and "Grade Performs functional duties properly" in text
    assert "within 5 working days from the day you received this notice" in text
    assert "Evaluation sheet by the differentiation method" in text  # the sheet follows the letter

    # The officer records the registered letter sent today; a second record is refused.
    await hr.say(f"/delivered {number} letter")  # a part missing: the one-line form's usage
    assert "/delivered number channel DD.MM.YYYY reference" in hr.last.text
    await hr.say(f"/delivered {number} letter 05.12.2025 KZ000123456")
    assert hr.last.text == "The date is in the future: record a delivery once it is sent."
    await hr.say(f"/delivered {number} letter 04.12.2025 KZ000123456")
    # Thursday 04.12.2025 + 5 working days: Thursday 11.12.2025.
    assert "may apply for a calibration session until 11.12.2025" in hr.last.text
    await hr.say(f"/delivered {number} sms 04.12.2025 other")
    assert hr.last.text == "This delivery is recorded already."
    await hr.say("/written")
    assert "sent 04.12.2025 by registered letter with notice of delivery, ref. KZ000123456" in hr.last.text

    async with world.runtime.sessionmaker() as session:
        row = await session.get(WrittenNotice, number)
        entries = (
            (await session.execute(select(AuditEntry).where(AuditEntry.action.like("quarter.written%"))))
            .scalars()
            .all()
        )
        e3 = (await EmployeeRepo(session).by_external_ids(["E3"]))["E3"]
        window = await appeals.check_appeal(
            session,
            e3,
            sheet_id,
            today=date(2025, 12, 11),
            calendar=KAZAKHSTAN,
            zone=world.runtime.settings.zone,
        )
        closed = await appeals.check_appeal(
            session,
            e3,
            sheet_id,
            today=date(2025, 12, 12),
            calendar=KAZAKHSTAN,
            zone=world.runtime.settings.zone,
        )
    assert row is not None and (row.channel, row.sent_on, row.reference, row.recorded_by) == (
        "letter",
        date(2025, 12, 4),
        "KZ000123456",
        HR,
    )
    assert [(e.action, e.actor_telegram_id, e.object_id) for e in entries] == [
        ("quarter.written_letter", HR_HEAD, str(sheet_id)),
        ("quarter.written_notice", HR, str(sheet_id)),
    ]
    assert json.loads(entries[1].details or "{}") == {
        "channel": "letter",
        "sent_on": "2025-12-04",
        "late": True,
    }
    # The window runs from the delivery, though E3 never read the result in the bot.
    assert isinstance(e3, EmployeeDTO)
    assert (window.refusal, window.closes_on) == (None, date(2025, 12, 11))
    assert closed.refusal is appeals.AppealRefusal.WINDOW_CLOSED


async def test_only_hr_sees_the_list(world: World) -> None:
    sheet_id = await _e3_left_and_was_evaluated(world)
    async with world.runtime.sessionmaker() as session:
        owed = await WrittenNoticeRepo(session).of_sheet(sheet_id)
    assert owed is not None
    manager = world.person(U1, "Ерлан", "en")
    for command in ("/written", f"/letter {owed.id}", f"/delivered {owed.id} letter 01.12.2025 KZ1"):
        await manager.say(command)
        assert "Нұрланов" not in manager.last.text and "Recorded" not in manager.last.text
    async with world.runtime.sessionmaker() as session:
        row = await session.get(WrittenNotice, owed.id)
    assert row is not None and row.sent_on is None


async def test_a_person_who_leaves_after_the_start_is_owed_a_written_notice_too(world: World) -> None:
    """E2 is in the staff list when Q4 starts and gone when U1 submits: no bot message, no
    reminder to read it, a written notice instead; E1, still here, gets the usual message."""
    await world.setup_staff()
    runtime = world.runtime
    today, now = runtime.clock.today(), runtime.clock.now()
    async with runtime.sessionmaker() as session, session.begin():
        await _start_q4(session, runtime)
        await people.import_staff(session, staff_validation(today, _staff_without("E2")), today)
    assert (await _sheets(world))["E2"].absence is None  # not known as dismissed at the start
    manager = await _in_english(world.person(U1, "Ерлан", "en"))
    await _score_person(manager, "John", [3, 3, 3, 3], "Орташа.")
    await _score_person(manager, "Дана", [3, 3, 3, 3], "Орташа.")
    await create_delivery(runtime, world.bot).deliver_pending()
    sheets = await _sheets(world)
    async with runtime.sessionmaker() as session:
        owed = [row.sheet_id for row in (await session.execute(select(WrittenNotice))).scalars().all()]
        unread = await ReminderRepo(session).unread_results(now - timedelta(days=1))
    assert owed == [sheets["E2"].id]
    assert [u.ref for u in unread] == [sheets["E1"].id]  # E2 is not chased to read it in the bot
    async with runtime.sessionmaker() as session:
        results = (
            await session.execute(select(OutboxMessage.ref_id).where(OutboxMessage.kind == QUARTER_RESULT))
        ).scalars()
        assert sorted(results) == [sheets["E1"].id]  # the bot tells E1 the result, not E2


@pytest.mark.parametrize(("profile", "in_writing"), [("kz-2023", False), ("kz-2024", True)])
async def test_the_written_route_follows_the_profile(
    engine: AsyncEngine, database_url: str, shared_workers: Workers, profile: str, in_writing: bool
) -> None:
    """kz-2023's clause 11 (seed 002) acquaints everyone through the information systems and has
    no written route; kz-2024's second part (seed 000) does. E3 left before Q4 started: under
    kz-2023 the result goes the usual way (the bot's message) and HR owes no letter."""
    async with world_under(engine, database_url, shared_workers, profile) as world:
        sheet_id = await _e3_left_and_was_evaluated(world)
        async with world.runtime.sessionmaker() as session:
            owed = [row.sheet_id for row in (await session.execute(select(WrittenNotice))).scalars()]
            results = list(
                (
                    await session.execute(
                        select(OutboxMessage.ref_id).where(OutboxMessage.kind == QUARTER_RESULT)
                    )
                ).scalars()
            )
        assert owed == ([sheet_id] if in_writing else [])
        assert (sheet_id in results) is not in_writing
        hr = await _in_english(world.person(HR, "Gulnar", "en"))
        await hr.say("/written")
        assert ("Нұрланов Асқар Ерланұлы (E3)" in hr.last.text) is in_writing


async def test_hr_records_a_delivery_by_the_wizard_in_kazakh(world: World) -> None:
    """/delivered without arguments: the notice by a button (overdue marked), the channel by a
    button, the day in the calendar (days that passed, not a day to come), the reference typed,
    a summary, confirm. In Kazakh, the HR officer's language."""
    sheet_id = await _e3_left_and_was_evaluated(world)
    async with world.runtime.sessionmaker() as session:
        owed = await WrittenNoticeRepo(session).of_sheet(sheet_id)
    assert owed is not None
    clock = world.runtime.clock
    assert isinstance(clock, FixedClock)
    clock.current = datetime(2025, 12, 4, 6, 0, tzinfo=UTC)  # Thursday: due Wednesday, overdue
    hr = world.person(HR, "Гүлнар", "kk")

    await hr.say("/written")
    assert [t for t, _ in hr.last.buttons()] == ["✉ Жеткізуді тіркеу"]  # no letter: not the head
    await hr.press("Жеткізуді тіркеу")
    assert hr.last.text.startswith("<b>Жеткізуді тіркеу</b>")
    labels = [t for t, _ in hr.last.buttons()]
    assert labels == [f"⚠️ №{owed.id} · Нұрланов Асқар Ерланұлы · 2025 ж. 4-тоқсан", "✖ Бас тарту"]
    await hr.press(f"№{owed.id}")
    assert "Қалай жіберілді?" in hr.last.text
    await hr.press("◀ Артқа")  # back to the list, and on again
    await hr.press(f"№{owed.id}")
    await hr.press("тапсырылғаны туралы хабарламасы бар тапсырыс хат")
    assert "Қай күні жіберілді? 01.12.2025 бастап бүгінге дейін" in hr.last.text
    # Days that have passed may be chosen, today too; tomorrow may not.
    assert [hr.calendar_cell(date(2025, 12, d))[0] for d in (1, 3, 4)] == ["1", "3", "4"]
    assert hr.calendar_cell(date(2025, 12, 5))[0] != "5"  # not offered (blank or "·")
    assert not [t for t, _ in hr.last.buttons() if t.endswith(" ▶")]  # no month to come either
    await hr.press_data(hr.calendar_cell(date(2025, 12, 5))[1])  # tomorrow's blank cell
    assert "Қай күні жіберілді?" in hr.last.text  # the question stands
    await hr.choose_day(date(2025, 12, 3))
    assert "деректемені жазыңыз" in hr.last.text
    await hr.say("KZ000123456")
    summary = hr.last.text
    assert summary.startswith("<b>Бұл жеткізуді тіркеу керек пе?</b>")
    assert "Жіберілген күні: 03.12.2025" in summary and "Деректемесі: KZ000123456" in summary
    async with world.runtime.sessionmaker() as session:
        row = await session.get(WrittenNotice, owed.id)
    assert row is not None and row.sent_on is None  # nothing recorded before the confirmation
    await hr.press("✅ Тіркеу")
    # Wednesday 03.12.2025 + 5 working days: Wednesday 10.12.2025.
    assert hr.last.text == (
        "Тіркелді. Қызметші калибрлеу сессиясын өткізу туралы өтінішпен 10.12.2025 дейін жүгіне алады "
        "(5 жұмыс күні, 12-тармақ)."
    )
    async with world.runtime.sessionmaker() as session:
        row = await session.get(WrittenNotice, owed.id)
    assert row is not None and (row.channel, row.sent_on, row.reference, row.recorded_by) == (
        "letter",
        date(2025, 12, 3),
        "KZ000123456",
        HR,
    )
    # Nothing is owed any more: the wizard says so, and /written offers no delivery to record.
    await hr.say("/delivered")
    assert "жазбаша жеткізілетін нәтижелер жоқ" in hr.last.text
    await hr.press("Бас тарту")
    assert hr.last.text == "Тоқтатылды: жеткізу тіркелмеді."


async def test_the_head_of_hr_downloads_a_letter_by_a_button(world: World) -> None:
    sheet_id = await _e3_left_and_was_evaluated(world)
    async with world.runtime.sessionmaker() as session:
        owed = await WrittenNoticeRepo(session).of_sheet(sheet_id)
    assert owed is not None
    # An HR officer: no letter, by the command or by a forged button (clause 20).
    hr = await _in_english(world.person(HR, "Gulnar", "en"))
    await hr.say("/letter")
    assert "Only the head of HR may download the letter" in hr.last.text
    await hr.say("/written")
    text, alert = await hr.press_data(WrittenCb(action=WrittenAction.LETTER).pack(), hr.last)
    assert alert and text is not None and "Only the head of HR may download the letter" in text

    head = await _in_english(world.person(HR_HEAD, "Aigul", "en"))
    await head.say("/written")
    assert [t for t, _ in head.last.buttons()] == ["✉ Record a delivery", "📄 Letter"]
    await head.press("📄 Letter")
    assert head.last.text.startswith("<b>The letter</b> with the result")
    await head.press(f"№{owed.id} · Нұрланов Асқар Ерланұлы · Q4 2025")
    name, _data = world.telegram.documents[max(world.telegram.documents)]
    assert name == "notice-2025-Q4-E3.pdf" and head.last.protect_content
    async with world.runtime.sessionmaker() as session:
        audited = (
            await session.execute(
                select(AuditEntry.action).where(AuditEntry.action == "quarter.written_letter")
            )
        ).all()
    assert len(audited) == 1
