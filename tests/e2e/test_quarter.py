"""One quarter through the real processes: HR uploads the plans and actual values and starts
this quarter in Telegram; U1 scores their three people and D1 scores U1's KPIs by tapping and
typing in the long-polling bot (against the Bot API stand-in); everyone evaluated reads and
acknowledges their result; the head of HR downloads the quarter's workbook."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.infra.callbacks import AcknowledgeCb, QuarterAction, QuarterCb, SheetAction, SheetCb, SheetScoreCb
from storage.db import create_engine
from storage.models import Campaign, Employee, QuarterSheet
from tests.e2e.support import (
    E2E_TODAY,
    TOKEN,
    BotProcess,
    Screen,
    add_staff_users,
    bot_environment,
    callbacks,
    cli,
    join_with_invites,
)
from tests.factories import STAFF_CSV, TELEGRAM_IDS
from tests.stand_in import BotApiStandIn, SentMessage

pytestmark = pytest.mark.e2e

HR = 5001
# A quarter whose deadline has passed is not started: the quarter evaluated is the scenario's
# (E2E_NOW), whose deadline is ahead (the month after it ends).
YEAR, QUARTER = E2E_TODAY.year, (E2E_TODAY.month - 1) // 3 + 1


def _in_quarter(plan: str) -> str:
    """A plan column for each quarter, the plan given in this one's."""
    return ",".join(plan if q == QUARTER else "" for q in range(1, 5))


PLANS = f"""employee_id,kpi_no,name,source,unit,direction,key_result,plan_q1,plan_q2,plan_q3,plan_q4
U1,1,Жобалар саны,Стратегиялық жоспар 1.1,дана,higher,Жобалар іске асты,{_in_quarter("10")}
U1,2,Шарттар,Стратегиялық жоспар 1.2,%,higher,Шарттар орындалды,{_in_quarter("100")}
U1,3,Өтінім мерзімі,Келісім 3,күн,lower,Мерзім қысқарды,{_in_quarter("10")}
"""
ACTUALS = f'employee_id,kpi_no,quarter,actual\nU1,1,{QUARTER},10\nU1,2,{QUARTER},"96,5"\nU1,3,{QUARTER},20\n'
# What U1 gives their people, parameter by parameter, and the means by hand (appendix 4).
DIFFERENTIATION = {"E1": (4, 5, 4, 3), "E2": (5, 5, 5, 5), "E3": (2, 2, 1, 2)}
MEANS = {"E1": "4.00", "E2": "5.00", "E3": "1.75"}
# D1's KPI scores for U1: 100 % → 5; 96,5 % → 4,75-4,99 (typed 4,87); 50 % → 2,50-2,74.
KPI_SCORES = ("500", "4,87", "260")


def _sheet_buttons(message: SentMessage) -> list[SheetCb]:
    return [SheetCb.unpack(d) for d in callbacks(message) if d.startswith("q:")]


def _score_items(message: SentMessage) -> list[SheetScoreCb]:
    return [SheetScoreCb.unpack(d) for d in callbacks(message) if d.startswith("qs:")]


def _home_after(message_id: int) -> Callable[[SentMessage], bool]:
    """A home screen (with sheet buttons) sent after ``message_id``."""
    return lambda m: m.message_id > message_id and bool(_sheet_buttons(m))


def _with_button(data: str) -> Callable[[SentMessage], bool]:
    return lambda m: data in callbacks(m)


def _action(message: SentMessage, action: SheetAction) -> str:
    return next(b.pack() for b in _sheet_buttons(message) if b.action is action)


def _offers(action: SheetAction) -> Callable[[SentMessage], bool]:
    """A sheet screen with a button for ``action``."""
    return lambda message: any(b.action is action for b in _sheet_buttons(message))


