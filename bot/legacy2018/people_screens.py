"""HR records a person's step of a 2018-method year in /legacyrounds: an absence (004 clause 4),
a refusal to acquaint themselves with the result (clauses 41-42), an appeal to the civil service
agency (clause 43). The questions and the replies; the rules are bot/legacy2018/service.py's."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import LegacyRoundAction
from bot.infra.formatting import format_date
from storage.dto import EmployeeDTO
from storage.legacy2018 import LegacySheetDTO


def _who(person: EmployeeDTO) -> str:
    return f"{escape(person.full_name)} ({escape(person.employee_id)})"


def not_decided(person: EmployeeDTO, sheet: LegacySheetDTO) -> str:
    """Why nothing about acquaintance or an appeal is recorded for a result not sent yet."""
    if sheet.decision is not None:
        return _(
            "Nothing recorded: the result of {person} awaits approval by the authorised person and has not "
            "been sent yet (clause 39)."
        ).format(person=_who(person))
    return _("Nothing recorded: the commission has not decided the result of {person} yet.").format(
        person=_who(person)
    )


def act_question(person: EmployeeDTO) -> str:
    return _(
        "{person}: type the act of the refusal (its date and who signed it: HR and two other servants, "
        "clause 41). The result stands (clause 42)."
    ).format(person=_who(person))


def day_question(action: LegacyRoundAction, person: EmployeeDTO) -> str:
    """The date of an absence or an appeal, chosen in the calendar (typed, when a day off)."""
    questions = {
        LegacyRoundAction.ABSENT: _(
            "{person}: choose the last day absent in the calendar, or type it as dd.mm.yyyy if it was a day off. "
            "They are evaluated within the working days of clause 4 after they are back."
        ),
        LegacyRoundAction.APPEAL: _(
            "{person}: choose the day the appeal was filed in the calendar, or type it as dd.mm.yyyy if it "
            "was a day off."
        ),
    }
    return questions[action].format(person=_who(person))


def person_prompt(action: LegacyRoundAction) -> str:
    """Whom the step is about: among the people the year evaluates, found by part of a name."""
    asked = {
        LegacyRoundAction.ABSENT: _(
            "Who is absent during the evaluation (leave, sickness, a trip, training)?"
        ),
        LegacyRoundAction.REFUSAL: _("Who refused to acquaint themselves with their result?"),
        LegacyRoundAction.APPEAL: _("Who appealed to the civil service agency?"),
    }[action]
    return _("{question} Type part of their name or their staff id, then press the person.").format(
        question=asked
    )


def date_refusal() -> str:
    return _("Please type the date as dd.mm.yyyy, e.g. 15.01.2026, or /cancel to stop.")


def future_refusal() -> str:
    return _("This date has not come yet: please type the day the appeal was filed, or /cancel.")


def absent_recorded(person: EmployeeDTO, until: date, back: date, due: date) -> str:
    return _(
        "✅ {person}: absent until {until}, back on {back}; to be evaluated by {due} (clause 4). "
        "Their direct manager is reminded that morning."
    ).format(person=_who(person), until=format_date(until), back=format_date(back), due=format_date(due))


def no_absence_rule() -> str:
    return _("Nothing recorded: this year's methodology has no rule for people absent during the evaluation.")


def absent_refused(person: EmployeeDTO) -> str:
    return _("Nothing recorded: the commission has decided the result of {person} already.").format(
        person=_who(person)
    )


def refusal_recorded(person: EmployeeDTO) -> str:
    return _("✅ {person}: the refusal and its act are recorded; the result stands (clause 42).").format(
        person=_who(person)
    )


def refusal_refused(person: EmployeeDTO) -> str:
    return _(
        "Nothing recorded: {person} has already read the result, or a refusal is recorded already."
    ).format(person=_who(person))


def appeal_recorded(person: EmployeeDTO, filed_on: date, late: bool) -> str:
    if late:
        return _(
            "✅ {person}: the appeal filed on {day} is noted. It was filed after the 10 working days of "
            "clause 43; the agency decides on it."
        ).format(person=_who(person), day=format_date(filed_on))
    return _(
        "✅ {person}: the appeal filed on {day} is noted, within the 10 working days of clause 43; "
        "the agency decides on it."
    ).format(person=_who(person), day=format_date(filed_on))


def appeal_refused(person: EmployeeDTO) -> str:
    return _("Nothing recorded: an appeal of {person} is noted already.").format(person=_who(person))


def empty_act() -> str:
    return _("Please type the act's text, or /cancel to stop.")


def stopped() -> str:
    return _("Stopped: nothing was recorded.")
