"""The per-person 360 result as a one-page PDF, after appendices 7 (heads) and 8 (employees).

The form: the appendix mark, the form title, the person, the table "№ | competency |
average score | self-assessment", the radar chart, the result line, how the averages are
computed, the methodology in small print, and "confidential" with the page number in the
footer. A withheld result (fewer colleagues' questionnaires than the anonymity threshold)
keeps the header and says that the result is not shown: no table, no chart, no number.

Text is drawn in DejaVu Sans, bundled with matplotlib, which covers the Kazakh letters
ә ғ қ ң ө ұ ү һ і. The chart comes from :func:`bot.survey360.radar.render_radar` and is sized
to the space left on the page, so that 12 competencies still fit on one page.

Strings go through gettext: render inside ``bot.infra.i18n.in_locale``. Blocking (matplotlib,
fpdf): call from a worker thread in the bot.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import matplotlib
from aiogram.utils.i18n import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TableBordersLayout, TableCellFillMode, VAlign, XPos, YPos
from fpdf.fonts import FontFace
from fpdf.table import Table
from fpdf.util import Padding
from PIL import Image, ImageChops

from bot.infra.formatting import KAZAKHSTAN_TIME, current_locale, format_score
from bot.kernel.methodology import GradeBand, Profile, Questionnaire
from bot.survey360.radar import render_radar
from bot.survey360.report import radar_series
from bot.survey360.results import SubjectResult

__all__ = [
    "FormPDF",
    "band_fill",
    "build_person_pdf",
    "draw_document",
    "form_title",
    "report_created_at",
    "score_text",
]

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"

# Page geometry in millimetres (A4 portrait).
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 17.0, 11.0, 15.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
CONTENT_BOTTOM = PAGE_H - MARGIN_BOTTOM - 2.0  # the footer sits below this line
GAP = 3.0
NOTE_GAP = 1.5
RESULT_PADDING = Padding(1.75, 2.5, 1.75, 2.5)

# The chart is drawn no smaller than CHART_MIN_W (its labels stay about 7 pt or larger),
# else on a second page; CHART_MAX_W keeps 8 competencies from looking inflated.
CHART_MAX_W, CHART_MIN_W = 150.0, 100.0
CHART_DPI = 130
CHART_CROP_PAD_PX = 12

INK = (31, 35, 40)
MUTED = (89, 99, 110)
RULE = (160, 168, 178)
HEADING_FILL = (226, 234, 244)

# Band fills from the best band to the worst: green, light blue, amber, red. Shared with
# the workbook so that HR sees the same colours everywhere.
BAND_FILLS = ("#C6EFCE", "#DDEBF7", "#FFEB9C", "#FFC7CE")


def band_fill(profile: Profile, band: GradeBand) -> str:
    """The fill colour of a band, by its rank in the profile (best first, worst last)."""
    bands = profile.grade_bands
    rank = bands.index(band)
    if rank == len(bands) - 1:
        return BAND_FILLS[-1]
    return BAND_FILLS[min(rank, len(BAND_FILLS) - 2)]


def form_title(questionnaire: Questionnaire) -> str:
    """The title of the result form (appendix 7 for heads, 8 for employees)."""
    if questionnaire.code == "heads":
        return _("Result of the 360 evaluation of a civil servant (for heads of structural units)")
    if questionnaire.code == "employees":
        return _("Result of the 360 evaluation of a civil servant (for corps B employees)")
    return _("Result of the 360 evaluation of a civil servant")


def report_created_at(item: SubjectResult) -> datetime:
    """The date written into a report when none is given: the round's deadline, so that the
    same round always gives the same bytes."""
    return datetime.combine(item.campaign.deadline, time(0, 0), tzinfo=KAZAKHSTAN_TIME)


class FormPDF(FPDF):
    """An A4 form with DejaVu Sans (regular and bold) loaded and a footer: ``footer_left``
    (e.g. "confidential") and the page number. The footer spans the page's own width, so
    landscape forms (the KPI sheet) share it."""

    def __init__(self, footer_left: str, page_template: str, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.footer_left = footer_left
        self.page_template = page_template
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))

    def footer(self) -> None:
        self.set_y(-MARGIN_BOTTOM + 3)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(self.epw / 2, 5, self.footer_left, align="L")
        page = self.page_template.format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(self.epw / 2, 5, page, align="R")


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


def new_form(title: str, profile: Profile, created_at: datetime, orientation: str = "P") -> FormPDF:
    """A confidential form's first page, in the current locale; ``created_at`` goes into the
    metadata, so the same input always gives the same bytes."""
    locale = current_locale()
    pdf = FormPDF(_("Confidential (clause 20)"), _("Page {page} of {pages}"), orientation)
    pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
    pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM + 2)
    pdf.set_creation_date(created_at)
    pdf.set_lang(locale)
    pdf.set_title(title)
    pdf.set_subject(profile.document.get(locale))
    pdf.set_creator("Bagalau")
    pdf.add_page()
    pdf.set_text_color(*INK)
    return pdf


def _new_pdf(item: SubjectResult, profile: Profile, created_at: datetime, locale: str) -> FormPDF:
    return new_form(
        f"{form_title(item.questionnaire)}: {item.subject.employee.full_name}", profile, created_at
    )


def draw_box(pdf: FPDF, text: str, fill: str) -> None:
    """A bold line of text (a result) in a filled, framed box across the page."""
    # The fill colour is local: a table drawn later would take it for its cells' background.
    with pdf.local_context(fill_color=fill, draw_color=RULE):
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(
            pdf.epw,
            5.2,
            text,
            border=1,
            fill=True,
            align="L",
            padding=RESULT_PADDING,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def form_table(
    pdf: FPDF,
    col_widths: tuple[float, ...],
    text_align: tuple[str, ...],
    *,
    size: float = 9,
    line_height: float = 4.6,
) -> AbstractContextManager[Table]:
    """A ruled table in the forms' style: a shaded bold heading row, then the rows (use as a
    context manager, as ``FPDF.table``)."""
    heading = FontFace(family=FONT, emphasis="B", size_pt=8.5, color=INK, fill_color=HEADING_FILL)
    pdf.set_font(FONT, "", size)
    return pdf.table(
        col_widths=col_widths,
        headings_style=heading,
        text_align=text_align,
        line_height=line_height,
        padding=(1.0, 1.2),
    )


def bold_line(pdf: FPDF, text: str) -> None:
    """A result or conclusion in bold across the page."""
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(pdf.epw, 5.2, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def draw_facts(
    pdf: FPDF, rows: Sequence[tuple[str, str]], *, col_widths: tuple[float, float], width: float | None = None
) -> None:
    """The form's opening lines: a muted label and the value in bold, ruled between rows."""
    label_style = FontFace(family=FONT, emphasis="", size_pt=8.5, color=MUTED)
    value_style = FontFace(family=FONT, emphasis="B", size_pt=10, color=INK)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        width=width,
        align="LEFT" if width is not None else "CENTER",
        col_widths=col_widths,
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        text_align=("LEFT", "LEFT"),
        line_height=4.6,
        padding=(1.0, 1.2),
        v_align=VAlign.M,
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value, style=value_style)
    pdf.ln(GAP + 1)


