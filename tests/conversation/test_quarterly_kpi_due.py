"""Seed 002 clause 5 with the clock running: U1, a head, is on leave from 20 December 2025 to
Tuesday 20 January 2026, over the Q4 deadline of Saturday 10 January. Back on Wednesday the
21st, U1's KPIs are due five working days later, on Wednesday 28 January: D1, the evaluator,
is reminded against that day (23, 27 and 28 January, 09:00 Almaty = 04:00 UTC), not against
the round's deadline, and HR does not see the sheet as overdue until the 29th, while E4's
sheet, left open by U2, is overdue from the 11th. Today is Monday 1 December 2025."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.factory import plan_reminders_now
from bot.kernel.access import Role
from bot.staff.access import COMMAND_LINE, grant_role
from storage.models import OutboxMessage
from tests.conversation.conftest import World
from tests.conversation.test_quarterly import DIRECTOR, U1, _in_english, _quarter, _score_person, _sheets
from tests.conversation.test_reminders import _at, _deliver, _rows

AWAY = (date(2025, 12, 20), date(2026, 1, 20))
HR = 5001


def _reminders(world: World, chat: int) -> list[str]:
    return [m.text for m in world.telegram.chat(chat) if m.text.startswith("Reminder")]


async def _alerts(world: World) -> list[tuple[datetime | None, str]]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.not_before, OutboxMessage.status).where(
                OutboxMessage.kind == "deadline_passed"
            )
        )
        return [(at.replace(tzinfo=UTC) if at and at.tzinfo is None else at, status) for at, status in rows]


async def test_an_absent_heads_sheet_is_reminded_and_overdue_by_its_own_day(world: World) -> None:
    await _quarter(world, u1_away=AWAY)
    sheet = (await _sheets(world))["U1"]
    assert sheet.kpi_due_on == date(2026, 1, 28)
    # D1's prompt at the start already gives that day (in Kazakh, D1's language).
    prompt = next(m for m in world.telegram.chat(DIRECTOR) if m.buttons())
    assert "28.01.2026" in prompt.text and "10.01.2026" not in prompt.text
    async with world.runtime.sessionmaker() as session, session.begin():
        await grant_role(session, COMMAND_LINE, HR, Role.HR, world.runtime.clock.now())
    hr = await _in_english(world.person(HR, "Gulnar", "en"))
    director = await _in_english(world.person(DIRECTOR, "Айгерім", "en"))
    manager = await _in_english(world.person(U1, "Ерлан", "en"))
    # U1 evaluates their three people in time: only U1's own KPI sheet is left open.
    for name, scores in (("Дана", [4, 4, 4, 4]), ("John", [5, 5, 5, 5]), ("Асқар", [3, 3, 3, 3])):
        await _score_person(manager, name, scores, "Жақсы.")

    await plan_reminders_now(world.runtime)
    director_pk = sheet.evaluator_id
    # D1's reminders are the sheet's, counted back from 28 January (23: three working days
    # before, over the weekend of the 24th-25th), one a sheet; none of the round's.
    assert await _rows(world, "sheet_remind_3d") == [
        (director_pk, datetime(2026, 1, 23, 4, 0, tzinfo=UTC), "pending")
    ]
    assert await _rows(world, "sheet_remind_1d") == [
        (director_pk, datetime(2026, 1, 27, 4, 0, tzinfo=UTC), "pending")
    ]
    assert await _rows(world, "sheet_remind_due") == [
        (director_pk, datetime(2026, 1, 28, 4, 0, tzinfo=UTC), "pending")
    ]
    assert director_pk not in [pk for pk, _, _ in await _rows(world, "remind_3d")]

    # The round's reminders go out on 5, 8 and 9 January: none to D1.
    for day in (5, 8, 9):
        _at(world, datetime(2026, 1, day, 4, 0, tzinfo=UTC))
        await plan_reminders_now(world.runtime)
        await _deliver(world)
    assert _reminders(world, DIRECTOR) == []

    # Monday 12 January, past the round's deadline: E4's sheet is overdue, U1's is not, for
    # HR's overview, its digest and its alert, nor for D1.
    _at(world, datetime(2026, 1, 12, 5, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    await hr.say("/quarters 2025")
    assert (
        "⚠️ Sheets past their due day: 1\n"
        "Sheets still open with: Серікова Айгерім Нұрланқызы (1), Иванова Ольга Петровна (1)"
    ) in hr.last.text
    digest = [m.text for m in world.telegram.chat(HR) if "Evaluation rounds today, 12.01.2026" in m.text]
    assert len(digest) == 1 and "⚠️ Sheets past their due day: 1" in digest[0]
    alerts = [m.text for m in world.telegram.chat(HR) if m.text.startswith("⚠️ The deadline has passed")]
    assert len(alerts) == 1 and "⚠️ Sheets past their due day: 1" in alerts[0]
    assert await _alerts(world) == [(datetime(2026, 1, 12, 4, 0, tzinfo=UTC), "sent")]
    await director.say("/deadlines")
    assert director.last.text == (
        "<b>Your deadlines:</b>\n🗓 28.01.2026: Q4 2025, evaluation sheets to submit: 1"
    )

    # Friday 23 January, 09:00: three working days before the head's day; a second planning
    # run and two instances delivering at once send it once.
    _at(world, datetime(2026, 1, 23, 4, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await asyncio.gather(_deliver(world), _deliver(world))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    [reminder] = _reminders(world, DIRECTOR)
    assert reminder == (
        "Reminder: the KPI sheet of Ахметов Ерлан Болатұлы for Q4 2025 is to be filled by 28.01.2026. "
        "A head who was away during the evaluation is evaluated after returning to work (clause 5)."
    )
    assert [text.split(" · ")[1] for text, _ in world.telegram.chat(DIRECTOR)[-1].buttons()] == ["Ерлан А."]
    for day, sent in ((27, 2), (28, 3)):
        _at(world, datetime(2026, 1, day, 4, 0, tzinfo=UTC))
        await plan_reminders_now(world.runtime)
        await _deliver(world)
        assert len(_reminders(world, DIRECTOR)) == sent

    # The due day itself, at the end of it: still not overdue.
    _at(world, datetime(2026, 1, 28, 13, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    await hr.say("/quarters 2025")
    assert "⚠️ Sheets past their due day: 1" in hr.last.text
    assert await _alerts(world) == [(datetime(2026, 1, 12, 4, 0, tzinfo=UTC), "sent")]

    # Thursday 29 January: overdue, everywhere, and HR is alerted again, once.
    _at(world, datetime(2026, 1, 29, 5, 0, tzinfo=UTC))
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    await plan_reminders_now(world.runtime)
    await _deliver(world)
    await hr.say("/quarters 2025")
    assert "⚠️ Sheets past their due day: 2" in hr.last.text
    alerts = [m.text for m in world.telegram.chat(HR) if m.text.startswith("⚠️ The deadline has passed")]
    assert len(alerts) == 2 and "⚠️ Sheets past their due day: 2" in alerts[1]
    assert await _alerts(world) == [(datetime(2026, 1, 29, 4, 0, tzinfo=UTC), "sent")]
    await director.say("/deadlines")
    assert director.last.text == (
        "<b>Your deadlines (⚠️ already passed):</b>\n⚠️ 28.01.2026: Q4 2025, evaluation sheets to submit: 1"
    )
