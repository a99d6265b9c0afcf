"""Clause 14: evaluation records are kept 3 years (a profile setting) from the evaluation's
end, then purged; what is younger stays. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile
from bot.retention.purge import purge_expired
from bot.retention.rules import retention_cutoffs
from bot.staff import people
from bot.staff.access import COMMAND_LINE
from storage.models import (
    AbsencePeriod,
    AnswerTally,
    AuditEntry,
    Campaign,
    CampaignSubject,
    CompetencySum,
    QuarterSheet,
    SheetScore,
    WorkPlan,
)
from storage.quarterly import AbsenceRepo, NewKpi, PlanRepo, QuarterRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.factories import staff_validation

TODAY = date(2029, 2, 1)
NOW = datetime(2029, 2, 1, 21, 30, tzinfo=UTC)


def test_cutoffs() -> None:
    cutoffs = retention_cutoffs(TODAY, 3)
    assert cutoffs.closed_before == date(2026, 2, 1)
    # 2025's plans ended on 10.01.2026, more than 3 years before 01.02.2029; 2026's did not.
    assert cutoffs.plan_years_before == 2026
    assert retention_cutoffs(date(2029, 1, 10), 3).plan_years_before == 2025  # not yet for 2025
    assert retention_cutoffs(date(2029, 1, 11), 3).plan_years_before == 2026


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _round(
    session: AsyncSession, profile: Profile, kind: str, year: int, closed: datetime | None
) -> int:
    repo = CampaignRepo(session)
    if kind == "360":
        campaign = await repo.create(
            kind="360", year=year, deadline=date(year + 1, 1, 10), profile_code="kz-2023", profile_version="1"
        )
    else:
        campaign = await QuarterRepo(session).create_round(
            year=year,
            quarter=4,
            deadline=date(year + 1, 1, 10),
            heads_notified_by=date(year + 1, 1, 5),
            employees_notified_by=date(year + 1, 1, 10),
            actuals_due_by=date(year + 1, 1, 3),
            profile_code="kz-2023",
            profile_version="1",
        )
    if closed is not None:
        await repo.set_status(campaign.id, "closed", closed)
    return campaign.id


async def test_what_is_past_keeping_goes_and_the_rest_stays(session: AsyncSession, profile: Profile) -> None:
    await people.import_staff(session, staff_validation(date(2025, 12, 1)), date(2025, 12, 1))
    staff = await EmployeeRepo(session).by_external_ids(["U1", "E1", "D1"])
    old_360 = await _round(session, profile, "360", 2024, datetime(2025, 1, 20, tzinfo=UTC))
    recent_360 = await _round(session, profile, "360", 2025, datetime(2026, 2, 2, tzinfo=UTC))
    old_quarter = await _round(session, profile, "quarter", 2025, datetime(2026, 1, 31, tzinfo=UTC))
    open_quarter = await _round(session, profile, "quarter", 2026, None)
    campaigns = CampaignRepo(session)
    for campaign_id in (old_360, recent_360):
        subject = await campaigns.add_subject(campaign_id, staff["E1"].id, "employees")
        session.add(AnswerTally(subject_id=subject, statement_no=1, score=4, count=3))
        session.add(
            CompetencySum(subject_id=subject, self_assessed=False, competency_no=1, points=12, answers=3)
        )
    plans = PlanRepo(session)
    kpis = [NewKpi(n, f"KPI {n}", "plan", "%", True, "result", {4: Decimal(10)}, {}) for n in (1, 2, 3)]
    plan_2025 = await plans.save(
        employee_pk=staff["U1"].id,
        year=2025,
        evaluator_id=staff["D1"].id,
        approver_id=None,
        kpis=kpis,
        status="approved",
        now=NOW,
    )
    plan_2026 = await plans.save(
        employee_pk=staff["U1"].id,
        year=2026,
        evaluator_id=staff["D1"].id,
        approver_id=None,
        kpis=kpis,
        status="approved",
        now=NOW,
    )
    quarters = QuarterRepo(session)
    for campaign_id, plan_id in ((old_quarter, plan_2025), (open_quarter, plan_2026)):
        sheet = await quarters.add_sheet(
            campaign_id=campaign_id,
            employee_pk=staff["U1"].id,
            method="kpi",
            evaluator_id=staff["D1"].id,
            plan_id=plan_id,
            excluded_reason=None,
            absence=None,
        )
        await quarters.save_score(sheet, 1, Decimal(5), allowed_min=Decimal(5), allowed_max=Decimal(5))
    absences = AbsenceRepo(session)
    await absences.add(staff["E1"].id, "leave", date(2025, 12, 1), date(2026, 1, 31))
    await absences.add(staff["E1"].id, "sick", date(2026, 2, 1), date(2026, 2, 5))
    await session.flush()

    dry = await purge_expired(session, profile, today=TODAY, now=NOW, actor=COMMAND_LINE, dry_run=True)
    assert (dry.rounds, dry.evaluated, dry.plans, dry.absences) == (2, 2, 1, 1)
    assert await _count(session, Campaign) == 4  # a dry run removes nothing

    purged = await purge_expired(session, profile, today=TODAY, now=NOW, actor=COMMAND_LINE)
    assert purged == dry
    assert set(await session.scalars(select(Campaign.id))) == {recent_360, open_quarter}
    assert await _count(session, CampaignSubject) == 1 and await _count(session, AnswerTally) == 1
    assert await _count(session, CompetencySum) == 1  # the purged round's sums went with it
    assert await _count(session, QuarterSheet) == 1 and await _count(session, SheetScore) == 1
    assert set(await session.scalars(select(WorkPlan.year))) == {2026}
    assert set(await session.scalars(select(AbsencePeriod.kind))) == {"sick"}
    audit = (await session.execute(select(AuditEntry.action, AuditEntry.details))).all()
    assert [action for action, _ in audit] == ["retention.purge"] and "Серікова" not in str(audit)

    again = await purge_expired(session, profile, today=TODAY, now=NOW, actor=COMMAND_LINE)
    assert (again.rounds, again.plans, again.absences) == (0, 0, 0)
