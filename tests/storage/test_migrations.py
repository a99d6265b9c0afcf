import asyncio
from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.db import create_engine
from storage.migrate import downgrade, upgrade
from storage.models import Base


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _schema_diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_database_url)
    assert set(Base.metadata.tables) <= await _tables(empty_database_url)
    # The migrations produce exactly the schema the models describe.
    assert await _schema_diff(empty_database_url) == []

    await asyncio.to_thread(downgrade, empty_database_url, "base")
    assert await _tables(empty_database_url) <= {"alembic_version"}

    await asyncio.to_thread(upgrade, empty_database_url)
    assert set(Base.metadata.tables) <= await _tables(empty_database_url)


# A 2025 year under the 2018 method with its one sitting held, as revision 0013 stored it: five
# members (1 chairs), four present; two results decided, one (sheet 2) revised by the votes.
AT = datetime(2026, 1, 5, 5, 10, tzinfo=UTC)
Statements = list[tuple[str, list[dict[str, Any]]]]
ONE_SITTING: Statements = [
    (
        "INSERT INTO employees (id, employee_id, full_name, name_key, position, role, unit, appointed_on, active)"
        " VALUES (:id, :code, :code, :code, 'specialist', 'employee', 'Unit', '2020-01-01', true)",
        [{"id": n, "code": f"P{n}"} for n in range(1, 9)],
    ),
    (
        "INSERT INTO campaigns (id, kind, year, deadline, status, profile_code, profile_version)"
        " VALUES (1, 'legacy', 2025, '2026-01-30', 'running', 'kz-2018', '2018-03-29')",
        [{}],
    ),
    (
        "INSERT INTO legacy_sheets (id, campaign_id, employee_id, heads_unit, serves_public, plan_status,"
        " kpi_status, kpi_grade, decision, corrected_grade) VALUES (:id, 1, :person, false, false,"
        " 'approved', 'agreed', 'effective', :decision, :corrected)",
        [
            {"id": 1, "person": 6, "decision": "approve", "corrected": None},
            {"id": 2, "person": 7, "decision": "revise", "corrected": "excellent"},
        ],
    ),
    # SQLite alters legacy_sheets by copying it: the rows referring to it must stay.
    (
        "INSERT INTO legacy_kpis (sheet_id, no, name, source, unit, planned, due, key_result)"
        " VALUES (1, 1, 'Indicator 1', 'plan', '%', '100', '31.12.2025', 'result 1')",
        [{}],
    ),
    (
        "INSERT INTO commissions (id, campaign_id, secretary_id, sitting_at, announced_at, status, conclusion,"
        " closed_at) VALUES (1, 1, 8, '2026-01-05 05:00:00+00', '2025-12-22 06:00:00+00', 'closed',"
        " 'approved as in the protocol', '2026-01-05 07:00:00+00')",
        [{}],
    ),
    (
        "INSERT INTO commission_members (commission_id, employee_id, is_chair, present_at)"
        " VALUES (1, :member, :chair, :present_at)",
        [{"member": n, "chair": n == 1, "present_at": None if n == 5 else AT} for n in range(1, 6)],
    ),
    (
        "INSERT INTO commission_votes (commission_id, sheet_id, member_id, choice, corrected_grade, voted_at)"
        " VALUES (1, :sheet, :member, :choice, :corrected, :at)",
        [
            {"sheet": 1, "member": member, "choice": "approve", "corrected": None, "at": AT}
            for member in range(1, 5)
        ]
        + [
            {
                "sheet": 2,
                "member": member,
                "choice": "revise" if member < 4 else "approve",
                "corrected": "excellent" if member < 4 else None,
                "at": AT,
            }
            for member in range(1, 5)
        ],
    ),
]


async def _execute(url: str, statements: Statements) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement, rows in statements:
                await connection.execute(text(statement), rows)
    finally:
        await engine.dispose()


async def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(query))]
    finally:
        await engine.dispose()


async def test_a_commission_with_one_sitting_survives_0014_up_and_down(empty_database_url: str) -> None:
    """Revision 0014 moves the sitting into commission_sittings (sitting 1, under the
    commission's id, so that queued notices still find it), its attendance and votes with it;
    the decided results name it. Downgrading puts everything back where it was."""
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0013")
    await _execute(url, ONE_SITTING)

    await asyncio.to_thread(upgrade, url)
    sittings = await _rows(
        url, "SELECT id, commission_id, number, status, conclusion FROM commission_sittings"
    )
    assert sittings == [(1, 1, 1, "closed", "approved as in the protocol")]
    attendance = await _rows(url, "SELECT sitting_id, member_id FROM sitting_attendance ORDER BY member_id")
    assert attendance == [(1, 1), (1, 2), (1, 3), (1, 4)]
    votes = await _rows(
        url,
        "SELECT sitting_id, sheet_id, member_id, choice, corrected_grade FROM sitting_votes"
        " ORDER BY sheet_id, member_id",
    )
    assert len(votes) == 8 and votes[4] == (1, 2, 1, "revise", "excellent") and votes[7][3] == "approve"
    decided = await _rows(url, "SELECT id, decided_in_sitting_id FROM legacy_sheets ORDER BY id")
    assert decided == [(1, 1), (2, 1)]
    assert await _rows(url, "SELECT sheet_id, no FROM legacy_kpis") == [(1, 1)]
    # A further sitting gets a new id, after the ones carried over (PostgreSQL's sequence moved on).
    further = (
        "INSERT INTO commission_sittings (commission_id, number, sitting_at, announced_at, status)"
        " VALUES (1, 2, '2026-02-02 05:00:00+00', '2026-01-20 06:00:00+00', 'scheduled')"
    )
    await _execute(url, [(further, [{}])])
    assert await _rows(url, "SELECT id FROM commission_sittings WHERE number = 2") == [(2,)]
    await _execute(url, [("DELETE FROM commission_sittings WHERE number = 2", [{}])])

    await asyncio.to_thread(downgrade, url, "0013")
    assert await _rows(url, "SELECT status, conclusion FROM commissions") == [
        ("closed", "approved as in the protocol")
    ]
    present = await _rows(
        url, "SELECT employee_id FROM commission_members WHERE present_at IS NOT NULL ORDER BY employee_id"
    )
    assert present == [(1,), (2,), (3,), (4,)]
    assert await _rows(url, "SELECT COUNT(*) FROM commission_votes WHERE commission_id = 1") == [(8,)]
    assert "commission_sittings" not in await _tables(url)
    assert await _rows(url, "SELECT sheet_id, no FROM legacy_kpis") == [(1, 1)]
