import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.kernel import scoring
from bot.kernel.methodology import Profile
from bot.kernel.scoring import AnswerCount
from storage.db import create_engine, create_sessionmaker
from storage.migrate import downgrade, upgrade
from storage.models import Base
from storage.survey360.answers import AnswerRepo
from tests.conftest import TEST_BALLOT_SECRET


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


def _answered_round(profile: Profile) -> Statements:
    """A 360 round as revision 0015 stored it: E1 (the heads' questionnaire) and E2 (the
    employees'), each with tallies from colleagues and a self-assessment."""
    heads, employees = (profile.questionnaire(code) for code in ("heads", "employees"))
    # Two scores a statement: two colleagues gave one, ``subject`` colleagues the next one up.
    tallies = [
        {"subject": subject, "statement": s.no, "score": score, "count": count}
        for subject, questionnaire in ((1, heads), (2, employees))
        for s in questionnaire.statements
        for score, count in ((s.no % 5 + 1, 2), ((s.no + 1) % 5 + 1, subject))
    ]
    selves = [
        {"subject": subject, "statement": s.no, "score": (s.no * subject) % 5 + 1}
        for subject, questionnaire in ((1, heads), (2, employees))
        for s in questionnaire.statements
    ]
    return [
        (
            "INSERT INTO employees (id, employee_id, full_name, name_key, position, role, unit, appointed_on,"
            " active) VALUES (:id, :code, :code, :code, 'specialist', 'employee', 'Unit', '2020-01-01', true)",
            [{"id": n, "code": f"E{n}"} for n in (1, 2)],
        ),
        (
            "INSERT INTO campaigns (id, kind, year, deadline, status, profile_code, profile_version)"
            " VALUES (1, '360', 2025, '2026-01-30', 'closed', :code, :version)",
            [{"code": profile.code, "version": profile.version}],
        ),
        (
            "INSERT INTO campaign_subjects (id, campaign_id, employee_id, questionnaire)"
            " VALUES (:id, 1, :id, :questionnaire)",
            [{"id": 1, "questionnaire": "heads"}, {"id": 2, "questionnaire": "employees"}],
        ),
        (
            "INSERT INTO answer_tallies (subject_id, statement_no, score, count)"
            " VALUES (:subject, :statement, :score, :count)",
            tallies,
        ),
        (
            "INSERT INTO self_answers (subject_id, statement_no, score) VALUES (:subject, :statement, :score)",
            selves,
        ),
    ]


async def test_0016_adds_up_the_answers_of_rounds_answered_before_it(
    empty_database_url: str, profile: Profile
) -> None:
    """Revision 0016 fills the per-competency sums of answered rounds from their tallies and
    self-assessments, as the bot would have kept them; downgrading drops them."""
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0015")
    statements = _answered_round(profile)
    await _execute(url, statements)

    await asyncio.to_thread(upgrade, url)
    rows = await _rows(
        url,
        "SELECT subject_id, self_assessed, competency_no, points, answers FROM competency_sums"
        " ORDER BY subject_id, self_assessed, competency_no",
    )
    tallies, selves = statements[3][1], statements[4][1]
    expected = []
    for subject, code in ((1, "heads"), (2, "employees")):
        questionnaire = profile.questionnaire(code)
        others = scoring.competency_totals(
            questionnaire,
            (AnswerCount(t["statement"], t["score"], t["count"]) for t in tallies if t["subject"] == subject),
        )
        own = scoring.answer_totals(
            questionnaire, {s["statement"]: s["score"] for s in selves if s["subject"] == subject}
        )
        for self_assessed, totals in ((False, others), (True, own)):
            expected += [
                (subject, self_assessed, no, total.points, total.answers)
                for no, total in sorted(totals.items())
            ]
    assert [(s, bool(own), c, p, a) for s, own, c, p, a in rows] == expected
    assert len(expected) == 2 * sum(len(q.competencies) for q in profile.questionnaires.values())

    await asyncio.to_thread(downgrade, url, "0015")
    assert "competency_sums" not in await _tables(url)
    assert await _rows(url, "SELECT count(*) FROM answer_tallies") == [(len(tallies),)]


