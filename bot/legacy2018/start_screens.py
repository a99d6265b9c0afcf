"""HR's screens to start a year under the 2018 method: the profile, the year, the deadline, and
the confirmation with who will and will not be evaluated."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import LegacyStartAction, LegacyStartCb
from bot.infra.formatting import format_date
from bot.kernel.eligibility import Ineligibility
from bot.kernel.methodology import Profile
from bot.legacy2018.service import LEGACY_PROFILES, PLAN_DAYS, YearPreview
from bot.quarterly.labels import exclusion_label
from bot.staff.hr_screens import listed

Rendered = tuple[str, InlineKeyboardMarkup]


def _button(text: str, action: LegacyStartAction, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=LegacyStartCb(action=action, value=value).pack())


def start_button(profile: str | None = None) -> InlineKeyboardButton:
    """Opens the wizard; with ``profile``, at the year (the profile chosen already)."""
    value = LEGACY_PROFILES.index(profile) + 1 if profile in LEGACY_PROFILES else 0
    return _button(_("🆕 Start a year"), LegacyStartAction.BEGIN, value)


def profile_label(code: str) -> str:
    labels = {
        "kz-2018": _("kz-2018: KPIs, competencies and the commission (the 2018 methodology, seed 004)"),
        "kz-2018-koksu": _("kz-2018-koksu: KPIs and the commission only (chapter 6 of seed 003)"),
    }
    return labels.get(code, code)


def profile_question(default: str | None) -> tuple[str, list[tuple[str, int]]]:
    """The question and the 2018 profiles as (label, index), the organisation's own first and
    marked when it runs one."""
    order = sorted(range(len(LEGACY_PROFILES)), key=lambda i: LEGACY_PROFILES[i] != default)
    items = []
    for index in order:
        code = LEGACY_PROFILES[index]
        items.append((("✅ " if code == default else "") + profile_label(code), index))
    text = _(
        "<b>A year under the 2018 methodology</b> (/cancel stops at any step)\n\nWhich methodology scores it?"
    )
    return text, items


def year_question(code: str) -> str:
    return _("{profile}\n\nWhich year is evaluated? Press a button or type the year.").format(
        profile=profile_label(code)
    )


def deadline_question(year: int) -> str:
    return _(
        "Year {year}. What is the deadline of the evaluation? Choose a working day after the year in "
        "the calendar: the days that may be chosen are shown with their number."
    ).format(year=year)


def year_refusal(taken: bool, this_year: int) -> str:
    """Why a year is not taken: it has a round already, or it is out of the method's range."""
    if taken:
        return _("This year has a round under the 2018 methodology already: /legacyrounds shows it.")
    return _("Please type a year from 2018 to {year}.").format(year=this_year + 1)


def _reason_label(reason: str, profile: Profile) -> str:
    if reason == Ineligibility.TOO_SHORT_IN_POST:
        return _("less than {months} months in the post (clause 4)").format(months=profile.min_months_in_post)
    if reason == Ineligibility.ON_PROBATION:
        return _("on probation at the end of the year (clause 4)")
    months = profile.exclusions.months_after_return if profile.exclusions else None
    if reason == Ineligibility.TOO_SOON_AFTER_RETURN and months is not None:
        return _("less than {months} months since returning from social leave or study (clause 4)").format(
            months=months
        )
    return exclusion_label(reason)  # e.g. nobody above them in the staff list


def confirmation(preview: YearPreview, deadline: date, today: date) -> str:
    profile = preview.profile
    lines = [
        _("<b>Start {year} under {profile} ({version})?</b>").format(
            year=preview.year, profile=profile.code, version=profile.version
        ),
        _("Deadline: {date}.").format(date=format_date(deadline)),
        "",
        _("To be evaluated: {count}.").format(count=preview.evaluated),
        _("Not evaluated: {count}.").format(count=sum(preview.excluded.values())),
    ]
    for reason, count in sorted(preview.excluded.items()):
        label = _reason_label(reason, profile)
        lines.append(f"• {label}: {count}")
    if preview.without_category:
        lines += [
            "",
            _(
                "No post category of appendix 4 in the staff list, so no competency sheet until it is added: {ids}"
            ).format(ids=", ".join(listed(preview.without_category))),
        ]
    lines.append("")
    if preview.plan_due >= today:
        lines.append(
            _(
                "Plans (appendix 1) are due by {date}: {days} working days after the year begins (clause 9)."
            ).format(date=format_date(preview.plan_due), days=PLAN_DAYS)
        )
    else:
        lines.append(
            _(
                "The {days} working days to set the plans (clause 9) ended on {date}: they are overdue at once."
            ).format(date=format_date(preview.plan_due), days=PLAN_DAYS)
        )
    return "\n".join(lines)


def started_text(year: int, evaluated: int) -> str:
    return _(
        "✅ {year} has started: {count} sheets. The direct managers set the plans in /legacy; the year's "
        "screen is below."
    ).format(year=year, count=evaluated)