def _draw_header(pdf: FormPDF, item: SubjectResult) -> None:
    person = item.subject.employee
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        CONTENT_W,
        4,
        _("Appendix {number}").format(number=item.questionnaire.result_appendix),
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 12.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(
        CONTENT_W, 6, form_title(item.questionnaire), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
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
    heading = FontFace(family=FONT, emphasis="B", size_pt=8.5, color=INK, fill_color=HEADING_FILL)
    mean_style = FontFace(family=FONT, emphasis="B", size_pt=10, color=INK)
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=(0.06, 0.54, 0.2, 0.2),
        headings_style=heading,
        text_align=("CENTER", "LEFT", "CENTER", "CENTER"),
        line_height=4.3,
        padding=(0.8, 1.5),
        v_align=VAlign.M,
        cell_fill_mode=TableCellFillMode.NONE,
    ) as table:
        head = table.row()
        for text in ("№", _("Competency"), _("Average score (colleagues)"), _("Self-assessment")):
            head.cell(text)
        for competency in questionnaire.competencies:
            scored = by_no.get(competency.no)
            row = table.row()
            row.cell(str(competency.no))
            row.cell(competency.result_name.get(locale))
            row.cell(score_text(scored.mean if scored else None), style=mean_style)
            row.cell(score_text(scored.self_score if scored else None))
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
        _text_height(pdf, result_line, "B", 10.5, 5.2)
        + RESULT_PADDING.top
        + RESULT_PADDING.bottom
        + NOTE_GAP
        + _text_height(pdf, note, "", 7.5, 3.4)
        + GAP
        + _text_height(pdf, profile.document.get(locale), "", 6.5, 2.9)
    )
    _draw_chart(pdf, item, locale, CONTENT_BOTTOM - pdf.get_y() - below)

    draw_box(pdf, result_line, band_fill(profile, result.band) if result.band else "#FFFFFF")
    pdf.ln(NOTE_GAP)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(CONTENT_W, 3.4, note, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _draw_chart(pdf: FormPDF, item: SubjectResult, locale: str, height: float) -> None:
    """The radar chart, centred, as large as ``height`` (the chart and the gap after it)
    allows; on the next page if that would make it too small to read."""
    labels = [c.result_name.get(locale) for c in item.questionnaire.competencies]
    series = radar_series(item)
    # No title in the picture (the form says what it is): the blank title band and the
    # margins are cropped away, so the labels come out about twice as large on paper.
    chart = _cropped(render_radar(labels, series, " ", dpi=CHART_DPI))
    aspect = chart.height / chart.width
    width = min(CHART_MAX_W, CONTENT_W, (height - GAP) / aspect)
    if width < CHART_MIN_W:
        pdf.add_page()
        width = min(CHART_MAX_W, CONTENT_W, (CONTENT_BOTTOM - pdf.get_y() - GAP) / aspect)
    pdf.image(chart, x=(PAGE_W - width) / 2, y=pdf.get_y(), w=width, h=width * aspect)
    pdf.set_y(pdf.get_y() + width * aspect + GAP)


def _cropped(png: bytes) -> Image.Image:
    """The chart without the white border around its drawing."""
    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("RGB")
    box = ImageChops.difference(picture, Image.new("RGB", picture.size, "white")).getbbox()
    if box is None:
        return picture
    pad = CHART_CROP_PAD_PX
    left, top, right, bottom = box
    return picture.crop(
        (
            max(0, left - pad),
            max(0, top - pad),
            min(picture.width, right + pad),
            min(picture.height, bottom + pad),
        )
    )


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


def draw_document(pdf: FormPDF, profile: Profile, locale: str) -> None:
    """The methodology's title in small print, the last line of every form."""
    pdf.ln(GAP)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(pdf.epw, 2.9, profile.document.get(locale), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _text_height(pdf: FormPDF, text: str, style: str, size: float, line_height: float) -> float:
    pdf.set_font(FONT, style, size)
    # Measured as wide as the narrowest box it goes in (the padded result box).
    width = CONTENT_W - RESULT_PADDING.left - RESULT_PADDING.right
    lines = pdf.multi_cell(width, line_height, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)
    return len(lines) * line_height


def score_text(value: Decimal | None) -> str:
    return "—" if value is None else format_score(value)
