"""Broadcasts: HR's message to an audience, and reminders to a round's unfinished respondents.

HR chooses the audience and sees how many people it reaches (:func:`preview_audience`),
confirms, and :func:`start_broadcast` records the broadcast and queues one outbox delivery
per reachable person, at most one per person. The running bot sends them paced to
Telegram's limits and shows the progress in HR's chat (bot/infra/outbox.py); the counts are
:func:`broadcast_counts`. Nothing here commits: the caller's transaction makes it all
happen, or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts import BROADCAST, BroadcastRepo
from storage.outbox import OutboxRepo

MESSAGE = "message"
REMINDER = "reminder"  # no text of its own: rendered per recipient, in their language

__all__ = [
    "BROADCAST",
    "MESSAGE",
    "REMINDER",
    "Attachment",
    "Audience",
    "AudienceKind",
    "AudiencePreview",
    "BroadcastStarted",
    "DeliveryCounts",
    "broadcast_counts",
    "preview_audience",
    "queue_round_reminders",
    "start_broadcast",
]


class AudienceKind(StrEnum):
    EVERYONE = "everyone"
    UNIT = "unit"
    ROUND_UNFINISHED = "round_unfinished"


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    unit: str | None = None  # for UNIT: as in the staff list
    campaign_id: int | None = None  # for ROUND_UNFINISHED: a running round


@dataclass(frozen=True, slots=True)
class AudiencePreview:
    reachable: int  # will be sent now: joined the bot and not blocked it
    not_joined: int
    blocked: int


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: Literal["photo", "document"]
    file_id: str  # a Telegram file_id HR sent us


@dataclass(frozen=True, slots=True)
class BroadcastStarted:
    broadcast_id: int
    queued: int


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    total: int
    delivered: int
    blocked: int
    failed: int
    pending: int  # not settled yet: queued, or being sent right now

    @property
    def settled(self) -> int:
        return self.total - self.pending


def _filters(audience: Audience) -> tuple[str | None, int | None]:
    """(unit, campaign_id) for the repository; a malformed audience is a programming error."""
    if audience.kind is AudienceKind.UNIT:
        if not audience.unit:
            raise ValueError("a unit audience needs the unit")
        return audience.unit, None
    if audience.kind is AudienceKind.ROUND_UNFINISHED:
        if audience.campaign_id is None:
            raise ValueError("a round audience needs the round (campaign_id)")
        return None, audience.campaign_id
    return None, None


async def preview_audience(session: AsyncSession, audience: Audience) -> AudiencePreview:
    """How many people the audience has: reachable now, not joined the bot, blocked it.
    Only active people count; a round that is not running has no unfinished respondents."""
    unit, campaign_id = _filters(audience)
    counts = await BroadcastRepo(session).audience_counts(unit=unit, campaign_id=campaign_id)
    return AudiencePreview(reachable=counts.reachable, not_joined=counts.not_joined, blocked=counts.blocked)


async def start_broadcast(
    session: AsyncSession,
    *,
    author_telegram_id: int | None,
    audience: Audience,
    text: str | None,
    attachment: Attachment | None,
    progress_chat_id: int | None,
    progress_message_id: int | None,
    now: datetime,
) -> BroadcastStarted:
    """Record HR's confirmed message and queue it for every reachable person of the audience.

    ``text`` is sent as plain text (what HR typed, ``<`` and ``&`` included). With an
    attachment and a text of at most 1024 characters the text is the file's caption;
    a longer text goes first, the file right after it. The progress bar is shown by editing
    ``progress_message_id`` in ``progress_chat_id`` (a text message of the bot's)."""
    text = text if text and text.strip() else None
    if text is None and attachment is None:
        raise ValueError("a broadcast needs a text or an attachment")
    return await _start(
        session,
        kind=MESSAGE,
        author_telegram_id=author_telegram_id,
        audience=audience,
        text=text,
        attachment=attachment,
        progress=(progress_chat_id, progress_message_id),
        now=now,
    )


async def queue_round_reminders(
    session: AsyncSession,
    campaign_id: int,
    *,
    author_telegram_id: int | None,
    now: datetime,
    progress_chat_id: int | None = None,
    progress_message_id: int | None = None,
) -> BroadcastStarted:
    """Remind every reachable respondent who has unsubmitted questionnaires in the running
    round. Each reminder is written when it is sent, in the recipient's language, with their
    own count then (someone who finished in the meantime is not reminded)."""
    return await _start(
        session,
        kind=REMINDER,
        author_telegram_id=author_telegram_id,
        audience=Audience(AudienceKind.ROUND_UNFINISHED, campaign_id=campaign_id),
        text=None,
        attachment=None,
        progress=(progress_chat_id, progress_message_id),
        now=now,
    )


async def _start(
    session: AsyncSession,
    *,
    kind: str,
    author_telegram_id: int | None,
    audience: Audience,
    text: str | None,
    attachment: Attachment | None,
    progress: tuple[int | None, int | None],
    now: datetime,
) -> BroadcastStarted:
    unit, campaign_id = _filters(audience)
    repo = BroadcastRepo(session)
    chat_id, message_id = progress if None not in progress else (None, None)
    broadcast = await repo.create(
        kind=kind,
        author_telegram_id=author_telegram_id,
        audience=audience.kind.value,
        unit=unit,
        campaign_id=campaign_id,
        text=text,
        attachment_kind=attachment.kind if attachment else None,
        attachment_file_id=attachment.file_id if attachment else None,
        progress_chat_id=chat_id,
        progress_message_id=message_id,
        now=now,
    )
    recipients = await repo.audience_ids(unit=unit, campaign_id=campaign_id)
    queued = await OutboxRepo(session).enqueue_many(recipients, BROADCAST, broadcast.id)
    return BroadcastStarted(broadcast_id=broadcast.id, queued=queued)


async def broadcast_counts(session: AsyncSession, broadcast_id: int) -> DeliveryCounts:
    """Where a broadcast's deliveries stand; ``pending`` includes those being sent now."""
    by_status = await OutboxRepo(session).counts_for(BROADCAST, broadcast_id)
    delivered, blocked, failed = (by_status.get(status, 0) for status in ("sent", "blocked", "failed"))
    pending = by_status.get("pending", 0) + by_status.get("sending", 0)
    return DeliveryCounts(
        total=delivered + blocked + failed + pending,
        delivered=delivered,
        blocked=blocked,
        failed=failed,
        pending=pending,
    )
