"""Words for the quarterly evaluation's stored values (a sheet's status, why a person is
absent or not evaluated), shared by the bot's messages and the quarter's reports.

Render in the reader's locale (``bot.infra.i18n.in_locale`` outside an update).
"""

from __future__ import annotations

from datetime import date

from bot.infra.formatting import format_date
from bot.infra.translation import gettext as _
from bot.quarterly.rounds import NO_EVALUATOR, NO_PLAN
from bot.quarterly.rules import Absence, Method
from bot.staff.labels import exclusion_reason

__all__ = [
    "NO_EVALUATOR",
    "NO_PLAN",
    "STATUSES",
    "absence_label",
    "exclusion_label",
    "method_label",
    "participation_label",
    "status_label",
]

# A sheet's status (SheetRecord.status), in the order the reports count them.
STATUSES = ("submitted", "open", "excluded")


def status_label(status: str) -> str:
    labels = {
        "open": _("not submitted"),
        "submitted": _("submitted"),
        "excluded": _("not evaluated"),
    }
    return labels.get(status, status)


def absence_label(absence: Absence) -> str:
    labels = {
        Absence.LEAVE: _("on leave"),
        Absence.SICK: _("on sick leave"),
        Absence.TRIP: _("on a business trip"),
        Absence.TRAINING: _("on training"),
        Absence.DISMISSED: _("dismissed (clause 6)"),
    }
    return labels[absence]


def exclusion_label(reason: str) -> str:
    """Why a person is not evaluated this quarter: an Ineligibility value or NO_PLAN."""
    labels = {
        NO_PLAN: _("no KPIs set for the quarter (clause 22)"),
        NO_EVALUATOR: _("no manager above them in the staff list to evaluate them"),
    }
    # The eligibility reasons read as in the 360 round's and the 2018 year's screens.
    return labels.get(reason) or exclusion_reason(reason)


def participation_label(
    *, excluded_reason: str | None, absence: Absence | None, kpi_due_on: date | None = None
) -> str:
    """One line for a person's participation: why they are not evaluated, or why they are
    evaluated without taking part (or, an absent head under 002 clause 5, after their return);
    empty when none applies."""
    if excluded_reason is not None:
        return _("not evaluated: {reason}").format(reason=exclusion_label(excluded_reason))
    if absence is not None and kpi_due_on is not None:
        return _("KPIs evaluated after the return to work, by {date} (clause 5): {reason}").format(
            date=format_date(kpi_due_on), reason=absence_label(absence)
        )
    if absence is not None:
        return _("evaluated without participation: {reason}").format(reason=absence_label(absence))
    return ""


def method_label(method: Method) -> str:
    labels = {
        Method.KPI: _("KPI method (heads of units)"),
        Method.DIFFERENTIATION: _("Differentiation method (employees)"),
    }
    return labels[method]
