"""The letter that acquaints a dismissed person with their quarterly result (000 clause 11,
second part): one page saying what was evaluated, the score and grade, and how to disagree
(clause 12), followed by the evaluation sheet itself (appendix 2 or 4), as HR prints and
sends it by registered letter, or reads it out in a telephonogram.

Strings go through gettext: render inside ``bot.infra.i18n.in_locale``. Blocking (fpdf): call
from a worker thread in the bot.
"""

from __future__ import annotations

from datetime import datetime

from fpdf.enums import XPos, YPos

from bot.infra.formatting import current_locale
from bot.infra.pdf import FONT, GAP, FormPDF, draw_facts, new_form, score_text
from bot.infra.translation import gettext as _
from bot.kernel.methodology import Profile
from bot.quarterly.appeals import APPEAL_WITHIN
from bot.quarterly.results import SheetRecord
from bot.quarterly.sheet_pdf import draw_sheet, sheet_orientation, sheet_title, shown_band

__all__ = ["build_letter_pdf"]


def letter_title() -> str:
    return _("Notice of the evaluation result")


def build_letter_pdf(record: SheetRecord, profile: Profile, *, created_at: datetime) -> bytes:
    """The letter and the submitted sheet as PDF bytes, in the current i18n locale; the same
    record and ``created_at`` always give the same bytes."""
    assert record.status == "submitted" and record.final_score is not None
    locale = current_locale()
    pdf = new_form(f"{letter_title()}: {record.full_name}", profile, created_at, "P")
    _draw_letter(pdf, record, profile, locale)
    pdf.add_page(orientation=sheet_orientation(record))
    draw_sheet(pdf, record, profile)
    return bytes(pdf.output())


def _draw_letter(pdf: FormPDF, record: SheetRecord, profile: Profile, locale: str) -> None:
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(pdf.epw, 6, letter_title(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(GAP)
    band = shown_band(record, profile)
    period = _("Q{quarter} {year}").format(quarter=record.quarter, year=record.year)
    draw_facts(
        pdf,
        [
            (_("To"), record.full_name),
            (_("Position"), f"{record.position}, {record.unit}"),
            (_("Evaluated period"), period),
            (_("Form"), sheet_title(record.method)),
            (_("Evaluator"), record.evaluator_name or "—"),
            (_("Score"), score_text(record.final_score)),
            (_("Grade"), band.name.get(locale) if band is not None else "—"),
        ],
        col_widths=(45, 131),
    )
    pdf.set_font(FONT, "", 10)
    paragraphs = (
        _(
            "You left the body before the evaluated period ended, so you were evaluated without your "
            "participation within the usual time (clause 6 of the methodology). As clause 11 provides, "
            "the personnel management service acquaints you with the result of the evaluation: it is "
            "given above, and the evaluation sheet follows this page."
        ),
        _(
            "If you disagree with the result, you may apply in free form to the official entitled to "
            "appoint and dismiss for a calibration session within {days} working days from the day you "
            "received this notice (clause 12)."
        ).format(days=APPEAL_WITHIN),
        _("The result is confidential (clause 20)."),
    )
    for paragraph in paragraphs:
        pdf.multi_cell(pdf.epw, 5.2, paragraph, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(GAP)
