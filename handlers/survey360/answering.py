"""Answering questionnaires: every button of the questionnaire message."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.infra.callbacks import AnswerCb, NavCb
from bot.infra.middlewares import reply_after_commit
from bot.kernel.methodology import Profile
from bot.survey360.questionnaire import Outcome, QuestionnaireService
from bot.survey360.screens import refusal_text, render_screen
from handlers.filters import IsEmployee
from handlers.screens import edit_in_place, live_message
from storage.dto import EmployeeDTO


def create_router() -> Router:
    router = Router(name="respondent")
    router.callback_query.filter(IsEmployee())
    router.callback_query.register(on_answer, AnswerCb.filter())
    router.callback_query.register(on_navigate, NavCb.filter())
    return router


async def on_answer(
    query: CallbackQuery,
    callback_data: AnswerCb,
    employee: EmployeeDTO,
    session: AsyncSession,
    profile: Profile,
) -> None:
    message = await live_message(query)
    if message is None:
        return
    outcome = await QuestionnaireService(session, profile).answer(
        employee, callback_data.assignment, callback_data.statement, callback_data.score, message.message_id
    )
    await _show(query, outcome, profile)


async def on_navigate(
    query: CallbackQuery, callback_data: NavCb, employee: EmployeeDTO, session: AsyncSession, profile: Profile
) -> None:
    message = await live_message(query)
    if message is None:
        return
    outcome = await QuestionnaireService(session, profile).navigate(
        employee, callback_data.assignment, callback_data.action, callback_data.statement, message.message_id
    )
    await _show(query, outcome, profile)


async def _show(query: CallbackQuery, outcome: Outcome, profile: Profile) -> None:
    # Drawn after the commit, the answer stored: the next statement's text and buttons are
    # a good part of an answer's work, and on SQLite the update holds everyone's connection
    # until it commits (docs/benchmarks.md). The screen holds all it shows.
    await reply_after_commit(lambda: _reply(query, outcome, profile))


async def _reply(query: CallbackQuery, outcome: Outcome, profile: Profile) -> None:
    if outcome.screen is not None:
        text, markup = render_screen(outcome.screen, profile)
        await edit_in_place(query, text, markup)
    await query.answer(refusal_text(outcome.refusal) if outcome.refusal else None)
