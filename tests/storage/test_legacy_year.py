"""A year under the 2018 method through its services (bot/legacy2018/service.py), on SQLite and
PostgreSQL: the plan returned and approved, the KPI sheet agreed, the competency sheet, the
commission's sitting with a tie the chair decides, acquaintance; and every refusal on the way.

The department of tests/factories.py in 2025, with the post categories of appendix 4 added.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.access import Role
from bot.kernel.clock import as_utc
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018 import sheets as legacy_sheets
from bot.legacy2018.rules import Choice
from bot.legacy2018.service import LEGACY_APPROVAL, LEGACY_RESULT, LegacyError, Refusal
from bot.reports import files as reports
from bot.staff import people
from bot.staff.access import COMMAND_LINE, Actor, grant_role
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import LegacyRepo
from storage.outbox import OutboxRepo
from storage.staff.employees import EmployeeRepo
from tests.factories import STAFF_CSV, staff_validation
from tests.legacy_support import plan, ready_for_commission

PROFILE = load_profile("kz-2018")
ZONE = ZoneInfo("Asia/Almaty")
NOW = datetime(2025, 12, 22, 6, 0, tzinfo=UTC)  # 11:00 in Almaty, a Monday
TODAY = NOW.date()
AUTHORISED_ACCOUNT = 7001  # the authorised person's Telegram account
CATEGORIES = {
    "D1": "E-1",
    "U1": "E-3",
    "U2": "E-3",
    "E1": "E-4",
    "E2": "E-4",
    "E3": "E-G-4",
    "E4": "E-4",
    "E5": "E-4",
}


def staff_with_categories() -> str:
    lines = STAFF_CSV.strip().splitlines()
    rows = [lines[0] + ",category,serves_public"]
    for line in lines[1:]:
        code = line.split(",", 1)[0]
        rows.append(f"{line},{CATEGORIES[code]},{'иә' if code == 'E4' else 'жоқ'}")
    return "\n".join(rows) + "\n"


async def _start(session: AsyncSession) -> tuple[CampaignDTO, dict[str, EmployeeDTO]]:
    await people.import_staff(session, staff_validation(date(2025, 12, 1), staff_with_categories()), TODAY)
    staff = await EmployeeRepo(session).by_external_ids(list(CATEGORIES))
    started = await legacy.start_year(
        session, PROFILE, 2025, date(2026, 1, 30), KAZAKHSTAN, today=TODAY, now=NOW, actor=COMMAND_LINE
    )
    assert started.campaign.profile_code == "kz-2018" and started.campaign.profile_version == "2018-03-29"
    # D1 has nobody above; E5 came in November (3 months in the post are needed, clause 4).
    assert started.sheets == 6 and dict(started.excluded) == {"no_evaluator": 1, "too_short_in_post": 1}
    assert started.without_category == []
    return started.campaign, staff


async def _sheet_id(session: AsyncSession, campaign: CampaignDTO, person: EmployeeDTO) -> int:
    sheet = await LegacyRepo(session).sheet_of(campaign.id, person.id)
    assert sheet is not None
    return sheet.id


async def _ready(
    session: AsyncSession, campaign: CampaignDTO, staff: dict[str, EmployeeDTO], code: str
) -> int:
    """A sheet of U1's (4 KPIs of 5 met) ready for the commission."""
    sheet_id = await _sheet_id(session, campaign, staff[code])
    await ready_for_commission(session, sheet_id, staff["U1"], staff["D1"], met=4, today=TODAY, now=NOW)
    return sheet_id


