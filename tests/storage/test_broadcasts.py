"""Broadcast audiences, the outbox's claim, release and recovery, and delivery counts,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.broadcasts.service import (
    BROADCAST,
    Attachment,
    Audience,
    AudienceKind,
    AudiencePreview,
    DeliveryCounts,
    broadcast_counts,
    preview_audience,
    queue_round_reminders,
    start_broadcast,
)
from bot.kernel.methodology import Profile
from bot.staff import people
from bot.survey360 import rounds as campaigns
from storage.broadcasts import BroadcastRepo
from storage.db import create_sessionmaker
from storage.models import Assignment, Broadcast, Employee, OutboxMessage
from storage.outbox import INTERRUPTED, OutboxRepo
from storage.staff.employees import EmployeeRepo
from storage.survey360.campaigns import CampaignRepo
from tests.factories import TELEGRAM_IDS, staff_validation

NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
EVERYONE = Audience(AudienceKind.EVERYONE)
LEGAL = Audience(AudienceKind.UNIT, unit="Правовое управление")  # U2, E4, E5


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives times back without their zone (stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


async def _staff(session: AsyncSession, today: date) -> dict[str, int]:
    """The department of tests/factories.py, everyone joined; employee_id → primary key."""
    await people.import_staff(session, staff_validation(today), today)
    repo = EmployeeRepo(session)
    found = await repo.by_external_ids(TELEGRAM_IDS)
    for external_id, telegram_id in TELEGRAM_IDS.items():
        await repo.bind_telegram(found[external_id].id, telegram_id, NOW)
    return {external_id: person.id for external_id, person in found.items()}


async def _set(session: AsyncSession, pk: int, **values: object) -> None:
    await session.execute(update(Employee).where(Employee.id == pk).values(**values))


async def _round(session: AsyncSession, profile: Profile, today: date) -> int:
    """E1, E2, E3 and U1 evaluated; respondents U1, E1, E2, E3 (4 questionnaires each with
    their self-assessment), D1 and U2 (one each, about U1)."""
    report = await campaigns.create_360(
        session,
        profile,
        year=2025,
        deadline=date(2026, 1, 10),
        today=today,
        employee_ids=["E1", "E2", "E3", "U1"],
    )
    return report.campaign.id


async def _start(session: AsyncSession, audience: Audience, text: str | None = "Hello") -> int:
    started = await start_broadcast(
        session,
        author_telegram_id=TELEGRAM_IDS["U2"],
        audience=audience,
        text=text,
        attachment=None,
        progress_chat_id=None,
        progress_message_id=None,
        now=NOW,
    )
    return started.broadcast_id


async def test_everyone_and_unit_audiences(session: AsyncSession, today: date) -> None:
    pk = await _staff(session, today)
    assert await preview_audience(session, EVERYONE) == AudiencePreview(reachable=8, not_joined=0, blocked=0)
    assert await preview_audience(session, LEGAL) == AudiencePreview(3, 0, 0)

    await _set(session, pk["E5"], active=False)  # left the body: in no audience
    await _set(session, pk["E4"], blocked_at=NOW)  # blocked the bot
    await _set(session, pk["U2"], telegram_user_id=None)  # never joined
    assert await preview_audience(session, EVERYONE) == AudiencePreview(reachable=5, not_joined=1, blocked=1)
    assert await preview_audience(session, LEGAL) == AudiencePreview(reachable=0, not_joined=1, blocked=1)
    assert await preview_audience(
        session, Audience(AudienceKind.UNIT, unit="No such unit")
    ) == AudiencePreview(0, 0, 0)

    started = await start_broadcast(
        session,
        author_telegram_id=None,
        audience=EVERYONE,
        text=None,
        attachment=Attachment("document", "BQACAgIAAxkBAAI-file"),
        progress_chat_id=None,
        progress_message_id=None,
        now=NOW,
    )
    assert started.queued == 5
    recipients = await session.scalars(
        select(OutboxMessage.recipient_id).where(OutboxMessage.ref_id == started.broadcast_id)
    )
    assert set(recipients) == {pk[e] for e in ("D1", "U1", "E1", "E2", "E3")}
    stored = await session.get(Broadcast, started.broadcast_id)
    assert stored is not None
    assert (stored.kind, stored.status, stored.audience, stored.text) == (
        "message",
        "sending",
        "everyone",
        None,
    )
    assert (stored.attachment_kind, _utc(stored.confirmed_at)) == ("document", NOW)


async def test_a_broadcast_needs_content_and_a_complete_audience(session: AsyncSession, today: date) -> None:
    await _staff(session, today)
    with pytest.raises(ValueError, match="a text or an attachment"):
        await _start(session, EVERYONE, text="   ")
    with pytest.raises(ValueError, match="needs the unit"):
        await preview_audience(session, Audience(AudienceKind.UNIT))
    with pytest.raises(ValueError, match="needs the round"):
        await preview_audience(session, Audience(AudienceKind.ROUND_UNFINISHED))


async def test_round_unfinished_audience(session: AsyncSession, today: date, profile: Profile) -> None:
    pk = await _staff(session, today)
    campaign_id = await _round(session, profile, today)
    audience = Audience(AudienceKind.ROUND_UNFINISHED, campaign_id=campaign_id)
    assert await preview_audience(session, audience) == AudiencePreview(0, 0, 0)  # a draft round: no work yet

    await campaigns.start(session, profile, campaign_id, NOW)
    assert await preview_audience(session, audience) == AudiencePreview(6, 0, 0)
    repo = BroadcastRepo(session)
    assert await repo.unfinished_count(campaign_id, pk["U1"]) == 4  # E1, E2, E3 and self

    # D1 submits; U1 is left out of the round (their respondents D1 and U2 have nothing left,
    # nor does U1's self-assessment count); E2 blocked the bot; E3 has not joined.
    await session.execute(
        update(Assignment).where(Assignment.respondent_id == pk["D1"]).values(submitted=True)
    )
    u1 = next(s for s in await CampaignRepo(session).subjects(campaign_id) if s.employee.employee_id == "U1")
    await CampaignRepo(session).exclude_subject(u1.id, "too_few_respondents")
    await _set(session, pk["E2"], blocked_at=NOW)
    await _set(session, pk["E3"], telegram_user_id=None)
    assert await preview_audience(session, audience) == AudiencePreview(reachable=2, not_joined=1, blocked=1)
    assert await repo.audience_ids(campaign_id=campaign_id) == sorted([pk["U1"], pk["E1"]])
    assert await repo.unfinished_count(campaign_id, pk["U1"]) == 3
    assert await repo.unfinished_count(campaign_id, pk["E1"]) == 3  # about E2, E3 and self
    assert await repo.unfinished_count(campaign_id, pk["D1"]) == 0

    started = await queue_round_reminders(session, campaign_id, author_telegram_id=None, now=NOW)
    assert started.queued == 2
    reminder = await repo.get(started.broadcast_id)
    assert reminder is not None and (reminder.kind, reminder.text) == ("reminder", None)
    assert reminder.audience_campaign_id == campaign_id

    await campaigns.close(session, campaign_id, NOW)
    assert await preview_audience(session, audience) == AudiencePreview(0, 0, 0)  # closed: nothing to remind


async def test_each_recipient_once_and_counts(session: AsyncSession, today: date) -> None:
    pk = await _staff(session, today)
    first, second = await _start(session, EVERYONE), await _start(session, LEGAL)
    outbox = OutboxRepo(session)
    assert await outbox.enqueue_many([pk["U2"], pk["E4"], pk["E4"]], BROADCAST, second) == 0  # queued already
    assert await broadcast_counts(session, first) == DeliveryCounts(8, 0, 0, 0, 8)
    assert await broadcast_counts(session, second) == DeliveryCounts(3, 0, 0, 0, 3)

    claimed = await outbox.claim(4, later_kinds=(BROADCAST,))
    assert [c.ref_id for c in claimed] == [first] * 4
    sent, blocked, failed, released = claimed
    await outbox.finish(sent.id, "sent", NOW)
    assert blocked.recipient_id is not None
    await outbox.finish_blocked(
        blocked.id, blocked.recipient_id, NOW, "Forbidden: bot was blocked by the user"
    )
    await outbox.finish(failed.id, "failed", NOW, "Bad Request: chat not found")
    assert await outbox.release([released.id, sent.id]) == 1  # only what is still being sent
    assert await broadcast_counts(session, first) == DeliveryCounts(8, 1, 1, 1, 5)
    blocked_person = await session.get(Employee, blocked.recipient_id)
    assert blocked_person is not None and blocked_person.blocked_at is not None
    assert await preview_audience(session, EVERYONE) == AudiencePreview(7, 0, 1)

    # Writing to the bot again clears the mark, once.
    employees = EmployeeRepo(session)
    assert blocked_person.telegram_user_id is not None
    assert await employees.clear_blocked(blocked_person.telegram_user_id)
    assert not await employees.clear_blocked(blocked_person.telegram_user_id)
    assert await preview_audience(session, EVERYONE) == AudiencePreview(8, 0, 0)


async def test_claim_is_atomic_and_a_crash_is_never_sent_twice(
    engine: AsyncEngine, today: date, profile: Profile
) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await _staff(session, today)
        broadcast_id = await _start(session, EVERYONE)  # 8 deliveries
        campaign_id = await _round(session, profile, today)
        await campaigns.start(session, profile, campaign_id, NOW)  # then 6 "round started" notices

    async def claim(limit: int) -> list[int]:
        async with sessionmaker.begin() as session:
            return [item.id for item in await OutboxRepo(session).claim(limit, later_kinds=(BROADCAST,))]

    # Two senders at once (two processes, say) never get the same row.
    first, second = await asyncio.gather(claim(5), claim(5))
    assert len(first) == len(second) == 5 and not set(first) & set(second)
    third = await claim(10)
    assert len(third) == 4 and not set(third) & (set(first) | set(second))
    assert await claim(10) == []

    async with sessionmaker.begin() as session:
        kinds = dict((await session.execute(select(OutboxMessage.id, OutboxMessage.kind))).all())
        # Personal notices go before the broadcast's deliveries, though queued after them.
        assert {i for i, kind in kinds.items() if kind == "round_started"} <= set(first + second)
        outbox = OutboxRepo(session)
        await outbox.finish(third[0], "sent", NOW)
        assert await outbox.release(third[1:2]) == 1
        assert await outbox.recover_interrupted() == 12  # claimed, never finished: a crash
        rows = (await session.execute(select(OutboxMessage.status, OutboxMessage.last_error))).all()
        assert Counter(map(tuple, rows)) == {
            ("failed", INTERRUPTED): 12,
            ("sent", None): 1,
            ("pending", None): 1,
        }
        assert await outbox.recover_interrupted() == 0
        counts = await broadcast_counts(session, broadcast_id)
        assert counts == DeliveryCounts(total=8, delivered=1, blocked=0, failed=6, pending=1)
        assert counts.settled == 7


async def test_a_broadcast_is_done_once(session: AsyncSession, today: date) -> None:
    await _staff(session, today)
    broadcast_id = await _start(session, LEGAL)
    repo = BroadcastRepo(session)
    assert [b.id for b in await repo.sending()] == [broadcast_id]
    assert await repo.mark_done(broadcast_id, NOW)
    assert not await repo.mark_done(broadcast_id, NOW)  # a second process finishing it too
    assert await repo.sending() == []
    stored = await session.get(Broadcast, broadcast_id)
    assert stored is not None and (stored.status, _utc(stored.finished_at)) == ("done", NOW)
