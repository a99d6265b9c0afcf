"""The wizards' router: every aiogram-dialog ``Dialog`` and the commands and buttons that open
one, since those need the dialog manager (set up on this router, bot/infra/dialogs)."""

from __future__ import annotations

from aiogram import Router

from handlers.broadcasts import hr as broadcast
from handlers.calibration import hr as calibration
from handlers.legacy2018 import commission as legacy_commission
from handlers.legacy2018 import people as legacy_people
from handlers.legacy2018 import start as legacy_start
from handlers.quarterly import delegate, written
from handlers.staff import role_wizard, staff_wizards
from handlers.survey360 import new_round, person_report


def create_router() -> Router:
    router = Router(name="wizards")
    router.include_routers(
        new_round.create_router(),
        calibration.create_router(),
        broadcast.create_router(),
        legacy_start.create_router(),
        legacy_people.create_router(),
        legacy_commission.create_router(),
        role_wizard.create_router(),
        staff_wizards.create_router(),
        person_report.create_router(),
        written.create_router(),  # /written's list, and /delivered and /letter: one line or a wizard
        delegate.create_router(),  # /delegate: one line or a wizard
    )
    return router
