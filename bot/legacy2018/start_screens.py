"""HR's screens to start a year under the 2018 method: the profile, the year, the deadline, and
the confirmation with who will and will not be evaluated."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.infra.callbacks import LegacyStartAction, LegacyStartCb
from bot.infra.formatting import format_date
from bot.kernel.eligibility import Ineligibility
from bot.kernel.methodology import Profile
from bot.legacy2018.rules import StartProblem
from bot.legacy2018.service import LEGACY_PROFILES, PLAN_DAYS, YearPreview
from bot.quarterly.labels import exclusion_label
from bot.staff.hr_screens import listed

Rendered = tuple[str, InlineKeyboardMarkup]


def _button(text: str, action: LegacyStartAction, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=LegacyStartCb(action=action, value=value).pack())


def start_button() -> InlineKeyboardButton:
    return _button(_("🆕 Start a year"), LegacyStartAction.BEGIN)


def profile_label(code: str) -> str:
    labels = {
        "kz-2018": _("kz-2018: KPIs, competencies and the commission (the 2018 methodology, seed 004)"),
        "kz-2018-koksu": _("kz-2018-koksu: KPIs and the commission only (chapter 6 of seed 003)"),
    }
    return labels.get(code, code)


def profile_question(default: str | None) -> Rendered:
    """The 2018 profiles, the organisation's own first when it runs one."""
    order = sorted(range(len(LEGACY_PROFILES)), key=lambda i: LEGACY_PROFILES[i] != default)
    builder = InlineKeyboardBuilder()
    for index in order:
        code = LEGACY_PROFILES[index]
        mark = "✅ " if code == default else ""
        builder.row(_button(mark + profile_label(code), LegacyStartAction.PROFILE, index))
    builder.row(_button(_("✖ Cancel"), LegacyStartAction.CANCEL))
    text = _(
        "<b>A year under the 2018 methodology</b> (/cancel stops at any step)\n\nWhich methodology scores it?"
    )
    return text, builder.as_markup()


def year_question(code: str, this_year: int) -> Rendered:
    text = _("{profile}\n\nWhich year is evaluated? Press a button or type the year.").format(
        profile=profile_label(code)
    )
    builder = InlineKeyboardBuilder()
    builder.row(
        _button(str(this_year - 1), LegacyStartAction.YEAR, this_year - 1),
        _button(str(this_year), LegacyStartAction.YEAR, this_year),
    )
    builder.row(_button(_("✖ Cancel"), LegacyStartAction.CANCEL))
    return text, builder.as_markup()


def deadline_question(year: int, example: date) -> str:
    return _(
        "Year {year}. What is the deadline of the evaluation? Type a date such as {example}: a working "
        "day after the year, not in the past."
    ).format(year=year, example=format_date(example))


def year_refusal(problem: StartProblem | None, this_year: int) -> str:
    """Why a typed year is not taken; None: the year has a round already."""
    if problem is None:
        return _("This year has a round under the 2018 methodology already: /legacyrounds shows it.")
    return _("Please type a year from 2018 to {year}.").format(year=this_year + 1)


def deadline_refusal(problem: StartProblem | None, year: int, example: date) -> str:
    """Why a typed deadline is not taken; None: it is not a date."""
    match problem:
        case StartProblem.IN_THE_YEAR:
            return _("The deadline must come after the year evaluated, i.e. after 31.12.{year}.").format(
                year=year
            )
        case StartProblem.PAST:
            return _("This date has passed. Type a date not yet passed, e.g. {example}.").format(
                example=format_date(example)
            )
        case StartProblem.DAY_OFF:
            return _(
                "This date is a weekend day or a public holiday. Type a working day, e.g. {example}."
            ).format(example=format_date(example))
        case _:
            return _("Please type the date as dd.mm.yyyy, e.g. {example}.").format(
                example=format_date(example)
            )


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


def confirmation(preview: YearPreview, deadline: date, today: date) -> Rendered:
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
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("▶ Start"), LegacyStartAction.START, preview.year),
                _button(_("✖ Cancel"), LegacyStartAction.CANCEL),
            ]
        ]
    )
    return "\n".join(lines), markup


def started_text(year: int, evaluated: int) -> str:
    return _(
        "✅ {year} has started: {count} sheets. The direct managers set the plans in /legacy; the year's "
        "screen is below."
    ).format(year=year, count=evaluated)


def stale_text() -> str:
    return _("This step is no longer open: press «Start a year» in /legacyrounds again.")
