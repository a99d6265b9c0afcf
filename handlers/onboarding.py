"""Joining the bot: personal invite links and the shared phone contact."""

from __future__ import annotations

import re
from html import escape

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.methodology import Profile
from bot.services.people import JoinOutcome, JoinResult, join_by_contact, join_by_invite
from bot.services.questionnaire import QuestionnaireService
from bot.ui.questionnaire import render_task_list
from handlers.guest import stranger_keyboard

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def create_router() -> Router:
    router = Router(name="onboarding")
    router.message.register(on_invite, CommandStart(deep_link=True))
    router.message.register(on_contact, F.contact)
    return router


async def on_invite(
    message: Message, command: CommandObject, session: AsyncSession, clock: Clock, profile: Profile
) -> None:
    assert message.from_user is not None
    token = command.args or ""
    if not TOKEN_SHAPE.fullmatch(token):
        await message.answer(_("This link is not valid. Please ask HR for your personal link."))
        return
    result = await join_by_invite(session, token, message.from_user.id, clock.now())
    await _reply_to_join(message, result, session, profile)


async def on_contact(message: Message, session: AsyncSession, clock: Clock, profile: Profile) -> None:
    assert message.from_user is not None and message.contact is not None
    result = await join_by_contact(
        session,
        sender_id=message.from_user.id,
        contact_user_id=message.contact.user_id,
        phone=message.contact.phone_number,
        now=clock.now(),
    )
    await _reply_to_join(message, result, session, profile)


async def _reply_to_join(
    message: Message, result: JoinResult, session: AsyncSession, profile: Profile
) -> None:
    refusals = {
        JoinOutcome.UNKNOWN_LINK: _(
            "This link is not valid or has already been used. Please ask HR for a new one."
        ),
        JoinOutcome.NOT_FOUND: _("I could not find this phone number in the staff list. Please contact HR."),
        JoinOutcome.AMBIGUOUS: _(
            "Several people in the staff list have this phone number. Please ask HR for your personal link."
        ),
        JoinOutcome.NOT_OWN_CONTACT: _("Please share your own contact with the button below."),
        JoinOutcome.LEFT: _("Your record in the staff list is closed. Please contact HR."),
    }
    if result.outcome in refusals:
        await message.answer(refusals[result.outcome], reply_markup=stranger_keyboard())
        return
    employee = result.employee
    assert employee is not None
    if result.outcome is JoinOutcome.ALREADY_JOINED:
        greeting = _("You are already connected, {name}.").format(name=escape(employee.full_name))
    else:
        greeting = _("Welcome, {name}! You are connected as {position}, {unit}.").format(
            name=escape(employee.full_name), position=escape(employee.position), unit=escape(employee.unit)
        )
    await message.answer(greeting, reply_markup=ReplyKeyboardRemove())
    tasks = await QuestionnaireService(session, profile).open_tasks(employee)
    text, markup = render_task_list(employee.first_name, tasks)
    await message.answer(text, reply_markup=markup)
