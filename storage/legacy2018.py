"""The 2018 method's year (kz-2018 profiles): sheets, their KPIs and indicators, the commission.

Every state change is a conditional UPDATE on the state it leaves, so that a repeated or stale
press (two managers' phones, an update delivered twice) changes nothing the second time; the
methods return whether they changed anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import CampaignDTO
from storage.models import (
    Campaign,
    Commission,
    CommissionMember,
    CommissionSitting,
    CommissionVoteCast,
    LegacyCompetencyResult,
    LegacyIndicatorSeen,
    LegacyKpi,
    LegacySheet,
    SittingAttendance,
)
from storage.survey360.campaigns import CampaignRepo, campaign_dto
from storage.upsert import insert_for

LEGACY = "legacy"  # the kind of a round under the 2018 method


@dataclass(frozen=True, slots=True)
class LegacySheetDTO:
    id: int
    campaign_id: int
    employee_id: int
    evaluator_id: int | None
    approver_id: int | None
    excluded_reason: str | None
    position_category: str | None
    heads_unit: bool
    serves_public: bool
    plan_status: str
    kpi_status: str
    kpi_met: int | None
    kpi_grade: str | None
    return_comment: str | None
    resubmit_by: date | None
    competencies_submitted_at: datetime | None
    decision: str | None
    corrected_grade: str | None
    recommendation: str | None
    decided_at: datetime | None
    acquaint_by: date | None
    acquainted_at: datetime | None
    refused_at: datetime | None
    agency_appeal_by: date | None
    agency_appeal_on: date | None
    absent_until: date | None = None
    absence_due: date | None = None
    decided_in_sitting_id: int | None = None
    released_at: datetime | None = None  # sent to the person after the approval (004 clause 39)

    @property
    def released(self) -> bool:
        """Decided, approved by the authorised person and sent to the person: acquaintance, a
        refusal or an appeal may be recorded."""
        return self.decision is not None and self.released_at is not None

    @property
    def final_grade(self) -> str | None:
        """The result as the commission left it: corrected, or the KPI count's own grade."""
        if self.decision is None:
            return None
        return self.corrected_grade if self.decision == "revise" else self.kpi_grade


@dataclass(frozen=True, slots=True)
class LegacyKpiRow:
    no: int
    name: str
    source: str
    unit: str
    planned: str
    due: str
    key_result: str
    actual: str | None = None
    met: bool | None = None
    facts: str | None = None


@dataclass(frozen=True, slots=True)
class NewSheet:
    employee_id: int
    evaluator_id: int | None
    approver_id: int | None
    position_category: str | None
    heads_unit: bool
    serves_public: bool
    excluded_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CompetencyOutcome:
    competency_no: int
    seen: int
    total: int
    meets: bool


@dataclass(frozen=True, slots=True)
class SittingDTO:
    id: int
    commission_id: int
    number: int  # 1, 2, ... within the commission
    sitting_at: datetime
    status: str  # scheduled, sitting, closed or no_quorum
    conclusion: str | None
    closed_at: datetime | None
    present: frozenset[int]  # the members who attended (voted)
    approved_at: datetime | None = None  # by the authorised person (004 clause 39)
    approved_by_name: str | None = None  # as it goes on the protocol; None before 0015

    @property
    def over(self) -> bool:
        return self.status in ("closed", "no_quorum")


@dataclass(frozen=True, slots=True)
class CommissionDTO:
    id: int
    campaign_id: int
    secretary_id: int | None
    members: tuple[int, ...]
    chair_id: int | None
    sittings: tuple[SittingDTO, ...] = ()  # the first first

    @property
    def latest(self) -> SittingDTO | None:
        return self.sittings[-1] if self.sittings else None

    def sitting(self, number: int) -> SittingDTO | None:
        return next((s for s in self.sittings if s.number == number), None)


@dataclass(frozen=True, slots=True)
class CastVote:
    member_id: int
    choice: str
    corrected_grade: str | None


