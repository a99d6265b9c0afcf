"""The per-person 360 result as a one-page PDF, after appendices 7 (heads) and 8 (employees).

The form: the appendix mark, the form title, the person, the table "№ | competency |
average score | self-assessment", the radar chart, the result line, how the averages are
computed, the methodology in small print, and "confidential" with the page number in the
footer. A withheld result (fewer colleagues' questionnaires than the anonymity threshold)
keeps the header and says that the result is not shown: no table, no chart, no number.

The chart is drawn into the page as vector graphics (bot/survey360/radar_pdf.py), sized to the
space left on the page, so that 12 competencies still fit on one page. Drawn with the forms' kit
(bot/infra/pdf.py). Strings go through gettext: render inside ``bot.infra.i18n.in_locale``.
Blocking (fpdf): call from a worker thread in the bot.
"""

from __future__ import annotations

from datetime import datetime

from fpdf.enums import XPos, YPos
from fpdf.util import Padding

from bot.infra.formatting import current_locale
from bot.infra.pdf import (
    CONTENT_BOTTOM,
    CONTENT_W,
    FONT,
    GAP,
    HEADING_FILL,
    INK,
    MUTED,
    NOTE_GAP,
    PAGE_W,
    RESULT_PADDING,
    RULE,
    Face,
    FormPDF,
    band_fill,
    draw_box,
    draw_document,
    draw_facts,
    draw_heading,
    draw_paragraph,
    draw_table,
    form_title,
    new_form,
    score_text,
    string_width,
    text_height,
)
from bot.infra.translation import gettext as _
from bot.kernel.methodology import Profile
from bot.kernel.scoring import Result360
from bot.survey360.radar_pdf import RadarLayout, draw_radar, layout_radar, legend_height
from bot.survey360.radar_shape import radar_series
from bot.survey360.results import SubjectResult
from bot.survey360.results import report_created_at as report_created_at
from storage.dto import CampaignDTO, SubjectDTO

__all__ = ["build_member_pdf", "build_person_pdf", "report_created_at"]

# CHART_MAX_W keeps 8 competencies from looking inflated; a chart whose web would be smaller
# than radar_pdf.MIN_RADIUS even with its smallest labels goes on a second page.
CHART_MAX_W = 150.0


def build_person_pdf(item: SubjectResult, profile: Profile, *, created_at: datetime | None = None) -> bytes:
    """One evaluated person's 360 result form as PDF bytes, in the current i18n locale.

    ``created_at`` goes into the document's metadata (default: the round's deadline), so
    that the output is byte-for-byte reproducible.
    """
    locale = current_locale()
    pdf = _new_pdf(item, profile, created_at or report_created_at(item), locale)
    _draw_header(pdf, item)
    if item.result.withheld:
        _draw_withheld(pdf, item, profile)
    else:
        _draw_result(pdf, item, profile, locale)
    draw_document(pdf, profile, locale)
    return bytes(pdf.output())


def build_member_pdf(
    campaign: CampaignDTO, subject: SubjectDTO, result: Result360, profile: Profile, *, created_at: datetime
) -> bytes:
    """``build_person_pdf`` for a member of a round's ZIP (bot/reports/jobs.py), in a worker
    process: the questionnaire is the profile's, which the job shares once with each worker,
    rather than pickled again with every person (a 12-18 KB object, pickled in the bot)."""
    item = SubjectResult(campaign, subject, profile.questionnaire(subject.questionnaire), result)
    return build_person_pdf(item, profile, created_at=created_at)


def _new_pdf(item: SubjectResult, profile: Profile, created_at: datetime, locale: str) -> FormPDF:
    person = item.subject.employee
    # Every word on the form that is not the catalogue's: the fonts are cut down to the
    # scripts these are written in (bot/infra/pdf.py, form_font_files).
    texts = [
        person.full_name,
        person.position,
        person.unit,
        profile.document.get(locale),
        *(c.result_name.get(locale) for c in item.questionnaire.competencies),
        *(band.name.get(locale) for band in profile.grade_bands),
    ]
    return new_form(f"{form_title(item.questionnaire)}: {person.full_name}", profile, created_at, texts=texts)


def _draw_header(pdf: FormPDF, item: SubjectResult) -> None:
    person = item.subject.employee
    draw_heading(pdf, item.questionnaire.result_appendix, form_title(item.questionnaire))
    pdf.ln(GAP)

    rows = (
        (_("Full name"), person.full_name),
        (_("Position"), person.position),
        (_("Unit"), person.unit),
        (_("Evaluation round"), _("360 evaluation, {year}").format(year=item.campaign.year)),
    )
    draw_facts(pdf, rows, col_widths=(0.22, 0.78))


