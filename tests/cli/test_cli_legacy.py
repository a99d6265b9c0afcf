"""The 2018 method's commands of `python -m bot`: a year's round under kz-2018, its status, the
commission named and its sitting set; a refused step exits 1 and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import main
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018.rules import Choice
from bot.legacy2018.service import LEGACY_RESULT
from storage.db import create_engine, create_sessionmaker
from storage.legacy2018 import LegacyRepo
from storage.outbox import OutboxRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.cli.conftest import write
from tests.legacy_support import ready_for_commission
from tests.storage.test_legacy_year import staff_with_categories

# The command line reads the system clock, so these tests freeze it (time-machine) on a working
# Monday: the sitting dates below are chosen for that day, whatever day the suite runs on.
TODAY = date(2026, 1, 12)
NOW = datetime(2026, 1, 12, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
SITTING_DAY = date(2026, 2, 9)  # a working Monday, more than 7 working days ahead


@pytest.fixture(autouse=True)
def frozen_clock(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=True)


def test_a_legacy_year_from_the_command_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-staff", write(env, "staff.csv", staff_with_categories())]) == 0
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", "kz-2018"]) == 0
    out = capsys.readouterr().out
    assert "round 1: 2025 under kz-2018 (2018-03-29), 6 people to evaluate" in out
    # 10 working days (004 clause 9): 1-3 and 7 January are off, Sunday 5 January was worked.
    assert "plans (5 KPIs each) due by 2025-01-17" in out
    assert "not evaluated (no_evaluator): 1" in out and "not evaluated (too_short_in_post): 1" in out
    # The same year twice is refused.
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", "kz-2018"]) == 1
    assert "exists already" in capsys.readouterr().err
    # A profile of the current method has no KPI count.
    assert main(["legacy-start", "--year", "2024", "--deadline", "2025-01-30", "--profile", "kz-2024"]) == 1
    assert "not a 2018 methodology profile" in capsys.readouterr().err

    # Plans (appendix 1): exactly 5 KPIs a person; one short plan and nothing is saved.
    short = legacy_plans(("E1", 4), ("E2", 5))
    assert main(["legacy-plans-import", "1", write(env, "short.csv", short)]) == 1
    err = capsys.readouterr().err
    assert "1 problem(s), nothing saved" in err and "has 4 KPIs; at least 5 are required" in err
    assert main(["legacy-plans-import", "1", write(env, "e5.csv", legacy_plans(("E5", 5)))]) == 1
    assert "E5: not evaluated in this round" in capsys.readouterr().err
    both = legacy_plans(("E1", 5), ("U1", 5))
    assert main(["legacy-plans-import", "1", write(env, "plans.csv", both)]) == 0
    assert "plans of 2 people saved (E1, U1)" in capsys.readouterr().out
    assert main(["legacy-plans-import", "1", write(env, "again.csv", legacy_plans(("E1", 5)))]) == 1
    assert "E1: wrong_state" in capsys.readouterr().err  # submitted: the superior manager decides now

    assert main(["legacy-commission", "1", "--members", "D1,U1,U2,E3", "--chair", "D1"]) == 1
    assert "at least 5 members" in capsys.readouterr().err
    assert (
        main(["legacy-commission", "1", "--members", "D1,U1,U2,E3,E4", "--chair", "D1", "--secretary", "E5"])
        == 0
    )
    assert "commission of 5 named, chaired by D1" in capsys.readouterr().out

    today = TODAY
    soon = today + timedelta(days=2)
    assert main(["legacy-schedule", "1", "--at", f"{soon.isoformat()} 10:00"]) == 1
    assert "at least 7 working days" in capsys.readouterr().err
    later = SITTING_DAY
    assert main(["legacy-schedule", "1", "--at", f"{later.isoformat()} 10:00"]) == 0
    assert f"sitting 1 on {later.isoformat()} 10:00" in capsys.readouterr().out

    # Before the commission has decided, no refusal or appeal can be noted.
    assert main(["legacy-refusal", "1", "E1", "--act", "act of 12.01.2026"]) == 1
    assert "has not decided this result yet" in capsys.readouterr().err
    assert main(["legacy-appeal", "1", "E1", "--filed-on", "2026-01-15"]) == 1
    assert "not decided yet" in capsys.readouterr().err
    assert main(["legacy-close", "1"]) == 1  # not open yet
    assert "no sitting is under way" in capsys.readouterr().err

    assert main(["legacy-status", "1"]) == 0
    out = capsys.readouterr().out
    assert (
        "plan draft: 4" in out and "plan submitted: 1" in out and "plan approved: 1" in out
    )  # U1: D1 approves
    assert "commission: 5 members, 1 sitting(s)" in out
    assert f"sitting 1: {later.isoformat()} 10:00, scheduled, 0 present, 0 decided" in out

    # Open and close: nobody's sheets are complete yet, so nothing is before the commission.
    assert main(["legacy-open", "1"]) == 0
    assert "sitting 1 open; 5 members asked to vote on 0 result(s)" in capsys.readouterr().out
    assert main(["legacy-close", "1", "--conclusion", "no results were ready"]) == 0
    out = capsys.readouterr().out
    assert "sitting 1 closed; 0 result(s) decided" in out and "6 still undecided" in out
    assert main(["legacy-approve", "1", "--by", "D1", "--on", today.isoformat()]) == 1  # nothing decided
    assert "sitting 1 decided no result: there is nothing to approve" in capsys.readouterr().err

    # A further sitting for what is left; each sitting has its own protocol.
    assert main(["legacy-schedule", "1", "--at", f"{later.isoformat()} 11:00"]) == 0
    assert f"sitting 2 on {later.isoformat()} 11:00" in capsys.readouterr().out
    assert main(["legacy-open", "1"]) == 0
    assert "sitting 2 open" in capsys.readouterr().out
    assert main(["legacy-schedule", "1", "--at", f"{later.isoformat()} 12:00"]) == 1
    assert "a sitting is under way: close it first" in capsys.readouterr().err
    assert main(["legacy-status", "1"]) == 0
    out = capsys.readouterr().out
    assert "commission: 5 members, 2 sitting(s)" in out
    assert f"sitting 1: {later.isoformat()} 10:00, closed, 0 present, 0 decided" in out
    assert f"sitting 2: {later.isoformat()} 11:00, sitting, 0 present, 0 decided" in out
    first = env / "protocol-1.pdf"
    assert main(["legacy-protocol", "1", "--sitting", "1", "--lang", "en", "--output", str(first)]) == 0
    assert "protocol-2025-1-sitting-1.pdf" in capsys.readouterr().out and first.read_bytes().startswith(
        b"%PDF"
    )
    assert main(["legacy-protocol", "1", "--sitting", "2", "--output", str(env / "protocol-2.pdf")]) == 1
    assert "has not held that sitting yet" in capsys.readouterr().err


PLAN_HEADER = "employee_id,kpi_no,name,source,unit,planned,due,key_result\n"


def legacy_plans(*people: tuple[str, int]) -> str:
    """A plans table: ``count`` KPIs for each staff id."""
    rows = [
        f"{code},{no},Indicator {no},District plan 1.{no},%,100,31.12.2025,Result {no}\n"
        for code, count in people
        for no in range(1, count + 1)
    ]
    return PLAN_HEADER + "".join(rows)


def test_a_person_absent_during_the_evaluation(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """004 clause 4: evaluated within 5 working days of being back; legacy-status counts them."""
    assert main(["import-staff", write(env, "staff.csv", staff_with_categories())]) == 0
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", "kz-2018"]) == 0
    capsys.readouterr()
    # Absent to Wednesday 31 December 2025: back on Monday 5 January; 7 January is a holiday.
    assert main(["legacy-absent", "1", "E2", "--until", "2025-12-31"]) == 0
    assert (
        "E2: absent until 2025-12-31, back on 2026-01-05; to be evaluated by 2026-01-13"
        in capsys.readouterr().out
    )
    assert main(["legacy-absent", "1", "X9", "--until", "2025-12-31"]) == 1
    assert "X9 has no sheet in round 1" in capsys.readouterr().err
    assert main(["legacy-status", "1"]) == 0
    assert "absent, to be evaluated by their own deadline (clause 4): 1" in capsys.readouterr().out


async def _in_database(env: Path, step: Callable[[AsyncSession], Awaitable[None]]) -> None:
    """A step through the services on the command line's database (what managers and members
    do in Telegram)."""
    engine = create_engine(f"sqlite+aiosqlite:///{env / 'cli.db'}")
    try:
        async with create_sessionmaker(engine).begin() as session:
            await step(session)
    finally:
        await engine.dispose()


def test_an_approval_given_on_paper(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """004 clause 39 from the command line: legacy-approve records who approved a closed
    sitting's results and when, once, and the results then go to the people."""
    assert main(["import-staff", write(env, "staff.csv", staff_with_categories())]) == 0
    assert main(["legacy-start", "--year", "2025", "--deadline", "2026-01-30", "--profile", "kz-2018"]) == 0
    today, now = TODAY, NOW

    async def ready(session: AsyncSession) -> None:
        staff = await EmployeeRepo(session).by_external_ids(["E1", "U1", "D1"])
        sheet = await LegacyRepo(session).sheet_of(1, staff["E1"].id)
        assert sheet is not None
        await ready_for_commission(session, sheet.id, staff["U1"], staff["D1"], met=5, today=today, now=now)

    asyncio.run(_in_database(env, ready))
    members = ["--members", "D1,U1,U2,E3,E4", "--chair", "D1", "--secretary", "E5"]
    assert main(["legacy-commission", "1", *members]) == 0
    later = SITTING_DAY
    assert main(["legacy-schedule", "1", "--at", f"{later.isoformat()} 10:00"]) == 0
    assert main(["legacy-open", "1"]) == 0
    capsys.readouterr()
    paper = ["--by", "Бекқожаев Ерлан", "--on", today.isoformat()]
    assert main(["legacy-approve", "1", *paper]) == 1  # the sitting is under way: not closed
    assert "has not closed that sitting" in capsys.readouterr().err

    async def votes(session: AsyncSession) -> None:
        campaign = await CampaignRepo(session).get(1)
        staff = await EmployeeRepo(session).by_external_ids(["E1", "D1", "U1", "U2", "E3"])
        sheet = await LegacyRepo(session).sheet_of(1, staff["E1"].id)
        assert campaign is not None and sheet is not None
        for code in ("D1", "U1", "U2", "E3"):
            assert (
                await legacy_commission.vote(
                    session, campaign, staff[code], sheet.id, Choice.APPROVE, None, now
                )
                is None
            )

    asyncio.run(_in_database(env, votes))
    assert main(["legacy-close", "1", "--conclusion", "approved"]) == 0
    out = capsys.readouterr().out
    assert "1 result(s) decided" in out and "nobody holds the role" in out
    assert main(["legacy-status", "1"]) == 0
    assert "1 decided, awaiting approval by the authorised person" in capsys.readouterr().out

    tomorrow = today + timedelta(days=1)
    assert main(["legacy-approve", "1", "--by", "Бекқожаев Ерлан", "--on", tomorrow.isoformat()]) == 1
    assert "still to come" in capsys.readouterr().err
    assert main(["legacy-approve", "1", "--sitting", "1", *paper]) == 0
    assert f"sitting 1: 1 result(s) approved on {today.isoformat()}" in capsys.readouterr().out
    assert main(["legacy-approve", "1", "--by", "D1", "--on", today.isoformat()]) == 1  # twice
    assert "approved already" in capsys.readouterr().err
    assert main(["legacy-status", "1"]) == 0
    assert f"approved on {today.isoformat()} by Бекқожаев Ерлан" in capsys.readouterr().out

    async def sent(session: AsyncSession) -> None:
        sheet = await LegacyRepo(session).sheet_of(
            1, (await EmployeeRepo(session).by_external_ids(["E1"]))["E1"].id
        )
        assert sheet is not None and sheet.released
        assert await OutboxRepo(session).counts_for(LEGACY_RESULT, sheet.id) == {"pending": 1}

    asyncio.run(_in_database(env, sent))