async def _sheets(database_url: str) -> dict[str, tuple[int, str, Decimal | None, bool]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(
                    Employee.employee_id,
                    QuarterSheet.id,
                    QuarterSheet.status,
                    QuarterSheet.final_score,
                    QuarterSheet.acknowledged_at,
                ).join(Employee, Employee.id == QuarterSheet.employee_id)
            )
            return {
                code: (sheet, status, score, acknowledged is not None)
                for code, sheet, status, score, acknowledged in rows.all()
            }
    finally:
        await engine.dispose()


async def _round_id(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                select(Campaign.id).where(Campaign.kind == "quarter", Campaign.quarter == QUARTER)
            )
            return int(found or 0)
    finally:
        await engine.dispose()


async def test_one_quarter_through_the_polling_bot(empty_database_url: str, tmp_path: Path) -> None:
    async with BotApiStandIn(token=TOKEN, bot_username="bagalau_test_bot") as stand_in:
        add_staff_users(stand_in)
        stand_in.add_user(HR, first_name="Gulnar", language_code="en")
        env = bot_environment(empty_database_url, stand_in, HR_ADMIN_IDS=str(HR), HR_HEAD_IDS=str(HR))
        staff, plans, actuals = (tmp_path / name for name in ("staff.csv", "plans.csv", "actuals.csv"))
        staff.write_text(STAFF_CSV, encoding="utf-8")
        plans.write_text(PLANS, encoding="utf-8")
        actuals.write_text(ACTUALS, encoding="utf-8")
        await cli(env, "import-staff", str(staff))
        bot = BotProcess(env, tmp_path / "bot.log")
        await bot.start()
        try:
            await stand_in.wait_until_polling(timeout=30)
            assert await join_with_invites(stand_in, env, tmp_path) == 8

            # HR: the year's rounds, U1's plan and its actual values, all in Telegram.
            stand_in.send_text(HR, f"/quarters {YEAR}")
            screen = await stand_in.wait_for_message(HR, contains=f"Quarterly evaluation {YEAR}", timeout=15)
            stand_in.press(
                HR, screen.message_id, QuarterCb(action=QuarterAction.CREATE_YEAR, value=YEAR).pack()
            )
            await stand_in.wait_for(
                lambda: f"Q{QUARTER} {YEAR}" in (stand_in.message(HR, screen.message_id).text or "")
            )
            for command, file, expected in (
                (f"/plans {YEAR}", plans, "1 plan(s) saved"),
                (f"/actuals {YEAR}", actuals, "3 row(s) saved"),
            ):
                stand_in.send_text(HR, command)
                await stand_in.wait_for_message(HR, contains="as a CSV or XLSX document", timeout=15)
                stand_in.send_document(HR, file.read_bytes(), file.name, "text/csv")
                await stand_in.wait_for_message(HR, contains=expected, timeout=15)
            round_id = await _round_id(empty_database_url)
            stand_in.press(
                HR, screen.message_id, QuarterCb(action=QuarterAction.START, value=round_id).pack()
            )
            started = await stand_in.wait_for_message(
                HR, contains=f"Q{QUARTER} {YEAR} has started", timeout=15
            )
            assert "6 people to evaluate" in (started.text or "")  # U1 and E1-E5; not D1 nor U2 (no plan)

            # U1 receives the prompt with their three people and scores them, one from /start.
            u1 = TELEGRAM_IDS["U1"]
            await stand_in.wait_for_message(u1, predicate=lambda m: len(_sheet_buttons(m)) == 3, timeout=20)
            sheets = await _sheets(empty_database_url)
            for person, scores in DIFFERENTIATION.items():
                sheet_id = sheets[person][0]
                since = stand_in.last_message(u1).message_id
                stand_in.send_text(u1, "/start")
                home = await stand_in.wait_for_message(
                    u1,
                    predicate=_home_after(since),
                    timeout=15,
                )
                live = Screen(stand_in, u1, home)
                shown = await live.press(SheetCb(sheet=sheet_id, action=SheetAction.OPEN).pack())
                for score in scores:
                    item = _score_items(shown)[0].item
                    shown = await live.press(
                        SheetScoreCb(sheet=sheet_id, item=item, hundredths=score * 100).pack()
                    )
                # U1 is evaluated too: D1's prompt may reach them in between, so the reply is the
                # review, the message with the submit button.
                review = await live.type(f"{person}: тоқсан қорытындысы.", reply=_offers(SheetAction.SUBMIT))
                assert MEANS[person].replace(".", ",") in (review.text or "")
                confirm = await live.press(_action(review, SheetAction.SUBMIT))
                await live.press(_action(confirm, SheetAction.CONFIRM))

            # D1 scores U1's KPIs: a button, a typed score, one refused, then a comment.
            d1 = TELEGRAM_IDS["D1"]
            d1_prompt = await stand_in.wait_for_message(
                d1, predicate=lambda m: len(_sheet_buttons(m)) == 1, timeout=20
            )
            live = Screen(stand_in, d1, d1_prompt)
            u1_sheet = sheets["U1"][0]
            shown = await live.press(SheetCb(sheet=u1_sheet, action=SheetAction.OPEN).pack())
            assert [b.hundredths for b in _score_items(shown)] == [500]
            shown = await live.press(SheetScoreCb(sheet=u1_sheet, item=1, hundredths=500).pack())
            shown = await live.press(_action(shown, SheetAction.NO_COMMENT))
            assert [b.hundredths for b in _score_items(shown)] == [475, 480, 485, 490, 495, 499]
            refused = await live.type("5")
            assert "4,75–4,99" in (refused.text or "")
            await live.type(KPI_SCORES[1])
            shown = await live.type("Контрагенттер кешікті.")
            assert [b.hundredths for b in _score_items(shown)] == [250, 255, 260, 265, 270, 274]
            shown = await live.press(SheetScoreCb(sheet=u1_sheet, item=3, hundredths=260).pack())
            review = await live.press(_action(shown, SheetAction.NO_COMMENT))
            assert "4,16" in (review.text or "")  # (5 + 4,87 + 2,60) / 3, half up
            confirm = await live.press(_action(review, SheetAction.SUBMIT))
            await live.press(_action(confirm, SheetAction.CONFIRM))

            # Everyone evaluated reads their result and acknowledges it.
            for person in ("E1", "E2", "E3", "U1"):
                chat, sheet_id = TELEGRAM_IDS[person], sheets[person][0]
                ack = AcknowledgeCb(sheet=sheet_id).pack()
                result = await stand_in.wait_for_message(chat, predicate=_with_button(ack), timeout=20)
                assert result.protect_content
                stand_in.press(chat, result.message_id, ack)
            final = await _sheets(empty_database_url)
            for _ in range(150):  # the acknowledgements are recorded as the bot handles the taps
                if all(final[p][3] for p in ("E1", "E2", "E3", "U1")):
                    break
                await asyncio.sleep(0.1)
                final = await _sheets(empty_database_url)
            assert {p: (final[p][1], str(final[p][2])) for p in MEANS} == {
                p: ("submitted", m) for p, m in MEANS.items()
            }
            assert final["U1"][1:3] == ("submitted", Decimal("4.16"))
            assert all(final[p][3] for p in ("E1", "E2", "E3", "U1"))

            # The head of HR downloads the quarter's workbook.
            stand_in.press(
                HR, screen.message_id, QuarterCb(action=QuarterAction.WORKBOOK, value=round_id).pack()
            )
            # A report job: drawn in a worker process, which the bot starts for its first file.
            workbook = await stand_in.wait_for_message(
                HR, predicate=lambda m: m.kind == "document", timeout=120
            )
            assert workbook.file_name == f"quarter-{YEAR}-Q{QUARTER}.xlsx" and workbook.protect_content
            assert workbook.file_bytes is not None
            book = load_workbook(io.BytesIO(workbook.file_bytes))
            values = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
            assert "Омарова Дана Серікқызы" in values and "Ахметов Ерлан Болатұлы" in values
        finally:
            assert await bot.stop()
