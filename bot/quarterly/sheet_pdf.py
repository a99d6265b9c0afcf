"""A person's quarterly evaluation sheet as a PDF, after the methodology's forms.

Heads of units, KPI method: appendix 2, on a landscape page for its 19 columns —

    № | KPI | unit of measure | planned value, quarters I-IV | actual value, I-IV |
    achievement %, I-IV | score, I-IV

then "final score = sum of the KPI scores / number of KPIs" worked out with this quarter's
scores, the result (grade band) and the signature lines of the evaluated person and the
evaluator. The quarter evaluated is shaded.

Employees, differentiation method: appendix 4, portrait — the evaluated person and the
evaluator, the table "№ | parameter | criterion | score", the mean worked out, the result,
the evaluator's justification and the signature lines.

A sheet not submitted yet shows no score of the quarter (nor the evaluator's draft
comments); a person not evaluated this quarter gets the header and the reason only.
Tables too long for the page go on with their header repeated.

Text is drawn in DejaVu Sans (Kazakh letters included) through ``bot.infra.pdf.FormPDF``;
strings go through gettext: render inside ``bot.infra.i18n.in_locale``. Blocking (fpdf): call
from a worker thread in the bot.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.numbers import format_decimal
from fpdf.enums import CellBordersLayout, TableBordersLayout, TableCellFillMode, VAlign, XPos, YPos
from fpdf.fonts import FontFace
from fpdf.util import Padding

from bot.infra.formatting import current_locale, format_date, local_time
from bot.infra.pdf import (
    FONT,
    GAP,
    HEADING_FILL,
    INK,
    MUTED,
    RULE,
    FormPDF,
    band_fill,
    draw_box,
    draw_document,
    draw_facts,
    draw_heading,
    new_form,
    score_text,
)
from bot.infra.translation import gettext as _
from bot.kernel.methodology import GradeBand, Profile
from bot.kernel.scoring import grade_band
from bot.quarterly.labels import participation_label
from bot.quarterly.results import KpiLine, SheetRecord
from bot.quarterly.rules import Method

__all__ = [
    "KPI_SHEET_APPENDIX",
    "build_sheet_pdf",
    "draw_sheet",
    "scores_shown",
    "sheet_orientation",
    "sheet_title",
    "shown_band",
]

KPI_SHEET_APPENDIX = 2  # the KPI evaluation sheet's appendix in the methodology

QUARTER_NUMERALS = {1: "I", 2: "II", 3: "III", 4: "IV"}  # as the forms head the quarter columns
THIS_QUARTER_FILL = "#FFF4D6"
NOTICE_FILL = "#F5F6F8"
SIGNATURE_BLOCK_H = 34.0  # both people's signature lines with their captions, kept on one page
RESULT_BLOCK_H = 24.0  # the formula and the result box, each up to two lines
SIGNATURE_GAP = 8.0  # between the two people's lines when side by side
PORTRAIT_CONTENT_W = 176.0  # a portrait form's content width: the header and signature tables keep it


def sheet_title(method: Method) -> str:
    if method is Method.KPI:
        return _("Evaluation sheet on key performance indicators")
    return _("Evaluation sheet by the differentiation method")


def build_sheet_pdf(record: SheetRecord, profile: Profile, *, created_at: datetime) -> bytes:
    """The person's evaluation sheet for the quarter as PDF bytes, in the current i18n locale.
    ``created_at`` goes into the metadata, so the same sheet always gives the same bytes."""
    title = f"{sheet_title(record.method)}: {record.full_name}"
    pdf = new_form(title, profile, created_at, sheet_orientation(record))
    draw_sheet(pdf, record, profile)
    return bytes(pdf.output())


def sheet_orientation(record: SheetRecord) -> str:
    """Landscape for the KPI sheet's 19 columns, portrait for the differentiation sheet."""
    return "L" if record.method is Method.KPI else "P"


