"""Notices: the messages the outbox sends, each composed by the feature that owns its kind.

An outbox row carries a kind and an id only; the message is composed when it is sent, in the
recipient's language. Each feature registers a composer for the kinds it queues::

    @notice(ROUND_STARTED)
    async def round_started(context: NoticeContext, item: OutboxDTO) -> list[Part]: ...

and the transport (bot/infra/outbox.py) asks :func:`compose`, knowing no feature. The
composition root imports every feature's notices module, which registers them
(bot/factory.py); a kind queued with no composer fails its row with "unknown outbox kind".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.kernel.workdays import WorkCalendar
from storage.dto import EmployeeDTO, OutboxDTO


@dataclass(frozen=True, slots=True)
class Part:
    """One Telegram message of a notification."""

    text: str | None = None
    markup: InlineKeyboardMarkup | None = None
    photo: bytes | None = None  # a picture we made, uploaded with the message
    # A picture still to draw: CPU work, done in a worker thread when the message is sent.
    draw: Callable[[], bytes] | None = None
    file: tuple[str, str] | None = None  # ("photo" | "document", file_id) already on Telegram
    document: tuple[str, bytes] | None = None  # (file name, bytes) of a file we made
    protect: bool = False
    plain: bool = False  # someone's own words: sent as they are, without HTML parsing


@dataclass(frozen=True, slots=True)
class Notice:
    """A message as the features' screens compose it; :func:`parts_of` makes it a Part."""

    text: str
    markup: InlineKeyboardMarkup | None
    confidential: bool = False  # results: no forwarding or saving (clause 15)
    document: tuple[str, bytes] | None = None  # a file we made, sent with the text as its caption


class NothingToSend(Exception):
    """The notification is no longer due (e.g. the reminded person has finished meanwhile)."""


@dataclass(frozen=True, slots=True)
class NoticeContext:
    """What a composer may use: the sending run's session and the bot's settings."""

    session: AsyncSession
    profile: Profile
    clock: Clock
    calendar: WorkCalendar
    zone: ZoneInfo
    organisation: str  # the state body's name on the forms sent
    # The person the row is for; None for rows addressed to an account (the authorised person).
    recipient: EmployeeDTO | None
    # Kept by the transport for as long as it runs, for what never changes once stored (a
    # confirmed broadcast): composers keep it under keys of their own.
    memo: dict[Any, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock.now()

    def person(self) -> EmployeeDTO:
        """The recipient, for kinds only ever queued for someone in the staff list."""
        assert self.recipient is not None, "this notice is for a person in the staff list"
        return self.recipient


Composer = Callable[[NoticeContext, OutboxDTO], Awaitable[list[Part]]]

_COMPOSERS: dict[str, Composer] = {}


def notice(*kinds: str) -> Callable[[Composer], Composer]:
    """Register the decorated function as the composer of ``kinds``; a kind has one owner."""

    def register(composer: Composer) -> Composer:
        for kind in kinds:
            owner = _COMPOSERS.get(kind)
            if owner is not None and owner is not composer:
                raise ValueError(f"outbox kind {kind!r} is composed by {owner.__qualname__} already")
            _COMPOSERS[kind] = composer
        return composer

    return register


def registered_kinds() -> frozenset[str]:
    return frozenset(_COMPOSERS)


async def compose(context: NoticeContext, item: OutboxDTO) -> list[Part]:
    composer = _COMPOSERS.get(item.kind)
    if composer is None:
        raise ValueError(f"unknown outbox kind {item.kind!r}")
    return await composer(context, item)


def parts_of(notices: Iterable[Notice], *, why_none: str) -> list[Part]:
    """The screens' notices as parts; none at all means the notice is no longer due."""
    parts = [Part(n.text, n.markup, protect=n.confidential, document=n.document) for n in notices]
    if not parts:
        raise NothingToSend(why_none)
    return parts
