"""/help: one section per role the reader holds, and nothing of the others."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.kernel.access import Permission
from bot.staff.hr_screens import hr_menu


def help_text(employee: bool, manager: bool, permissions: frozenset[Permission]) -> str:
    sections = []
    if employee:
        sections.append(
            _(
                "I walk you through the evaluation questionnaires.\n\n"
                "/start — your open questionnaires and evaluation sheets\n"
                "/deadlines — what is due from you and by when\n"
                "/language — change the language\n"
                "/help — this message"
            )
        )
    if manager:
        sections.append(
            _(
                "Managers: /plan YEAR — draft the work plans (KPIs) of the heads reporting to you; "
                "/delegate EVALUATOR_ID EMPLOYEE_ID … — in a unit of over 50 employees, name another evaluator."
            )
        )
    if employee:
        sections.append(
            _(
                "Every answer is saved the moment you give it; nothing counts until you press Submit. "
                "Answers about colleagues are anonymous."
            )
        )
    if permissions:
        sections.append(hr_menu(permissions))
    return "\n\n".join(sections)


def not_your_command(permissions: frozenset[Permission]) -> str:
    """A role holder outside the staff list wrote something none of their tools takes."""
    return _("That is not one of your commands. Here is what you can do:") + "\n\n" + hr_menu(permissions)