def draw_sheet(pdf: FormPDF, record: SheetRecord, profile: Profile) -> None:
    """The sheet from the current page on (a letter puts it after its own page)."""
    locale = current_locale()
    _draw_header(pdf, record, profile)
    participation = participation_label(
        excluded_reason=record.excluded_reason, absence=record.absence, kpi_due_on=record.kpi_due_on
    )
    if participation:
        _draw_box(pdf, _capitalised(participation), NOTICE_FILL)
    if record.status != "excluded":
        if record.method is Method.KPI:
            _draw_kpi_sheet(pdf, record)
        else:
            _draw_differentiation_sheet(pdf, record, profile, locale)
        _draw_result(pdf, record, profile, locale)
        if record.method is Method.DIFFERENTIATION:
            _draw_justification(pdf, record)
        _draw_signatures(pdf, record)
    draw_document(pdf, profile, locale)


def scores_shown(record: SheetRecord) -> bool:
    """The quarter's scores, grade and the evaluator's comments appear once the evaluator has
    submitted the sheet: an open sheet's draft is nobody else's business yet."""
    return record.status == "submitted"


def shown_band(record: SheetRecord, profile: Profile) -> GradeBand | None:
    if not scores_shown(record) or record.final_score is None:
        return None
    return record.band or grade_band(profile, record.final_score)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _kpis(record: SheetRecord) -> list[KpiLine]:
    return sorted(record.kpis, key=lambda kpi: kpi.no)


def _number(value: Decimal | None) -> str:
    """A planned or actual value as written in the plan: no forced decimals, the language's
    decimal sign and digit grouping."""
    return "" if value is None else format_decimal(value, locale=current_locale())


def _percent(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value, format="0.00", locale=current_locale())


# ---------------------------------------------------------------------------------- header


def _draw_header(pdf: FormPDF, record: SheetRecord, profile: Profile) -> None:
    if record.method is Method.KPI:
        appendix = KPI_SHEET_APPENDIX
    else:
        appendix = profile.differentiation.appendix if profile.differentiation else 0
    draw_heading(pdf, appendix, sheet_title(record.method))
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        pdf.epw,
        5,
        _("Quarter {quarter} of {year}").format(quarter=record.quarter, year=record.year),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(GAP)

    rows = (
        (_("Evaluated person"), record.full_name),
        (_("Position"), record.position),
        (_("Unit"), record.unit),
        (_("Evaluator"), record.evaluator_name or "—"),
        (_("Evaluation deadline"), format_date(record.deadline)),
    )
    draw_facts(pdf, rows, col_widths=(0.27, 0.73), width=PORTRAIT_CONTENT_W)


def _draw_box(pdf: FormPDF, text: str, fill: str) -> None:
    draw_box(pdf, text, fill)
    pdf.ln(GAP)


# ------------------------------------------------------------------------------ the tables


def _heading_style() -> FontFace:
    return FontFace(family=FONT, emphasis="B", size_pt=8, color=INK, fill_color=HEADING_FILL)


def _draw_kpi_sheet(pdf: FormPDF, record: SheetRecord) -> None:
    if not record.kpis:
        _draw_box(pdf, _("No KPIs are planned for this quarter."), NOTICE_FILL)
        return
    quarters = tuple(QUARTER_NUMERALS)
    this_quarter = FontFace(fill_color=THIS_QUARTER_FILL)
    this_quarter_bold = FontFace(emphasis="B", fill_color=THIS_QUARTER_FILL)  # its heading and scores
    pdf.set_font(FONT, "", 7.5)
    pdf.set_draw_color(*RULE)
    groups = (_("Planned value"), _("Actual value"), _("Achievement, %"), _("Score"))
    with pdf.table(
        col_widths=(6, 61, 18, *([11.125] * 4 * len(groups))),  # 263 mm: a landscape page; "100,00" fits
        headings_style=_heading_style(),
        num_heading_rows=2,
        text_align=("CENTER", "LEFT", "CENTER", *(["CENTER"] * 4 * len(groups))),
        line_height=3.6,
        padding=(0.8, 0.8),
        v_align=VAlign.M,
        cell_fill_mode=TableCellFillMode.NONE,
    ) as table:
        head = table.row()
        head.cell("№", rowspan=2)
        head.cell(_("Key performance indicator"), rowspan=2)
        head.cell(_("Unit of measure"), rowspan=2)
        for group in groups:
            head.cell(group, colspan=len(quarters))
        numerals = table.row()
        for _group in groups:
            for quarter in quarters:
                style = this_quarter_bold if quarter == record.quarter else None
                numerals.cell(QUARTER_NUMERALS[quarter], style=style)
        for kpi in _kpis(record):
            row = table.row()
            row.cell(str(kpi.no))
            row.cell(kpi.name)
            row.cell(kpi.unit)
            planned, actual, percent, scores = _kpi_values(kpi, record)
            for values in (planned, actual, percent, scores):
                for quarter, text in zip(quarters, values, strict=True):
                    style = None
                    if quarter == record.quarter:
                        style = this_quarter_bold if values is scores else this_quarter
                    row.cell(text, style=style)
    pdf.ln(GAP)
    _draw_kpi_comments(pdf, record)


