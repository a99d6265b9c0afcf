"""Evaluators (managers): filling the quarterly sheets of their people, and the evaluated
person's "I have read it"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AcknowledgeCb, SheetCb, SheetScoreCb
from bot.clock import Clock
from bot.domain.methodology import Profile
from bot.services.sheets import SheetOutcome, SheetService
from bot.ui.sheets import render_sheet_screen, sheet_refusal_text
from handlers.filters import IsEmployee
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.quarterly import QuarterRepo, SheetDTO


class AwaitingSheetText(Filter):
    """The sender has a sheet on screen that asks them to type something (a comment, a
    justification, a score): the database says so, not the bot's memory."""

    async def __call__(
        self, event: TelegramObject, session: AsyncSession, employee: EmployeeDTO | None = None
    ) -> bool | dict[str, Any]:
        if employee is None:
            return False
        sheet = await QuarterRepo(session).awaiting_text(employee.id)
        return {"awaiting_sheet": sheet} if sheet is not None else False


def create_router() -> Router:
    router = Router(name="evaluator")
    router.callback_query.filter(IsEmployee())
    router.message.filter(IsEmployee())
    router.callback_query.register(on_navigate, SheetCb.filter())
    router.callback_query.register(on_score, SheetScoreCb.filter())
    router.callback_query.register(on_acknowledge, AcknowledgeCb.filter())
    router.message.register(on_typed, F.text, ~F.text.startswith("/"), AwaitingSheetText())
    return router


async def on_navigate(
    query: CallbackQuery,
    callback_data: SheetCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    outcome = await SheetService(session, profile, clock).navigate(
        employee, callback_data.sheet, callback_data.action, callback_data.item, message.message_id
    )
    await _show(query, outcome, profile)


async def on_score(
    query: CallbackQuery,
    callback_data: SheetScoreCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    score = Decimal(callback_data.hundredths) / 100
    outcome = await SheetService(session, profile, clock).score(
        employee, callback_data.sheet, callback_data.item, score, message.message_id
    )
    await _show(query, outcome, profile)


async def on_typed(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
    awaiting_sheet: SheetDTO,
) -> None:
    service = SheetService(session, profile, clock)
    outcome = await service.typed(employee, awaiting_sheet, message.text or "")
    if outcome.screen is None:
        await message.answer(sheet_refusal_text(outcome))
        return
    text, markup = render_sheet_screen(outcome.screen, profile)
    sent = await message.answer(text, reply_markup=markup)
    await service.bind_message(awaiting_sheet.id, sent.message_id)


async def on_acknowledge(
    query: CallbackQuery,
    callback_data: AcknowledgeCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
    clock: Clock,
) -> None:
    if await SheetService(session, profile, clock).acknowledge(employee, callback_data.sheet):
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
        await query.answer(_("Thank you: noted that you have read the result."), show_alert=True)
    else:
        await query.answer(_("Already noted, or this result is not yours."))


async def _show(query: CallbackQuery, outcome: SheetOutcome, profile: Profile) -> None:
    if outcome.screen is not None:
        text, markup = render_sheet_screen(outcome.screen, profile)
        await edit_in_place(query, text, markup)
    await query.answer(sheet_refusal_text(outcome) if outcome.refusal else None)
