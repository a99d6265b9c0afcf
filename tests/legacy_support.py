"""What the 2018 method's tests share: a plan of 5 KPIs, and a sheet taken through its plan, KPI
sheet and competency sheet by the services (as the managers' screens would), ready for the
commission."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018 import sheets as legacy_sheets
from bot.staff.access import COMMAND_LINE
from storage.dto import EmployeeDTO
from storage.legacy2018 import LegacyKpiRow, LegacyRepo


def plan(count: int = 5) -> list[LegacyKpiRow]:
    return [
        LegacyKpiRow(no, f"Indicator {no}", "the district's plan", "%", "100", "31.12.2025", f"result {no}")
        for no in range(1, count + 1)
    ]


async def ready_for_commission(
    session: AsyncSession,
    sheet_id: int,
    evaluator: EmployeeDTO,
    approver: EmployeeDTO,
    *,
    met: int,
    today: date,
    now: datetime,
) -> None:
    """The plan submitted and approved, the KPI sheet with the first ``met`` KPIs met submitted
    and agreed, the competency sheet submitted (nothing marked)."""
    assert await legacy_sheets.submit_plan(session, sheet_id, evaluator, plan()) is None
    assert (
        await legacy_sheets.decide_plan(
            session, sheet_id, approver, approve=True, comment=None, today=today, calendar=KAZAKHSTAN
        )
        is None
    )
    for no in range(1, 6):
        recorded = await legacy_sheets.record_kpi(
            session, sheet_id, evaluator, no, actual="100", met=no <= met, facts=f"act {no}"
        )
        assert recorded is None
    assert await legacy_sheets.submit_kpi_sheet(session, sheet_id, evaluator, now) is None
    assert (
        await legacy_sheets.decide_kpi_sheet(
            session, sheet_id, approver, agree=True, comment=None, today=today, now=now, calendar=KAZAKHSTAN
        )
        is None
    )
    assert not isinstance(
        await legacy_sheets.submit_competencies(session, sheet_id, evaluator, now), legacy.Refusal
    )


AUTHORISED_NAME = "Бекқожаев Ерлан"  # the authorised person of the tests' approvals on paper


async def approve_latest(
    session: AsyncSession, campaign_id: int, *, on: date, now: datetime
) -> legacy_commission.PendingApproval:
    """The authorised person's approval of the latest closed sitting's results (004 clause 39),
    as the command line records one given on paper: the results then go to the people."""
    commission = await LegacyRepo(session).commission(campaign_id)
    assert commission is not None and commission.latest is not None
    approved = await legacy_commission.approve_results(
        session,
        commission.latest.id,
        legacy_commission.Approver(AUTHORISED_NAME),
        actor=COMMAND_LINE,
        on=on,
        at=now,
        now=now,
        calendar=KAZAKHSTAN,
    )
    assert isinstance(approved, legacy_commission.PendingApproval), approved
    return approved
