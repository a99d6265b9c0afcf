"""The quarterly evaluation's repositories (rounds, sheets and scores, work plans, absences)
and the tables' constraints behind them, on SQLite and PostgreSQL.

The department of tests/factories.py; Q4 2025 (deadline 10 January 2026) unless said otherwise.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.quarterly.rounds import year_result
from bot.quarterly.rules import quarter_schedule
from bot.staff import people
from storage.dto import CampaignDTO
from storage.models import Campaign, QuarterSheet, SheetScore
from storage.quarterly import (
    QUARTER,
    AbsenceRepo,
    KpiQuarterDTO,
    NewKpi,
    PlanRepo,
    QuarterRepo,
    ScoreDTO,
    ScoreRejected,
)
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.factories import staff_validation

D = Decimal
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive (they were stored in UTC), PostgreSQL aware."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


async def _staff(session: AsyncSession, today: date) -> dict[str, int]:
    summary = await people.import_staff(session, staff_validation(today), today)
    assert summary is not None and summary.new == 8
    found = await EmployeeRepo(session).by_external_ids(["D1", "U1", "U2", "E1", "E2", "E3", "E4", "E5"])
    return {external_id: employee.id for external_id, employee in found.items()}


async def _round(
    session: AsyncSession, profile: Profile, year: int = 2025, quarter: int = 4, *, running: bool = False
) -> CampaignDTO:
    assert profile.quarterly is not None
    schedule = quarter_schedule(year, quarter, profile.quarterly, KAZAKHSTAN)
    created = await QuarterRepo(session).create_round(
        year=year,
        quarter=quarter,
        deadline=schedule.deadline,
        heads_notified_by=schedule.heads_notified_by,
        employees_notified_by=schedule.employees_notified_by,
        actuals_due_by=schedule.actuals_due_by,
        profile_code=profile.code,
        profile_version=profile.version,
    )
    if running:
        await CampaignRepo(session).set_status(created.id, "running", NOW)
    return created


async def _sheet(
    session: AsyncSession,
    campaign_id: int,
    employee_pk: int,
    evaluator_pk: int | None,
    *,
    method: str = "differentiation",
    excluded_reason: str | None = None,
    absence: str | None = None,
) -> int:
    return await QuarterRepo(session).add_sheet(
        campaign_id=campaign_id,
        employee_pk=employee_pk,
        method=method,
        evaluator_id=evaluator_pk,
        plan_id=None,
        excluded_reason=excluded_reason,
        absence=absence,
    )


# -------------------------------------------------------------------------- rounds


async def test_create_round_stores_the_schedule(session: AsyncSession, profile: Profile) -> None:
    created = await _round(session, profile)
    assert created == CampaignDTO(
        id=created.id,
        kind=QUARTER,
        year=2025,
        deadline=date(2026, 1, 10),
        status="draft",
        profile_code="kz-2023",
        profile_version=profile.version,
        quarter=4,
        heads_notified_by=date(2026, 1, 5),
        employees_notified_by=date(2026, 1, 10),
        # Back from Sat 10 Jan 2026: Fri 9 (1), Thu 8 (2), Wed 7 Christmas, Tue 6 (3), Mon 5 (4),
        # weekend, Fri 2 and Thu 1 New Year, Wed 31 Dec 2025 (5).
        actuals_due_by=date(2025, 12, 31),
    )
    repo = QuarterRepo(session)
    assert await repo.find_round(2025, 4) == created
    assert await repo.find_round(2025, 3) is None
    assert await repo.find_round(2026, 4) is None

    q2 = await _round(session, profile, 2025, 2)
    q1_next = await _round(session, profile, 2026, 1)
    assert [(r.year, r.quarter) for r in await repo.rounds()] == [(2026, 1), (2025, 2), (2025, 4)]
    assert [r.id for r in await repo.rounds(2025)] == [q2.id, created.id]
    assert [r.id for r in await repo.rounds(2026)] == [q1_next.id]


async def test_a_quarterly_campaign_needs_its_quarter(session: AsyncSession, profile: Profile) -> None:
    with pytest.raises(IntegrityError, match="ck_campaigns_quarter"):
        async with session.begin_nested():
            await CampaignRepo(session).create(
                kind=QUARTER,
                year=2025,
                deadline=date(2026, 1, 10),
                profile_code=profile.code,
                profile_version=profile.version,
            )
    with pytest.raises(IntegrityError, match="ck_campaigns_quarter"):  # and a 360 round has none
        async with session.begin_nested():
            await session.execute(
                insert(Campaign).values(
                    kind="360",
                    year=2025,
                    quarter=4,
                    deadline=date(2026, 1, 10),
                    status="draft",
                    profile_code=profile.code,
                    profile_version=profile.version,
                )
            )
    # The session survived both refusals; a 360 round without a quarter is fine.
    ok = await CampaignRepo(session).create(
        kind="360", year=2025, deadline=date(2026, 1, 10), profile_code=profile.code, profile_version="1"
    )
    assert ok.kind == "360" and ok.quarter is None
    assert await session.scalar(select(func.count()).select_from(Campaign)) == 1


async def test_one_round_per_quarter(session: AsyncSession, profile: Profile) -> None:
    first = await _round(session, profile, 2025, 4)
    with pytest.raises(
        IntegrityError, match=r"uq_campaigns_quarter|UNIQUE constraint failed: campaigns\.kind"
    ):
        async with session.begin_nested():
            await _round(session, profile, 2025, 4)
    # Another quarter or another year is another round.
    others = [await _round(session, profile, 2025, 3), await _round(session, profile, 2026, 4)]
    assert len({first.id, *(o.id for o in others)}) == 3
    # The unique (kind, year, quarter) leaves 360 rounds (quarter NULL) alone.
    repo = CampaignRepo(session)
    for _ in range(2):
        await repo.create(
            kind="360", year=2025, deadline=date(2026, 1, 10), profile_code=profile.code, profile_version="1"
        )
    assert await session.scalar(select(func.count()).select_from(Campaign)) == 5


# -------------------------------------------------------------------------- sheets


async def test_add_sheet_and_read_it_back(session: AsyncSession, today: date, profile: Profile) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile)
    repo = QuarterRepo(session)
    e1 = await _sheet(session, campaign.id, staff["E1"], staff["U1"], absence="leave")
    e5 = await _sheet(session, campaign.id, staff["E5"], staff["U2"], excluded_reason="too_short_in_post")
    u1 = await _sheet(session, campaign.id, staff["U1"], staff["D1"], method="kpi")

    sheet = await repo.sheet(e1)
    assert sheet is not None
    assert (sheet.campaign, sheet.employee.employee_id, sheet.method, sheet.evaluator_id) == (
        campaign,
        "E1",
        "differentiation",
        staff["U1"],
    )
    assert (sheet.status, sheet.excluded_reason, sheet.absence, sheet.final_score) == (
        "open",
        None,
        "leave",
        None,
    )
    assert (sheet.cursor, sheet.awaiting, sheet.submitted_at, sheet.left_on) == (None, None, None, None)
    excluded = await repo.sheet(e5, for_update=True)
    assert excluded is not None
    assert (excluded.status, excluded.excluded_reason) == ("excluded", "too_short_in_post")
    assert await repo.sheet(max(e1, e5, u1) + 100) is None

    # Listed by unit, then name: the planning unit (Жоспарлау: Ахметов U1, Омарова E1) before
    # the legal one (Правовое: E5).
    listed = [s.employee.employee_id for s in await repo.sheets(campaign.id)]
    assert listed == ["U1", "E1", "E5"]

    # One sheet per person and round.
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await _sheet(session, campaign.id, staff["E1"], staff["U1"])


async def test_save_score_keeps_within_the_allowed_range(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile)
    repo = QuarterRepo(session)
    sheet_id = await _sheet(session, campaign.id, staff["U1"], staff["D1"], method="kpi")

    refused = [
        (D(6), D(1), D(5)),  # above the differentiation scale
        (D(0), D(1), D(5)),  # below it
        (D(5), D("4.75"), D("4.99")),  # a KPI at 95-99.99 %: 5 is not allowed
        (D("4.74"), D("4.75"), D("4.99")),
        (D("5.5"), D(0), D("5.5")),  # a range above 5
        (D("-0.5"), D(-1), D(5)),  # a range below 0
    ]
    for score, low, high in refused:
        with pytest.raises(ScoreRejected):
            await repo.save_score(sheet_id, 1, score, allowed_min=low, allowed_max=high)
    assert await repo.scores(sheet_id) == {}

    await repo.save_score(
        sheet_id, 1, D("4.80"), allowed_min=D("4.75"), allowed_max=D("4.99"), percent=D("96.5")
    )
    await repo.save_score(sheet_id, 2, D(5), allowed_min=D(5), allowed_max=D(5), percent=D("100"))
    await repo.save_score(sheet_id, 3, D(0), allowed_min=D(0), allowed_max=D("0.24"))
    assert await repo.scores(sheet_id) == {
        1: ScoreDTO(1, D("4.80"), D("4.75"), D("4.99"), D("96.50"), None),
        2: ScoreDTO(2, D("5.00"), D("5.00"), D("5.00"), D("100.00"), None),
        3: ScoreDTO(3, D("0.00"), D("0.00"), D("0.24"), None, None),
    }

    # Saving an item again replaces its score and range; a refused one leaves it as it was.
    await repo.save_score(sheet_id, 1, D("4.50"), allowed_min=D("4.5"), allowed_max=D("4.74"), percent=D(90))
    with pytest.raises(ScoreRejected):
        await repo.save_score(sheet_id, 1, D("4.75"), allowed_min=D("4.5"), allowed_max=D("4.74"))
    await repo.save_comment(sheet_id, 1, "Бір іс-шара кейінге қалдырылды")
    scores = await repo.scores(sheet_id)
    assert scores[1] == ScoreDTO(
        1, D("4.50"), D("4.50"), D("4.74"), D("90.00"), "Бір іс-шара кейінге қалдырылды"
    )
    assert len(scores) == 3


@pytest.mark.parametrize(
    ("score", "low", "high"),
    [
        ("5", "4.75", "4.99"),  # above the range stored with it
        ("4.74", "4.75", "4.99"),  # below it
        ("5.5", "0", "5.5"),  # a range reaching above 5
        ("6", "1", "6"),
        ("-0.5", "-1", "5"),  # a range reaching below 0
    ],
)
async def test_the_database_refuses_a_score_outside_its_range(
    session: AsyncSession, today: date, profile: Profile, score: str, low: str, high: str
) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile)
    repo = QuarterRepo(session)
    sheet_id = await _sheet(session, campaign.id, staff["U1"], staff["D1"], method="kpi")
    await repo.save_score(sheet_id, 1, D("4.80"), allowed_min=D("4.75"), allowed_max=D("4.99"))

    # A raw INSERT, bypassing the repository.
    with pytest.raises(IntegrityError, match="ck_sheet_scores_allowed"):
        async with session.begin_nested():
            await session.execute(
                insert(SheetScore).values(
                    sheet_id=sheet_id, item_no=2, score=D(score), allowed_min=D(low), allowed_max=D(high)
                )
            )
    # A raw UPDATE of the stored row.
    with pytest.raises(IntegrityError, match="ck_sheet_scores_allowed"):
        async with session.begin_nested():
            await session.execute(
                update(SheetScore)
                .where(SheetScore.sheet_id == sheet_id, SheetScore.item_no == 1)
                .values(score=D(score), allowed_min=D(low), allowed_max=D(high))
            )
    # The session survived; the stored score is untouched and nothing else was added.
    assert await repo.scores(sheet_id) == {1: ScoreDTO(1, D("4.80"), D("4.75"), D("4.99"), None, None)}


async def test_the_database_refuses_a_score_moved_out_of_its_range(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile)
    repo = QuarterRepo(session)
    sheet_id = await _sheet(session, campaign.id, staff["E1"], staff["U1"])
    await repo.save_score(sheet_id, 1, D(4), allowed_min=D(1), allowed_max=D(5))
    # Narrowing the range under the stored score, or the score alone past it.
    for values in ({"allowed_max": D(3)}, {"allowed_min": D("4.5")}, {"score": D("5.01")}):
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await session.execute(
                    update(SheetScore).where(SheetScore.sheet_id == sheet_id).values(**values)
                )
    # Within the range, a raw write is accepted.
    async with session.begin_nested():
        await session.execute(update(SheetScore).where(SheetScore.sheet_id == sheet_id).values(score=D(2)))
    assert (await repo.scores(sheet_id))[1].score == D(2)


async def test_final_score_is_checked_too(session: AsyncSession, today: date, profile: Profile) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile)
    sheet_id = await _sheet(session, campaign.id, staff["E1"], staff["U1"])
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(
                update(QuarterSheet).where(QuarterSheet.id == sheet_id).values(final_score=D("5.01"))
            )
    # An excluded sheet needs its reason, and a reason means excluded.
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(
                update(QuarterSheet).where(QuarterSheet.id == sheet_id).values(status="excluded")
            )
    sheet = await QuarterRepo(session).sheet(sheet_id)
    assert sheet is not None and (sheet.status, sheet.final_score) == ("open", None)


async def test_submit_once_and_acknowledge_once(session: AsyncSession, today: date, profile: Profile) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile, running=True)
    repo = QuarterRepo(session)
    sheet_id = await _sheet(session, campaign.id, staff["E1"], staff["U1"])
    excluded_id = await _sheet(
        session, campaign.id, staff["E5"], staff["U2"], excluded_reason="too_short_in_post"
    )
    await repo.set_screen(sheet_id, cursor=0, awaiting="justification", message_id=77)

    # Nothing to acknowledge before the sheet is submitted.
    assert await repo.acknowledge(sheet_id, staff["E1"], NOW) is False

    assert await repo.submit(sheet_id, D("3.75"), NOW) is True
    assert await repo.submit(sheet_id, D("4.00"), NOW + timedelta(hours=1)) is False  # not twice
    assert await repo.submit(excluded_id, D("4.00"), NOW) is False  # an excluded sheet: never
    sheet = await repo.sheet(sheet_id)
    assert sheet is not None
    assert (sheet.status, sheet.final_score, _utc(sheet.submitted_at)) == ("submitted", D("3.75"), NOW)
    assert (sheet.awaiting, sheet.cursor, sheet.message_id) == (None, None, 77)  # the screen is done
    assert sheet.acknowledged_at is None

    # Only the evaluated person acknowledges: not their evaluator, not someone else.
    later = NOW + timedelta(days=1)
    assert await repo.acknowledge(sheet_id, staff["U1"], later) is False
    assert await repo.acknowledge(sheet_id, staff["E2"], later) is False
    assert await repo.acknowledge(sheet_id, staff["E1"], later) is True
    assert await repo.acknowledge(sheet_id, staff["E1"], later + timedelta(days=1)) is False  # once
    sheet = await repo.sheet(sheet_id)
    assert sheet is not None and _utc(sheet.acknowledged_at) == later
    excluded = await repo.sheet(excluded_id)
    assert excluded is not None and (excluded.status, excluded.final_score) == ("excluded", None)
    assert await repo.acknowledge(excluded_id, staff["E5"], later) is False


async def test_one_typed_answer_is_awaited_at_a_time(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile, running=True)
    repo = QuarterRepo(session)
    e1 = await _sheet(session, campaign.id, staff["E1"], staff["U1"])
    e2 = await _sheet(session, campaign.id, staff["E2"], staff["U1"])
    e4 = await _sheet(session, campaign.id, staff["E4"], staff["U2"])  # another evaluator's
    assert await repo.awaiting_text(staff["U1"]) is None

    await repo.set_screen(e4, cursor=1, awaiting="score", message_id=40)
    await repo.set_screen(e1, cursor=2, awaiting="comment", message_id=10)
    found = await repo.awaiting_text(staff["U1"])
    assert found is not None and (found.id, found.awaiting, found.cursor) == (e1, "comment", 2)

    # A new screen asking for text on E2's sheet: E1's sheet no longer awaits anything.
    await repo.set_screen(e2, cursor=1, awaiting="score", message_id=11)
    sheets = {s.id: s for s in await repo.sheets(campaign.id)}
    assert (sheets[e1].awaiting, sheets[e1].cursor, sheets[e1].message_id) == (None, 2, 10)
    assert (sheets[e2].awaiting, sheets[e2].cursor, sheets[e2].message_id) == ("score", 1, 11)
    assert sheets[e4].awaiting == "score"  # the other evaluator's screen is theirs
    found = await repo.awaiting_text(staff["U1"])
    assert found is not None and found.id == e2
    other = await repo.awaiting_text(staff["U2"])
    assert other is not None and other.id == e4

    # A screen asking for nothing (buttons only) clears its own sheet and leaves the others.
    await repo.set_screen(e1, cursor=3, awaiting=None, message_id=12)
    found = await repo.awaiting_text(staff["U1"])
    assert found is not None and found.id == e2
    await repo.set_screen(e2, cursor=4, awaiting=None, message_id=13)
    assert await repo.awaiting_text(staff["U1"]) is None
    assert [s.id for s in await repo.open_sheets_of(staff["U1"])] == [e2, e1]  # Smith before Омарова

    # Only running rounds await text: a closed one is forgotten.
    await repo.set_screen(e1, cursor=3, awaiting="comment", message_id=14)
    await repo.close(campaign.id, NOW)
    assert await repo.awaiting_text(staff["U1"]) is None
    assert await repo.open_sheets_of(staff["U1"]) == []
    closed = await repo.find_round(2025, 4)
    assert closed is not None and closed.status == "closed"


async def test_submitted_of_a_year_by_quarter(session: AsyncSession, today: date, profile: Profile) -> None:
    staff = await _staff(session, today)
    repo = QuarterRepo(session)
    # Created out of order on purpose: the answer follows the quarter, not the id.
    rounds = {q: await _round(session, profile, 2025, q) for q in (3, 1, 2, 4)}
    next_year = await _round(session, profile, 2026, 1)
    scores = {1: D("4.25"), 2: D("3.50"), 3: D("4.00")}
    for quarter, campaign in rounds.items():
        sheet_id = await _sheet(session, campaign.id, staff["E1"], staff["U1"])
        if quarter in scores:  # Q4 stays open
            assert await repo.submit(sheet_id, scores[quarter], NOW)
        colleague = await _sheet(session, campaign.id, staff["E2"], staff["U1"])
        assert await repo.submit(colleague, D("1.00"), NOW)
    next_sheet = await _sheet(session, next_year.id, staff["E1"], staff["U1"])
    assert await repo.submit(next_sheet, D("2.00"), NOW)

    found = await repo.submitted_of(staff["E1"], 2025)
    assert [(s.campaign.quarter, s.final_score, s.employee.employee_id) for s in found] == [
        (1, D("4.25"), "E1"),
        (2, D("3.50"), "E1"),
        (3, D("4.00"), "E1"),
    ]
    assert [s.final_score for s in await repo.submitted_of(staff["E1"], 2026)] == [D("2.00")]
    assert await repo.submitted_of(staff["E1"], 2024) == []
    assert len(await repo.submitted_of(staff["E2"], 2025)) == 4

    # The year's result: the mean of the submitted quarters, (4,25 + 3,50 + 4,00) / 3 = 3,916… → 3,92.
    result = await year_result(session, profile, staff["E1"], 2025)
    assert (result.quarters, result.score) == ({1: D("4.25"), 2: D("3.50"), 3: D("4.00")}, D("3.92"))
    assert result.band is not None and result.band.code == "proper"
    assert (await year_result(session, profile, staff["E1"], 2024)).score is None


# --------------------------------------------------------------------- work plans


def _kpis() -> list[NewKpi]:
    return [
        NewKpi(
            1,
            "Жобалар саны",
            "Стратегиялық жоспар 1.1",
            "дана",
            True,
            "Жобалар іске асты",
            {1: D(10), 2: D(12)},
            {1: date(2026, 3, 31), 2: date(2026, 6, 30)},
        ),
        NewKpi(2, "Шарттар", "Стратегиялық жоспар 1.2", "%", True, "Шарттар орындалды", {1: D(100)}, {}),
        NewKpi(3, "Өтінім мерзімі", "Келісім 3", "күн", False, "Мерзім қысқарды", {1: D("7.5"), 2: D(7)}, {}),
    ]


async def test_plan_is_saved_with_its_kpis_and_quarters(session: AsyncSession, today: date) -> None:
    staff = await _staff(session, today)
    plans = PlanRepo(session)
    plan_id = await plans.save(
        employee_pk=staff["U1"],
        year=2026,
        evaluator_id=staff["D1"],
        approver_id=staff["D1"],
        kpis=_kpis(),
        status="submitted",
        now=NOW,
    )
    plan = await plans.plan(staff["U1"], 2026)
    assert plan is not None and plan == await plans.get(plan_id, for_update=True)
    assert (plan.id, plan.employee_id, plan.year, plan.status) == (plan_id, staff["U1"], 2026, "submitted")
    assert (plan.evaluator_id, plan.approver_id, plan.return_comment) == (staff["D1"], staff["D1"], None)
    assert [(k.no, k.name, k.unit, k.higher_is_better) for k in plan.kpis] == [
        (1, "Жобалар саны", "дана", True),
        (2, "Шарттар", "%", True),
        (3, "Өтінім мерзімі", "күн", False),
    ]
    assert (plan.kpis[0].source, plan.kpis[0].key_result) == ("Стратегиялық жоспар 1.1", "Жобалар іске асты")
    assert plan.kpis[0].quarters == {
        1: KpiQuarterDTO(1, D(10), date(2026, 3, 31), None),
        2: KpiQuarterDTO(2, D(12), date(2026, 6, 30), None),
    }
    assert plan.kpis[1].quarters == {1: KpiQuarterDTO(1, D(100), None, None)}
    assert plan.kpis[2].quarters[1].planned == D("7.5")
    assert await plans.plan(staff["U1"], 2025) is None
    assert await plans.plan(staff["U2"], 2026) is None
    assert await plans.get(plan_id + 1) is None
    assert [p.id for p in await plans.awaiting_approval_by(staff["D1"])] == [plan_id]
    assert await plans.awaiting_approval_by(staff["U1"]) == []


async def test_set_actual(session: AsyncSession, today: date) -> None:
    staff = await _staff(session, today)
    plans = PlanRepo(session)
    await plans.save(
        employee_pk=staff["U1"],
        year=2026,
        evaluator_id=staff["D1"],
        approver_id=None,
        kpis=_kpis(),
        status="approved",
        now=NOW,
    )
    assert await plans.set_actual(staff["U1"], 2026, 1, 1, D(8), NOW) is True
    assert await plans.set_actual(staff["U1"], 2026, 3, 2, D("6.25"), NOW) is True
    assert await plans.set_actual(staff["U1"], 2026, 1, 1, D(9), NOW) is True  # corrected
    assert await plans.set_actual(staff["U1"], 2026, 2, 1, D(0), NOW) is True  # nothing achieved
    assert await plans.set_actual(staff["U1"], 2026, 4, 1, D(8), NOW) is False  # no KPI 4
    assert await plans.set_actual(staff["U1"], 2026, 2, 2, D(8), NOW) is False  # KPI 2 has no Q2 plan
    assert await plans.set_actual(staff["U1"], 2026, 1, 3, D(8), NOW) is False  # nor KPI 1 a Q3 one
    assert await plans.set_actual(staff["U1"], 2025, 1, 1, D(8), NOW) is False  # no plan that year
    assert await plans.set_actual(staff["U2"], 2026, 1, 1, D(8), NOW) is False  # nor for U2
    plan = await plans.plan(staff["U1"], 2026)
    assert plan is not None
    actual = {(k.no, q.quarter): q.actual for k in plan.kpis for q in k.quarters.values()}
    assert actual == {(1, 1): D(9), (1, 2): None, (2, 1): D(0), (3, 1): None, (3, 2): D("6.25")}


async def test_saving_again_keeps_the_actual_values_of_kept_kpis(session: AsyncSession, today: date) -> None:
    staff = await _staff(session, today)
    plans = PlanRepo(session)
    plan_id = await plans.save(
        employee_pk=staff["U1"],
        year=2026,
        evaluator_id=staff["D1"],
        approver_id=None,
        kpis=_kpis(),
        status="approved",
        now=NOW,
    )
    for kpi_no, quarter, value in ((1, 1, D(9)), (2, 1, D(80)), (3, 1, D(6)), (3, 2, D(5))):
        assert await plans.set_actual(staff["U1"], 2026, kpi_no, quarter, value, NOW)
    before = await plans.plan(staff["U1"], 2026)
    assert before is not None

    # KPI 1 renamed with a new Q2 plan, KPI 2 dropped, KPI 3 without its Q2, a new KPI 4.
    kpis = _kpis()
    changed = [
        NewKpi(1, "Іске асқан жобалар", kpis[0].source, "дана", True, "Жобалар", {1: D(10), 2: D(15)}, {}),
        NewKpi(3, kpis[2].name, kpis[2].source, "күн", False, kpis[2].key_result, {1: D("7.5")}, {}),
        NewKpi(4, "Жаңа", "Бұйрық 5", "дана", True, "Жаңа нәтиже", {1: D(3), 2: D(3)}, {}),
    ]
    later = NOW + timedelta(days=30)
    again = await plans.save(
        employee_pk=staff["U1"],
        year=2026,
        evaluator_id=staff["D1"],
        approver_id=staff["U2"],
        kpis=changed,
        status="submitted",
        now=later,
    )
    assert again == plan_id  # the same plan, its KPIs replaced
    plan = await plans.plan(staff["U1"], 2026)
    assert plan is not None
    assert (plan.status, plan.approver_id) == ("submitted", staff["U2"])
    assert [(k.no, k.name) for k in plan.kpis] == [
        (1, "Іске асқан жобалар"),
        (3, "Өтінім мерзімі"),
        (4, "Жаңа"),
    ]
    actual = {(k.no, q.quarter): (q.planned, q.actual) for k in plan.kpis for q in k.quarters.values()}
    assert actual == {
        (1, 1): (D(10), D(9)),  # kept
        (1, 2): (D(15), None),
        (3, 1): (D("7.5"), D(6)),  # kept
        (4, 1): (D(3), None),
        (4, 2): (D(3), None),
    }
    # The dropped KPI and quarter are gone: setting them is refused.
    assert await plans.set_actual(staff["U1"], 2026, 2, 1, D(1), later) is False
    assert await plans.set_actual(staff["U1"], 2026, 3, 2, D(1), later) is False


async def test_decide_only_a_submitted_plan(session: AsyncSession, today: date) -> None:
    staff = await _staff(session, today)
    plans = PlanRepo(session)

    async def save(status: str) -> int:
        return await plans.save(
            employee_pk=staff["U1"],
            year=2026,
            evaluator_id=staff["D1"],
            approver_id=staff["D1"],
            kpis=_kpis(),
            status=status,
            now=NOW,
        )

    plan_id = await save("submitted")
    assert await plans.decide(plan_id, approved=False, comment="KPI 2: дереккөз жоқ", now=NOW) is True
    plan = await plans.get(plan_id)
    assert plan is not None and (plan.status, plan.return_comment) == ("returned", "KPI 2: дереккөз жоқ")
    assert await plans.awaiting_approval_by(staff["D1"]) == []
    # A returned plan is not decided again until it is submitted again.
    assert await plans.decide(plan_id, approved=True, comment=None, now=NOW) is False
    assert await plans.decide(plan_id, approved=False, comment="again", now=NOW) is False
    plan = await plans.get(plan_id)
    assert plan is not None and (plan.status, plan.return_comment) == ("returned", "KPI 2: дереккөз жоқ")

    assert await save("submitted") == plan_id
    plan = await plans.get(plan_id)
    assert plan is not None and (plan.status, plan.return_comment) == ("submitted", None)
    assert await plans.decide(plan_id, approved=True, comment=None, now=NOW) is True
    plan = await plans.get(plan_id)
    assert plan is not None and (plan.status, plan.return_comment) == ("approved", None)
    # An approved plan is not decided again.
    assert await plans.decide(plan_id, approved=False, comment="late", now=NOW) is False
    assert await plans.decide(plan_id, approved=True, comment=None, now=NOW) is False
    plan = await plans.get(plan_id)
    assert plan is not None and plan.status == "approved"
    # Nor is a plan saved as approved straight away (nobody above the evaluated person).
    other = await plans.save(
        employee_pk=staff["U2"],
        year=2026,
        evaluator_id=staff["D1"],
        approver_id=None,
        kpis=_kpis(),
        status="approved",
        now=NOW,
    )
    assert await plans.decide(other, approved=False, comment="x", now=NOW) is False
    assert await plans.decide(other + 100, approved=True, comment=None, now=NOW) is False


async def test_plan_history_keeps_reasons_and_kpis(session: AsyncSession, today: date) -> None:
    staff = await _staff(session, today)
    plans = PlanRepo(session)
    kpis = _kpis()
    plan_id = await plans.save(
        employee_pk=staff["U1"],
        year=2026,
        evaluator_id=staff["D1"],
        approver_id=None,
        kpis=kpis,
        status="approved",
        now=NOW,
    )
    later = NOW + timedelta(days=40)
    # Recorded out of order: the history follows the time.
    await plans.record_change(
        plan_id, at=NOW, actor_telegram_id=1001, action="drafted", reason=None, after=kpis
    )
    before = await plans.plan(staff["U1"], 2026)
    assert before is not None
    changed = [kpis[0], kpis[2]]
    await plans.record_change(
        plan_id,
        at=later,
        actor_telegram_id=None,
        action="changed",
        reason="Штат қысқарды",
        before=before.kpis,
        after=changed,
    )
    await plans.record_change(
        plan_id, at=NOW + timedelta(days=1), actor_telegram_id=1001, action="approved", reason=None
    )

    history = await plans.history(plan_id)
    assert [(h.action, h.reason, h.actor_telegram_id) for h in history] == [
        ("drafted", None, 1001),
        ("approved", None, 1001),
        ("changed", "Штат қысқарды", None),
    ]
    assert [_utc(h.at) for h in history] == [NOW, NOW + timedelta(days=1), later]
    drafted, approved, change = history
    assert drafted.kpis_before is None and approved.kpis_before is approved.kpis_after is None

    planned_first = {"1": "10", "2": "12"}
    assert drafted.kpis_after is not None
    assert json.loads(drafted.kpis_after) == [
        {"no": 1, "name": "Жобалар саны", "unit": "дана", "planned": planned_first},
        {"no": 2, "name": "Шарттар", "unit": "%", "planned": {"1": "100"}},
        {"no": 3, "name": "Өтінім мерзімі", "unit": "күн", "planned": {"1": "7.5", "2": "7"}},
    ]
    assert "Жобалар саны" in drafted.kpis_after  # readable, not \u-escaped
    # Before: what the database held (planned values as stored, whatever their scale).
    assert change.kpis_before is not None and change.kpis_after is not None
    stored = json.loads(change.kpis_before)
    assert [(k["no"], k["name"], k["unit"]) for k in stored] == [
        (1, "Жобалар саны", "дана"),
        (2, "Шарттар", "%"),
        (3, "Өтінім мерзімі", "күн"),
    ]
    assert [{q: D(v) for q, v in k["planned"].items()} for k in stored] == [
        {"1": D(10), "2": D(12)},
        {"1": D(100)},
        {"1": D("7.5"), "2": D(7)},
    ]
    assert [k["no"] for k in json.loads(change.kpis_after)] == [1, 3]
    assert await plans.history(plan_id + 1) == []


# ------------------------------------------------------------------------ absences


async def test_absences(session: AsyncSession, today: date) -> None:
    staff = await _staff(session, today)
    absences = AbsenceRepo(session)
    assert await absences.add(staff["E1"], "leave", date(2025, 12, 20), date(2025, 12, 31)) is True
    # The same absence again (person, kind, first day): not new; its last day moves.
    assert await absences.add(staff["E1"], "leave", date(2025, 12, 20), date(2026, 1, 5)) is False
    assert await absences.add(staff["E1"], "sick", date(2025, 12, 1), date(2025, 12, 3)) is True
    # Same person and first day, another kind: another absence.
    assert await absences.add(staff["E1"], "trip", date(2025, 12, 20), date(2025, 12, 22)) is True
    assert await absences.add(staff["E4"], "training", date(2026, 1, 5), date(2026, 1, 9)) is True

    found = await absences.of([staff["E1"], staff["E4"], staff["E2"]])
    assert set(found) == {staff["E1"], staff["E4"]}
    assert found[staff["E1"]][0] == ("sick", date(2025, 12, 1), date(2025, 12, 3))  # by first day
    assert sorted(found[staff["E1"]][1:]) == [
        ("leave", date(2025, 12, 20), date(2026, 1, 5)),
        ("trip", date(2025, 12, 20), date(2025, 12, 22)),
    ]
    assert found[staff["E4"]] == [("training", date(2026, 1, 5), date(2026, 1, 9))]
    assert dict(await absences.of([staff["E4"]])) == {staff["E4"]: found[staff["E4"]]}
    assert dict(await absences.of([])) == {}

    # The table knows four kinds (a dismissal comes from the staff list) and forward periods.
    for kind, starts_on, ends_on in (
        ("dismissed", date(2026, 1, 1), date(2026, 1, 1)),
        ("leave", date(2026, 2, 10), date(2026, 2, 9)),
    ):
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                await absences.add(staff["E2"], kind, starts_on, ends_on)
    assert set(await absences.of([staff["E2"]])) == set()
