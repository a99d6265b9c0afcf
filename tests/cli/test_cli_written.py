"""000 clause 11 from the command line: the results owed in writing to people who left, and
the record of how each was sent (written-notices, written-delivered)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import main
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.quarterly.written import require_written_notice
from storage.models import AuditEntry
from storage.quarterly import QuarterRepo
from storage.staff.employees import EmployeeRepo
from storage.written_notices import WrittenNoticeRepo
from tests.cli.conftest import write
from tests.cli.test_cli_legacy import _in_database
from tests.factories import STAFF_CSV
from tests.storage.test_written_notice_kinds import _one_of_each

MONDAY = datetime(2025, 12, 1, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
THURSDAY = datetime(2025, 12, 4, 5, 0, tzinfo=UTC)


def test_written_notices_from_the_command_line(
    env: Path, capsys: pytest.CaptureFixture[str], time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(MONDAY, tick=False)
    without_e3 = "\n".join(line for line in STAFF_CSV.splitlines() if not line.startswith("E3,")) + "\n"
    assert main(["import-staff", write(env, "staff.csv", STAFF_CSV)]) == 0
    assert main(["import-staff", write(env, "staff.csv", without_e3)]) == 0  # E3 leaves today
    assert main(["quarters-create", "--year", "2025"]) == 0
    assert main(["quarter-start", "4"]) == 0
    capsys.readouterr()
    sheet_ids: list[int] = []

    async def submitted(session: AsyncSession) -> None:
        """U1 submits E3's sheet in Telegram (as SheetService does on submission)."""
        e3 = (await EmployeeRepo(session).by_external_ids(["E3"]))["E3"]
        repo = QuarterRepo(session)
        sheet = next(s for s in await repo.sheets(4) if s.employee.id == e3.id)
        assert sheet.absence == "dismissed"
        assert await repo.submit(sheet.id, Decimal("3.25"), MONDAY)
        await require_written_notice(
            session, sheet, submitted_on=date(2025, 12, 1), calendar=KAZAKHSTAN, now=MONDAY
        )
        notice = await WrittenNoticeRepo(session).of_sheet(sheet.id)
        assert notice is not None
        sheet_ids.extend((sheet.id, notice.id))

    asyncio.run(_in_database(env, submitted))
    sheet_id, number = sheet_ids
    assert main(["written-notices"]) == 0
    assert capsys.readouterr().out == f"{number}: E3 Q4 2025 due 2025-12-03\n"

    time_machine.move_to(THURSDAY, tick=False)
    assert main(["written-notices"]) == 0
    assert capsys.readouterr().out == f"{number}: E3 Q4 2025 due 2025-12-03 OVERDUE\n"

    assert main(["written-delivered", str(number), "phone", "2025-12-05", "№ 15"]) == 1
    assert "not recorded: future" in capsys.readouterr().err
    assert main(["written-delivered", "999", "phone", "2025-12-04", "№ 15"]) == 1
    assert "no such written notice" in capsys.readouterr().err
    assert main(["written-delivered", str(number), "phone", "2025-12-04", "№ 15"]) == 0
    assert capsys.readouterr().out == "recorded; the person may apply until 2025-12-11\n"
    assert main(["written-delivered", str(number), "email", "2025-12-04", "a@b.kz"]) == 1
    assert "recorded already" in capsys.readouterr().err
    assert main(["written-notices"]) == 0
    assert (
        capsys.readouterr().out
        == f"{number}: E3 Q4 2025 sent 2025-12-04 by phone (№ 15); may apply until 2025-12-11\n"
    )

    entries: list[tuple[str, int | None, str | None]] = []

    async def audited(session: AsyncSession) -> None:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.actor_telegram_id, AuditEntry.object_id).where(
                AuditEntry.action == "quarter.written_notice"
            )
        )
        entries.extend(tuple(row) for row in rows.all())  # type: ignore[misc]

    asyncio.run(_in_database(env, audited))
    assert entries == [("quarter.written_notice", None, str(sheet_id))]


def test_written_notices_of_every_kind_from_the_command_line(
    env: Path, capsys: pytest.CaptureFixture[str], time_machine: time_machine.TimeMachineFixture
) -> None:
    """A quarterly sheet, a 360 result and a 2018-method result owed in writing: each line says
    what it is about; a 360 result's delivery is recorded without an appeal window."""
    time_machine.move_to(datetime(2026, 1, 12, 5, 0, tzinfo=UTC), tick=False)  # Monday
    assert main(["migrate"]) == 0  # the staff and the rounds come from _one_of_each
    numbers: dict[str, int] = {}

    async def owed(session: AsyncSession) -> None:
        await _one_of_each(session, date(2026, 1, 12), load_profile("kz-2023"))
        numbers.update({n.kind: n.id for n in await WrittenNoticeRepo(session).listed(pending_only=True)})

    asyncio.run(_in_database(env, owed))
    capsys.readouterr()
    assert main(["written-notices"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{numbers['2018']}: E5 2018-method year 2025 due 2026-01-12",
        f"{numbers['quarter']}: E3 Q4 2025 due 2026-01-13",
        f"{numbers['360']}: E4 360 year 2025 due 2026-01-13",
    ]
    assert main(["written-delivered", str(numbers["360"]), "email", "2026-01-12", "e4@mail.kz"]) == 0
    assert capsys.readouterr().out == "recorded\n"
    assert main(["written-notices"]) == 0
    assert (
        f"{numbers['360']}: E4 360 year 2025 sent 2026-01-12 by email (e4@mail.kz)\n"
        in capsys.readouterr().out
    )
