"""The results owed in writing to people who left (000 clause 11), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.methodology import Profile
from storage.models import WrittenNotice
from storage.quarterly import QuarterRepo
from storage.written_notices import WrittenNoticeRepo
from tests.storage.test_quarterly_repositories import _round, _sheet, _staff, _utc

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_a_notice_is_owed_once_and_recorded_once(
    session: AsyncSession, today: date, profile: Profile
) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile, running=True)
    quarters = QuarterRepo(session)
    left = await _sheet(session, campaign.id, staff["E3"], staff["U1"], absence="dismissed")
    other = await _sheet(session, campaign.id, staff["E4"], staff["U2"], absence="dismissed")
    for sheet_id in (left, other):
        assert await quarters.submit(sheet_id, Decimal("3.00"), NOW)
    repo = WrittenNoticeRepo(session)
    await repo.add(left, date(2026, 1, 8), NOW)
    await repo.add(left, date(2026, 1, 9), NOW + timedelta(hours=1))  # a retry changes nothing
    await repo.add(other, date(2026, 1, 7), NOW)

    pending = await repo.listed(pending_only=True)
    assert [(n.sheet_id, n.due_on, n.employee_code, n.quarter) for n in pending] == [
        (other, date(2026, 1, 7), "E4", 4),
        (left, date(2026, 1, 8), "E3", 4),
    ]
    assert _utc(pending[1].submitted_at) == NOW
    assert await repo.delivered_on(left) is None

    number = pending[1].id  # the notice's own number
    assert (await repo.of_sheet(left)) == pending[1]
    sent = dict(channel="letter", sent_on=date(2026, 1, 6), reference="KZ123", recorded_by=5001)
    assert await repo.record(number, **sent, now=NOW) is True  # type: ignore[arg-type]
    again = dict(sent, reference="KZ999")
    assert await repo.record(number, **again, now=NOW) is False  # type: ignore[arg-type]
    assert await repo.record(999_999, **sent, now=NOW) is False  # type: ignore[arg-type]

    assert [n.sheet_id for n in await repo.listed(pending_only=True)] == [other]
    notice = await repo.get(number)
    assert notice is not None and notice.delivered and "Нұрланов" in notice.full_name
    assert (notice.campaign_id, notice.year, notice.due_on) == (campaign.id, 2025, date(2026, 1, 8))
    assert (notice.channel, notice.sent_on, notice.reference) == ("letter", date(2026, 1, 6), "KZ123")
    assert await repo.delivered_on(left) == date(2026, 1, 6)
    assert len(await repo.listed(pending_only=False, campaign_id=campaign.id)) == 2


@pytest.mark.parametrize(
    "values",
    [
        {"channel": "pigeon", "sent_on": date(2026, 1, 6), "reference": "x", "recorded_at": NOW},
        {"channel": "letter"},  # a channel without the day, the reference and the time it was recorded
        {"sent_on": date(2026, 1, 6), "channel": "sms", "reference": "x"},  # not when it was recorded
    ],
)
async def test_the_table_refuses_a_partial_or_unknown_record(
    session: AsyncSession, today: date, profile: Profile, values: dict[str, object]
) -> None:
    staff = await _staff(session, today)
    campaign = await _round(session, profile, running=True)
    sheet_id = await _sheet(session, campaign.id, staff["E3"], staff["U1"], absence="dismissed")
    await WrittenNoticeRepo(session).add(sheet_id, date(2026, 1, 8), NOW)
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(
                update(WrittenNotice).where(WrittenNotice.sheet_id == sheet_id).values(**values)
            )
