"""The 2018 method's deadlines in the outbox (bot/legacy2018/reminders.py through the
deadline keeper), on SQLite and PostgreSQL: the plan's reminders planned exactly once however
often the keeper runs, dropped for a manager whose plans are all submitted; a returned plan's
last day to the manager and the day after to HR, renewed when it is returned again; an absent
person's last day (004 clauses 4, 9, 12).

2026 is started on Monday 5 January at 11:00 in Almaty; the plan's 10th working day is Monday
19 January (7 January is a holiday), so the reminders fall on 14, 16 and 19 January at 09:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deadlines.keeper import plan_reminders
from bot.kernel.access import Role
from bot.kernel.methodology import load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.legacy2018 import service as legacy
from bot.legacy2018 import sheets as legacy_sheets
from bot.legacy2018.reminders import LEGACY_ABSENCE_DUE, LEGACY_BACK_DUE, LEGACY_BACK_OVERDUE
from bot.staff import people
from bot.staff.access import COMMAND_LINE, grant_role
from storage.dto import CampaignDTO, EmployeeDTO
from storage.legacy2018 import LegacyRepo
from storage.models import OutboxMessage
from storage.staff.employees import EmployeeRepo
from tests.factories import staff_validation
from tests.legacy_support import plan
from tests.storage.test_legacy_year import CATEGORIES, staff_with_categories

ZONE = ZoneInfo("Asia/Almaty")
STARTED = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
HR = 5001


def _utc(day: int, month: int = 1) -> datetime:
    """09:00 in Almaty on that day of 2026."""
    return datetime(2026, month, day, 4, 0, tzinfo=UTC)


async def _year(session: AsyncSession) -> tuple[CampaignDTO, dict[str, EmployeeDTO]]:
    await people.import_staff(
        session, staff_validation(date(2026, 1, 5), staff_with_categories()), date(2026, 1, 5)
    )
    await grant_role(session, COMMAND_LINE, HR, Role.HR, STARTED)
    started = await legacy.start_year(
        session,
        load_profile("kz-2018"),
        2026,
        date(2027, 1, 29),
        KAZAKHSTAN,
        today=STARTED.date(),
        now=STARTED,
        actor=COMMAND_LINE,
    )
    return started.campaign, await EmployeeRepo(session).by_external_ids(list(CATEGORIES))


async def _rows(
    session: AsyncSession, kind_prefix: str
) -> list[tuple[str, int, int | None, int | None, datetime, str]]:
    rows = await session.execute(
        select(
            OutboxMessage.kind,
            OutboxMessage.ref_id,
            OutboxMessage.recipient_id,
            OutboxMessage.chat_id,
            OutboxMessage.not_before,
            OutboxMessage.status,
        )
        .where(OutboxMessage.kind.startswith(kind_prefix))
        .order_by(OutboxMessage.kind, OutboxMessage.recipient_id, OutboxMessage.chat_id)
    )
    found = []
    for kind, ref, pk, chat, at, status in rows.all():
        assert at is not None  # every reminder waits for its moment
        found.append((kind, ref, pk, chat, at if at.tzinfo else at.replace(tzinfo=UTC), status))
    return found


async def _keep(session: AsyncSession, now: datetime) -> None:
    await plan_reminders(session, load_profile("kz-2023"), KAZAKHSTAN, ZONE, now)


async def test_plan_reminders_are_planned_once_and_dropped_when_the_plans_are_in(
    session: AsyncSession,
) -> None:
    campaign, staff = await _year(session)
    await _keep(session, STARTED)
    await _keep(session, STARTED)  # a second run, or a second instance: nothing more
    managers = sorted(staff[code].id for code in ("D1", "U1", "U2"))
    expected = [
        (kind, campaign.id, pk, None, at, "pending")
        for kind, at in (
            ("legacy_plan_1d", _utc(16)),
            ("legacy_plan_3d", _utc(14)),
            ("legacy_plan_due", _utc(19)),
        )
        for pk in managers
    ]
    assert await _rows(session, "legacy_plan") == expected

    # U2 submits the plans of both people (E4, E5): U2 is owed no reminder any more.
    for code in ("E4", "E5"):
        sheet = await LegacyRepo(session).sheet_of(campaign.id, staff[code].id)
        assert sheet is not None
        assert await legacy_sheets.submit_plan(session, sheet.id, staff["U2"], plan()) is None
    await _keep(session, _utc(6))
    assert {pk for _kind, _ref, pk, *_ in await _rows(session, "legacy_plan")} == {
        staff["D1"].id,
        staff["U1"].id,
    }


async def test_a_plan_started_after_its_ten_days_has_no_reminders(session: AsyncSession) -> None:
    # 2025 started on 5 January 2026: its plans were due on 17 January 2025.
    await people.import_staff(
        session, staff_validation(date(2026, 1, 5), staff_with_categories()), date(2026, 1, 5)
    )
    await legacy.start_year(
        session,
        load_profile("kz-2018"),
        2025,
        date(2026, 1, 30),
        KAZAKHSTAN,
        today=STARTED.date(),
        now=STARTED,
        actor=COMMAND_LINE,
    )
    await _keep(session, STARTED)
    assert await _rows(session, "legacy_plan") == []


async def test_a_returned_plan_reminds_the_manager_then_tells_hr(session: AsyncSession) -> None:
    campaign, staff = await _year(session)
    sheet = await LegacyRepo(session).sheet_of(campaign.id, staff["E1"].id)
    assert sheet is not None
    u1, d1 = staff["U1"], staff["D1"]
    assert await legacy_sheets.submit_plan(session, sheet.id, u1, plan()) is None
    # Returned on Tuesday 6 January: back by Friday the 9th (7 January is a holiday, clause 12).
    assert (
        await legacy_sheets.decide_plan(
            session,
            sheet.id,
            d1,
            approve=False,
            comment="no baseline",
            today=date(2026, 1, 6),
            calendar=KAZAKHSTAN,
        )
        is None
    )
    for _ in range(2):
        await _keep(session, _utc(6))
    assert await _rows(session, "legacy_back") == [
        (LEGACY_BACK_DUE, sheet.id, u1.id, None, _utc(9), "pending"),
        (LEGACY_BACK_OVERDUE, sheet.id, None, HR, _utc(12), "pending"),
    ]

    # The reminder went out; the corrected plan comes back, is returned again on the 12th: the
    # new last day (the 14th) is owed its own reminder and alert.
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.kind.startswith("legacy_back")).values(status="sent")
    )
    assert await legacy_sheets.submit_plan(session, sheet.id, u1, plan()) is None
    assert (
        await legacy_sheets.decide_plan(
            session,
            sheet.id,
            d1,
            approve=False,
            comment="still none",
            today=date(2026, 1, 12),
            calendar=KAZAKHSTAN,
        )
        is None
    )
    await _keep(session, _utc(12))
    await _keep(session, _utc(12))
    assert await _rows(session, "legacy_back") == [
        (LEGACY_BACK_DUE, sheet.id, u1.id, None, _utc(14), "pending"),
        (LEGACY_BACK_OVERDUE, sheet.id, None, HR, _utc(15), "pending"),
    ]


async def test_an_absent_persons_deadline_and_reminder(session: AsyncSession) -> None:
    campaign, staff = await _year(session)
    sheet = await LegacyRepo(session).sheet_of(campaign.id, staff["E2"].id)
    assert sheet is not None
    # Absent up to Wednesday 14 January: back on the 15th, evaluated by Thursday the 22nd.
    due = await legacy.mark_absent(
        session, sheet.id, date(2026, 1, 14), calendar=KAZAKHSTAN, actor=COMMAND_LINE, now=STARTED
    )
    assert due == date(2026, 1, 22)
    marked = await LegacyRepo(session).sheet(sheet.id)
    assert marked is not None and (marked.absent_until, marked.absence_due) == (
        date(2026, 1, 14),
        date(2026, 1, 22),
    )
    await _keep(session, STARTED)
    await _keep(session, STARTED)
    assert await _rows(session, LEGACY_ABSENCE_DUE) == [
        (LEGACY_ABSENCE_DUE, sheet.id, staff["U1"].id, None, _utc(22), "pending")
    ]
