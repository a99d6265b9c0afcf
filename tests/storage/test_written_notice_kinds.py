"""Written notices about a 360 result and a 2018-method result (000 clause 11, 003 clauses 12
and 69), next to the quarterly ones, on SQLite and PostgreSQL: one table, a number of their own,
exactly one result each; and the 360 round's close that records them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile, load_profile
from bot.kernel.workdays import KAZAKHSTAN
from bot.survey360 import rounds as campaigns
from storage.legacy2018 import LegacyRepo, NewSheet
from storage.models import CampaignSubject, OutboxMessage, WrittenNotice
from storage.survey360.campaigns import CampaignRepo
from storage.written_notices import WrittenNoticeRepo
from tests.conversation.test_quarterly import _staff_without
from tests.storage.test_quarterly_repositories import _round, _sheet, _staff
from tests.storage.test_repositories import _import, _running_round

NOW = datetime(2026, 1, 9, 6, 0, tzinfo=UTC)  # Friday 9 January 2026, 11:00 in Astana


async def _one_of_each(session: AsyncSession, today: date, profile: Profile) -> dict[str, int]:
    """E3's quarterly sheet, E4's 360 result and E5's 2018-method sheet, each owed in writing."""
    staff = await _staff(session, today)
    quarter = await _round(session, profile, running=True)
    sheet = await _sheet(session, quarter.id, staff["E3"], staff["U1"], absence="dismissed")
    repo = CampaignRepo(session)
    round_360 = await repo.create(
        kind="360", year=2025, deadline=date(2026, 1, 9), profile_code="kz-2024", profile_version="1"
    )
    subject = CampaignSubject(campaign_id=round_360.id, employee_id=staff["E4"], questionnaire="employees")
    session.add(subject)
    await session.flush()
    await repo.set_status(round_360.id, "closed", NOW)
    year_2018 = await repo.create(
        kind="legacy",
        year=2025,
        deadline=date(2026, 1, 30),
        profile_code="kz-2018-koksu",
        profile_version="1",
    )
    legacy = LegacyRepo(session)
    await legacy.create_sheets(year_2018.id, [NewSheet(staff["E5"], staff["U1"], None, None, False, False)])
    legacy_sheet = (await legacy.sheets(year_2018.id))[0].id
    notices = WrittenNoticeRepo(session)
    await notices.add(sheet, date(2026, 1, 13), NOW)
    await notices.add_for_subject(subject.id, date(2026, 1, 13), NOW)
    await notices.add_for_subject(subject.id, date(2026, 1, 14), NOW)  # a retry changes nothing
    await notices.add_for_legacy_sheet(legacy_sheet, date(2026, 1, 12), NOW)
    return {"sheet": sheet, "subject": subject.id, "legacy_sheet": legacy_sheet}


async def test_each_kind_is_listed_numbered_and_recorded_once(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    refs = await _one_of_each(session, today, profile)
    repo = WrittenNoticeRepo(session)
    listed = await repo.listed(pending_only=True)
    assert [(n.kind, n.employee_code, n.year, n.quarter, n.due_on) for n in listed] == [
        ("2018", "E5", 2025, None, date(2026, 1, 12)),
        ("quarter", "E3", 2025, 4, date(2026, 1, 13)),
        ("360", "E4", 2025, None, date(2026, 1, 13)),
    ]
    by_kind = {n.kind: n for n in listed}
    assert (by_kind["quarter"].sheet_id, by_kind["360"].subject_id, by_kind["2018"].legacy_sheet_id) == (
        refs["sheet"],
        refs["subject"],
        refs["legacy_sheet"],
    )
    assert len({n.id for n in listed}) == 3  # one numbering across the kinds
    assert by_kind["360"].submitted_at is not None  # the round's close
    assert await repo.get(by_kind["360"].id) == by_kind["360"]
    assert await repo.of_sheet(refs["sheet"]) == by_kind["quarter"]

    sent = dict(channel="email", sent_on=date(2026, 1, 12), reference="e4@mail.kz", recorded_by=None)
    assert await repo.record(by_kind["360"].id, **sent, now=NOW) is True  # type: ignore[arg-type]
    assert await repo.record(by_kind["360"].id, **sent, now=NOW) is False  # type: ignore[arg-type]
    assert [n.kind for n in await repo.listed(pending_only=True)] == ["2018", "quarter"]
    assert await repo.delivered_on(refs["sheet"]) is None  # the quarterly one is not touched
    assert len(await repo.listed(pending_only=False, campaign_id=by_kind["2018"].campaign_id)) == 1


async def test_a_notice_is_about_exactly_one_result(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    refs = await _one_of_each(session, today, profile)
    quarterly = update(WrittenNotice).where(WrittenNotice.sheet_id == refs["sheet"])
    with pytest.raises(IntegrityError):  # about nothing
        async with session.begin_nested():
            await session.execute(quarterly.values(sheet_id=None))
    # About two results: the quarterly sheet and the 360 result (its own notice gone first).
    await session.execute(delete(WrittenNotice).where(WrittenNotice.subject_id == refs["subject"]))
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(quarterly.values(subject_id=refs["subject"]))


async def test_closing_a_360_round_records_a_notice_for_who_left_where_the_profile_says(
    session: AsyncSession, today: date
) -> None:
    """kz-2024 (seed 000): E3, gone from the staff list, is sent nothing and owed a notice due two
    working days after the close. kz-2023 (seed 002 has no such route): E3's report is queued
    as before."""
    for code, owed in (("kz-2024", True), ("kz-2023", False)):
        savepoint = await session.begin_nested()
        campaign_id = await _running_round(session, today, load_profile(code))
        await _import(session, today, _staff_without("E3"))
        closed = await campaigns.close(session, campaign_id, NOW, today=NOW.date(), calendar=KAZAKHSTAN)
        notices = await WrittenNoticeRepo(session).listed(pending_only=True, campaign_id=campaign_id)
        reports = await session.scalars(
            select(OutboxMessage.ref_id).where(OutboxMessage.kind == "report_360")
        )
        if owed:  # Friday 9 January 2026 + 2 working days: Tuesday 13 January
            assert [(n.employee_code, n.due_on) for n in notices] == [("E3", date(2026, 1, 13))]
            assert (closed.reports_queued, closed.in_writing) == (3, 1)
            assert notices[0].subject_id not in set(reports)
        else:
            assert notices == [] and (closed.reports_queued, closed.in_writing) == (4, 0)
        await savepoint.rollback()
