"""HR runs a 2018-method year's commission in Telegram (/legacyrounds): names it and sets its
sitting (the wizards of handlers/legacy2018/commission.py), opens and closes it, and (the head of HR) downloads the protocol. Every step goes
through bot/legacy2018/service.py, which checks the method's rules; a refused step saves nothing."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import LegacyRoundAction, LegacyRoundCb, Wait
from bot.infra.config import Settings
from bot.infra.waits import Waiting, cancel_markup
from bot.kernel.access import Permission
from bot.kernel.clock import Clock
from bot.legacy2018 import commission as legacy_commission
from bot.legacy2018 import service as legacy
from bot.legacy2018.hr_screens import (
    conclusion_prompt,
    no_majority_line,
    round_screen,
    rounds_screen,
    setup_refusal,
)
from bot.legacy2018.service import LegacyError, Refusal
from bot.reports import files as reports
from handlers.filters import HasPermission
from handlers.screens import edit_in_place, live_message
from storage.dto import CampaignDTO
from storage.legacy2018 import LegacyRepo


class LegacySetup(StatesGroup):
    # data: campaign, sitting
    conclusion = Waiting(Wait.LEGACY_CONCLUSION, lambda: _("Stopped: the sitting is not closed."))


def create_router() -> Router:
    router = Router(name="hr-legacy")
    router.message.filter(HasPermission(Permission.RUN_ROUNDS))
    router.callback_query.filter(HasPermission(Permission.RUN_ROUNDS))
    router.message.register(on_rounds, Command("legacyrounds"))
    router.callback_query.register(on_action, LegacyRoundCb.filter())
    router.message.register(on_conclusion, F.text, ~F.text.startswith("/"), LegacySetup.conclusion)
    return router


async def round_view(session: AsyncSession, campaign: CampaignDTO) -> tuple[str, InlineKeyboardMarkup]:
    """HR's screen of a year as it stands (also after the steps of handlers/legacy2018/people.py)."""
    commission = await LegacyRepo(session).commission(campaign.id)
    approvers = len(await legacy_commission.approver_accounts(session))
    return round_screen(campaign, await legacy.progress(session, campaign), commission, approvers)


async def on_rounds(message: Message, session: AsyncSession) -> None:
    repo = LegacyRepo(session)
    found = [(c, await legacy.progress(session, c), await repo.commission(c.id)) for c in await repo.rounds()]
    text, markup = rounds_screen(found, len(await legacy_commission.approver_accounts(session)))
    await message.answer(text, reply_markup=markup)


async def on_action(
    query: CallbackQuery,
    callback_data: LegacyRoundCb,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    permissions: frozenset[Permission],
) -> None:
    if await live_message(query) is None:
        return
    campaign = await legacy.legacy_round(session, callback_data.campaign)
    if campaign is None:
        await query.answer(setup_refusal(Refusal.WRONG_STATE), show_alert=True)
        return
    action = callback_data.action
    # A button of an older screen: the step it offered may be over (checked again when typed).
    refused = await _stale(session, campaign, callback_data)
    if refused is not None:
        await query.answer(setup_refusal(refused), show_alert=True)
        return
    # Naming the commission and setting the sitting are wizards (handlers/legacy2018/commission.py).
    prompts = {LegacyRoundAction.CLOSE: (LegacySetup.conclusion, conclusion_prompt())}
    if action in prompts:
        next_state, prompt = prompts[action]
        await state.set_state(next_state)
        await state.update_data(campaign=campaign.id, sitting=callback_data.sitting)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(prompt, reply_markup=cancel_markup(next_state))
        return
    if action is LegacyRoundAction.OPEN and isinstance(
        await legacy_commission.open_sitting(session, campaign, callback_data.sitting or None), Refusal
    ):
        await query.answer(setup_refusal(Refusal.WRONG_STATE), show_alert=True)
        return
    if action is LegacyRoundAction.PROTOCOL:
        await _send_protocol(
            query, session, campaign, callback_data.sitting, clock, settings, bot, permissions
        )
        return
    await edit_in_place(query, *await round_view(session, campaign))
    await query.answer()


async def _stale(session: AsyncSession, campaign: CampaignDTO, data: LegacyRoundCb) -> Refusal | None:
    """Why a pressed step of the commission is no longer open; None when it is. (Setting the
    sitting checks its own: handlers/legacy2018/commission.py.)"""
    if data.action is LegacyRoundAction.CLOSE:
        commission = await LegacyRepo(session).commission(campaign.id)
        latest = commission.latest if commission is not None else None
        # 0: a button drawn before sittings were numbered, taken as the latest's.
        if latest is None or latest.status != "sitting" or data.sitting not in (0, latest.number):
            return Refusal.WRONG_STATE
    return None


async def _send_protocol(
    query: CallbackQuery,
    session: AsyncSession,
    campaign: CampaignDTO,
    number: int,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    permissions: frozenset[Permission],
) -> None:
    """The protocol of sitting ``number`` (0: the latest over) as PDF, to the head of HR."""
    # The protocol shows results: of HR, only its head may have it (clause 20).
    if Permission.VIEW_RESULTS not in permissions:
        await query.answer(_("Only the head of HR may download the protocol (clause 20)."), show_alert=True)
        return
    try:
        file = await reports.legacy_protocol(
            session, campaign.id, settings.organisation_name, clock.now(), sitting=number or None
        )
    except LegacyError:
        await query.answer(setup_refusal(Refusal.WRONG_STATE), show_alert=True)
        return
    await query.answer()
    await bot.send_document(query.from_user.id, BufferedInputFile(file.data, file.name), protect_content=True)


async def _typed_round(message: Message, session: AsyncSession, state: FSMContext) -> CampaignDTO | None:
    data = await state.get_data()
    await state.clear()
    campaign = await legacy.legacy_round(session, int(data.get("campaign", 0)))
    if campaign is None:
        await message.answer(setup_refusal(Refusal.WRONG_STATE))
    return campaign


async def on_conclusion(message: Message, session: AsyncSession, state: FSMContext, clock: Clock) -> None:
    number = int((await state.get_data()).get("sitting", 0)) or None  # the sitting the button was for
    campaign = await _typed_round(message, session, state)
    if campaign is None:
        return
    try:
        outcome = await legacy_commission.close_sitting(
            session,
            campaign,
            conclusion=(message.text or "").strip(),
            now=clock.now(),
            number=number,
        )
    except LegacyError:
        await message.answer(setup_refusal(Refusal.WRONG_STATE))
        return
    text, markup = await round_view(session, campaign)
    if outcome.quorate and outcome.no_majority:
        text = no_majority_line(outcome.no_majority) + "\n\n" + text
    await message.answer(text, reply_markup=markup)
