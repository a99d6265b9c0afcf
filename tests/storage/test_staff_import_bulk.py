"""The staff import in a few statements (issue 17, item 4): a list of thousands of people is
previewed without writing and imported in bulk, with the same counts, on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff import people
from bot.staff.files import load_staff_file
from bot.staff.rules import REQUIRED_COLUMNS
from storage.dto import ImportSummary
from storage.models import Employee

PEOPLE = 3_000


def staff_list(ids: range, *, position: str = "Expert", extra: tuple[str, ...] = ()) -> bytes:
    lines = [",".join(REQUIRED_COLUMNS)]
    for n in ids:
        manager = "" if n == ids[0] else f"E{ids[0]}"
        lines.append(
            f"E{n},Person {n},{position if n % 10 else 'Head'},employee,Unit {n % 7},{manager},,ru,2020-01-01"
        )
    lines += [f"{line},Newcomer,Expert,employee,Unit 1,E{ids[0]},,kk,2021-01-01" for line in extra]
    return ("\n".join(lines) + "\n").encode()


async def test_a_large_list_is_previewed_without_writing_then_imported_with_the_same_counts(
    session: AsyncSession, today: date
) -> None:
    first = load_staff_file(staff_list(range(PEOPLE)), "staff.csv", today)
    assert first.ok

    assert await people.preview_import(session, first, today) == ImportSummary(
        new=PEOPLE, changed=0, left=0, unchanged=0
    )
    assert await session.scalar(select(func.count()).select_from(Employee)) == 0
    assert await people.import_staff(session, first, today) == ImportSummary(
        new=PEOPLE, changed=0, left=0, unchanged=0
    )
    head = await session.scalar(select(Employee.id).where(Employee.employee_id == "E0"))
    assert await session.scalar(select(func.count()).where(Employee.manager_id == head)) == PEOPLE - 1

    # 100 people leave, every tenth changes position, two join
    second = load_staff_file(
        staff_list(range(PEOPLE - 100), position="Chief expert", extra=("N1", "N2")), "staff.csv", today
    )
    expected = ImportSummary(new=2, changed=PEOPLE - 100 - 290, left=100, unchanged=290)
    assert await people.preview_import(session, second, today) == expected
    assert await people.import_staff(session, second, today) == expected
    assert await session.scalar(select(func.count()).where(Employee.active.is_(False))) == 100
    newcomer = await session.scalar(select(Employee.manager_id).where(Employee.employee_id == "N1"))
    assert newcomer == head

    # The same list again: nothing changes; the leavers come back with the first list
    assert await people.import_staff(session, second, today) == ImportSummary(
        new=0, changed=0, left=0, unchanged=PEOPLE - 100 + 2
    )
    back = await people.import_staff(session, first, today)
    assert back == ImportSummary(new=0, changed=PEOPLE - 100 - 290 + 100, left=2, unchanged=290)


async def test_preview_and_import_take_a_few_statements_whatever_the_list(
    session: AsyncSession, today: date
) -> None:
    """The preview ran the whole import in a savepoint and rolled it back, the import an ORM
    object and an UPDATE per person: the event loop was held for 11.5 s and 13 s by a list of
    50,000 people in the issue's run. Now the preview reads once and writes nothing, the
    import writes in bulk."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        verb = statement.split(None, 1)[0].upper()
        if verb != "BEGIN":  # SQLite's BEGIN IMMEDIATE opens the session's transaction (storage/db.py)
            statements.append(verb)

    engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", record)
    try:
        validation = load_staff_file(staff_list(range(PEOPLE)), "staff.csv", today)
        await people.preview_import(session, validation, today)
        assert statements == ["SELECT"]
        statements.clear()
        await people.import_staff(session, validation, today)
        assert statements.count("UPDATE") <= 1 and len(statements) <= 10, statements[:20]
        statements.clear()
        changed = load_staff_file(staff_list(range(PEOPLE), position="Chief expert"), "staff.csv", today)
        assert await people.import_staff(session, changed, today) == ImportSummary(
            new=0, changed=PEOPLE - 300, left=0, unchanged=300
        )
        assert statements == ["SELECT", "UPDATE"]
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_an_optional_column_left_out_of_a_list_keeps_what_is_stored(
    session: AsyncSession, today: date
) -> None:
    """Every optional column alike (category, serves_public, the clause 4 dates): a list without
    the column keeps the stored values, a list with the column empty for a person clears them."""
    header = ",".join(REQUIRED_COLUMNS)
    person = "E1,Person 1,Expert,employee,Unit 1,,,ru,2020-01-01"

    async def load(extra_header: str, extra_cells: str) -> tuple[object, ...]:
        validation = load_staff_file(
            f"{header}{extra_header}\n{person}{extra_cells}\n".encode(), "staff.csv", today
        )
        assert validation.ok, [e.describe() for e in validation.errors]
        await people.import_staff(session, validation, today)
        row = (
            await session.execute(
                select(Employee.position_category, Employee.serves_public, Employee.probation_ends_on).where(
                    Employee.employee_id == "E1"
                )
            )
        ).one()
        return tuple(row)

    probation = date(today.year + 1, 1, 31)
    full = f",{probation.isoformat()}"
    assert await load(",category,serves_public,probation_ends_on", f",E-4,yes{full}") == (
        "E-4",
        True,
        probation,
    )
    assert await load("", "") == ("E-4", True, probation)
    assert await load(",category", ",") == (None, True, probation)
    assert await load(",serves_public,probation_ends_on", ",,") == (None, None, None)
