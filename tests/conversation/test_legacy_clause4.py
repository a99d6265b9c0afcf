"""004 clause 4 through the real dispatcher: HR starts 2025 under kz-2018 in Kazakh, and the people
the staff list marks as on probation or just back from social leave are listed as not evaluated,
with the reason, and get no sheet to fill.

The clock: Monday 01.12.2025, 11:00 in Almaty. The department of tests/factories.py with post
categories; E3's probation ends in February 2026, E4 came back from social leave on 10.11.2025
(less than three months before 31.12.2025), E1 came back from study on 01.10.2025 (exactly three).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.models import Employee, LegacySheet
from tests.conversation.conftest import World
from tests.conversation.test_legacy_start import _choose_day
from tests.conversation.test_reminders import HR_ACCOUNT, _hr_account
from tests.storage.test_legacy_year import staff_with_categories

CLAUSE4 = {  # employee id → probation_ends_on, returned_on, returned_from
    "E3": ("28.02.2026", "", ""),
    "E4": ("", "10.11.2025", "әлеуметтік демалыс"),
    "E1": ("", "01.10.2025", "оқу"),
}


def staff_with_clause4() -> str:
    lines = staff_with_categories().strip().splitlines()
    rows = [lines[0] + ",probation_ends_on,returned_on,returned_from"]
    for line in lines[1:]:
        rows.append(",".join((line, *CLAUSE4.get(line.split(",", 1)[0], ("", "", "")))))
    return "\n".join(rows) + "\n"


async def _excluded(world: World) -> dict[str, str | None]:
    async with world.runtime.sessionmaker() as session:
        rows = await session.execute(
            select(Employee.employee_id, LegacySheet.excluded_reason).join(
                Employee, Employee.id == LegacySheet.employee_id
            )
        )
        return {employee_id: reason for employee_id, reason in rows}


async def test_probation_and_a_recent_return_are_not_evaluated(world: World) -> None:
    await world.setup_staff(csv_text=staff_with_clause4())
    await _hr_account(world)
    hr = world.person(HR_ACCOUNT, "Гүлнар", "kk")

    await hr.say("/legacyrounds")
    await hr.press("Жылды бастау")
    await hr.press("kz-2018:")
    await hr.press_exact("2025")
    await _choose_day(hr, date(2026, 1, 30), "Қаңтар 2026")
    confirmation = hr.last_with_buttons()
    for line in (
        "Бағаланады: 4.",
        "Бағаланбайды: 4.",
        "• лауазымда 3 айдан кем (4-тармақ): 1",  # E5, appointed in November
        "• жылдың соңында сынақ мерзімінде (4-тармақ): 1",  # E3
        "• әлеуметтік демалыстан шыққаннан немесе оқуды аяқтағаннан кейін 3 айдан кем (4-тармақ): 1",  # E4
    ):
        assert line in confirmation.text, line

    await hr.press("▶ Бастау", confirmation)
    excluded = await _excluded(world)
    assert excluded["E3"] == "on_probation"
    assert excluded["E4"] == "too_soon_after_return"
    assert excluded["E1"] is None  # exactly three months back: evaluated
    assert excluded["E5"] == "too_short_in_post" and excluded["D1"] == "no_evaluator"
    assert sum(reason is None for reason in excluded.values()) == 4


async def test_a_re_import_without_the_columns_keeps_them(world: World) -> None:
    await world.setup_staff(csv_text=staff_with_clause4())
    await world.setup_staff(csv_text=staff_with_categories())  # the usual list, without them
    async with world.runtime.sessionmaker() as session:
        kept = await session.execute(
            select(
                Employee.employee_id, Employee.probation_ends_on, Employee.returned_on, Employee.returned_from
            )
            .where(Employee.employee_id.in_(CLAUSE4))
            .order_by(Employee.employee_id)
        )
        assert [tuple(row) for row in kept] == [
            ("E1", None, date(2025, 10, 1), "study"),
            ("E3", date(2026, 2, 28), None, None),
            ("E4", None, date(2025, 11, 10), "social_leave"),
        ]
    # A list with the columns left empty clears them.
    emptied = staff_with_clause4().replace("28.02.2026", "")
    await world.setup_staff(csv_text=emptied)
    async with world.runtime.sessionmaker() as session:
        probation = await session.scalar(
            select(Employee.probation_ends_on).where(Employee.employee_id == "E3")
        )
        assert probation is None
