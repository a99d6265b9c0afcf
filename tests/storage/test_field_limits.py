"""Values the database cannot hold (issue 17, item 6): the staff list's and the work plans'
length limits are the database's column sizes, so that a value that passes validation is
stored on SQLite and PostgreSQL alike (PostgreSQL refused a 300-character name mid-import with
StringDataRightTruncationError), and a longer one is refused with its line, importing nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.quarterly.upload_rules import KPI_TEXT_LIMITS
from bot.staff import people
from bot.staff.files import load_staff_file
from bot.staff.rules import FIELD_LIMITS, StaffErrorCode
from storage.models import Employee, LegacyKpi, PlanKpi
from storage.staff.employees import EmployeeRepo
from tests.factories import STAFF_CSV


def column_length(model: type, name: str) -> int | None:
    column_type = model.__table__.c[name].type  # type: ignore[attr-defined]
    assert isinstance(column_type, String)
    return column_type.length


def test_the_limits_are_the_columns_sizes() -> None:
    for name, limit in FIELD_LIMITS.items():
        if name != "manager_id":  # stored as a reference to the manager's row
            assert column_length(Employee, name) == limit
    assert column_length(Employee, "name_key") == FIELD_LIMITS["full_name"]
    assert column_length(PlanKpi, "unit") == KPI_TEXT_LIMITS["unit"]
    for name, limit in KPI_TEXT_LIMITS.items():
        assert column_length(LegacyKpi, name) == limit


def with_d1(**values: str) -> str:
    """STAFF_CSV with the director's values replaced."""
    header, d1, *rest = STAFF_CSV.splitlines()
    cells = dict(zip(header.split(","), d1.split(","), strict=True))
    cells.update(values)
    return "\n".join([header, ",".join(cells.values()), *rest]) + "\n"


async def test_values_at_the_limits_are_stored(session: AsyncSession, today: date) -> None:
    longest = {
        "employee_id": "D" * FIELD_LIMITS["employee_id"],
        "full_name": "Ә" * FIELD_LIMITS["full_name"],
        "position": "Д" * FIELD_LIMITS["position"],
        "unit": "Б" * FIELD_LIMITS["unit"],
    }
    text = with_d1(**longest).replace(",D1,", "," + longest["employee_id"] + ",")
    validation = load_staff_file(text.encode(), "staff.csv", today)
    assert validation.ok, [e.describe() for e in validation.errors]

    summary = await people.import_staff(session, validation, today)

    assert summary is not None and summary.new == 8
    stored = (await EmployeeRepo(session).by_external_ids([longest["employee_id"]]))[longest["employee_id"]]
    assert (stored.full_name, stored.position, stored.unit) == (
        longest["full_name"],
        longest["position"],
        longest["unit"],
    )


async def test_longer_values_are_refused_by_line_and_nothing_is_imported(
    session: AsyncSession, today: date
) -> None:
    text = with_d1(full_name="Ә" * 300, unit="Б" * 100 + " " + "Б" * 200)
    validation = load_staff_file(text.encode(), "staff.csv", today)

    assert [(e.line, e.column, e.code, e.value) for e in validation.errors] == [
        (2, "full_name", StaffErrorCode.VALUE_TOO_LONG, "300/255"),
        (2, "unit", StaffErrorCode.VALUE_TOO_LONG, "301/255"),
    ]
    assert await people.import_staff(session, validation, today) is None
    assert await session.scalar(select(func.count()).select_from(Employee)) == 0
