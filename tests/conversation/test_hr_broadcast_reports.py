"""The broadcast wizard, and the reports only the head of the HR service may download."""

from __future__ import annotations

import io
import zipfile

from aiogram.methods import SendDocument
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.infra.callbacks import RoundAction, RoundCb
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import AuditEntry, Broadcast, OutboxMessage
from tests.conversation.conftest import World
from tests.conversation.harness import Person

HR, HR_HEAD = 5001, 5002


async def _person_with(world: World, telegram_id: int, role: Role) -> Person:
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, telegram_id, role, world.runtime.clock.now())
    return world.person(telegram_id, "Gulnar", "en")


async def _count(world: World, query: object) -> int:
    async with world.runtime.sessionmaker() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def test_broadcast_to_everyone_previews_then_queues(world: World) -> None:
    await world.setup_staff()
    hr = await _person_with(world, HR, Role.HR)
    await hr.say("/broadcast")
    assert [text for text, _ in hr.last.buttons()] == ["✖ Cancel"]  # the first window: no Back
    await hr.send_sticker_like()
    assert (
        hr.chat[-2].text == "This kind of message cannot be sent out: send a text, a picture or a document."
    )
    assert "Send the text, or a picture or a document" in hr.last.text
    await hr.say("Meeting at 15:00 <room 4> & bring the plan")
    assert hr.last.text == "Who receives it?"
    await hr.press("Everyone")
    echo, preview = hr.chat[-2], hr.chat[-1]
    assert echo.text == "Meeting at 15:00 <room 4> & bring the plan"  # sent as plain text
    # The audience's window gave way to the preview under the echo: one window with buttons.
    assert [m.text for m in hr.chat if m.buttons()] == [preview.text]
    assert preview.text.startswith("Recipients: 8.")
    assert [text for text, _ in preview.buttons()] == ["✅ Send to 8", "◀ Back", "✖ Cancel"]
    assert await _count(world, select(func.count()).select_from(Broadcast)) == 0  # nothing before confirming
    send = next(data for text, data in preview.buttons() if text == "✅ Send to 8")
    await hr.press("Send to 8")
    assert preview.text == "Queued for sending; recipients: 8." and not preview.buttons()
    assert hr.last.text == "Sending…"  # the progress bar, edited as the messages go
    assert await _count(world, select(func.count()).where(OutboxMessage.kind == "broadcast")) == 8
    assert await _count(world, select(func.count()).where(AuditEntry.action == "broadcast.start")) == 1
    # The old confirmation button does nothing any more.
    alert = await hr.press_data(send, preview)
    assert alert == (
        "This screen is out of date: that step was finished or cancelled. Use the newest message.",
        True,
    )
    assert await _count(world, select(func.count()).where(OutboxMessage.kind == "broadcast")) == 8


async def test_broadcast_a_picture_to_a_unit_and_cancel(world: World) -> None:
    await world.setup_staff()
    hr = await _person_with(world, HR, Role.HR)
    await hr.say("/broadcast")
    await hr.send_photo(caption="Schedule")
    await hr.press("One unit")
    assert hr.last.text == "Which unit?"
    await hr.press("Правовое управление")
    assert hr.chat[-2].photo and hr.chat[-2].text == "Schedule"
    assert hr.last.text.startswith("Recipients: 3.")  # U2, E4, E5
    await hr.press("Cancel")
    assert hr.last.text == "Stopped: nothing was sent."
    assert await _count(world, select(func.count()).select_from(OutboxMessage)) == 0


