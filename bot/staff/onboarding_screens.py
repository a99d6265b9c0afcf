"""What a person sees when joining the bot."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.staff.people import JoinOutcome
from storage.dto import EmployeeDTO


def join_refusal(outcome: JoinOutcome) -> str | None:
    """Why joining did not happen, or None when it did."""
    texts = {
        JoinOutcome.UNKNOWN_LINK: _(
            "This link is not valid or has already been used. Please ask HR for a new one."
        ),
        JoinOutcome.NOT_FOUND: _("I could not find this phone number in the staff list. Please contact HR."),
        JoinOutcome.AMBIGUOUS: _(
            "Several people in the staff list have this phone number. Please ask HR for your personal link."
        ),
        JoinOutcome.NOT_OWN_CONTACT: _("Please share your own contact with the button below."),
        JoinOutcome.LEFT: _("Your record in the staff list is closed. Please contact HR."),
        JoinOutcome.BOUND_ELSEWHERE: _(
            "This person is already connected to the bot from another Telegram account. "
            "If this is you, please ask HR to disconnect the old account."
        ),
    }
    return texts.get(outcome)


def join_greeting(outcome: JoinOutcome, employee: EmployeeDTO) -> str:
    if outcome is JoinOutcome.ALREADY_JOINED:
        return _("You are already connected, {name}.").format(name=escape(employee.full_name))
    return _("Welcome, {name}! You are connected as {position}, {unit}.").format(
        name=escape(employee.full_name), position=escape(employee.position), unit=escape(employee.unit)
    )
