"""Evaluators (managers): filling the quarterly sheets of their people, and the evaluated
person's "I have read it"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AcknowledgeCb, PlanCb, PlanDecision, SheetCb, SheetScoreCb
from bot.clock import Clock
from bot.domain.methodology import Profile
from bot.services import plans
from bot.services.access import Actor
from bot.services.plans import Decision
from bot.services.sheets import SheetOutcome, SheetService
from bot.ui.sheets import render_sheet_screen, sheet_refusal_text
from handlers.filters import IsEmployee
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO
from storage.quarterly import PlanRepo, QuarterRepo, SheetDTO


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


class PlanReturn(StatesGroup):
    comment = State()  # data: the plan's id


def create_router() -> Router:
    router = Router(name="evaluator")
    router.callback_query.filter(IsEmployee())
    router.message.filter(IsEmployee())
    router.callback_query.register(on_navigate, SheetCb.filter())
    router.callback_query.register(on_score, SheetScoreCb.filter())
    router.callback_query.register(on_acknowledge, AcknowledgeCb.filter())
    router.callback_query.register(on_plan_decision, PlanCb.filter())
    # The comment of a returned plan first: a sheet may await text from the same person.
    router.message.register(on_return_comment, F.text, ~F.text.startswith("/"), PlanReturn.comment)
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


async def on_plan_decision(
    query: CallbackQuery,
    callback_data: PlanCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    event_from_user: User,
) -> None:
    if callback_data.decision is PlanDecision.RETURN:
        plan = await PlanRepo(session).get(callback_data.plan)
        refusal = None
        if plan is None or plan.approver_id != employee.id:
            refusal = Decision.NOT_YOURS
        elif plan.status != "submitted":
            refusal = Decision.ALREADY_DECIDED
        if refusal is not None:
            await query.answer(_decision_text(refusal), show_alert=True)
            return
        await state.set_state(PlanReturn.comment)
        await state.update_data(plan=callback_data.plan)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(_("Write what should be corrected in the plan (one message)."))
        return
    outcome = await plans.decide_plan(
        session,
        callback_data.plan,
        employee,
        approve=True,
        comment=None,
        actor=_actor(event_from_user),
        now=clock.now(),
    )
    if outcome is Decision.APPROVED and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await query.answer(_decision_text(outcome), show_alert=True)


async def on_return_comment(
    message: Message,
    employee: EmployeeDTO,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    event_from_user: User,
) -> None:
    data = await state.get_data()
    outcome = await plans.decide_plan(
        session,
        int(data["plan"]),
        employee,
        approve=False,
        comment=message.text,
        actor=_actor(event_from_user),
        now=clock.now(),
    )
    if outcome is not Decision.COMMENT_REQUIRED:
        await state.clear()
    await message.answer(_decision_text(outcome))


def _actor(user: User) -> Actor:
    return Actor(user.id, frozenset())


def _decision_text(decision: Decision) -> str:
    texts = {
        Decision.APPROVED: _("The plan is approved; the evaluator has been told."),
        Decision.RETURNED: _(
            "The plan is returned for correction with your comment; the evaluator has been told."
        ),
        Decision.NOT_YOURS: _("This plan does not await your approval."),
        Decision.ALREADY_DECIDED: _("This plan has already been decided."),
        Decision.COMMENT_REQUIRED: _("Please write what should be corrected."),
    }
    return texts[decision]