async def test_broadcast_goes_back_step_by_step_and_takes_a_document(world: World) -> None:
    """Back on every window but the first: from the preview to the audience, from a unit's
    list to the audience, from the audience to the message, which can then be sent anew."""
    await world.setup_staff()
    campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    hr = await _person_with(world, HR, Role.HR)
    await hr.say("/broadcast")
    await hr.say("First draft")
    await hr.press("One unit")
    await hr.press("◀ Back")
    assert hr.last.text == "Who receives it?"
    await hr.press("◀ Back")
    assert "Send the text, or a picture or a document" in hr.last.text
    await hr.send_document(b"%PDF-1.4 plan", "plan.pdf")  # a file here is the message, not a staff list
    await hr.press("A round's unfinished respondents")
    assert hr.last.text == "Which round?"
    await hr.press("360 · 2025")
    echo, preview = hr.chat[-2], hr.chat[-1]
    shown = [c for c in world.telegram.calls if isinstance(c, SendDocument)][-1]
    assert echo.text == "" and str(shown.document).startswith("doc")  # the file HR sent, no caption
    assert preview.text.startswith("Recipients: ")
    await hr.press("◀ Back")  # to where the audience was chosen
    assert hr.last.text == "Which round?"
    await hr.press("◀ Back")
    assert hr.last.text == "Who receives it?"
    await hr.press("Everyone")
    await hr.press("Send to 8")
    async with world.runtime.sessionmaker() as session:
        sent = (await session.execute(select(Broadcast.audience, Broadcast.attachment_kind))).all()
    assert sent == [("everyone", "document")]
    assert campaign_id


async def test_broadcast_in_kazakh_from_the_first_window_to_cancel(world: World) -> None:
    """An officer whose Telegram is in Kazakh: every window, button and refusal in Kazakh."""
    await world.setup_staff()
    await _person_with(world, HR, Role.HR)
    hr = world.person(HR, "Гүлнар", "kk")
    await hr.say("/broadcast")
    assert hr.last.text.startswith("<b>Жаңа хабарлама</b>")
    assert [text for text, _ in hr.last.buttons()] == ["✖ Бас тарту"]
    await hr.send_sticker_like()
    assert hr.chat[-2].text == "Мұндай хабарламаны таратуға болмайды: мәтін, сурет немесе құжат жіберіңіз."
    await hr.say("Ертең сағат 10:00-де жиналыс")
    assert hr.last.text == "Хабарламаны кім алады?"
    assert [text for text, _ in hr.last.buttons()][-2:] == ["◀ Артқа", "✖ Бас тарту"]
    await hr.press("Бір құрылымдық бөлімше")
    assert hr.last.text == "Қай құрылымдық бөлімше?"
    await hr.press("Жоспарлау басқармасы")
    assert hr.chat[-2].text == "Ертең сағат 10:00-де жиналыс"
    assert hr.last.text.startswith("Алушылар: 4.")  # U1, E1, E2, E3
    assert [text for text, _ in hr.last.buttons()] == ["✅ 4 адамға жіберу", "◀ Артқа", "✖ Бас тарту"]
    await hr.press("✖ Бас тарту")
    assert hr.last.text == "Тоқтатылды: ештеңе жіберілген жоқ." and not hr.last.buttons()
    assert await _count(world, select(func.count()).select_from(Broadcast)) == 0


async def test_broadcast_to_people_not_in_the_bot_gives_their_links(world: World) -> None:
    await world.setup_staff(bind=False)
    hr = await _person_with(world, HR, Role.HR)
    await hr.say("/broadcast")
    await hr.say("Please join the evaluation bot")
    await hr.press("People not in the bot yet")
    name, data = world.telegram.documents[hr.last.message_id]
    # HR passes the links on by e-mail: the file can be saved and forwarded (issue 19, finding 7).
    assert name == "invites.csv" and not hr.last.protect_content
    assert hr.last.text == "Each link is personal: send it only to the person it names, never to a group."
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[0] == "employee_id,full_name,link" and len(rows) == 9
    assert "8 people have not joined the bot" in hr.chat[-2].text


