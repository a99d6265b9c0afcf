"""The 360 report a person receives when the round closes (appendices 7-8)."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.infra.callbacks import ReportAckCb
from bot.infra.formatting import current_locale, format_score
from bot.survey360.radar_shape import has_self_assessment, radar_series
from bot.survey360.results import SubjectResult


def report_text(item: SubjectResult, min_respondents: int) -> str:
    locale, result, person = current_locale(), item.result, item.subject.employee
    lines = [
        _("<b>Your 360 evaluation result, {year}</b>").format(year=item.campaign.year),
        f"{escape(person.full_name)}, {escape(person.position)}",
        "",
    ]
    if result.withheld:
        lines.append(
            _(
                "Not enough responses: a result needs at least {minimum} colleagues' questionnaires and "
                "{count} were submitted. To keep your colleagues anonymous it is not shown."
            ).format(minimum=min_respondents, count=result.n_respondents)
        )
        return "\n".join(lines)
    if has_self_assessment(item):
        lines.append(_("Average per competency (colleagues), your self-assessment in brackets:"))
    else:
        lines.append(_("Average per competency (colleagues); you did not submit a self-assessment:"))
    for competency, scored in zip(item.questionnaire.competencies, result.competencies, strict=True):
        mean = "–" if scored.mean is None else format_score(scored.mean)
        own = "" if scored.self_score is None else f" ({format_score(scored.self_score)})"
        lines.append(f"{competency.no}. {escape(competency.result_name.get(locale))}: <b>{mean}</b>{own}")
    lines.append("")
    if result.overall is not None and result.band is not None:
        lines.append(
            _("<b>Result: {score} — {band}</b>").format(
                score=format_score(result.overall), band=escape(result.band.name.get(locale))
            )
        )
    lines.append(
        _(
            "Based on {count} colleagues' questionnaires; the self-assessment is not part of the averages."
        ).format(count=result.n_respondents)
    )
    weakest = result.weakest()
    if weakest:
        names = "; ".join(
            escape(item.questionnaire.competency(c.competency_no).result_name.get(locale)) for c in weakest
        )
        lines.append(_("Competencies to develop first: {names}.").format(names=names))
    return "\n".join(lines)


def report_markup(subject_id: int, *, acknowledged: bool) -> InlineKeyboardMarkup | None:
    """ "I have read it" until the person has pressed it."""
    if acknowledged:
        return None
    button = InlineKeyboardButton(
        text=_("✅ I have read it"), callback_data=ReportAckCb(subject=subject_id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def report_chart(item: SubjectResult) -> bytes:
    """The radar chart: colleagues' means against the self-assessment. Blocking (matplotlib):
    call it in a worker thread."""
    # matplotlib is imported by the first chart, not when the bot starts (docs/heavy-work.md).
    from bot.survey360.radar import render_radar

    locale = current_locale()
    labels = [c.result_name.get(locale) for c in item.questionnaire.competencies]
    series = radar_series(item)
    title = f"{item.subject.employee.full_name}\n" + _("360 evaluation, {year}").format(
        year=item.campaign.year
    )
    return render_radar(labels, series, title)