def _sheet(row: LegacySheet) -> LegacySheetDTO:
    return LegacySheetDTO(
        id=row.id,
        campaign_id=row.campaign_id,
        employee_id=row.employee_id,
        evaluator_id=row.evaluator_id,
        approver_id=row.approver_id,
        excluded_reason=row.excluded_reason,
        position_category=row.position_category,
        heads_unit=row.heads_unit,
        serves_public=row.serves_public,
        plan_status=row.plan_status,
        kpi_status=row.kpi_status,
        kpi_met=row.kpi_met,
        kpi_grade=row.kpi_grade,
        return_comment=row.return_comment,
        resubmit_by=row.resubmit_by,
        competencies_submitted_at=row.competencies_submitted_at,
        decision=row.decision,
        corrected_grade=row.corrected_grade,
        recommendation=row.recommendation,
        decided_at=row.decided_at,
        acquaint_by=row.acquaint_by,
        acquainted_at=row.acquainted_at,
        refused_at=row.refused_at,
        agency_appeal_by=row.agency_appeal_by,
        agency_appeal_on=row.agency_appeal_on,
        absent_until=row.absent_until,
        absence_due=row.absence_due,
        decided_in_sitting_id=row.decided_in_sitting_id,
        released_at=row.released_at,
    )


class LegacyRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_year(
        self, *, year: int, deadline: date, profile_code: str, profile_version: str
    ) -> CampaignDTO | None:
        """The round of a year under the 2018 method, as a draft; None when the year has one
        already, also one started at the same moment from another session (on PostgreSQL
        both would pass any check made first: the unique index decides)."""
        try:
            async with self.session.begin_nested():
                return await CampaignRepo(self.session).create(
                    kind=LEGACY,
                    year=year,
                    deadline=deadline,
                    profile_code=profile_code,
                    profile_version=profile_version,
                )
        except IntegrityError:
            return None

    async def find_round(self, year: int) -> CampaignDTO | None:
        row = await self.session.scalar(
            select(Campaign).where(Campaign.kind == LEGACY, Campaign.year == year)
        )
        return campaign_dto(row) if row is not None else None

    async def rounds(self) -> list[CampaignDTO]:
        """Every round of kind "legacy", the latest year first."""
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.kind == LEGACY).order_by(Campaign.year.desc(), Campaign.id.desc())
        )
        return [campaign_dto(row) for row in rows]

    # ------------------------------------------------------------------------ sheets

    async def create_sheets(self, campaign_id: int, sheets: Iterable[NewSheet]) -> int:
        rows = [
            LegacySheet(
                campaign_id=campaign_id,
                employee_id=s.employee_id,
                evaluator_id=s.evaluator_id,
                approver_id=s.approver_id,
                position_category=s.position_category,
                heads_unit=s.heads_unit,
                serves_public=s.serves_public,
                excluded_reason=s.excluded_reason,
                plan_status="draft",
                kpi_status="open",
            )
            for s in sheets
        ]
        self.session.add_all(rows)
        await self.session.flush()
        return len(rows)

    async def sheet(self, sheet_id: int) -> LegacySheetDTO | None:
        row = await self.session.get(LegacySheet, sheet_id)
        return _sheet(row) if row is not None else None

    async def sheet_of(self, campaign_id: int, employee_id: int) -> LegacySheetDTO | None:
        row = await self.session.scalar(
            select(LegacySheet).where(
                LegacySheet.campaign_id == campaign_id, LegacySheet.employee_id == employee_id
            )
        )
        return _sheet(row) if row is not None else None

    async def sheets(self, campaign_id: int) -> list[LegacySheetDTO]:
        rows = await self.session.scalars(
            select(LegacySheet).where(LegacySheet.campaign_id == campaign_id).order_by(LegacySheet.id)
        )
        return [_sheet(row) for row in rows]

    async def evaluated_by(
        self, campaign_id: int, evaluator_id: int, *, plan_status: str | None = None
    ) -> list[LegacySheetDTO]:
        """The sheets ``evaluator_id`` fills in a round (those whose plan is ``plan_status``)."""
        query = (
            select(LegacySheet)
            .where(
                LegacySheet.campaign_id == campaign_id,
                LegacySheet.evaluator_id == evaluator_id,
                LegacySheet.excluded_reason.is_(None),
            )
            .order_by(LegacySheet.id)
        )
        if plan_status is not None:
            query = query.where(LegacySheet.plan_status == plan_status)
        return [_sheet(row) for row in await self.session.scalars(query)]

    async def to_fill_by(self, evaluator_id: int) -> list[tuple[CampaignDTO, LegacySheetDTO]]:
        """The evaluator's sheets in running rounds of kind "legacy", oldest round first."""
        rows = await self.session.execute(
            select(Campaign, LegacySheet)
            .join(LegacySheet, LegacySheet.campaign_id == Campaign.id)
            .where(
                Campaign.kind == LEGACY,
                Campaign.status == "running",
                LegacySheet.evaluator_id == evaluator_id,
                LegacySheet.excluded_reason.is_(None),
            )
            .order_by(Campaign.year, LegacySheet.id)
        )
        return [(campaign_dto(campaign), _sheet(sheet)) for campaign, sheet in rows]

    async def running_rounds(self) -> list[CampaignDTO]:
        rows = await self.session.scalars(
            select(Campaign)
            .where(Campaign.kind == LEGACY, Campaign.status == "running")
            .order_by(Campaign.id)
        )
        return [campaign_dto(row) for row in rows]

    def plan_writers(self, campaign_id: int) -> Select[Any]:
        """The direct managers with a plan still to submit (never submitted) in a round: a query,
        to keep in the outbox's reminders."""
        return (
            select(LegacySheet.evaluator_id)
            .where(
                LegacySheet.campaign_id == campaign_id,
                LegacySheet.excluded_reason.is_(None),
                LegacySheet.evaluator_id.is_not(None),
                LegacySheet.plan_status == "draft",
            )
            .distinct()
        )

    async def plans_to_write(self, campaign_id: int, evaluator_id: int) -> list[LegacySheetDTO]:
        return await self.evaluated_by(campaign_id, evaluator_id, plan_status="draft")

    async def with_own_deadline(self, campaign_id: int) -> list[LegacySheetDTO]:
        """Undecided sheets with a deadline of their own: a plan or KPI sheet returned for
        correction, or a person absent during the evaluation."""
        rows = await self.session.scalars(
            select(LegacySheet)
            .where(
                LegacySheet.campaign_id == campaign_id,
                LegacySheet.excluded_reason.is_(None),
                LegacySheet.decision.is_(None),
                (LegacySheet.plan_status == "returned")
                | (LegacySheet.kpi_status == "returned")
                | LegacySheet.absence_due.is_not(None),
            )
            .order_by(LegacySheet.id)
        )
        return [_sheet(row) for row in rows]

    async def mark_absent(self, sheet_id: int, until: date, due: date) -> bool:
        """Absent up to ``until``, evaluated by ``due``; while no decision is taken."""
        return await self._move(sheet_id, {"decision": None}, absent_until=until, absence_due=due)

    async def awaiting_approval(self, campaign_id: int, approver_id: int) -> list[LegacySheetDTO]:
        """Plans and KPI sheets the superior manager has to decide on."""
        rows = await self.session.scalars(
            select(LegacySheet)
            .where(
                LegacySheet.campaign_id == campaign_id,
                LegacySheet.approver_id == approver_id,
                (LegacySheet.plan_status == "submitted") | (LegacySheet.kpi_status == "submitted"),
            )
            .order_by(LegacySheet.id)
        )
        return [_sheet(row) for row in rows]

    async def _move(
        self, sheet_id: int, where: Mapping[str, object], *also: ColumnElement[bool], **values: object
    ) -> bool:
        conditions = [getattr(LegacySheet, column) == value for column, value in where.items()]
        result = await self.session.execute(
            update(LegacySheet).where(LegacySheet.id == sheet_id, *conditions, *also).values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -------------------------------------------------------------------- the plan

    async def save_plan(self, sheet_id: int, kpis: Sequence[LegacyKpiRow]) -> bool:
        """Replace the plan's KPIs while it is a draft or returned."""
        sheet = await self.session.get(LegacySheet, sheet_id, with_for_update=True)
        if sheet is None or sheet.plan_status not in ("draft", "returned"):
            return False
        await self.session.execute(delete(LegacyKpi).where(LegacyKpi.sheet_id == sheet_id))
        self.session.add_all(
            LegacyKpi(
                sheet_id=sheet_id,
                no=k.no,
                name=k.name,
                source=k.source,
                unit=k.unit,
                planned=k.planned,
                due=k.due,
                key_result=k.key_result,
            )
            for k in kpis
        )
        await self.session.flush()
        return True

    async def kpis(self, sheet_id: int) -> list[LegacyKpiRow]:
        rows = await self.session.scalars(
            select(LegacyKpi).where(LegacyKpi.sheet_id == sheet_id).order_by(LegacyKpi.no)
        )
        return [
            LegacyKpiRow(
                r.no, r.name, r.source, r.unit, r.planned, r.due, r.key_result, r.actual, r.met, r.facts
            )
            for r in rows
        ]

    async def submit_plan(self, sheet_id: int) -> bool:
        for state in ("draft", "returned"):
            if await self._move(
                sheet_id, {"plan_status": state}, plan_status="submitted", return_comment=None
            ):
                return True
        return False

    async def approve_plan(self, sheet_id: int) -> bool:
        return await self._move(sheet_id, {"plan_status": "submitted"}, plan_status="approved")

    async def return_plan(self, sheet_id: int, comment: str, resubmit_by: date) -> bool:
        return await self._move(
            sheet_id,
            {"plan_status": "submitted"},
            plan_status="returned",
            return_comment=comment,
            resubmit_by=resubmit_by,
        )

    # --------------------------------------------------------------- the KPI sheet

    async def record_kpi(self, sheet_id: int, no: int, *, actual: str, met: bool, facts: str) -> bool:
        """The year's line for one KPI, while the sheet is open or returned."""
        editable = (
            select(LegacySheet.id)
            .where(LegacySheet.id == sheet_id, LegacySheet.kpi_status.in_(("open", "returned")))
            .scalar_subquery()
        )
        result = await self.session.execute(
            update(LegacyKpi)
            .where(LegacyKpi.sheet_id == editable, LegacyKpi.no == no)
            .values(actual=actual, met=met, facts=facts)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def submit_kpi_sheet(self, sheet_id: int, met: int, grade: str, at: datetime) -> bool:
        for state in ("open", "returned"):
            if await self._move(
                sheet_id,
                {"kpi_status": state, "plan_status": "approved"},
                kpi_status="submitted",
                kpi_met=met,
                kpi_grade=grade,
                kpi_submitted_at=at,
                return_comment=None,
            ):
                return True
        return False

    async def agree_kpi_sheet(self, sheet_id: int, at: datetime) -> bool:
        return await self._move(sheet_id, {"kpi_status": "submitted"}, kpi_status="agreed", kpi_agreed_at=at)

    async def return_kpi_sheet(self, sheet_id: int, comment: str, resubmit_by: date) -> bool:
        return await self._move(
            sheet_id,
            {"kpi_status": "submitted"},
            kpi_status="returned",
            return_comment=comment,
            resubmit_by=resubmit_by,
        )

    # ---------------------------------------------------------- the competency sheet

    async def toggle_indicator(self, sheet_id: int, competency_no: int, indicator: int) -> bool | None:
        """Mark an indicator seen, or unmark it; the new state, None once the sheet is submitted."""
        sheet = await self.session.get(LegacySheet, sheet_id, with_for_update=True)
        if sheet is None or sheet.competencies_submitted_at is not None:
            return None
        key = (sheet_id, competency_no, indicator)
        existing = await self.session.get(LegacyIndicatorSeen, key)
        if existing is not None:
            await self.session.delete(existing)
            await self.session.flush()
            return False
        self.session.add(
            LegacyIndicatorSeen(sheet_id=sheet_id, competency_no=competency_no, indicator=indicator)
        )
        await self.session.flush()
        return True

    async def indicators_seen(self, sheet_id: int) -> dict[int, set[int]]:
        rows = await self.session.execute(
            select(LegacyIndicatorSeen.competency_no, LegacyIndicatorSeen.indicator).where(
                LegacyIndicatorSeen.sheet_id == sheet_id
            )
        )
        seen: dict[int, set[int]] = defaultdict(set)
        for competency_no, indicator in rows:
            seen[competency_no].add(indicator)
        return dict(seen)

    async def submit_competencies(
        self, sheet_id: int, outcomes: Sequence[CompetencyOutcome], at: datetime
    ) -> bool:
        if not await self._move(sheet_id, {"competencies_submitted_at": None}, competencies_submitted_at=at):
            return False
        self.session.add_all(
            LegacyCompetencyResult(
                sheet_id=sheet_id, competency_no=o.competency_no, seen=o.seen, total=o.total, meets=o.meets
            )
            for o in outcomes
        )
        await self.session.flush()
        return True

    async def competency_results(self, sheet_id: int) -> list[CompetencyOutcome]:
        rows = await self.session.scalars(
            select(LegacyCompetencyResult)
            .where(LegacyCompetencyResult.sheet_id == sheet_id)
            .order_by(LegacyCompetencyResult.competency_no)
        )
        return [CompetencyOutcome(r.competency_no, r.seen, r.total, r.meets) for r in rows]

    # ------------------------------------------------------------------ commission

    async def name_commission(
        self, campaign_id: int, members: Sequence[int], chair_id: int, secretary_id: int | None
    ) -> int | None:
        """The commission of a round, once; None if it was named already."""
        insert = (
            insert_for(self.session, Commission)
            .values(campaign_id=campaign_id, secretary_id=secretary_id)
            .on_conflict_do_nothing(index_elements=["campaign_id"])
            .returning(Commission.id)
        )
        commission_id: int | None = await self.session.scalar(insert)
        if commission_id is None:
            return None
        self.session.add_all(
            CommissionMember(commission_id=commission_id, employee_id=m, is_chair=m == chair_id)
            for m in members
        )
        await self.session.flush()
        return commission_id

    async def commission(self, campaign_id: int) -> CommissionDTO | None:
        row = await self.session.scalar(select(Commission).where(Commission.campaign_id == campaign_id))
        if row is None:
            return None
        members = (
            await self.session.scalars(
                select(CommissionMember)
                .where(CommissionMember.commission_id == row.id)
                .order_by(CommissionMember.employee_id)
            )
        ).all()
        return CommissionDTO(
            id=row.id,
            campaign_id=row.campaign_id,
            secretary_id=row.secretary_id,
            members=tuple(m.employee_id for m in members),
            chair_id=next((m.employee_id for m in members if m.is_chair), None),
            sittings=tuple(await self._sittings(row.id)),
        )

    async def _sittings(self, commission_id: int) -> list[SittingDTO]:
        rows = (
            await self.session.scalars(
                select(CommissionSitting)
                .where(CommissionSitting.commission_id == commission_id)
                .order_by(CommissionSitting.number)
            )
        ).all()
        present: dict[int, set[int]] = defaultdict(set)
        attendance = await self.session.execute(
            select(SittingAttendance.sitting_id, SittingAttendance.member_id).where(
                SittingAttendance.sitting_id.in_([r.id for r in rows])
            )
        )
        for sitting_id, member_id in attendance:
            present[sitting_id].add(member_id)
        return [
            SittingDTO(
                id=r.id,
                commission_id=r.commission_id,
                number=r.number,
                sitting_at=r.sitting_at,
                status=r.status,
                conclusion=r.conclusion,
                closed_at=r.closed_at,
                present=frozenset(present[r.id]),
                approved_at=r.approved_at,
                approved_by_name=r.approved_by_name,
            )
            for r in rows
        ]

    async def commission_by_id(self, commission_id: int) -> CommissionDTO | None:
        campaign_id = await self.session.scalar(
            select(Commission.campaign_id).where(Commission.id == commission_id)
        )
        return await self.commission(campaign_id) if campaign_id is not None else None

    async def sitting(self, sitting_id: int) -> tuple[CommissionDTO, SittingDTO] | None:
        """A sitting with its commission (a notice knows the sitting only)."""
        commission_id = await self.session.scalar(
            select(CommissionSitting.commission_id).where(CommissionSitting.id == sitting_id)
        )
        commission = await self.commission_by_id(commission_id) if commission_id is not None else None
        if commission is None:
            return None
        return commission, next(s for s in commission.sittings if s.id == sitting_id)

    async def open_sittings_of(self, member_id: int) -> list[tuple[CommissionDTO, SittingDTO]]:
        """The sittings under way of the commissions ``member_id`` belongs to."""
        sitting_ids = await self.session.scalars(
            select(CommissionSitting.id)
            .join(CommissionMember, CommissionMember.commission_id == CommissionSitting.commission_id)
            .where(CommissionMember.employee_id == member_id, CommissionSitting.status == "sitting")
            .order_by(CommissionSitting.id)
        )
        found = [await self.sitting(sitting_id) for sitting_id in sitting_ids.all()]
        return [f for f in found if f is not None]

    async def add_sitting(
        self, commission_id: int, sitting_at: datetime, announced_at: datetime
    ) -> int | None:
        """The commission's next sitting, numbered after the last; None when the last is still
        scheduled or under way, or when another session added one at the same moment (the
        number is unique: the database decides)."""
        last = await self.session.execute(
            select(CommissionSitting.number, CommissionSitting.status)
            .where(CommissionSitting.commission_id == commission_id)
            .order_by(CommissionSitting.number.desc())
            .limit(1)
        )
        row = last.first()
        if row is not None and row.status not in ("closed", "no_quorum"):
            return None
        sitting = CommissionSitting(
            commission_id=commission_id,
            number=(row.number if row is not None else 0) + 1,
            sitting_at=sitting_at,
            announced_at=announced_at,
            status="scheduled",
        )
        try:
            async with self.session.begin_nested():
                self.session.add(sitting)
        except IntegrityError:
            return None
        return sitting.id

    async def move_sitting(self, sitting_id: int, sitting_at: datetime, announced_at: datetime) -> bool:
        """A scheduled sitting set to another time (announced afresh)."""
        return await self._sitting_move(
            sitting_id, "scheduled", sitting_at=sitting_at, announced_at=announced_at
        )

    async def open_sitting(self, sitting_id: int) -> bool:
        return await self._sitting_move(sitting_id, "scheduled", status="sitting")

    async def close_sitting(self, sitting_id: int, status: str, conclusion: str | None, at: datetime) -> bool:
        return await self._sitting_move(
            sitting_id, "sitting", status=status, conclusion=conclusion, closed_at=at
        )

    async def _sitting_move(self, sitting_id: int, leaving: str, **values: object) -> bool:
        """Change a sitting while it is in the state ``leaving`` (a stale press changes nothing)."""
        result = await self.session.execute(
            update(CommissionSitting)
            .where(CommissionSitting.id == sitting_id, CommissionSitting.status == leaving)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_present(self, sitting_id: int, member_id: int, at: datetime) -> bool:
        """The member attends the sitting (once; the first time is kept)."""
        insert = (
            insert_for(self.session, SittingAttendance)
            .values(sitting_id=sitting_id, member_id=member_id, present_at=at)
            .on_conflict_do_nothing(index_elements=["sitting_id", "member_id"])
        )
        result = await self.session.execute(insert)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cast_vote(
        self,
        sitting_id: int,
        sheet_id: int,
        member_id: int,
        choice: str,
        corrected: str | None,
        at: datetime,
    ) -> bool:
        """A member's vote on a result at a sitting, once (an open vote is not taken back)."""
        insert = (
            insert_for(self.session, CommissionVoteCast)
            .values(
                sitting_id=sitting_id,
                sheet_id=sheet_id,
                member_id=member_id,
                choice=choice,
                corrected_grade=corrected,
                voted_at=at,
            )
            .on_conflict_do_nothing(index_elements=["sitting_id", "sheet_id", "member_id"])
        )
        result = await self.session.execute(insert)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def votes(self, sitting_id: int, sheet_id: int) -> list[CastVote]:
        rows = await self.session.scalars(
            select(CommissionVoteCast)
            .where(CommissionVoteCast.sitting_id == sitting_id, CommissionVoteCast.sheet_id == sheet_id)
            .order_by(CommissionVoteCast.member_id)
        )
        return [CastVote(r.member_id, r.choice, r.corrected_grade) for r in rows]

    async def vote_counts(self, sitting_id: int) -> dict[int, int]:
        """How many members voted on each sheet at a sitting."""
        rows = await self.session.execute(
            select(CommissionVoteCast.sheet_id, func.count())
            .where(CommissionVoteCast.sitting_id == sitting_id)
            .group_by(CommissionVoteCast.sheet_id)
        )
        return {sheet_id: count for sheet_id, count in rows}

    async def record_decision(
        self,
        sheet_id: int,
        sitting_id: int,
        decision: str,
        corrected: str | None,
        recommendation: str | None,
        at: datetime,
    ) -> bool:
        """The result as a sitting decided it; once (a decided result is never reopened). It
        reaches the person once the authorised person approves the sitting (:meth:`approve`)."""
        return await self._move(
            sheet_id,
            {"decision": None},
            decision=decision,
            corrected_grade=corrected,
            recommendation=recommendation,
            decided_at=at,
            decided_in_sitting_id=sitting_id,
        )

    async def decided_in(self, sitting_id: int) -> list[LegacySheetDTO]:
        """The results a sitting decided: those its protocol lists and its approval releases."""
        rows = await self.session.scalars(
            select(LegacySheet)
            .where(LegacySheet.decided_in_sitting_id == sitting_id)
            .order_by(LegacySheet.id)
        )
        return [_sheet(row) for row in rows]

    async def approve(
        self,
        sitting_id: int,
        *,
        at: datetime,
        by_id: int | None,
        by_account: int | None,
        by_name: str,
        released_at: datetime,
        acquaint_by: date,
        appeal_by: date,
    ) -> bool:
        """The authorised person approves a closed sitting's results, once: the sitting records
        who and when, and each result it decided is released to its person with the deadlines
        that start then. False when the sitting is not closed or is approved already (a second
        press, another approver's press landing at the same moment)."""
        result = await self.session.execute(
            update(CommissionSitting)
            .where(
                CommissionSitting.id == sitting_id,
                CommissionSitting.status == "closed",
                CommissionSitting.approved_at.is_(None),
            )
            .values(
                approved_at=at, approved_by_id=by_id, approved_by_account=by_account, approved_by_name=by_name
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await self.session.execute(
            update(LegacySheet)
            .where(
                LegacySheet.decided_in_sitting_id == sitting_id,
                LegacySheet.decision.is_not(None),
                LegacySheet.released_at.is_(None),
            )
            .values(released_at=released_at, acquaint_by=acquaint_by, agency_appeal_by=appeal_by)
        )
        return True

    async def awaiting_approval_sittings(self) -> list[tuple[CommissionDTO, SittingDTO]]:
        """Closed sittings that decided a result and wait for the authorised person, oldest first."""
        sitting_ids = await self.session.scalars(
            select(CommissionSitting.id)
            .where(
                CommissionSitting.status == "closed",
                CommissionSitting.approved_at.is_(None),
                select(LegacySheet.id)
                .where(LegacySheet.decided_in_sitting_id == CommissionSitting.id)
                .exists(),
            )
            .order_by(CommissionSitting.closed_at, CommissionSitting.id)
        )
        found = [await self.sitting(sitting_id) for sitting_id in sitting_ids.all()]
        return [f for f in found if f is not None]

    # ----------------------------------------------------------------- acquaintance

    async def acquaint(self, sheet_id: int, at: datetime, appeal_by: date) -> bool:
        return await self._released_move(
            sheet_id,
            {"acquainted_at": None, "refused_at": None},
            acquainted_at=at,
            agency_appeal_by=appeal_by,
        )

    async def refuse(self, sheet_id: int, at: datetime, note: str, appeal_by: date) -> bool:
        """The person refused to sign (clause 41): HR's act is recorded instead; the result still
        stands (clause 42)."""
        return await self._released_move(
            sheet_id,
            {"acquainted_at": None, "refused_at": None},
            refused_at=at,
            refusal_note=note,
            agency_appeal_by=appeal_by,
        )

    async def note_agency_appeal(self, sheet_id: int, filed_on: date) -> bool:
        return await self._released_move(sheet_id, {"agency_appeal_on": None}, agency_appeal_on=filed_on)

    async def _released_move(self, sheet_id: int, where: Mapping[str, object], **values: object) -> bool:
        """:meth:`_move` for a result already approved and sent to the person (clauses 39-43)."""
        return await self._move(sheet_id, where, LegacySheet.released_at.is_not(None), **values)