async def test_0018_seals_drafts_and_a_running_rounds_tallies(
    empty_database_url: str, profile: Profile
) -> None:
    """Revision 0018 seals every draft, turns a running round's tallies into ballots (counted
    at its close exactly as before) and keeps a closed round's tallies; downgrading opens them
    again."""
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0015")
    answered = _answered_round(profile)  # round 1, closed
    running: Statements = [
        (
            "INSERT INTO campaigns (id, kind, year, deadline, status, profile_code, profile_version)"
            " VALUES (2, '360', 2026, '2027-01-30', 'running', :code, :version)",
            [{"code": profile.code, "version": profile.version}],
        ),
        (
            "INSERT INTO campaign_subjects (id, campaign_id, employee_id, questionnaire)"
            " VALUES (3, 2, 1, 'employees')",
            [{}],
        ),
        (
            "INSERT INTO assignments (id, subject_id, respondent_id, relation, submitted, back_to_review)"
            " VALUES (1, 3, 2, 'peer', false, false)",
            [{}],
        ),
        (
            "INSERT INTO answer_tallies (subject_id, statement_no, score, count) VALUES (3, :no, :score, 2)",
            [{"no": no, "score": no % 5 + 1} for no in range(1, 25)],
        ),
        (
            "INSERT INTO draft_answers (assignment_id, statement_no, score) VALUES (1, :no, :score)",
            [{"no": no, "score": 6 - no} for no in range(1, 6)],
        ),
    ]
    await _execute(url, answered + running)
    await asyncio.to_thread(upgrade, url, "0016")
    tallies_before = await _rows(url, "SELECT * FROM answer_tallies ORDER BY 1, 2, 3")
    sums_before = await _rows(url, "SELECT * FROM competency_sums WHERE NOT self_assessed ORDER BY 1, 2, 3")

    await asyncio.to_thread(upgrade, url)
    closed_only = [row for row in tallies_before if row[0] != 3]
    assert await _rows(url, "SELECT * FROM answer_tallies ORDER BY 1, 2, 3") == closed_only
    assert await _rows(url, "SELECT campaign_id FROM ballots") == [(2,)]
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine, ballot_secret=TEST_BALLOT_SECRET).begin() as session:
            assert await AnswerRepo(session).drafts(1) == {no: 6 - no for no in range(1, 6)}
            assert await AnswerRepo(session).release(2, profile.questionnaires) == 1
    finally:
        await engine.dispose()
    # Released, the running round's results are what they were.
    assert await _rows(url, "SELECT * FROM answer_tallies ORDER BY 1, 2, 3") == tallies_before
    assert (
        await _rows(url, "SELECT * FROM competency_sums WHERE NOT self_assessed ORDER BY 1, 2, 3")
        == sums_before
    )

    await asyncio.to_thread(downgrade, url, "0016")
    assert await _rows(url, "SELECT statement_no, score FROM draft_answers ORDER BY 1") == [
        (no, 6 - no) for no in range(1, 6)
    ]
    await asyncio.to_thread(upgrade, url)
    await asyncio.to_thread(downgrade, url, "0016")  # with a ballot: opened into the tallies again


# A quarterly round with E3's sheet submitted and its written notice owed, as revision 0021 stored
# it, and a closed 360 round with E3 evaluated in it.
WRITTEN_BEFORE_0023: Statements = [
    (
        "INSERT INTO employees (id, employee_id, full_name, name_key, position, role, unit, appointed_on, active)"
        " VALUES (:id, :code, :code, :code, 'specialist', 'employee', 'Unit', '2020-01-01', :active)",
        [{"id": n, "code": f"E{n}", "active": n != 3} for n in range(1, 4)],
    ),
    (
        "INSERT INTO campaigns (id, kind, year, deadline, status, profile_code, profile_version, quarter)"
        " VALUES (:id, :kind, 2025, '2026-01-09', 'closed', 'kz-2024', '2024-10-22.2', :quarter)",
        [{"id": 1, "kind": "quarter", "quarter": 4}, {"id": 2, "kind": "360", "quarter": None}],
    ),
    (
        "INSERT INTO quarter_sheets (id, campaign_id, employee_id, method, status, final_score, submitted_at)"
        " VALUES (:id, 1, :id, 'differentiation', 'submitted', 3.25, '2025-12-01 05:00:00+00')",
        [{"id": n} for n in (1, 2, 3)],
    ),
    (
        "INSERT INTO campaign_subjects (id, campaign_id, employee_id, questionnaire)"
        " VALUES (1, 2, 3, 'employees')",
        [{}],
    ),
    (
        "INSERT INTO written_notices (sheet_id, due_on, created_at, channel, sent_on, reference, recorded_at)"
        " VALUES (3, '2025-12-03', '2025-12-01 05:00:00+00', 'letter', '2025-12-02', 'KZ1',"
        " '2025-12-02 05:00:00+00')",
        [{}],
    ),
]


async def test_0023_keeps_the_quarterly_notices_numbers_and_takes_other_results(
    empty_database_url: str,
) -> None:
    """Revision 0023 numbers each notice: the quarterly one recorded before keeps its sheet's
    number (the one HR was shown); a new notice about a 360 result takes the next number; a
    notice about two results, or none, is refused. Downgrading keeps the quarterly one."""
    url = empty_database_url
    await asyncio.to_thread(upgrade, url, "0022")
    await _execute(url, WRITTEN_BEFORE_0023)

    await asyncio.to_thread(upgrade, url, "0023")
    assert await _rows(
        url, "SELECT id, sheet_id, subject_id, legacy_sheet_id, channel FROM written_notices"
    ) == [(3, 3, None, None, "letter")]
    add = (
        "INSERT INTO written_notices ({columns}, due_on, created_at) VALUES ({values}, '2026-01-13', '{now}')"
    )
    now = "2026-01-09 05:00:00+00"
    await _execute(url, [(add.format(columns="subject_id", values="1", now=now), [{}])])
    assert await _rows(url, "SELECT id FROM written_notices WHERE subject_id = 1") == [(4,)]
    for columns, values in (("sheet_id, subject_id", "1, 1"), ("channel", "NULL")):
        with pytest.raises(IntegrityError):
            await _execute(url, [(add.format(columns=columns, values=values, now=now), [{}])])

    await asyncio.to_thread(downgrade, url, "0022")
    assert await _rows(url, "SELECT sheet_id, channel, reference FROM written_notices") == [
        (3, "letter", "KZ1")
    ]
    await asyncio.to_thread(upgrade, url)
    assert await _rows(url, "SELECT id, sheet_id FROM written_notices") == [(3, 3)]
