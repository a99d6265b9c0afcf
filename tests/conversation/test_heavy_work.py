"""Heavy work never makes anyone wait (issue 20): while HR's ZIP of a large round is being
built, another person's command is answered at once, and the ZIP comes afterwards."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from typing import Any

from aiogram.methods import SendMessage, TelegramMethod

from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import World
from tests.factories import STAFF_CSV, TELEGRAM_IDS

HR_HEAD = 5002
UNITS, PER_UNIT = 4, 4  # 20 people besides the usual 4: a job of several seconds on 2 cores
REPORTS = 4 + UNITS * (1 + PER_UNIT)
ANSWER_WITHIN = 1.0  # seconds: what a person waits for /deadlines at most while the ZIP is built


def large_staff() -> str:
    lines = [STAFF_CSV.rstrip("\n")]
    for unit in range(1, UNITS + 1):
        name, head = f"Басқарма {unit:02}", f"H{unit:02}"
        lines.append(
            f"{head},Басшы {unit:02},Басқарма басшысы,head,{name},D1,+7 702 {unit:03} 00 00,kk,2020-01-15"
        )
        for n in range(1, PER_UNIT + 1):
            lines.append(
                f"X{unit:02}{n},Сарапшы {unit:02}-{n},Бас сарапшы,employee,{name},{head},"
                f"+7 702 {unit:03} 00 {n:02},kk,2021-02-01"
            )
    return "\n".join(lines) + "\n"


async def test_another_person_is_answered_while_a_large_zip_is_built(world: World) -> None:
    await world.setup_staff(csv_text=large_staff())
    evaluated = [f"H{u:02}" for u in range(1, UNITS + 1)]
    evaluated += [f"X{u:02}{n}" for u in range(1, UNITS + 1) for n in range(1, PER_UNIT + 1)]
    await world.closed_round(["E1", "E2", "E3", "U1", *evaluated])
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR_HEAD, Role.HR_HEAD, world.runtime.clock.now())
    head = world.person(HR_HEAD, "Gulnar", "en")
    employee = world.person(TELEGRAM_IDS["E1"], "Dana", "kk")
    await head.say("/rounds")
    await head.press("360 · 2025")

    drawing = asyncio.Event()  # the job has read the round and is drawing the PDFs

    async def watch(method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendMessage) and method.text.startswith(f"Preparing {REPORTS} reports"):
            drawing.set()

    world.telegram.before_call = watch
    await head.press("All reports (ZIP)")
    await asyncio.wait_for(drawing.wait(), timeout=60)
    before = len(employee.chat)
    started = time.monotonic()
    await employee.say("/deadlines")
    answered_in = time.monotonic() - started

    assert len(employee.chat) == before + 1
    assert answered_in < ANSWER_WITHIN, f"/deadlines answered after {answered_in:.2f} s"
    assert not world.telegram.documents, "the ZIP was ready before the other person was answered"
    await world.runtime.report_jobs.idle()
    progress = next(m for m in head.chat if m.text.startswith(f"Preparing {REPORTS} reports"))
    assert progress.text.startswith(f"Preparing {REPORTS} reports: {REPORTS} done.") and progress.edits >= 1
    name, data = world.telegram.documents[head.last.message_id]
    assert name == "360-2025-all-en.zip" and head.last.protect_content
    assert head.last.text == f"All result reports of the 360 evaluation, 2025 ({REPORTS} in all)."
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == REPORTS


async def test_a_second_press_makes_no_second_job(world: World) -> None:
    await world.setup_staff()
    await world.closed_round(["E1", "E2", "E3", "U1"])
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR_HEAD, Role.HR_HEAD, world.runtime.clock.now())
    head = world.person(HR_HEAD, "Gulnar", "en")
    await head.say("/rounds")
    await head.press("360 · 2025")
    rounds = head.last
    await head.press("All reports (ZIP)", rounds)
    await head.press("All reports (ZIP)", rounds)
    assert world.telegram.alerts[-2:] == [
        ("Preparing the file…", False),
        ("These reports are being prepared already.", False),
    ]
    await world.runtime.report_jobs.idle()
    assert len(world.telegram.documents) == 1