async def test_a_whole_year(session: AsyncSession) -> None:
    campaign, staff = await _start(session)
    d1, u1, u2, e1, e2 = (staff[code] for code in ("D1", "U1", "U2", "E1", "E2"))
    repo = LegacyRepo(session)
    sheet_id = await _sheet_id(session, campaign, e1)

    # The plan: exactly 5 complete KPIs, by the direct manager only.
    assert await legacy_sheets.submit_plan(session, sheet_id, u2, plan()) is Refusal.NOT_YOURS
    assert await legacy_sheets.submit_plan(session, sheet_id, u1, plan(4)) is Refusal.INCOMPLETE
    assert await legacy_sheets.submit_plan(session, sheet_id, u1, plan()) is None
    decide_plan = legacy_sheets.decide_plan
    assert (
        await decide_plan(session, sheet_id, u1, approve=True, comment=None, today=TODAY, calendar=KAZAKHSTAN)
        is Refusal.NOT_YOURS
    )  # the superior manager decides, not the evaluator
    assert (
        await decide_plan(session, sheet_id, d1, approve=False, comment=" ", today=TODAY, calendar=KAZAKHSTAN)
        is Refusal.INCOMPLETE
    )
    assert (
        await decide_plan(
            session,
            sheet_id,
            d1,
            approve=False,
            comment="Indicator 3: no baseline",
            today=TODAY,
            calendar=KAZAKHSTAN,
        )
        is None
    )
    returned = await repo.sheet(sheet_id)
    assert returned is not None and returned.plan_status == "returned"
    assert returned.resubmit_by == date(2025, 12, 24)  # 2 working days (004 clause 12)
    assert await legacy_sheets.submit_plan(session, sheet_id, u1, plan()) is None
    assert (
        await decide_plan(session, sheet_id, d1, approve=True, comment=None, today=TODAY, calendar=KAZAKHSTAN)
        is None
    )

    # The head of a unit reports to the body's first head, who approves directly (clause 11).
    u1_sheet = await _sheet_id(session, campaign, u1)
    assert await legacy_sheets.submit_plan(session, u1_sheet, d1, plan()) is None
    approved = await repo.sheet(u1_sheet)
    assert approved is not None and approved.plan_status == "approved"

    # The KPI sheet: a line without facts is refused; 4 of 5 met → "тиімді".
    assert (
        await legacy_sheets.record_kpi(session, sheet_id, u1, 1, actual="100", met=True, facts="  ")
        is Refusal.INCOMPLETE
    )
    assert await legacy_sheets.submit_kpi_sheet(session, sheet_id, u1, NOW) is Refusal.INCOMPLETE
    for no in range(1, 6):
        assert (
            await legacy_sheets.record_kpi(
                session, sheet_id, u1, no, actual="100", met=no != 5, facts=f"act {no}"
            )
            is None
        )
    assert await legacy_sheets.submit_kpi_sheet(session, sheet_id, u1, NOW) is None
    submitted = await repo.sheet(sheet_id)
    assert submitted is not None and (submitted.kpi_met, submitted.kpi_grade) == (4, "effective")
    assert (
        await legacy_sheets.decide_kpi_sheet(
            session, sheet_id, d1, agree=True, comment=None, today=TODAY, now=NOW, calendar=KAZAKHSTAN
        )
        is None
    )

    # The competency sheet: E1 (E-4, no public services) is assessed on 9 competencies; in the
    # first, 2 of its 4 indicators are seen (less than three quarters); all the others in full.
    assert (
        await legacy_sheets.toggle_indicator(session, sheet_id, u1, 6, 0) is Refusal.WRONG_STATE
    )  # public service
    assert (
        await legacy_sheets.toggle_indicator(session, sheet_id, u1, 1, 4) is Refusal.WRONG_STATE
    )  # 4 indicators
    assert await legacy_sheets.toggle_indicator(session, sheet_id, u2, 1, 0) is Refusal.NOT_YOURS
    for competency in (1, 2, 3, 4, 5, 8, 9, 10, 11):
        count = 2 if competency == 1 else 10
        for indicator in range(count):
            await legacy_sheets.toggle_indicator(session, sheet_id, u1, competency, indicator)
    outcomes = await legacy_sheets.submit_competencies(session, sheet_id, u1, NOW)
    assert not isinstance(outcomes, Refusal)
    assert [(o.competency.no, len(o.seen), o.total, o.meets) for o in outcomes][:2] == [
        (1, 2, 4, False),
        (2, 3, 3, True),
    ]
    assert [o.competency.no for o in outcomes] == [1, 2, 3, 4, 5, 8, 9, 10, 11]
    assert outcomes[0].not_seen == (2, 3)  # what the sheet lists for a competency below three quarters
    kept = await repo.competency_results(sheet_id)
    assert [(k.competency_no, k.seen, k.total, k.meets) for k in kept][:1] == [(1, 2, 4, False)]
    assert await legacy_sheets.submit_competencies(session, sheet_id, u1, NOW) is Refusal.WRONG_STATE

    # The commission: at least 5 members with a chair among them; the secretary votes not.
    four = [staff[c].id for c in ("D1", "U1", "U2", "E3")]
    assert (
        await legacy_commission.name_commission(
            session, campaign, four, d1.id, e2.id, actor=COMMAND_LINE, now=NOW
        )
        is Refusal.BAD_COMPOSITION
    )
    members = [*four, staff["E4"].id]
    commission_id = await legacy_commission.name_commission(
        session, campaign, members, d1.id, e2.id, actor=COMMAND_LINE, now=NOW
    )
    assert isinstance(commission_id, int)
    too_soon = datetime(2025, 12, 29, 10, 0)  # local time, 5 working days ahead: 7 are needed
    assert (
        await legacy_commission.schedule_sitting(
            session, campaign, too_soon, today=TODAY, now=NOW, calendar=KAZAKHSTAN, zone=ZONE
        )
        is Refusal.TOO_SOON
    )
    sitting_at = datetime(2026, 1, 5, 10, 0)  # local time
    assert (
        await legacy_commission.schedule_sitting(
            session, campaign, sitting_at, today=TODAY, now=NOW, calendar=KAZAKHSTAN, zone=ZONE
        )
        is None
    )
    assert [e.employee_id for e in await legacy.evaluators_to_notify(session, campaign)] == ["U1"]
    assert not isinstance(await legacy_commission.open_sitting(session, campaign), Refusal)

    vote = legacy_commission.vote
    assert await vote(session, campaign, e2, sheet_id, Choice.APPROVE, None, NOW) is Refusal.NOT_A_MEMBER
    assert await vote(session, campaign, d1, u1_sheet, Choice.APPROVE, None, NOW) is Refusal.NOT_READY
    assert await vote(session, campaign, d1, sheet_id, Choice.REVISE, "best", NOW) is Refusal.INCOMPLETE
    assert await vote(session, campaign, d1, sheet_id, Choice.REVISE, "excellent", NOW) is None
    assert (
        await vote(session, campaign, d1, sheet_id, Choice.APPROVE, None, NOW) is Refusal.WRONG_STATE
    )  # final
    assert await vote(session, campaign, u1, sheet_id, Choice.REVISE, "excellent", NOW) is None
    assert await vote(session, campaign, u2, sheet_id, Choice.APPROVE, None, NOW) is None
    assert await vote(session, campaign, staff["E3"], sheet_id, Choice.APPROVE, None, NOW) is None

    decided_at = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    await grant_role(session, COMMAND_LINE, AUTHORISED_ACCOUNT, Role.AUTHORISED, NOW)
    outcome = await legacy_commission.close_sitting(
        session,
        campaign,
        conclusion="approved as in the protocol",
        now=decided_at,
    )
    assert (outcome.quorate, outcome.decided, outcome.revised) == (True, 1, 1)  # 2 to 2: the chair's side
    assert outcome.approvers == 1
    decided = await repo.sheet(sheet_id)
    assert decided is not None
    # Decided, but not sent before the authorised person approves it (004 clause 39).
    assert (decided.final_grade, decided.kpi_grade, decided.acquaint_by, decided.released) == (
        "excellent",
        "effective",
        None,
        False,
    )
    outbox = OutboxRepo(session)
    assert await outbox.counts_for(LEGACY_RESULT, sheet_id) == {}
    sitting = (await repo.commission(campaign.id)).latest  # type: ignore[union-attr]
    assert sitting is not None
    assert await outbox.counts_for(LEGACY_APPROVAL, sitting.id) == {"pending": 1}
    assert (
        await legacy.acquaint(session, sheet_id, e1, now=decided_at, calendar=KAZAKHSTAN) is Refusal.NOT_READY
    )
    assert (
        await legacy.record_refusal(
            session, sheet_id, "act", actor=COMMAND_LINE, now=decided_at, calendar=KAZAKHSTAN
        )
        is Refusal.NOT_READY
    )

    # Approval: refused to someone without the role; given once, on Tuesday 6 January.
    approved_at = datetime(2026, 1, 6, 5, 0, tzinfo=UTC)
    approver = legacy_commission.Approver("Бекқожаев Ерлан", None, AUTHORISED_ACCOUNT)

    async def approve(actor: Actor) -> legacy_commission.PendingApproval | Refusal:
        return await legacy_commission.approve_results(
            session,
            sitting.id,
            approver,
            actor=actor,
            on=date(2026, 1, 6),
            at=approved_at,
            now=approved_at,
            calendar=KAZAKHSTAN,
        )

    hr_officer = Actor(AUTHORISED_ACCOUNT + 1, frozenset({Role.HR, Role.HR_HEAD}))
    assert await approve(hr_officer) is Refusal.NOT_ALLOWED
    assert await outbox.counts_for(LEGACY_RESULT, sheet_id) == {}
    authorised = Actor(AUTHORISED_ACCOUNT, frozenset({Role.AUTHORISED}))
    done = await approve(authorised)
    assert isinstance(done, legacy_commission.PendingApproval) and (done.decided, done.revised) == (1, 1)
    assert await approve(authorised) is Refusal.ALREADY_APPROVED
    assert await outbox.counts_for(LEGACY_RESULT, sheet_id) == {"pending": 1}
    assert await legacy_commission.pending_approvals(session) == []
    released = await repo.sheet(sheet_id)
    assert released is not None and released.released
    # HR has 2 working days from the approval (clause 40); 7 January is a holiday.
    assert released.acquaint_by == date(2026, 1, 9)
    approved_sitting = (await repo.commission(campaign.id)).latest  # type: ignore[union-attr]
    assert approved_sitting is not None
    assert approved_sitting.approved_at is not None
    assert (as_utc(approved_sitting.approved_at), approved_sitting.approved_by_name) == (
        approved_at,
        "Бекқожаев Ерлан",
    )

    # Acquaintance: the person only; the agency appeal window runs from the approval.
    assert (
        await legacy.acquaint(session, sheet_id, e2, now=decided_at, calendar=KAZAKHSTAN) is Refusal.NOT_YOURS
    )
    assert await legacy.acquaint(session, sheet_id, e1, now=decided_at, calendar=KAZAKHSTAN) is None
    final = await repo.sheet(sheet_id)
    # 10 working days from Tuesday 6 January (from the decision on the 5th it would be the 20th).
    assert final is not None and final.agency_appeal_by == date(2026, 1, 21)

    # The person's sheets as the forms print them (appendices 2-3), in Kazakh.
    with in_locale(create_i18n("kk"), "kk"):
        printed = await reports.legacy_sheets(session, sheet_id, NOW)
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(printed.data)).pages]
    assert printed.name == "sheets-2025-E1.pdf" and len(pages) == 2
    assert "НМИ бойынша бағалау парағы" in pages[0] and "Бағалау нәтижесі: тиімді" in pages[0]
    assert pages[0].count("қол жетпеді") == 2  # the column's heading and KPI 5
    assert "Құзыреттер бойынша бағалау парағы" in pages[1]
    assert "Қызметті тұтынушыға бағдарлану* бағаланбайды" in pages[1]  # E1 serves no public
    assert "күтілетін нәтижеге сәйкес емес" in pages[1] and "Белгіленген мерзімдерді сақтайды" in pages[1]


