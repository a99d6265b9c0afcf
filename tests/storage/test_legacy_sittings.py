"""Further sittings of the 2018 method's commission (004 clauses 4, 29-39), through the services
on SQLite and PostgreSQL: a second sitting decides a person back from an absence whose sheets
were not ready at the first, leaving the first sitting's results as they were; a sitting without
a quorum is followed by one where the members vote again; each sitting's protocol lists its own
results; a further sitting is refused while one is under way and once everything is decided.

The department and the 2025 round of tests/storage/test_legacy_year.py (kz-2018).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018.rules import Choice
from bot.legacy2018.service import LEGACY_SITTING, LEGACY_VOTE, Refusal
from bot.reports import files as reports
from bot.staff.access import COMMAND_LINE
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import CommissionDTO, LegacyRepo
from storage.models import OutboxMessage
from tests.legacy_support import AUTHORISED_NAME, approve_latest, ready_for_commission
from tests.storage.test_legacy_year import NOW, TODAY, ZONE, _ready, _sheet_id, _start

MEMBERS = ("D1", "U1", "U2", "E3", "E4")  # D1 chairs; E5 is the secretary
FIRST_SITTING = datetime(2026, 1, 5, 10, 0)  # local time, 7 working days after Monday 22.12.2025
LATER = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # the first sitting's day, after it
LATER_DAY = LATER.date()


async def _commission(session: AsyncSession, campaign: CampaignDTO, staff: dict[str, EmployeeDTO]) -> None:
    members = [staff[code].id for code in MEMBERS]
    named = await legacy_commission.name_commission(
        session, campaign, members, staff["D1"].id, staff["E5"].id, actor=COMMAND_LINE, now=NOW
    )
    assert isinstance(named, int)


async def _schedule(
    session: AsyncSession, campaign: CampaignDTO, at: datetime, *, today: date = TODAY, now: datetime = NOW
) -> Refusal | None:
    return await legacy_commission.schedule_sitting(
        session, campaign, at, today=today, now=now, calendar=KAZAKHSTAN, zone=ZONE
    )


async def _votes(
    session: AsyncSession,
    campaign: CampaignDTO,
    staff: dict[str, EmployeeDTO],
    sheet_id: int,
    cast: dict[str, str | None],  # member → None (approve) or the corrected grade
) -> None:
    for code, grade in cast.items():
        choice = Choice.REVISE if grade else Choice.APPROVE
        assert (
            await legacy_commission.vote(session, campaign, staff[code], sheet_id, choice, grade, LATER)
            is None
        ), code


async def _close(
    session: AsyncSession, campaign: CampaignDTO, conclusion: str, day: date
) -> legacy_commission.SittingOutcome:
    moment = datetime.combine(day, LATER.time(), UTC)
    return await legacy_commission.close_sitting(session, campaign, conclusion=conclusion, now=moment)


async def _now(session: AsyncSession, campaign: CampaignDTO) -> CommissionDTO:
    commission = await LegacyRepo(session).commission(campaign.id)
    assert commission is not None
    return commission


def _protocol_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


async def test_a_second_sitting_decides_a_person_back_from_an_absence(session: AsyncSession) -> None:
    campaign, staff = await _start(session)
    repo = LegacyRepo(session)
    e1 = await _ready(session, campaign, staff, "E1")
    e2 = await _sheet_id(session, campaign, staff["E2"])
    # E2 is on leave to 31 December: back on 5 January, evaluated by 13 January (clause 4).
    due = await legacy.mark_absent(
        session, e2, date(2025, 12, 31), calendar=KAZAKHSTAN, actor=COMMAND_LINE, now=NOW
    )
    assert due == date(2026, 1, 13)
    assert await _schedule(session, campaign, FIRST_SITTING) is Refusal.WRONG_STATE  # no commission yet
    await _commission(session, campaign, staff)
    assert await _schedule(session, campaign, FIRST_SITTING) is None
    # Told: U1, the evaluator of E1 (ready) and of E2 (back from an absence, due by then).
    assert [e.employee_id for e in await legacy.evaluators_to_notify(session, campaign)] == ["U1"]
    assert not isinstance(await legacy_commission.open_sitting(session, campaign), Refusal)
    # While the first sitting is under way no other can be set; E2's sheets are not before it.
    second_at = datetime(2026, 1, 15, 10, 0)  # 7 working days after 5 January (7 January is off)
    assert await _schedule(session, campaign, second_at, today=LATER_DAY, now=LATER) is Refusal.SITTING_OPEN
    assert (
        await legacy_commission.vote(session, campaign, staff["D1"], e2, Choice.APPROVE, None, LATER)
        is Refusal.NOT_READY
    )
    await _votes(session, campaign, staff, e1, {"D1": None, "U1": None, "U2": None, "E3": None})
    first = await _close(session, campaign, "E1 approved", LATER_DAY)
    assert (first.number, first.quorate, first.decided) == (1, True, 1)
    decided_first = await repo.sheet(e1)
    assert decided_first is not None and decided_first.decision == "approve"
    assert (await repo.sheet(e2)).decision is None  # type: ignore[union-attr]

    # Back at work, E2's sheets are completed (4 of 5 KPIs: "effective"); a second sitting is set.
    await ready_for_commission(session, e2, staff["U1"], staff["D1"], met=4, today=LATER_DAY, now=LATER)
    too_soon = datetime(2026, 1, 14, 10, 0)  # 6 working days ahead
    assert await _schedule(session, campaign, too_soon, today=LATER_DAY, now=LATER) is Refusal.TOO_SOON
    assert await _schedule(session, campaign, second_at, today=LATER_DAY, now=LATER) is None
    commission = await _now(session, campaign)
    assert [(s.number, s.status) for s in commission.sittings] == [(1, "closed"), (2, "scheduled")]
    second_id = commission.sittings[1].id
    notices = await session.scalars(
        select(OutboxMessage.recipient_id).where(
            OutboxMessage.kind == LEGACY_SITTING, OutboxMessage.ref_id == second_id
        )
    )
    assert notices.all() == [staff["U1"].id]  # the second sitting announced in its own right
    assert (
        await legacy_commission.vote(session, campaign, staff["D1"], e2, Choice.APPROVE, None, LATER)
        is Refusal.WRONG_STATE
    )

    opened = await legacy_commission.open_sitting(session, campaign)
    assert not isinstance(opened, Refusal) and opened[1].number == 2
    asked = await session.scalars(
        select(OutboxMessage.recipient_id).where(
            OutboxMessage.kind == LEGACY_VOTE, OutboxMessage.ref_id == second_id
        )
    )
    assert set(asked.all()) == {staff[code].id for code in MEMBERS}
    # E1 was decided at the first sitting: it is not before the second, and cannot be voted on.
    before = {case.sheet.id for case in await legacy_commission.cases(session, staff["U2"])}
    assert before == {e2}
    assert (
        await legacy_commission.vote(session, campaign, staff["U2"], e1, Choice.REVISE, "excellent", LATER)
        is Refusal.NOT_READY
    )
    await _votes(
        session, campaign, staff, e2, {"D1": "excellent", "U1": "excellent", "U2": "excellent", "E3": None}
    )
    second_day = date(2026, 1, 15)
    second = await _close(session, campaign, "E2 revised to excellent", second_day)
    assert (second.number, second.quorate, second.decided, second.revised) == (2, True, 1, 1)

    after_e1, after_e2 = await repo.sheet(e1), await repo.sheet(e2)
    assert after_e1 == decided_first  # untouched by the second sitting
    assert after_e2 is not None and after_e2.final_grade == "excellent"
    assert after_e2.decided_in_sitting_id == second_id and after_e1.decided_in_sitting_id != second_id
    assert after_e2.acquaint_by is None and not after_e2.released  # until the authorised person approves
    approved = await approve_latest(
        session, campaign.id, on=second_day, now=datetime.combine(second_day, LATER.time(), UTC)
    )
    assert (approved.sitting.number, approved.decided) == (2, 1)
    after_e2 = await repo.sheet(e2)
    assert after_e2 is not None and after_e2.acquaint_by == KAZAKHSTAN.add(second_day, 2)

    # Each sitting's protocol lists the results it decided, with its own attendance and conclusion.
    with in_locale(create_i18n("kk"), "kk"):
        protocol_two = await reports.legacy_protocol(session, campaign.id, "Аппарат", NOW)
        protocol_one = await reports.legacy_protocol(session, campaign.id, "Аппарат", NOW, sitting=1)
    assert protocol_two.name.endswith("sitting-2.pdf") and protocol_one.name.endswith("sitting-1.pdf")
    two, one = _protocol_text(protocol_two.data), _protocol_text(protocol_one.data)
    assert staff["E2"].full_name in two and staff["E1"].full_name not in two
    assert staff["E1"].full_name in one and staff["E2"].full_name not in one
    assert "2-отырыс, 15.01.2026 10:00" in two and "E2 revised to excellent" in two
    assert "1-отырыс, 05.01.2026 10:00" in one and "E1 approved" in one
    # The approval block: filled in once the sitting's results are approved, blank before.
    assert f"{AUTHORISED_NAME} (тегі, аты-жөнінің бірінші әріптері) күні 15.01.2026" in two
    assert AUTHORISED_NAME not in one and "күні _____" in one

    # Once every result is decided, no further sitting can be set.
    sheets = legacy.undecided(await repo.sheets(campaign.id))
    for sheet in sheets:
        assert await repo.record_decision(sheet.id, second_id, "approve", None, None, LATER)
    assert await _schedule(session, campaign, datetime(2026, 2, 2, 10, 0), today=second_day, now=LATER) is (
        Refusal.NOTHING_TO_DECIDE
    )
    assert len((await _now(session, campaign)).sittings) == 2


async def test_after_a_sitting_without_a_quorum_the_members_vote_again(session: AsyncSession) -> None:
    campaign, staff = await _start(session)
    e1 = await _ready(session, campaign, staff, "E1")
    await _commission(session, campaign, staff)
    assert await _schedule(session, campaign, FIRST_SITTING) is None
    assert await _schedule(session, campaign, datetime(2026, 1, 6, 11, 0)) is None  # moved, not added
    commission = await _now(session, campaign)
    assert [(s.number, s.status) for s in commission.sittings] == [(1, "scheduled")]
    assert not isinstance(await legacy_commission.open_sitting(session, campaign), Refusal)
    await _votes(
        session, campaign, staff, e1, {"D1": "excellent", "U1": None, "U2": None}
    )  # 3 of 5: quorum is 4
    first = await _close(session, campaign, "no quorum", LATER_DAY)
    assert (first.number, first.quorate, first.decided) == (1, False, 0)
    with in_locale(create_i18n("en"), "en"):
        empty = _protocol_text((await reports.legacy_protocol(session, campaign.id, "Body", NOW)).data)
    assert "No result was decided at this sitting." in empty and "3 of the members present, quorum 4" in empty

    second_at = datetime(2026, 1, 15, 10, 0)
    assert await _schedule(session, campaign, second_at, today=LATER_DAY, now=LATER) is None
    assert not isinstance(await legacy_commission.open_sitting(session, campaign), Refusal)
    # D1 voted at the first sitting; that sitting decided nothing, so D1 votes afresh.
    await _votes(session, campaign, staff, e1, {"D1": None, "U1": None, "U2": "excellent", "E4": None})
    second = await _close(session, campaign, "approved", date(2026, 1, 15))
    assert (second.number, second.quorate, second.decided, second.revised) == (2, True, 1, 0)

    repo = LegacyRepo(session)
    commission = await _now(session, campaign)
    one, two = commission.sittings
    assert (one.status, two.status) == ("no_quorum", "closed")
    assert one.present == {staff[c].id for c in ("D1", "U1", "U2")}
    assert two.present == {staff[c].id for c in ("D1", "U1", "U2", "E4")}
    first_votes = {(v.member_id, v.choice) for v in await repo.votes(one.id, e1)}
    second_votes = {(v.member_id, v.choice) for v in await repo.votes(two.id, e1)}
    assert first_votes == {
        (staff["D1"].id, "revise"),
        (staff["U1"].id, "approve"),
        (staff["U2"].id, "approve"),
    }
    assert (staff["D1"].id, "approve") in second_votes and len(second_votes) == 4
    decided = await repo.sheet(e1)
    assert (
        decided is not None and decided.final_grade == "effective" and decided.decided_in_sitting_id == two.id
    )
    with in_locale(create_i18n("en"), "en"):
        text = _protocol_text(
            (await reports.legacy_protocol(session, campaign.id, "Body", NOW, sitting=2)).data
        )
    assert "approve: 3; revise to «excellent»: 1" in text and "4 of the members present" in text
