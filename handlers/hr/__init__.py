"""HR's routers, one per area, each behind a server-side permission filter."""

from __future__ import annotations

from aiogram import Router

from handlers.hr import menu
from handlers.legacy2018 import approval as legacy_approval
from handlers.legacy2018 import hr as legacy
from handlers.quarterly import hr as quarters
from handlers.staff import audit, roles
from handlers.staff import hr as staff
from handlers.survey360 import results, rounds


def create_routers() -> list[Router]:
    return [
        menu.create_router(),
        quarters.create_router(),  # its uploads' states come before the staff list's
        legacy_approval.create_router(),  # its button is checked by the service, for anyone
        legacy.create_router(),  # its typed steps' states before the staff list's
        staff.create_router(),
        results.create_router(),
        rounds.create_router(),
        roles.create_router(),
        audit.create_router(),
    ]
