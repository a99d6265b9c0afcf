"""Seed 002 clause 5 (the kz-2023 profile): a head away during the evaluation has their KPIs
evaluated within five working days after returning to work, not without them in the normal
deadlines (seed 000's rule, kept by a profile without the setting). U1, a head, is on leave
from 20 December 2025 to 20 January 2026, over the Q4 deadline of 10 January; today is Monday
1 December 2025."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.factory import create_dispatcher
from bot.kernel.access import Role
from bot.kernel.methodology import load_profile
from bot.staff.access import COMMAND_LINE, grant_role
from tests.conversation.conftest import World
from tests.conversation.test_quarterly import DIRECTOR, _in_english, _quarter, _sheets

AWAY = (date(2025, 12, 20), date(2026, 1, 20))
HR = 5001


async def test_an_absent_heads_kpis_wait_for_the_return(world: World) -> None:
    quarterly = world.runtime.profile.quarterly
    assert quarterly is not None and quarterly.kpi_after_return_working_days == 5  # kz-2023: 002
    await _quarter(world, u1_away=AWAY)
    sheet = (await _sheets(world))["U1"]
    # Back on Wednesday 21 January; five working days after it: Wednesday 28 January.
    assert (sheet.absence, sheet.kpi_due_on) == ("leave", date(2026, 1, 28))
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    await director.say("/start")
    await director.press("Ерлан")
    assert (
        "Away during the evaluation: the KPIs are evaluated after the return to work, by 28.01.2026 (clause 5)."
        in director.last.text
    )
    assert "without their participation" not in director.last.text


async def test_without_the_setting_the_head_is_evaluated_without_them(world: World, tmp_path: Path) -> None:
    """A body whose copy drops the setting (its own profile file): its rounds are started under
    the profile they record."""
    body = tmp_path / "body.json"
    body.write_text(
        json.dumps(
            {
                "extends": "kz-2023",
                "code": "no-return-rule",
                "version": "2025-01-01",
                "quarterly": {"kpi_after_return_working_days": None},
            }
        ),
        encoding="utf-8",
    )
    profile = load_profile(str(body))
    assert profile.quarterly is not None and profile.quarterly.kpi_after_return_working_days is None
    world.runtime = replace(world.runtime, profile=profile)
    world.dispatcher = create_dispatcher(world.runtime)
    await _quarter(world, u1_away=AWAY)
    sheet = (await _sheets(world))["U1"]
    assert (sheet.absence, sheet.kpi_due_on) == ("leave", None)
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    await director.say("/start")
    await director.press("Ерлан")
    assert "Evaluated without their participation (clauses 5-6)." in director.last.text


async def test_an_absence_recorded_after_the_start_moves_the_kpis_due_day(world: World) -> None:
    """Item 4 of issue 21: HR records U1's leave once Q4 has started; the open KPI sheet gets
    the day after the return, as if the leave had been known at the start, and a longer leave
    recorded later moves it again."""
    await _quarter(world)
    assert ((await _sheets(world))["U1"].absence, (await _sheets(world))["U1"].kpi_due_on) == (None, None)
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
    hr = await _in_english(world.person(HR, "Gulnar", "en"))

    await hr.say("/absences")
    await hr.send_document(b"employee_id,kind,starts_on,ends_on\nU1,leave,2025-12-20,2026-01-20\n", "a.csv")
    assert hr.last.text == (
        "<b>a.csv</b>: 1 row(s) saved.\n\nNext: /quarters 2025 — the year's rounds: start a quarter or follow it."
    )
    sheet = (await _sheets(world))["U1"]
    # Back on Wednesday 21 January; five working days after it: Wednesday 28 January.
    assert (sheet.absence, sheet.kpi_due_on) == ("leave", date(2026, 1, 28))

    await hr.say("/absences")
    await hr.send_document(
        b"employee_id,kind,starts_on,ends_on\nU1,training,2026-01-05,2026-01-27\n", "b.csv"
    )
    sheet = (await _sheets(world))["U1"]
    # Back on Wednesday 28 January: by Wednesday 4 February.
    assert (sheet.absence, sheet.kpi_due_on) == ("leave", date(2026, 2, 4))