async def test_reminders_for_a_rounds_unfinished_respondents(world: World) -> None:
    await world.setup_staff()
    campaign_id = await world.running_round(["E1", "E2", "E3", "U1"])
    hr = await _person_with(world, HR, Role.HR)
    await hr.say("/rounds")
    await hr.press("360 · 2025")
    await hr.press("Remind the unfinished")
    assert world.telegram.alerts[-1][0] == "6 reminder(s) queued."
    async with world.runtime.sessionmaker() as session:
        kind = await session.scalar(
            select(Broadcast.kind).where(Broadcast.audience_campaign_id == campaign_id)
        )
    assert kind == "reminder"


async def test_only_the_head_of_hr_downloads_reports(world: World) -> None:
    await world.setup_staff()
    campaign_id = await world.closed_round(["E1", "E2", "E3", "U1"])
    hr = await _person_with(world, HR, Role.HR)
    head = await _person_with(world, HR_HEAD, Role.HR_HEAD)
    workbook = RoundCb(action=RoundAction.REPORT_XLSX, campaign=campaign_id).pack()

    await hr.say("/rounds")
    await hr.press("360 · 2025")
    assert not any("XLSX" in text for text, _ in hr.last.buttons())
    # No right to results: the button does nothing and the command is not theirs, but the
    # officer is answered as an HR officer, not as a stranger (issue 19, finding 2).
    assert await hr.press_data(workbook, hr.last) == ("This button no longer works. Press /start.", False)
    await hr.say("/report E1")
    assert hr.last.text.startswith("That is not one of your commands.") and "/rounds" in hr.last.text
    assert not world.telegram.documents

    await head.say("/rounds")
    await head.press("360 · 2025")
    # A job beside the updates, like the ZIP: the press is answered at once, the file follows.
    assert await head.press("Workbook (XLSX)") == ("Preparing the file…", False)
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert name.endswith(".xlsx") and head.last.protect_content
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) >= 2
    await head.press("All reports (ZIP)", head.chat[-2])
    await world.runtime.report_jobs.idle()  # the archive is built beside the updates
    assert head.chat[-2].text.startswith("Preparing 4 reports: 4 done.")
    name, data = world.telegram.documents[head.last.message_id]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == 4 and all(n.endswith(".pdf") for n in archive.namelist())
    await head.say("/report E1")
    assert head.last.text == "Preparing the file…"
    await world.runtime.report_jobs.idle()
    name, data = world.telegram.documents[head.last.message_id]
    assert data.startswith(b"%PDF") and head.last.protect_content
    await head.say("/report NOBODY")
    # Typed right, but nobody a closed round evaluated: said as it is, not "Usage: …".
    assert head.last.text.startswith("NOBODY: no closed 360 round has evaluated this person")
    await head.say("/report")  # alone: the picker (tests/conversation/test_pickers.py)
    assert not head.last.text.startswith("Usage")
    downloads = await _count(world, select(func.count()).where(AuditEntry.action == "report.download"))
    assert downloads == 3


async def test_the_workbook_lists_whom_the_round_does_not_evaluate(world: World) -> None:
    """Issue 19, finding 13: E5, in the post since November, is left out of the 2025 round
    (clause 5); the head of HR's workbook still names her, and says why."""
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1", "E5"])
    head = await _person_with(world, HR_HEAD, Role.HR_HEAD)

    await head.say("/rounds")
    await head.press("360 · 2025")
    await head.press("Workbook (XLSX)")
    await world.runtime.report_jobs.idle()
    _name, data = world.telegram.documents[head.last.message_id]
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[-1] == "Not evaluated"
    rows = [[cell.value for cell in row] for row in book["Not evaluated"].iter_rows(min_row=6)]
    assert rows == [
        [
            "E5",
            "Қасымова Әсел Маратқызы",
            "Правовое управление",
            "Сарапшы",
            "too short in the post (clause 5)",
        ]
    ]
    evaluated = {
        row[0].value for name in book.sheetnames[:-2] for row in book[name].iter_rows() if row[0].value
    }
    assert {"E1", "E2", "E3", "U1"} <= evaluated and "E5" not in evaluated
