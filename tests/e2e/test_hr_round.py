"""An HR officer runs a whole 360 round without leaving Telegram, through the real bot
process and the Bot API stand-in: staff list, invites, the round wizard, answers,
dashboard, closing, and the management workbook read back against hand-computed means."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.infra.callbacks import RoundAction, RoundCb, StaffImportAction, StaffImportCb, WizardCb
from bot.infra.dialogs.calendar import month_name
from bot.kernel.methodology import load_profile, suggested_deadline_360
from tests.e2e.support import (
    TOKEN,
    BotProcess,
    Respondents,
    add_staff_users,
    assignments_of,
    bot_environment,
    callbacks,
    expected_means,
)
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.stand_in import BotApiStandIn, SentMessage

pytestmark = pytest.mark.e2e

HR = 5001
EVALUATED = {"U1": 12, "E1": 8, "E2": 8, "E3": 8}  # competencies per person


def _data(message: SentMessage, prefix: str) -> str:
    found = [d for d in callbacks(message) if d.startswith(prefix)]
    assert found, f"no {prefix!r} button in {message.describe()}"
    return found[0]


def _workbook_means(data: bytes) -> dict[tuple[str, int], str]:
    """Competency means per person as the workbook shows them: ID, name, position,
    respondents, overall, grade, then one column per competency."""
    book = load_workbook(io.BytesIO(data))
    means: dict[tuple[str, int], str] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if row and row[0] in EVALUATED:
                person = str(row[0])
                for number in range(1, EVALUATED[person] + 1):
                    value = row[5 + number]
                    assert isinstance(value, float | int), (person, number, value)
                    means[(person, number)] = f"{Decimal(str(value)):.2f}"
    return means


async def test_hr_runs_a_round_in_telegram(empty_database_url: str, tmp_path: Path) -> None:
    today = date.today()
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        add_staff_users(stand_in)
        stand_in.add_user(HR, first_name="Gulnar", language_code="en")
        # The officer runs rounds and, as head of the HR service, may see results (clause 20).
        env = bot_environment(empty_database_url, stand_in, HR_ADMIN_IDS=str(HR), HR_HEAD_IDS=str(HR))
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_until_polling(timeout=30)

            # The staff list, sent as a document, previewed, imported on confirmation.
            stand_in.send_document(HR, STAFF_CSV.encode(), "staff.csv", "text/csv")
            preview = await stand_in.wait_for_message(HR, contains="no problems found", timeout=15)
            stand_in.press(HR, preview.message_id, StaffImportCb(action=StaffImportAction.CONFIRM).pack())
            await stand_in.wait_for_message(HR, contains="Imported. New: 8.", timeout=15)

            # Everyone's personal link, handed out; everyone joins.
            stand_in.send_text(HR, "/invites")
            invites = await stand_in.wait_for_message(
                HR, predicate=lambda m: m.kind == "document", timeout=15
            )
            # Not protected: HR passes the links on by e-mail (issue 19, finding 7).
            assert not invites.protect_content and invites.file_bytes is not None
            assert "send it only to the person it names" in (invites.text or "")
            for row in csv.DictReader(io.StringIO(invites.file_bytes.decode("utf-8-sig"))):
                chat = TELEGRAM_IDS[row["employee_id"]]
                stand_in.send_text(chat, "/start " + row["link"].split("start=")[1])
                await stand_in.wait_for_message(chat, contains=row["full_name"], timeout=15)

            # The round wizard: the year, the deadline in the calendar, the people by the picker.
            stand_in.send_text(HR, "/newround")
            question = await stand_in.wait_for_message(HR, contains="Which year", timeout=15)
            stand_in.press_button(HR, question.message_id, str(today.year))
            calendar = await stand_in.wait_for_message(HR, contains="Choose the deadline", timeout=15)
            deadline = suggested_deadline_360(load_profile(), today.year, today, 20)  # clause 4
            await _choose_day(stand_in, calendar, deadline)
            scope = await stand_in.wait_for_message(HR, contains="Who is evaluated?", timeout=15)
            stand_in.press_button(HR, scope.message_id, "Chosen people")
            await stand_in.wait_for_message(HR, contains="Whom does the round evaluate?", timeout=15)
            stand_in.send_text(HR, ", ".join(EVALUATED))  # employee ids typed whole are chosen
            chosen = await stand_in.wait_for_message(HR, contains="Chosen (4)", timeout=15)
            stand_in.press_button(HR, chosen.message_id, "✔ Done (4)")
            draft = await stand_in.wait_for_message(HR, contains="Draft: 360 evaluation", timeout=15)
            assert "Evaluated: 4. Not evaluated: 0." in (draft.text or "")
            start = _data(draft, "nw:start:")
            campaign_id = WizardCb.unpack(start).value
            stand_in.press(HR, draft.message_id, start)
            await stand_in.wait_for_message(
                HR, contains="The round has started. Respondents being notified: 6", timeout=15
            )

            # Colleagues answer.
            respondents = Respondents(stand_in, await assignments_of(empty_database_url))
            for person in ("D1", "U1", "U2", "E1", "E2", "E3"):
                await stand_in.wait_for_message(TELEGRAM_IDS[person], contains="360", timeout=15)
                await respondents.answer_everything(person)

            # The dashboard, the chart, closing.
            stand_in.send_text(HR, "/rounds")
            listing = await stand_in.wait_for_message(HR, contains="Evaluation rounds", timeout=15)
            stand_in.press(
                HR, listing.message_id, RoundCb(action=RoundAction.SHOW, campaign=campaign_id).pack()
            )
            dashboard = await stand_in.wait_for_message(
                HR, contains="Questionnaires submitted: 18 of 18", timeout=15
            )
            assert "Below the anonymity threshold (results would be withheld): 0" in (dashboard.text or "")
            stand_in.press(
                HR, dashboard.message_id, RoundCb(action=RoundAction.CHART, campaign=campaign_id).pack()
            )
            chart = await stand_in.wait_for_message(HR, predicate=lambda m: m.kind == "photo", timeout=20)
            assert chart.file_bytes is not None and chart.file_bytes.startswith(b"\x89PNG")
            stand_in.press(
                HR, dashboard.message_id, RoundCb(action=RoundAction.CLOSE, campaign=campaign_id).pack()
            )
            await stand_in.wait_for_message(HR, contains="Close the 360 evaluation", timeout=15)
            stand_in.press(
                HR,
                dashboard.message_id,
                RoundCb(action=RoundAction.CLOSE_CONFIRM, campaign=campaign_id).pack(),
            )
            await stand_in.wait_for_message(HR, contains="· closed ·", timeout=15)
            for person in EVALUATED:
                await stand_in.wait_for_message(
                    TELEGRAM_IDS[person], predicate=lambda m: m.kind == "photo", timeout=20
                )

            stand_in.press(
                HR, dashboard.message_id, RoundCb(action=RoundAction.REPORT_XLSX, campaign=campaign_id).pack()
            )
            workbook = await stand_in.wait_for_message(
                HR,
                predicate=lambda m: m.kind == "document" and (m.file_name or "").endswith(".xlsx"),
                timeout=30,
            )
            assert workbook.protect_content and workbook.file_bytes is not None
        finally:
            await bot.stop()

    expected = {key: mean for key, (mean, _) in expected_means(respondents.answers).items()}
    assert _workbook_means(workbook.file_bytes) == expected


async def _choose_day(stand_in: BotApiStandIn, calendar: SentMessage, day: date) -> None:
    """Page the calendar (edited in place) forward to ``day``'s month and press the day."""
    title = f"🗓 {month_name(day, 'en')} {day.year}"
    message_id = calendar.message_id
    while title not in calendar.button_texts:
        forward = next(text for text in calendar.button_texts if text.endswith(" ▶"))
        stand_in.press_button(HR, message_id, forward)
        calendar = await stand_in.wait_for_message(
            HR, predicate=lambda m: m.message_id == message_id, timeout=15
        )
    # A day that may be chosen shows its number, once in its month (weeks with none are not drawn).
    weeks = calendar.inline_keyboard[2:]  # under the month's title and the weekdays
    button = next((b for row in weeks for b in row if b["text"] == str(day.day)), None)
    assert button is not None, calendar.button_texts
    stand_in.press(HR, message_id, str(button["callback_data"]))