def _draw_result(pdf: FormPDF, item: SubjectResult, profile: Profile, locale: str) -> None:
    result, questionnaire = item.result, item.questionnaire
    by_no = {c.competency_no: c for c in result.competencies}
    heading = Face("B", 8.5, INK, HEADING_FILL)
    plain, mean_style = Face("", 9), Face("B", 10)
    rows = [
        [
            (text, heading)
            for text in ("№", _("Competency"), _("Average score (colleagues)"), _("Self-assessment"))
        ]
    ]
    for competency in questionnaire.competencies:
        scored = by_no.get(competency.no)
        rows.append(
            [
                (str(competency.no), plain),
                (competency.result_name.get(locale), plain),
                (score_text(scored.mean if scored else None), mean_style),
                (score_text(scored.self_score if scored else None), plain),
            ]
        )
    pdf.set_draw_color(*RULE)
    draw_table(
        pdf,
        rows,
        col_widths=(0.06, 0.54, 0.2, 0.2),
        align=("C", "L", "C", "C"),
        line_height=4.3,
        padding=Padding(0.8, 1.5, 0.8, 1.5),
    )
    pdf.ln(GAP)

    result_line = _("Evaluation result: {score} — {band}").format(
        score=score_text(result.overall), band=result.band.name.get(locale) if result.band else "—"
    )
    note = _(
        "The average score of each competency is the sum of the colleagues' scores divided by the number "
        "of their answers; the self-assessment is not included. Colleagues' questionnaires counted: {count}."
    ).format(count=result.n_respondents)
    # What goes below the chart: the result box, the note, then the methodology (see
    # draw_document); the chart gets the rest of the page.
    below = (
        text_height(pdf, result_line, "B", 10.5, 5.2)
        + RESULT_PADDING.top
        + RESULT_PADDING.bottom
        + NOTE_GAP
        + text_height(pdf, note, "", 7.5, 3.4)
        + GAP
        + text_height(pdf, profile.document.get(locale), "", 6.5, 2.9)
    )
    _draw_chart(pdf, item, locale, CONTENT_BOTTOM - pdf.get_y() - below)

    draw_box(pdf, result_line, band_fill(profile, result.band) if result.band else "#FFFFFF")
    pdf.ln(NOTE_GAP)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*MUTED)
    draw_paragraph(pdf, note, 3.4)
    pdf.set_text_color(*INK)


def _draw_chart(pdf: FormPDF, item: SubjectResult, locale: str, height: float) -> None:
    """The radar chart, centred, as large as ``height`` (the chart and the gap after it)
    allows; on the next page if that would make it too small to read."""
    labels = tuple(c.result_name.get(locale) for c in item.questionnaire.competencies)
    series = radar_series(item)
    layout = _chart_layout(labels, height - GAP)
    if layout is None:
        pdf.add_page()
        layout = _chart_layout(labels, CONTENT_BOTTOM - pdf.get_y() - GAP)
        assert layout is not None, "a chart fits an empty page"
    draw_radar(pdf, layout, (PAGE_W - layout.width) / 2, pdf.get_y(), series, font=FONT)
    pdf.set_text_color(*INK)
    pdf.set_y(pdf.get_y() + layout.height + GAP)


# Layouts by (labels, height): a round has few questionnaires and languages, so a worker
# fits each chart's labels once.
_layouts: dict[tuple[tuple[str, ...], float], RadarLayout | None] = {}
_LAYOUTS_KEPT = 64


def _measure(text: str, size: float) -> float:
    return string_width(text, "", size)


def _chart_layout(labels: tuple[str, ...], height: float) -> RadarLayout | None:
    key = (labels, round(height, 2))
    if key not in _layouts:
        if len(_layouts) >= _LAYOUTS_KEPT:
            _layouts.clear()
        _layouts[key] = layout_radar(labels, _measure, min(CHART_MAX_W, CONTENT_W), height, legend_height())
    return _layouts[key]


def _draw_withheld(pdf: FormPDF, item: SubjectResult, profile: Profile) -> None:
    pdf.set_fill_color(245, 246, 248)
    pdf.set_draw_color(*RULE)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(
        CONTENT_W,
        6,
        _("Not enough responses: the result is not shown."),
        border="LTR",
        fill=True,
        align="L",
        padding=Padding(4, 5, 1, 5),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        CONTENT_W,
        5,
        _(
            "A result needs at least {minimum} colleagues' questionnaires; {count} were submitted. "
            "To keep the respondents anonymous, no average score is shown."
        ).format(minimum=profile.min_respondents, count=item.result.n_respondents),
        border="LBR",
        fill=True,
        align="L",
        padding=Padding(1, 5, 4, 5),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(GAP)
