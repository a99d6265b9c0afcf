"""A broadcast's notices: HR's message as Telegram messages, or, for "remind the unfinished",
the deadline reminder itself."""

from __future__ import annotations

from bot.broadcasts.service import REMINDER
from bot.deadlines.notices import deadline_reminder
from bot.infra.notices import NothingToSend, NoticeContext, Part, notice
from storage.broadcasts import BROADCAST, BroadcastDTO, BroadcastRepo
from storage.dto import OutboxDTO

CAPTION_LIMIT = 1024  # Telegram's limit on a caption, in UTF-16 code units


# Broadcasts being delivered at once are one or two; a few more cost nothing.
KEPT_BROADCASTS = 8


@notice(BROADCAST)
async def broadcast_notice(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    broadcast = await _confirmed(context, item.ref_id)
    if broadcast.kind == REMINDER:
        # HR's "remind the unfinished": the same message as the deadline reminders.
        if broadcast.audience_campaign_id is None:
            raise NothingToSend("the round is no longer running")
        return await deadline_reminder(context, broadcast.audience_campaign_id)
    return message_parts(broadcast)


async def _confirmed(context: NoticeContext, broadcast_id: int) -> BroadcastDTO:
    """Read once a run: a confirmed broadcast never changes, and it has a row per person."""
    key = (BROADCAST, broadcast_id)
    if key not in context.memo:
        found = await BroadcastRepo(context.session).get(broadcast_id)
        if found is None:
            raise NothingToSend(f"broadcast {broadcast_id} does not exist")
        context.memo[key] = found
        # The memo lives as long as the transport: keep the latest few broadcasts, not every
        # one since the start (a dict remembers the order its keys came in).
        kept = [k for k in context.memo if isinstance(k, tuple) and k[:1] == (BROADCAST,)]
        for old in kept[:-KEPT_BROADCASTS]:
            del context.memo[old]
    broadcast: BroadcastDTO = context.memo[key]
    return broadcast


def message_parts(broadcast: BroadcastDTO) -> list[Part]:
    """HR's message as Telegram messages: the text as the file's caption when it fits,
    else the text first and the file right after it."""
    text = broadcast.text
    if broadcast.attachment_kind is None or broadcast.attachment_file_id is None:
        if not text:
            raise NothingToSend(f"broadcast {broadcast.id} has neither a text nor an attachment")
        return [Part(text, plain=True)]
    file = (broadcast.attachment_kind, broadcast.attachment_file_id)
    if text is None or _utf16_len(text) <= CAPTION_LIMIT:
        return [Part(text, file=file, plain=True)]
    return [Part(text, plain=True), Part(file=file, plain=True)]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
