"""Joining the bot: personal invite links and the shared phone contact."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.i18n import in_locale, pick_locale, telegram_locale
from bot.kernel.clock import Clock
from bot.kernel.methodology import Profile
from bot.staff.onboarding_screens import join_greeting, join_refusal
from bot.staff.people import JoinResult, join_by_contact, join_by_invite
from bot.survey360.questionnaire import QuestionnaireService
from bot.survey360.screens import render_task_list
from handlers.staff.guest import stranger_keyboard

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def create_router() -> Router:
    router = Router(name="onboarding")
    router.message.register(on_invite, CommandStart(deep_link=True))
    router.message.register(on_contact, F.contact)
    return router


async def on_invite(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    clock: Clock,
    profile: Profile,
    i18n: I18n,
) -> None:
    assert message.from_user is not None
    token = command.args or ""
    if not TOKEN_SHAPE.fullmatch(token):
        await message.answer(_("This link is not valid. Please ask HR for your personal link."))
        return
    user = message.from_user
    result = await join_by_invite(session, token, user.id, clock.now(), telegram_locale(user))
    await _reply_to_join(message, result, session, profile, i18n)


async def on_contact(
    message: Message, session: AsyncSession, clock: Clock, profile: Profile, i18n: I18n
) -> None:
    assert message.from_user is not None and message.contact is not None
    result = await join_by_contact(
        session,
        sender_id=message.from_user.id,
        contact_user_id=message.contact.user_id,
        phone=message.contact.phone_number,
        now=clock.now(),
        telegram_locale=telegram_locale(message.from_user),
    )
    await _reply_to_join(message, result, session, profile, i18n)


async def _reply_to_join(
    message: Message, result: JoinResult, session: AsyncSession, profile: Profile, i18n: I18n
) -> None:
    employee = result.employee
    if employee is None:  # every outcome but joined / already joined
        refusal = join_refusal(result.outcome)
        assert refusal is not None, result.outcome
        await message.answer(refusal, reply_markup=stranger_keyboard())
        return
    # The update arrived from a stranger; from now on the person speaks their own language.
    with in_locale(i18n, pick_locale(employee, message.from_user, i18n.default_locale)):
        await message.answer(join_greeting(result.outcome, employee), reply_markup=ReplyKeyboardRemove())
        tasks = await QuestionnaireService(session, profile).open_tasks(employee)
        text, markup = render_task_list(employee.first_name, tasks)
        await message.answer(text, reply_markup=markup)
