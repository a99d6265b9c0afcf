"""What HR reads when typing a 360 round's deadline: the question, with an example computed
from today, and why a typed date is not taken."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.infra.formatting import format_date
from bot.survey360.deadline_rules import DeadlineCheck, DeadlineProblem


def deadline_question(year: int, example: date) -> str:
    return _("Year {year}. What is the deadline? Type a date as dd.mm.yyyy, e.g. {example}.").format(
        year=year, example=format_date(example)
    )


def new_deadline_question(current: date, example: date) -> str:
    return _("The deadline is {current}. Type the new deadline as dd.mm.yyyy, e.g. {example}.").format(
        current=format_date(current), example=format_date(example)
    )


def deadline_refusal(check: DeadlineCheck, typed: str, year: int, first: date, last: date) -> str:
    """Why the typed deadline is not taken, with a date that would be."""
    example = format_date(check.example)
    match check.problem:
        case DeadlineProblem.NOT_A_DATE:
            return _("“{typed}” is not a date in the form dd.mm.yyyy. Type it like this: {example}.").format(
                typed=escape(typed[:40]), example=example
            )
        case DeadlineProblem.PAST:
            return _("This date has passed. Type a date not yet passed, e.g. {example}.").format(
                example=example
            )
        case DeadlineProblem.NOT_LATER:
            return _("The new deadline must be later than the current one, e.g. {example}.").format(
                example=example
            )
        case DeadlineProblem.DAY_OFF:
            return _(
                "This date is a weekend day or a public holiday. Type a working day, e.g. {example}."
            ).format(example=example)
        case _:
            return _(
                "Not accepted: the 360 evaluation of {year} is done by {last} (clause 4). Type a date from "
                "{first} to {last}."
            ).format(year=year, first=format_date(first), last=format_date(last))


def deadline_moved(deadline: date, told: int) -> str:
    """HR's confirmation of a moved deadline, with how many respondents are told of it."""
    return " ".join(
        [
            _("The deadline is now {date}.").format(date=format_date(deadline)),
            _("Respondents with questionnaires left are being told: {count}.").format(count=told),
        ]
    )
