"""Quarterly rounds, their evaluation sheets and scores, work plans, actual values, absences."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Row, Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import CampaignDTO, EmployeeDTO
from storage.models import (
    AbsencePeriod,
    Campaign,
    Employee,
    KpiQuarter,
    PlanChange,
    PlanKpi,
    QuarterSheet,
    SheetScore,
    WorkPlan,
)
from storage.staff.employees import to_dto as employee_dto
from storage.survey360.campaigns import campaign_dto
from storage.upsert import insert_for

QUARTER = "quarter"  # Campaign.kind of a quarterly round


@dataclass(frozen=True, slots=True)
class SheetDTO:
    id: int
    campaign: CampaignDTO
    employee: EmployeeDTO  # the evaluated person
    method: str
    evaluator_id: int | None
    plan_id: int | None
    status: str
    excluded_reason: str | None
    absence: str | None
    kpi_due_on: date | None  # an absent head's KPIs: by this day, after the return (002 clause 5)
    cursor: int | None
    awaiting: str | None
    message_id: int | None
    justification: str | None
    final_score: Decimal | None
    submitted_at: datetime | None
    acknowledged_at: datetime | None
    left_on: date | None


@dataclass(frozen=True, slots=True)
class ScoreDTO:
    item_no: int
    score: Decimal
    allowed_min: Decimal
    allowed_max: Decimal
    percent: Decimal | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class KpiQuarterDTO:
    quarter: int
    planned: Decimal
    due_on: date | None
    actual: Decimal | None


@dataclass(frozen=True, slots=True)
class KpiDTO:
    id: int
    no: int
    name: str
    source: str
    unit: str
    higher_is_better: bool
    key_result: str
    quarters: dict[int, KpiQuarterDTO]


@dataclass(frozen=True, slots=True)
class PlanDTO:
    id: int
    employee_id: int
    year: int
    status: str
    evaluator_id: int | None
    approver_id: int | None
    return_comment: str | None
    kpis: tuple[KpiDTO, ...]


@dataclass(frozen=True, slots=True)
class PlanChangeDTO:
    at: datetime
    actor_telegram_id: int | None
    action: str
    reason: str | None
    kpis_before: str | None
    kpis_after: str | None


@dataclass(frozen=True, slots=True)
class NewKpi:
    no: int
    name: str
    source: str
    unit: str
    higher_is_better: bool
    key_result: str
    planned: dict[int, Decimal]
    due: dict[int, date]


class ScoreRejected(ValueError):
    """A score outside the range stored with it: the database would refuse it too."""


def _sheet_dto(row: Row[QuarterSheet, Campaign, Employee]) -> SheetDTO:
    sheet, campaign, employee = row
    return SheetDTO(
        id=sheet.id,
        campaign=campaign_dto(campaign),
        employee=employee_dto(employee),
        method=sheet.method,
        evaluator_id=sheet.evaluator_id,
        plan_id=sheet.plan_id,
        status=sheet.status,
        excluded_reason=sheet.excluded_reason,
        absence=sheet.absence,
        kpi_due_on=sheet.kpi_due_on,
        cursor=sheet.cursor,
        awaiting=sheet.awaiting,
        message_id=sheet.message_id,
        justification=sheet.justification,
        final_score=sheet.final_score,
        submitted_at=sheet.submitted_at,
        acknowledged_at=sheet.acknowledged_at,
        left_on=employee.left_on,
    )


def _sheet_query() -> Select[QuarterSheet, Campaign, Employee]:
    return (
        select(QuarterSheet, Campaign, Employee)
        .join(Campaign, Campaign.id == QuarterSheet.campaign_id)
        .join(Employee, Employee.id == QuarterSheet.employee_id)
    )


class QuarterRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ---------------------------------------------------------------------- rounds

    async def find_round(self, year: int, quarter: int) -> CampaignDTO | None:
        row = await self.session.scalar(
            select(Campaign).where(
                Campaign.kind == QUARTER, Campaign.year == year, Campaign.quarter == quarter
            )
        )
        return campaign_dto(row) if row else None

    async def create_round(
        self,
        *,
        year: int,
        quarter: int,
        deadline: date,
        heads_notified_by: date,
        employees_notified_by: date,
        actuals_due_by: date,
        profile_code: str,
        profile_version: str,
    ) -> CampaignDTO:
        row = Campaign(
            kind=QUARTER,
            year=year,
            quarter=quarter,
            deadline=deadline,
            heads_notified_by=heads_notified_by,
            employees_notified_by=employees_notified_by,
            actuals_due_by=actuals_due_by,
            status="draft",
            profile_code=profile_code,
            profile_version=profile_version,
        )
        self.session.add(row)
        await self.session.flush()
        return campaign_dto(row)

    async def rounds(self, year: int | None = None) -> list[CampaignDTO]:
        query = select(Campaign).where(Campaign.kind == QUARTER)
        if year is not None:
            query = query.where(Campaign.year == year)
        rows = await self.session.scalars(query.order_by(Campaign.year.desc(), Campaign.quarter))
        return [campaign_dto(row) for row in rows]

    # ---------------------------------------------------------------------- sheets

    async def add_sheet(
        self,
        *,
        campaign_id: int,
        employee_pk: int,
        method: str,
        evaluator_id: int | None,
        plan_id: int | None,
        excluded_reason: str | None,
        absence: str | None,
        kpi_due_on: date | None = None,
    ) -> int:
        row = QuarterSheet(
            campaign_id=campaign_id,
            employee_id=employee_pk,
            method=method,
            evaluator_id=evaluator_id,
            plan_id=plan_id,
            status="excluded" if excluded_reason else "open",
            excluded_reason=excluded_reason,
            absence=absence,
            kpi_due_on=kpi_due_on,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def sheet(self, sheet_id: int, *, for_update: bool = False) -> SheetDTO | None:
        query = _sheet_query().where(QuarterSheet.id == sheet_id)
        if for_update and self.session.get_bind().dialect.name == "postgresql":
            # Two taps on one sheet are handled one after the other (SQLite: BEGIN IMMEDIATE).
            query = query.with_for_update(of=QuarterSheet)
        row = (await self.session.execute(query)).first()
        return _sheet_dto(row) if row else None

    async def sheets(self, campaign_id: int) -> list[SheetDTO]:
        query = (
            _sheet_query()
            .where(QuarterSheet.campaign_id == campaign_id)
            .order_by(Employee.unit, Employee.full_name)
        )
        return [_sheet_dto(row) for row in (await self.session.execute(query)).all()]

    async def open_sheets_of(self, evaluator_pk: int) -> list[SheetDTO]:
        """The evaluator's unsubmitted sheets in running rounds, oldest round first."""
        query = (
            _sheet_query()
            .where(
                QuarterSheet.evaluator_id == evaluator_pk,
                QuarterSheet.status == "open",
                Campaign.status == "running",
            )
            .order_by(Campaign.year, Campaign.quarter, Employee.full_name)
        )
        return [_sheet_dto(row) for row in (await self.session.execute(query)).all()]

    async def open_kpi_sheets(self, employee_pks: Iterable[int]) -> list[SheetDTO]:
        """These people's KPI sheets still open in running rounds."""
        query = _sheet_query().where(
            QuarterSheet.employee_id.in_(list(employee_pks)),
            QuarterSheet.status == "open",
            QuarterSheet.method == "kpi",
            Campaign.status == "running",
        )
        return [
            _sheet_dto(row) for row in (await self.session.execute(query.order_by(QuarterSheet.id))).all()
        ]

    async def set_kpi_due(self, sheet_id: int, *, absence: str, kpi_due_on: date) -> None:
        await self.session.execute(
            update(QuarterSheet)
            .where(QuarterSheet.id == sheet_id)
            .values(absence=absence, kpi_due_on=kpi_due_on)
        )

    async def awaiting_text(self, evaluator_pk: int) -> SheetDTO | None:
        """The sheet whose screen asks the evaluator to type something, if any."""
        query = _sheet_query().where(
            QuarterSheet.evaluator_id == evaluator_pk,
            QuarterSheet.status == "open",
            QuarterSheet.awaiting.is_not(None),
            Campaign.status == "running",
        )
        row = (await self.session.execute(query.limit(1))).first()
        return _sheet_dto(row) if row else None

    async def stop_awaiting(self, evaluator_pk: int) -> None:
        """The evaluator left the sheets (e.g. for /start): typed text is no longer an answer."""
        await self.session.execute(
            update(QuarterSheet)
            .where(QuarterSheet.evaluator_id == evaluator_pk, QuarterSheet.awaiting.is_not(None))
            .values(awaiting=None)
        )

    async def set_screen(self, sheet_id: int, *, cursor: int, awaiting: str | None, message_id: int) -> None:
        row = await self.session.get(QuarterSheet, sheet_id)
        assert row is not None
        if awaiting is not None and row.evaluator_id is not None:
            # One typed answer is awaited at a time: the screen shown last asks for it.
            await self.session.execute(
                update(QuarterSheet)
                .where(QuarterSheet.evaluator_id == row.evaluator_id, QuarterSheet.id != sheet_id)
                .values(awaiting=None)
            )
        row.cursor, row.awaiting, row.message_id = cursor, awaiting, message_id

    async def reassign(self, sheet_id: int, evaluator_pk: int) -> None:
        await self.session.execute(
            update(QuarterSheet)
            .where(QuarterSheet.id == sheet_id)
            .values(evaluator_id=evaluator_pk, cursor=None, awaiting=None, message_id=None)
        )

    async def scores(self, sheet_id: int) -> dict[int, ScoreDTO]:
        rows = await self.session.scalars(select(SheetScore).where(SheetScore.sheet_id == sheet_id))
        return {
            r.item_no: ScoreDTO(r.item_no, r.score, r.allowed_min, r.allowed_max, r.percent, r.comment)
            for r in rows
        }

    async def save_score(
        self,
        sheet_id: int,
        item_no: int,
        score: Decimal,
        *,
        allowed_min: Decimal,
        allowed_max: Decimal,
        percent: Decimal | None = None,
    ) -> None:
        """Store a score with the range it was given in; a score outside it is refused here,
        and the table's CHECK refuses it again for any other writer."""
        if not allowed_min <= score <= allowed_max or allowed_min < 0 or allowed_max > 5:
            raise ScoreRejected(f"{score} is outside {allowed_min}..{allowed_max}")
        values = {
            "score": score,
            "allowed_min": allowed_min,
            "allowed_max": allowed_max,
            "percent": percent,
        }
        statement = insert_for(self.session, SheetScore).values(sheet_id=sheet_id, item_no=item_no, **values)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["sheet_id", "item_no"], set_=values)
        )

    async def save_comment(self, sheet_id: int, item_no: int, comment: str | None) -> None:
        await self.session.execute(
            update(SheetScore)
            .where(SheetScore.sheet_id == sheet_id, SheetScore.item_no == item_no)
            .values(comment=comment)
        )

    async def set_justification(self, sheet_id: int, text: str) -> None:
        await self.session.execute(
            update(QuarterSheet).where(QuarterSheet.id == sheet_id).values(justification=text)
        )

    async def submit(self, sheet_id: int, final_score: Decimal, now: datetime) -> bool:
        """False when the sheet was submitted meanwhile: a submitted sheet changes only
        through calibration."""
        result = await self.session.execute(
            update(QuarterSheet)
            .where(QuarterSheet.id == sheet_id, QuarterSheet.status == "open")
            .values(status="submitted", final_score=final_score, submitted_at=now, awaiting=None, cursor=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def calibrate(self, sheet_id: int, final_score: Decimal) -> None:
        """The calibration session's score replaces the evaluator's (the appeal keeps both)."""
        await self.session.execute(
            update(QuarterSheet).where(QuarterSheet.id == sheet_id).values(final_score=final_score)
        )

    async def acknowledge(self, sheet_id: int, employee_pk: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(QuarterSheet)
            .where(
                QuarterSheet.id == sheet_id,
                QuarterSheet.employee_id == employee_pk,
                QuarterSheet.status == "submitted",
                QuarterSheet.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def submitted_of(self, employee_pk: int, year: int) -> list[SheetDTO]:
        """The person's submitted sheets of a year, by quarter: the year's result is their mean."""
        query = (
            _sheet_query()
            .where(
                QuarterSheet.employee_id == employee_pk,
                QuarterSheet.status == "submitted",
                Campaign.year == year,
            )
            .order_by(Campaign.quarter)
        )
        return [_sheet_dto(row) for row in (await self.session.execute(query)).all()]

    async def people_for(self, period_start: date) -> list[tuple[EmployeeDTO, date | None]]:
        """Everyone on the staff, with the day they left: the active, and those who left
        during or after the period (evaluated without them, clause 6)."""
        query = (
            select(Employee)
            .where((Employee.active.is_(True)) | (Employee.left_on >= period_start))
            .order_by(Employee.id)
        )
        return [(employee_dto(row), row.left_on) for row in await self.session.scalars(query)]

    async def names(self, employee_pks: Iterable[int]) -> dict[int, EmployeeDTO]:
        ids = set(employee_pks)
        if not ids:
            return {}
        rows = await self.session.scalars(select(Employee).where(Employee.id.in_(ids)))
        return {row.id: employee_dto(row) for row in rows}

    async def close(self, campaign_id: int, now: datetime) -> None:
        await self.session.execute(
            update(QuarterSheet).where(QuarterSheet.campaign_id == campaign_id).values(awaiting=None)
        )
        await self.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(status="closed", closed_at=now)
        )


class PlanRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def plan(self, employee_pk: int, year: int) -> PlanDTO | None:
        row = await self.session.scalar(
            select(WorkPlan).where(WorkPlan.employee_id == employee_pk, WorkPlan.year == year)
        )
        return await self._dto(row) if row else None

    async def get(self, plan_id: int, *, for_update: bool = False) -> PlanDTO | None:
        query = select(WorkPlan).where(WorkPlan.id == plan_id)
        if for_update and self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = await self.session.scalar(query)
        return await self._dto(row) if row else None

    async def _dto(self, row: WorkPlan) -> PlanDTO:
        kpis = list(
            await self.session.scalars(select(PlanKpi).where(PlanKpi.plan_id == row.id).order_by(PlanKpi.no))
        )
        quarters: dict[int, dict[int, KpiQuarterDTO]] = defaultdict(dict)
        if kpis:
            for q in await self.session.scalars(
                select(KpiQuarter).where(KpiQuarter.kpi_id.in_([k.id for k in kpis]))
            ):
                quarters[q.kpi_id][q.quarter] = KpiQuarterDTO(q.quarter, q.planned, q.due_on, q.actual)
        return PlanDTO(
            id=row.id,
            employee_id=row.employee_id,
            year=row.year,
            status=row.status,
            evaluator_id=row.evaluator_id,
            approver_id=row.approver_id,
            return_comment=row.return_comment,
            kpis=tuple(
                KpiDTO(
                    k.id,
                    k.no,
                    k.name,
                    k.source,
                    k.unit,
                    k.higher_is_better,
                    k.key_result,
                    dict(quarters[k.id]),
                )
                for k in kpis
            ),
        )

    async def save(
        self,
        *,
        employee_pk: int,
        year: int,
        evaluator_id: int | None,
        approver_id: int | None,
        kpis: Sequence[NewKpi],
        status: str,
        now: datetime,
    ) -> int:
        """Create the plan or replace its KPIs (actual values already entered are kept for
        KPIs that keep their number)."""
        row = await self.session.scalar(
            select(WorkPlan).where(WorkPlan.employee_id == employee_pk, WorkPlan.year == year)
        )
        actuals: dict[tuple[int, int], tuple[Decimal | None, datetime | None]] = {}
        if row is None:
            row = WorkPlan(employee_id=employee_pk, year=year)
            self.session.add(row)
        else:
            old = await self.session.execute(
                select(PlanKpi.no, KpiQuarter.quarter, KpiQuarter.actual, KpiQuarter.actual_entered_at)
                .join(KpiQuarter, KpiQuarter.kpi_id == PlanKpi.id)
                .where(PlanKpi.plan_id == row.id)
            )
            actuals = {(no, q): (actual, at) for no, q, actual, at in old.all()}
            await self.session.execute(delete(PlanKpi).where(PlanKpi.plan_id == row.id))
        row.status, row.evaluator_id, row.approver_id = status, evaluator_id, approver_id
        row.return_comment, row.submitted_at = None, now
        row.decided_at = now if status == "approved" else None
        await self.session.flush()
        for kpi in kpis:
            kpi_row = PlanKpi(
                plan_id=row.id,
                no=kpi.no,
                name=kpi.name,
                source=kpi.source,
                unit=kpi.unit,
                higher_is_better=kpi.higher_is_better,
                key_result=kpi.key_result,
            )
            self.session.add(kpi_row)
            await self.session.flush()
            for quarter, planned in kpi.planned.items():
                actual, at = actuals.get((kpi.no, quarter), (None, None))
                self.session.add(
                    KpiQuarter(
                        kpi_id=kpi_row.id,
                        quarter=quarter,
                        planned=planned,
                        due_on=kpi.due.get(quarter),
                        actual=actual,
                        actual_entered_at=at,
                    )
                )
        await self.session.flush()
        return row.id

    async def decide(self, plan_id: int, *, approved: bool, comment: str | None, now: datetime) -> bool:
        """Approve, or return for correction with a comment; only a plan awaiting approval."""
        result = await self.session.execute(
            update(WorkPlan)
            .where(WorkPlan.id == plan_id, WorkPlan.status == "submitted")
            .values(status="approved" if approved else "returned", return_comment=comment, decided_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_change(
        self,
        plan_id: int,
        *,
        at: datetime,
        actor_telegram_id: int | None,
        action: str,
        reason: str | None,
        before: Sequence[KpiDTO] | None = None,
        after: Sequence[NewKpi] | None = None,
    ) -> int:
        """The change's id: notifications about it refer to it, so that each version of a plan
        is announced once."""
        change = PlanChange(
            plan_id=plan_id,
            at=at,
            actor_telegram_id=actor_telegram_id,
            action=action,
            reason=reason,
            kpis_before=_kpis_json(before) if before is not None else None,
            kpis_after=_kpis_json(after) if after is not None else None,
        )
        self.session.add(change)
        await self.session.flush()
        return change.id

    async def plan_of_change(self, change_id: int) -> int | None:
        return await self.session.scalar(select(PlanChange.plan_id).where(PlanChange.id == change_id))

    async def history(self, plan_id: int) -> list[PlanChangeDTO]:
        rows = await self.session.scalars(
            select(PlanChange).where(PlanChange.plan_id == plan_id).order_by(PlanChange.at, PlanChange.id)
        )
        return [
            PlanChangeDTO(r.at, r.actor_telegram_id, r.action, r.reason, r.kpis_before, r.kpis_after)
            for r in rows
        ]

    async def awaiting_approval_by(self, approver_pk: int) -> list[PlanDTO]:
        rows = await self.session.scalars(
            select(WorkPlan).where(WorkPlan.approver_id == approver_pk, WorkPlan.status == "submitted")
        )
        return [await self._dto(row) for row in rows]

    async def set_actual(
        self, employee_pk: int, year: int, kpi_no: int, quarter: int, actual: Decimal, now: datetime
    ) -> bool:
        """False when the person's plan has no such KPI planned for that quarter."""
        kpi_id = await self.session.scalar(
            select(PlanKpi.id)
            .join(WorkPlan, WorkPlan.id == PlanKpi.plan_id)
            .where(WorkPlan.employee_id == employee_pk, WorkPlan.year == year, PlanKpi.no == kpi_no)
        )
        if kpi_id is None:
            return False
        result = await self.session.execute(
            update(KpiQuarter)
            .where(KpiQuarter.kpi_id == kpi_id, KpiQuarter.quarter == quarter)
            .values(actual=actual, actual_entered_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class AbsenceRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, employee_pk: int, kind: str, starts_on: date, ends_on: date) -> bool:
        """False when the same absence (person, kind, first day) is already recorded; its last
        day is then updated."""
        statement = insert_for(self.session, AbsencePeriod).values(
            employee_id=employee_pk, kind=kind, starts_on=starts_on, ends_on=ends_on
        )
        existing = await self.session.scalar(
            select(AbsencePeriod.id).where(
                AbsencePeriod.employee_id == employee_pk,
                AbsencePeriod.kind == kind,
                AbsencePeriod.starts_on == starts_on,
            )
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["employee_id", "kind", "starts_on"], set_={"ends_on": ends_on}
            )
        )
        return existing is None

    async def of(self, employee_pks: Iterable[int]) -> dict[int, list[tuple[str, date, date]]]:
        ids = set(employee_pks)
        found: dict[int, list[tuple[str, date, date]]] = defaultdict(list)
        if ids:
            rows = await self.session.scalars(
                select(AbsencePeriod)
                .where(AbsencePeriod.employee_id.in_(ids))
                .order_by(AbsencePeriod.starts_on)
            )
            for row in rows:
                found[row.employee_id].append((row.kind, row.starts_on, row.ends_on))
        return found


def _kpis_json(kpis: Sequence[KpiDTO] | Sequence[NewKpi]) -> str:
    def one(kpi: KpiDTO | NewKpi) -> dict[str, object]:
        if isinstance(kpi, KpiDTO):
            planned = {q: str(v.planned) for q, v in kpi.quarters.items()}
        else:
            planned = {q: str(v) for q, v in kpi.planned.items()}
        return {"no": kpi.no, "name": kpi.name, "unit": kpi.unit, "planned": planned}

    return json.dumps([one(k) for k in kpis], ensure_ascii=False, sort_keys=True)


__all__ = [
    "QUARTER",
    "AbsenceRepo",
    "KpiDTO",
    "NewKpi",
    "PlanDTO",
    "PlanRepo",
    "QuarterRepo",
    "ScoreDTO",
    "ScoreRejected",
    "SheetDTO",
]
