"""What HR reads when choosing a 360 round's deadline: the question over the calendar, and
why a date is not taken."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.infra.formatting import format_date
from bot.survey360.deadline_rules import DeadlineCheck, DeadlineProblem


def deadline_choice(year: int, first: date, last: date) -> str:
    """The question over the calendar: the days it offers, and why no others."""
    return _(
        "Year {year}. Choose the deadline: a working day from {first} to {last} (clause 4: the 360 "
        "evaluation of {year} is done by {last})."
    ).format(year=year, first=format_date(first), last=format_date(last))


def new_deadline_choice(current: date, first: date, last: date) -> str:
    return _(
        "The deadline is {current}. Choose the new deadline: a working day from {first} to {last}."
    ).format(current=format_date(current), first=format_date(first), last=format_date(last))


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