def _kpi_values(kpi: KpiLine, record: SheetRecord) -> tuple[list[str], list[str], list[str], list[str]]:
    """The planned values, actual values, achievements and scores, each for quarters I-IV."""
    planned, actual, percent, score = [], [], [], []
    for quarter in QUARTER_NUMERALS:
        line = kpi.quarters.get(quarter)
        hidden = quarter == record.quarter and not scores_shown(record)
        planned.append(_number(line.planned) if line else "")
        actual.append(_number(line.actual) if line else "")
        percent.append(_percent(line.percent) if line else "")
        score.append("" if line is None or hidden or line.score is None else score_text(line.score))
    return planned, actual, percent, score


def _draw_kpi_comments(pdf: FormPDF, record: SheetRecord) -> None:
    """The evaluator's comments on the quarter's KPIs, once the sheet is submitted."""
    if not scores_shown(record):
        return
    comments = [
        (kpi.no, line.comment)
        for kpi in _kpis(record)
        if (line := kpi.quarters.get(record.quarter)) is not None and line.comment
    ]
    if not comments:
        return
    pdf.set_font(FONT, "B", 9)
    pdf.cell(pdf.epw, 5, _("Evaluator's comments"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    for no, comment in comments:
        pdf.multi_cell(
            pdf.epw,
            4,
            _("KPI {no}: {comment}").format(no=no, comment=comment),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(GAP)


def _draw_differentiation_sheet(pdf: FormPDF, record: SheetRecord, profile: Profile, locale: str) -> None:
    rules = profile.differentiation
    if rules is None:
        return
    scores = {p.no: p.score for p in record.parameters} if scores_shown(record) else {}
    score_style = FontFace(family=FONT, emphasis="B", size_pt=11, color=INK)
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=(0.06, 0.29, 0.51, 0.14),
        headings_style=_heading_style(),
        text_align=("CENTER", "LEFT", "LEFT", "CENTER"),
        line_height=4.3,
        padding=(1.2, 1.5),
        v_align=VAlign.M,
        cell_fill_mode=TableCellFillMode.NONE,
    ) as table:
        head = table.row()
        for text in (
            "№",
            _("Parameter"),
            _("Criterion"),
            _("Score ({low}–{high})").format(low=rules.min_score, high=rules.max_score),
        ):
            head.cell(text)
        for parameter in rules.parameters:
            score = scores.get(parameter.no)
            row = table.row()
            row.cell(str(parameter.no))
            row.cell(parameter.name.get(locale))
            row.cell(parameter.criterion.get(locale))
            row.cell("" if score is None else str(score), style=score_style)
    pdf.ln(GAP)


# ------------------------------------------------------------------------------ the result


def _formula(record: SheetRecord) -> str:
    """How the final score is computed, with this sheet's numbers."""
    if record.method is Method.KPI:
        rule = _("Final score = sum of the KPI scores / number of KPIs")
        scores = [
            score_text(line.score)
            for kpi in _kpis(record)
            if (line := kpi.quarters.get(record.quarter)) is not None and line.score is not None
        ]
    else:
        rule = _("Mean score = sum of the parameters' scores / number of parameters")
        scores = [str(p.score) for p in sorted(record.parameters, key=lambda p: p.no) if p.score is not None]
    if not scores_shown(record) or record.final_score is None or not scores:
        return rule
    return f"{rule} = ({' + '.join(scores)}) / {len(scores)} = {score_text(record.final_score)}"


def _draw_result(pdf: FormPDF, record: SheetRecord, profile: Profile, locale: str) -> None:
    if pdf.will_page_break(RESULT_BLOCK_H):
        pdf.add_page()  # the formula and the result it gives stay together
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(pdf.epw, 4.5, _formula(record), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    band = shown_band(record, profile)
    if band is None or record.final_score is None:
        _draw_box(pdf, _("The evaluation is not submitted yet: no score is shown."), NOTICE_FILL)
    else:
        text = _("Evaluation result: {score} — {band}").format(
            score=score_text(record.final_score), band=band.name.get(locale)
        )
        _draw_box(pdf, text, band_fill(profile, band))


def _draw_justification(pdf: FormPDF, record: SheetRecord) -> None:
    if not scores_shown(record):
        return
    pdf.set_font(FONT, "B", 9)
    pdf.cell(pdf.epw, 5, _("Justification of the scores"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    pdf.multi_cell(
        pdf.epw,
        4.4,
        record.justification or "—",
        border=1,
        align="L",
        padding=Padding(1.5, 2.0, 1.5, 2.0),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(GAP)


def _draw_signatures(pdf: FormPDF, record: SheetRecord) -> None:
    """Who signs: the evaluated person (on acknowledging the result) and the evaluator (on
    submitting it), each with lines for the name, the signature and the date, filled when
    known. Side by side on a landscape page, one under the other on a portrait one."""
    side_by_side = pdf.w > pdf.h  # landscape
    if pdf.will_page_break(SIGNATURE_BLOCK_H / (2 if side_by_side else 1)):
        pdf.add_page()
    label_style = FontFace(family=FONT, emphasis="", size_pt=8.5, color=MUTED)
    name_style = FontFace(family=FONT, emphasis="B", size_pt=9.5, color=INK)
    caption_style = FontFace(family=FONT, emphasis="", size_pt=6.5, color=MUTED)
    line = CellBordersLayout.BOTTOM
    people = (
        (_("Evaluated person"), record.full_name, record.acknowledged_at),
        (_("Evaluator"), record.evaluator_name or "", record.submitted_at if scores_shown(record) else None),
    )
    captions = (_("(full name)"), _("(signature)"), _("(date)"))
    person_w = (pdf.epw - SIGNATURE_GAP) / 2 if side_by_side else PORTRAIT_CONTENT_W
    # label | name | signature | date
    person_widths = tuple(person_w * share for share in (0.2, 0.42, 0.2, 0.18))
    lines = [people] if side_by_side else [people[:1], people[1:]]
    widths = (*person_widths, SIGNATURE_GAP, *person_widths) if side_by_side else person_widths
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*INK)
    with pdf.table(
        width=sum(widths),
        align="LEFT",
        col_widths=widths,
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.NONE,
        text_align="CENTER",
        line_height=4.4,
        padding=(0.6, 1.5),
        v_align=VAlign.B,
    ) as table:
        for index, group in enumerate(lines):
            if index:
                table.row().cell("", colspan=len(widths))
            names, notes = table.row(), table.row()
            for position, (label, name, signed_at) in enumerate(group):
                if position:
                    names.cell("")
                    notes.cell("")
                names.cell(label, style=label_style, align="LEFT")
                names.cell(name, style=name_style, border=line)
                names.cell("", border=line)
                names.cell(format_date(local_time(signed_at).date()) if signed_at else "", border=line)
                notes.cell("")
                for caption in captions:
                    notes.cell(caption, style=caption_style, v_align=VAlign.T)
