"""Delivering the outbox: notifications queued by commands (round started, reports).

Rows carry ids only; each message is composed when it is sent, in the recipient's
language. Sending is paced below Telegram's limit, a 429 is waited out, a user who
blocked the bot is marked so, and each row is marked as soon as its fate is known.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import TasksCb
from bot.clock import Clock
from bot.domain.methodology import Profile
from bot.i18n import in_locale
from bot.services.campaigns import REPORT_360, ROUND_STARTED
from bot.services.questionnaire import QuestionnaireService
from bot.services.results import campaign_results
from bot.ui.formatting import format_date
from bot.ui.report import report_chart, report_text
from storage.campaigns import CampaignRepo
from storage.dto import EmployeeDTO, OutboxDTO
from storage.employees import EmployeeRepo
from storage.models import CampaignSubject
from storage.outbox import OutboxRepo

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: bytes | None = None
    protect: bool = False


class OutboxDelivery:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        profile: Profile,
        clock: Clock,
        rate_per_second: float,
    ) -> None:
        self.bot, self.sessionmaker, self.i18n, self.profile, self.clock = (
            bot,
            sessionmaker,
            i18n,
            profile,
            clock,
        )
        self.interval = 1.0 / rate_per_second
        self._lock = asyncio.Lock()

    async def deliver_pending(self, batch: int = 200) -> int:
        """Send what is due; returns how many rows reached a final state."""
        if self._lock.locked():  # the previous run is still sending
            return 0
        async with self._lock:
            async with self.sessionmaker() as session:
                pending = await OutboxRepo(session).pending(batch)
            done = 0
            for item in pending:
                done += await self._deliver(item)
            return done

    async def _deliver(self, item: OutboxDTO) -> int:
        async with self.sessionmaker() as session, session.begin():
            outbox = OutboxRepo(session)
            recipient = await EmployeeRepo(session).get(item.recipient_id)
            if recipient is None or recipient.telegram_user_id is None or not recipient.active:
                await outbox.finish(
                    item.id, "failed", self.clock.now(), "recipient has not joined or has left"
                )
                return 1
            with in_locale(self.i18n, recipient.locale or self.i18n.default_locale):
                parts = await self._compose(session, item, recipient)
        status, error = await self._send(recipient.telegram_user_id, parts)
        async with self.sessionmaker() as session, session.begin():
            outbox = OutboxRepo(session)
            if status == "retry" and item.attempts + 1 < MAX_ATTEMPTS:
                await outbox.retry_later(item.id, error or "")
                return 0
            await outbox.finish(item.id, "failed" if status == "retry" else status, self.clock.now(), error)
        log.info("outbox %s (%s) for employee %s: %s", item.id, item.kind, item.recipient_id, status)
        return 1

    async def _send(self, chat_id: int, parts: list[Part]) -> tuple[str, str | None]:
        for part in parts:
            while True:
                try:
                    await self._send_part(chat_id, part)
                    break
                except TelegramRetryAfter as exc:
                    await asyncio.sleep(exc.retry_after)
                except TelegramForbiddenError as exc:
                    return "blocked", exc.message
                except TelegramBadRequest as exc:
                    return "failed", exc.message
                except (TelegramNetworkError, TelegramServerError) as exc:
                    return "retry", str(exc)
            await asyncio.sleep(self.interval)
        return "sent", None

    async def _send_part(self, chat_id: int, part: Part) -> None:
        if part.photo is not None:
            await self.bot.send_photo(
                chat_id,
                BufferedInputFile(part.photo, filename="radar.png"),
                caption=part.text,
                protect_content=part.protect,
            )
        else:
            await self.bot.send_message(
                chat_id, part.text, reply_markup=part.markup, protect_content=part.protect
            )

    async def _compose(self, session: AsyncSession, item: OutboxDTO, recipient: EmployeeDTO) -> list[Part]:
        if item.kind == ROUND_STARTED:
            return await self._round_started(session, item.ref_id, recipient)
        if item.kind == REPORT_360:
            return await self._report(session, item.ref_id)
        raise ValueError(f"unknown outbox kind {item.kind!r}")

    async def _round_started(
        self, session: AsyncSession, campaign_id: int, recipient: EmployeeDTO
    ) -> list[Part]:
        campaign = await CampaignRepo(session).get(campaign_id)
        assert campaign is not None
        tasks = [
            t
            for t in await QuestionnaireService(session, self.profile).open_tasks(recipient)
            if t.task.campaign.id == campaign_id
        ]
        text = "\n\n".join(
            [
                _("A 360 evaluation round for {year} has started.").format(year=campaign.year),
                ngettext(
                    "You have {count} questionnaire to fill by {deadline}.",
                    "You have {count} questionnaires to fill by {deadline}.",
                    len(tasks),
                ).format(count=len(tasks), deadline=format_date(campaign.deadline)),
                _("Answers about colleagues are anonymous: nobody sees who answered what."),
            ]
        )
        button = InlineKeyboardButton(text=_("📋 My questionnaires"), callback_data=TasksCb().pack())
        return [Part(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))]

    async def _report(self, session: AsyncSession, subject_id: int) -> list[Part]:
        subject = await session.get(CampaignSubject, subject_id)
        assert subject is not None
        results = await campaign_results(session, self.profile, subject.campaign_id, subject_id=subject_id)
        item = results[0]
        parts = [Part(report_text(item, self.profile.min_respondents), protect=True)]
        if not item.result.withheld:
            chart = await asyncio.to_thread(report_chart, item)
            parts.append(
                Part(
                    _("Radar chart: colleagues' average and your self-assessment."), photo=chart, protect=True
                )
            )
        return parts