async def test_without_a_quorum_nothing_is_decided(session: AsyncSession) -> None:
    campaign, staff = await _start(session)
    sheet_id = await _ready(session, campaign, staff, "E1")
    members = [staff[c].id for c in ("D1", "U1", "U2", "E3", "E4")]
    await legacy_commission.name_commission(
        session, campaign, members, staff["D1"].id, None, actor=COMMAND_LINE, now=NOW
    )
    sitting_at = datetime(2026, 1, 5, 10, 0)  # local time
    assert (
        await legacy_commission.schedule_sitting(
            session, campaign, sitting_at, today=TODAY, now=NOW, calendar=KAZAKHSTAN, zone=ZONE
        )
        is None
    )
    await legacy_commission.open_sitting(session, campaign)
    for code in ("D1", "U1", "U2"):  # 3 of 5 present: two thirds is 4
        assert (
            await legacy_commission.vote(session, campaign, staff[code], sheet_id, Choice.APPROVE, None, NOW)
            is None
        )
    outcome = await legacy_commission.close_sitting(session, campaign, conclusion=None, now=NOW)
    assert (outcome.quorate, outcome.decided) == (False, 0)
    sheet = await LegacyRepo(session).sheet(sheet_id)
    assert sheet is not None and sheet.decision is None
    commission = await LegacyRepo(session).commission(campaign.id)
    assert commission is not None and commission.latest is not None
    assert (commission.latest.status, commission.latest.present) == ("no_quorum", frozenset(members[:3]))
    # Nothing decided: nothing to approve, and a sitting not closed neither.
    paper = legacy_commission.Approver("Бекқожаев Ерлан")
    options = {"actor": COMMAND_LINE, "on": TODAY, "at": NOW, "now": NOW, "calendar": KAZAKHSTAN}
    no_quorum = await legacy_commission.approve_results(session, commission.latest.id, paper, **options)  # type: ignore[arg-type]
    assert no_quorum is Refusal.NOTHING_TO_DECIDE
    sitting_at = datetime(2026, 1, 12, 10, 0)  # local time
    assert (
        await legacy_commission.schedule_sitting(
            session, campaign, sitting_at, today=TODAY, now=NOW, calendar=KAZAKHSTAN, zone=ZONE
        )
        is None
    )
    further = (await LegacyRepo(session).commission(campaign.id)).latest  # type: ignore[union-attr]
    assert further is not None and further.status == "scheduled"
    scheduled = await legacy_commission.approve_results(session, further.id, paper, **options)  # type: ignore[arg-type]
    assert scheduled is Refusal.NOT_READY
    assert await legacy_commission.pending_approvals(session) == []


async def test_a_round_is_scored_by_the_profile_it_recorded(session: AsyncSession) -> None:
    campaign, _staff = await _start(session)
    profile, rules = legacy.rules_of(campaign)
    assert profile.code == "kz-2018" and rules.kpi_count.grades[0].name.kk == "өте жақсы"
    with pytest.raises(LegacyError):  # a second round for the same year
        await legacy.start_year(
            session, PROFILE, 2025, date(2026, 1, 30), KAZAKHSTAN, today=TODAY, now=NOW, actor=COMMAND_LINE
        )
    with pytest.raises(LegacyError):  # a version this bot does not carry
        legacy.rules_of(replace(campaign, profile_version="2017-01-01"))
