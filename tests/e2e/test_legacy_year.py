"""One whole year under the 2018 methodology (kz-2018) through the real processes: HR starts it
in Telegram (/legacyrounds → Start a year); U1 uploads the plans of two people in Telegram, D1 approves them; U1
enters the year's KPI lines and the competency sheets, D1 agrees; HR names the commission and
sets its sitting; the members vote in the bot (a tie the chair decides); the authorised person
approves the results in the bot; the people acquaint themselves with their results; the chair and the secretary receive the protocol; the sheets and
the protocol print as the forms of appendices 2, 3 and 5."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import (
    CommissionAction,
    CommissionCb,
    LegacyAckCb,
    LegacyAction,
    LegacyCb,
    LegacyDecideCb,
    LegacyPlansCb,
    LegacyStage,
    LegacyStartAction,
    LegacyStartCb,
)
from bot.kernel.workdays import bundled_calendar
from storage.db import create_engine
from storage.models import Employee, LegacySheet
from tests.e2e.support import (
    TOKEN,
    BotProcess,
    Screen,
    add_staff_users,
    bot_environment,
    callbacks,
    cli,
    join_with_invites,
)
from tests.factories import TELEGRAM_IDS
from tests.stand_in import BotApiStandIn, SentMessage
from tests.storage.test_legacy_year import staff_with_categories

pytestmark = pytest.mark.e2e

PLANS = "employee_id,kpi_no,name,source,unit,planned,due,key_result\n" + "".join(
    f"{code},{no},Көрсеткіш {no},Аудан жоспары 1.{no},%,100,31.12.2025,Нәтиже {no}\n"
    for code in ("E1", "E2")
    for no in range(1, 6)
)
HR = 5001  # an HR officer, not in the staff list
AUTHORISED = 5003  # the authorised person, not in the staff list
MET = {"E1": 4, "E2": 5}  # KPIs met of 5: «тиімді» and «өте жақсы»


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _button(message: SentMessage, wanted: Callable[[str], bool]) -> str:
    """The data of the one button whose text is ``wanted`` (the wizard's own buttons)."""
    found = [b["callback_data"] for b in message.buttons if wanted(str(b.get("text", "")))]
    assert len(found) == 1, [b.get("text") for b in message.buttons]
    return str(found[0])


def _with(data: str) -> Callable[[SentMessage], bool]:
    return lambda m: data in callbacks(m)


async def _sheets(database_url: str) -> dict[str, LegacySheet]:
    engine = create_engine(database_url)
    try:
        async with AsyncSession(engine) as session:
            rows = await session.execute(
                select(Employee.employee_id, LegacySheet).join(
                    Employee, Employee.id == LegacySheet.employee_id
                )
            )
            return {code: sheet for code, sheet in rows.all()}
    finally:
        await engine.dispose()


async def _until(
    database_url: str, check: Callable[[dict[str, LegacySheet]], object], timeout: float = 15
) -> dict[str, LegacySheet]:
    for _ in range(int(timeout * 10)):
        sheets = await _sheets(database_url)
        if check(sheets):
            return sheets
        await asyncio.sleep(0.1)
    raise AssertionError("the database did not reach the expected state")


def _deadline() -> date:
    """The year's deadline: a working day in the future (after 2025)."""
    calendar = bundled_calendar()
    return calendar.on_or_after(date.today() + timedelta(days=30))


def _sitting_day() -> date:
    """A working day at least 7 working days ahead (004 clause 29)."""
    calendar = bundled_calendar()
    return calendar.on_or_after(calendar.add(date.today(), 8))


async def test_a_legacy_year_through_the_polling_bot(empty_database_url: str, tmp_path: Path) -> None:
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        add_staff_users(stand_in)
        stand_in.add_user(HR, first_name="Gulnar", language_code="en")
        stand_in.add_user(AUTHORISED, first_name="Approver", language_code="kk")
        env = bot_environment(
            empty_database_url,
            stand_in,
            ORGANISATION_NAME="Т.Рысқұлов ауданы әкімінің аппараты",
            HR_ADMIN_IDS=str(HR),
        )
        staff = tmp_path / "staff.csv"
        staff.write_text(staff_with_categories(), encoding="utf-8")
        await cli(env, "import-staff", str(staff))
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_until_polling(timeout=30)
            assert await join_with_invites(stand_in, env, tmp_path) == 8
            u1, d1 = TELEGRAM_IDS["U1"], TELEGRAM_IDS["D1"]

            # HR starts the year in Telegram: the profile, the year, the deadline, the confirmation.
            stand_in.send_text(HR, "/legacyrounds")
            begin = LegacyStartCb(action=LegacyStartAction.BEGIN).pack()
            screen = await stand_in.wait_for_message(HR, predicate=_with(begin), timeout=15)
            stand_in.press(HR, screen.message_id, begin)
            question = await stand_in.wait_for_message(
                HR, contains="Which methodology scores it?", timeout=15
            )
            wizard = Screen(stand_in, HR, question)
            shown = await wizard.press(_button(question, lambda t: t.startswith("kz-2018:")))
            assert "Which year is evaluated?" in (shown.text or "")
            shown = await wizard.type("2025", reply=lambda m: "What is the deadline" in (m.text or ""))
            deadline = _deadline()
            for _page in range(13):  # the calendar paged on to the deadline's month
                if f"{_MONTHS[deadline.month - 1]} {deadline.year}" in str(shown.buttons):
                    break
                shown = await wizard.press(_button(shown, lambda t: t.endswith(" ▶")))
            shown = await wizard.press(_button(shown, lambda t: t == str(deadline.day)))
            assert "To be evaluated: 6." in (shown.text or "")
            await wizard.press(_button(shown, lambda t: t == "▶ Start"))
            await stand_in.wait_for_message(HR, contains="2025 has started: 6 sheets", timeout=15)
            sheets = await _sheets(empty_database_url)
            campaign = str(sheets["E1"].campaign_id)

            # U1 uploads the plans of E1 and E2; D1 approves each from the notice.
            stand_in.send_text(u1, "/legacy")
            listed = await stand_in.wait_for_message(u1, predicate=_with(LegacyPlansCb().pack()), timeout=15)
            stand_in.press(u1, listed.message_id, LegacyPlansCb().pack())
            await stand_in.wait_for_message(u1, contains="employee_id, kpi_no", timeout=15)
            stand_in.send_document(u1, PLANS.encode(), "plans.csv", "text/csv")
            await stand_in.wait_for_message(u1, contains=": 2", timeout=15)
            for code in ("E1", "E2"):
                approve = LegacyDecideCb(sheet=sheets[code].id, stage=LegacyStage.PLAN, agree=True).pack()
                notice = await stand_in.wait_for_message(d1, predicate=_with(approve), timeout=20)
                stand_in.press(d1, notice.message_id, approve)
            await _until(
                empty_database_url, lambda s: s["E1"].plan_status == s["E2"].plan_status == "approved"
            )

            # U1 enters the KPI lines, met or not with the facts, and the competency sheets.
            for code in ("E1", "E2"):
                sheet = sheets[code].id

                def kpi_screen(m: SentMessage, sheet: int = sheet) -> bool:
                    """The sheet's next KPI screen (a notice may come in between)."""
                    return any(d.startswith(f"lg:{sheet}:kpi:") for d in callbacks(m))

                stand_in.send_text(u1, "/legacy")
                listed = await stand_in.wait_for_message(
                    u1, predicate=_with(LegacyCb(sheet=sheet, action=LegacyAction.MENU).pack()), timeout=15
                )
                live = Screen(stand_in, u1, listed)
                await live.press(LegacyCb(sheet=sheet, action=LegacyAction.MENU).pack())
                await live.press(LegacyCb(sheet=sheet, action=LegacyAction.KPI, item=1).pack())
                for no in range(1, 6):
                    action = LegacyAction.MET if no <= MET[code] else LegacyAction.NOT_MET
                    await live.press(LegacyCb(sheet=sheet, action=action, item=no).pack())
                    await live.type(
                        f"{100 if no <= MET[code] else 80}\n{no}-акт, 2025 жылғы 20 желтоқсан", kpi_screen
                    )
                shown = await live.press(LegacyCb(sheet=sheet, action=LegacyAction.KPI_SUBMIT).pack())
                assert LegacyCb(sheet=sheet, action=LegacyAction.SHOW).pack() in callbacks(shown)
                await live.press(LegacyCb(sheet=sheet, action=LegacyAction.SHOW).pack())
                for indicator in range(3):  # competency 1 (E-4: 4 indicators): 3 seen, meets
                    await live.press(
                        LegacyCb(sheet=sheet, action=LegacyAction.TOGGLE, competency=1, item=indicator).pack()
                    )
                await live.press(LegacyCb(sheet=sheet, action=LegacyAction.REVIEW).pack())
                await live.press(LegacyCb(sheet=sheet, action=LegacyAction.SUBMIT).pack())
                agree = LegacyDecideCb(sheet=sheet, stage=LegacyStage.KPI, agree=True).pack()
                notice = await stand_in.wait_for_message(d1, predicate=_with(agree), timeout=20)
                stand_in.press(d1, notice.message_id, agree)
            sheets = await _until(
                empty_database_url,
                lambda s: all(
                    s[c].kpi_status == "agreed" and s[c].competencies_submitted_at for c in ("E1", "E2")
                ),
            )
            assert (sheets["E1"].kpi_met, sheets["E1"].kpi_grade) == (4, "effective")
            assert (sheets["E2"].kpi_met, sheets["E2"].kpi_grade) == (5, "excellent")

            # HR: the commission (D1 chairs, E5 is the secretary), its sitting, the vote.
            await cli(
                env,
                "legacy-commission",
                campaign,
                "--members",
                "D1,U1,U2,E3,E4",
                "--chair",
                "D1",
                "--secretary",
                "E5",
            )
            day = _sitting_day()
            scheduled = await cli(env, "legacy-schedule", campaign, "--at", f"{day.isoformat()} 10:00")
            assert "1 evaluator(s) to be told" in scheduled
            await stand_in.wait_for_message(u1, contains=day.strftime("%d.%m.%Y"), timeout=20)
            await cli(env, "legacy-open", campaign)
            votes = {
                "D1": "excellent",
                "U1": "excellent",
                "U2": None,
                "E3": None,
            }  # E1: 2 to 2, the chair's side
            for member, revise in votes.items():
                chat = TELEGRAM_IDS[member]
                for code in ("E1", "E2"):
                    show = CommissionCb(action=CommissionAction.SHOW, sheet=sheets[code].id)
                    notice = await stand_in.wait_for_message(chat, predicate=_with(show.pack()), timeout=20)
                    live = Screen(stand_in, chat, notice)
                    await live.press(show.pack())
                    if code == "E1" and revise:
                        await live.press(
                            CommissionCb(action=CommissionAction.REVISE, sheet=sheets[code].id).pack()
                        )
                        await live.press(
                            CommissionCb(
                                action=CommissionAction.GRADE, sheet=sheets[code].id, grade=revise
                            ).pack()
                        )
                    else:
                        await live.press(
                            CommissionCb(action=CommissionAction.APPROVE, sheet=sheets[code].id).pack()
                        )
                    await live.press(CommissionCb(action=CommissionAction.LIST).pack())
            # The authorised person (not in the staff list) holds the role: asked when it closes.
            await cli(env, "grant-role", str(AUTHORISED), "authorised")
            closed = await cli(
                env,
                "legacy-close",
                campaign,
                "--conclusion",
                "Нәтижелер хаттамада көрсетілгендей бекітілсін.",
            )
            assert "2 result(s) decided, 1 revised" in closed and "1 account(s) asked" in closed

            # The authorised person approves in Telegram (004 clause 39); the results go out then.
            request = await stand_in.wait_for_message(
                AUTHORISED, predicate=lambda m: m.kind == "document", timeout=20
            )
            assert (request.file_name or "").startswith("protocol-2025") and "2025" in (request.text or "")
            assert "awaiting approval by the authorised person" in await cli(env, "legacy-status", campaign)
            approve = callbacks(request)[0]
            stand_in.press(AUTHORISED, request.message_id, approve)
            await stand_in.wait_for_message(AUTHORISED, contains="✅", timeout=20)
            approved = await cli(env, "legacy-status", campaign)
            assert "2 decided, approved on" in approved and "by Approver" in approved

            # The people acquaint themselves with their results; the signers get the protocol.
            for code in ("E1", "E2"):
                chat, ack = TELEGRAM_IDS[code], LegacyAckCb(sheet=sheets[code].id).pack()
                result = await stand_in.wait_for_message(chat, predicate=_with(ack), timeout=20)
                assert result.protect_content and "2025" in (result.text or "")
                stand_in.press(chat, result.message_id, ack)
            final = await _until(empty_database_url, lambda s: all(s[c].acquainted_at for c in ("E1", "E2")))
            assert (final["E1"].decision, final["E1"].corrected_grade) == ("revise", "excellent")
            assert (final["E2"].decision, final["E2"].corrected_grade) == ("approve", None)
            for signer in ("D1", "E5"):
                protocol = await stand_in.wait_for_message(
                    TELEGRAM_IDS[signer], predicate=lambda m: m.kind == "document", timeout=20
                )
                assert (protocol.file_name or "").startswith("protocol-2025") and protocol.file_bytes
                text = " ".join(
                    "".join(
                        p.extract_text() for p in PdfReader(io.BytesIO(protocol.file_bytes)).pages
                    ).split()
                )
                assert "Т.Рысқұлов ауданы әкімінің аппараты" in text and "Омарова Дана Серікқызы" in text
            output = tmp_path / "protocol.pdf"
            await cli(env, "legacy-protocol", campaign, "--lang", "ru", "--output", str(output))
            assert "Протокол заседания комиссии по оценке" in " ".join(
                PdfReader(output).pages[0].extract_text().split()
            )
            forms = tmp_path / "sheets.pdf"
            await cli(env, "legacy-sheets-pdf", campaign, "E1", "--output", str(forms))
            printed = " ".join(" ".join(page.extract_text() for page in PdfReader(forms).pages).split())
            assert "НМИ бойынша бағалау парағы" in printed and "Құзыреттер бойынша бағалау парағы" in printed
            status = await cli(env, "legacy-status", campaign)
            assert "decided: approve: 1" in status and "decided: revise: 1" in status
        finally:
            assert await bot.stop()
