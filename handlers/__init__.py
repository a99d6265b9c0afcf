"""Routers in the order they are asked: joining first, the fallback last."""

from __future__ import annotations

from aiogram import Router

from handlers import cancel, common, fallback, hr, wizards
from handlers.help import help
from handlers.quarterly import evaluator
from handlers.staff import guest, language, onboarding
from handlers.survey360 import answering


def create_wizard_router() -> Router:
    """The wizards' router, for the composition root to set aiogram-dialog up on."""
    return wizards.create_router()


def create_routers(wizard_router: Router) -> list[Router]:
    """Fresh routers: a router belongs to one dispatcher, and tests build several."""
    return [
        # First: its buttons (only its own callback prefixes) are most of the updates, and
        # every router before it would try each of its filters on them (bench/answering.py).
        answering.create_router(),
        # Next: text typed while a wizard is open is the wizard's, whatever the routers after
        # it would make of it (a wizard takes no commands and no files: bot/infra/dialogs).
        wizard_router,
        cancel.create_router(),  # ✖ Cancel and /cancel of a wait for a text or a file
        onboarding.create_router(),
        language.create_router(),  # before HR's: an HR officer outside the staff list chooses too
        help.create_router(),  # for the staff list and role holders alike, by their roles
        *hr.create_routers(),  # before guest: an HR officer need not be in the staff list
        common.create_router(),
        evaluator.create_router(),
        help.create_role_fallback_router(),  # a role holder outside the staff list is no guest
        guest.create_router(),
        fallback.create_router(),
    ]
