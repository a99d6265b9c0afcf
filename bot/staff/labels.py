"""The words for why a person is not evaluated, shared by every round's screens and files."""

from __future__ import annotations

from bot.infra.translation import gettext as _
from bot.kernel.eligibility import Ineligibility

__all__ = ["exclusion_reason"]


def exclusion_reason(reason: str) -> str:
    """A round's stored exclusion reason (an ``Ineligibility`` value, or one of the 360's own
    such as too few respondents) in the reader's language; an unknown code as it is."""
    reasons = {
        Ineligibility.TOO_SHORT_IN_POST: _("too short in the post (clause 5)"),
        Ineligibility.APPOINTED_AFTER_PERIOD: _("appointed after the period"),
        Ineligibility.ON_PROBATION: _("on probation at the end of the period"),
        Ineligibility.TOO_SOON_AFTER_RETURN: _("back from social leave or study too recently"),
        "too_few_respondents": _("too few respondents"),
    }
    return reasons.get(reason, reason)
