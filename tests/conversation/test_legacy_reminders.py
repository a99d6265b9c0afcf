"""The 2018 method's reminders as people receive them, with only the clock moving: a returned
plan's last day to the direct manager and, once it has passed, to HR; the plan's 10 working days
to the managers with plans not submitted (nothing once they are); an absent person's 5 working
days after being back (004 clauses 4, 9, 12).

2026 is started on Monday 5 January at 11:00 in Almaty; the plans are due on Monday 19 January.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.factory import create_delivery, plan_reminders_now
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import service as legacy
from bot.legacy2018 import sheets as legacy_sheets
from bot.staff.access import COMMAND_LINE
from storage.legacy2018 import LegacyRepo
from storage.staff.employees import EmployeeRepo
from tests.conversation.conftest import World
from tests.conversation.test_quarterly import _in_english
from tests.conversation.test_reminders import HR_ACCOUNT, _at, _hr_account
from tests.factories import TELEGRAM_IDS
from tests.legacy_support import plan
from tests.storage.test_legacy_year import staff_with_categories


def _morning(day: int) -> datetime:
    """09:00 in Almaty on that day of January 2026."""
    return datetime(2026, 1, day, 4, 0, tzinfo=UTC)


async def _keep_and_deliver(world: World, moment: datetime) -> None:
    _at(world, moment)
    await plan_reminders_now(world.runtime)
    await create_delivery(world.runtime, world.bot).deliver_pending()


def _texts(world: World, code: str) -> list[str]:
    return [m.text for m in world.telegram.chat(TELEGRAM_IDS[code]) if "⏰" in m.text]


async def test_legacy_deadlines_remind_the_managers_and_hr(world: World) -> None:
    _at(world, datetime(2026, 1, 5, 6, 0, tzinfo=UTC))
    await world.setup_staff(csv_text=staff_with_categories())
    await _hr_account(world)
    await _in_english(world.person(TELEGRAM_IDS["U1"], "Erlan"))
    runtime = world.runtime
    async with runtime.sessionmaker() as session, session.begin():
        started = await legacy.start_year(
            session,
            load_profile("kz-2018"),
            2026,
            date(2027, 1, 29),
            KAZAKHSTAN,
            today=runtime.clock.today(),
            now=runtime.clock.now(),
            actor=COMMAND_LINE,
        )
        staff = await EmployeeRepo(session).by_external_ids(list(TELEGRAM_IDS))
        sheets = {
            code: (await LegacyRepo(session).sheet_of(started.campaign.id, staff[code].id)).id  # type: ignore[union-attr]
            for code in ("E1", "E2", "E3", "E4")
        }
        assert await legacy_sheets.submit_plan(session, sheets["E1"], staff["U1"], plan()) is None
        assert (
            await legacy_sheets.decide_plan(
                session,
                sheets["E1"],
                staff["D1"],
                approve=False,
                comment="no baseline",
                today=date(2026, 1, 6),
                calendar=KAZAKHSTAN,
            )
            is None
        )  # back by Friday 9 January
        assert await legacy.mark_absent(
            session,
            sheets["E4"],
            date(2026, 1, 14),
            calendar=KAZAKHSTAN,
            actor=COMMAND_LINE,
            now=runtime.clock.now(),
        ) == date(2026, 1, 22)

    await _keep_and_deliver(world, _morning(8))
    assert _texts(world, "U1") == []  # nothing before its day
    await _keep_and_deliver(world, _morning(9))
    assert _texts(world, "U1") == [
        "⏰ Reminder: the plan of Омарова Дана Серікқызы, returned for correction, must go back to the superior "
        "manager by 09.01.2026 (clause 12)."
    ]
    await _keep_and_deliver(world, _morning(12))  # Monday: it has not come back
    told = [m.text for m in world.telegram.chat(HR_ACCOUNT) if m.text.startswith("⚠️")]
    assert len(told) == 1  # in Kazakh, HR's language here
    assert "Омарова Дана Серікқызы (E1)" in told[0] and "09.01.2026" in told[0] and "12-тармақ" in told[0]

    await _keep_and_deliver(world, _morning(14))  # 3 working days before the plans' last day
    reminder = _texts(world, "U1")[-1]
    assert reminder.startswith("⏰ Reminder: the individual work plans for 2026 must be set by 19.01.2026")
    assert "• Smith John" in reminder and "• Нұрланов Асқар Ерланұлы" in reminder
    assert "Омарова" not in reminder  # E1's plan was submitted (and returned): not "not submitted"
    assert "Upload plans" in str(world.telegram.chat(TELEGRAM_IDS["U1"])[-1].buttons())
    # U1 submits the other two plans: owed nothing more; U2 (E4, E5 not submitted) still is.
    async with runtime.sessionmaker() as session, session.begin():
        for code in ("E2", "E3"):
            assert await legacy_sheets.submit_plan(session, sheets[code], staff["U1"], plan()) is None
    before = len(_texts(world, "U1"))
    await _keep_and_deliver(world, _morning(16))
    await _keep_and_deliver(world, _morning(19))
    assert len(_texts(world, "U1")) == before
    assert len([t for t in _texts(world, "U2") if "2026" in t and "19.01.2026" in t]) >= 1

    await _keep_and_deliver(world, _morning(22))  # the absent E4's last day (U2 reads Russian)
    absent = _texts(world, "U2")[-1]
    assert "Петров Игорь Сергеевич" in absent and "14.01.2026" in absent and "22.01.2026" in absent
    assert "пункт 4" in absent
