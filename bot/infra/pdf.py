"""The forms' kit: an A4 PDF form in DejaVu Sans (bundled with matplotlib, which covers the
Kazakh letters ә ғ қ ң ө ұ ү һ і) with the "confidential" footer and page numbers, and the
pieces every form is drawn with: boxes, tables, facts, the methodology's small print.

The forms themselves belong to their features: the 360 result (bot/survey360/result_pdf.py),
the quarterly sheet, the calibration protocol, the 2018 method's forms.
Strings go through gettext: render inside ``bot.infra.i18n.in_locale``. Blocking (fpdf): call
from a worker thread in the bot.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import matplotlib
from aiogram.utils.i18n import gettext as _
from fontTools import subset as font_subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TableBordersLayout, VAlign, XPos, YPos
from fpdf.fonts import FontFace
from fpdf.table import Table
from fpdf.util import Padding

from bot.infra.formatting import current_locale, format_score
from bot.kernel.methodology import GradeBand, Profile, Questionnaire

__all__ = [
    "FormPDF",
    "band_fill",
    "draw_box",
    "draw_document",
    "draw_facts",
    "draw_heading",
    "form_table",
    "form_title",
    "new_form",
    "score_text",
    "text_height",
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


FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# The letters a form's words are written in: Latin with its first extension (which holds
# the Kazakh Latin alphabet's letters), Cyrillic with its supplement (the Kazakh letters),
# punctuation, currency, "№", the minus sign and the check marks. DejaVu Sans cut down to these
# has a seventh of its 6,000 glyphs, and fpdf2 reads a font file anew for every document (and
# cuts it down again when writing it): the full files took a third of a result PDF's time.
FORM_CHARACTERS = frozenset(
    chr(code)
    for first, last in (
        (0x20, 0x7E),
        (0xA0, 0x17F),
        (0x400, 0x52F),
        (0x2000, 0x206F),
        (0x20A0, 0x20CF),
        (0x2100, 0x214F),
        (0x2212, 0x2212),
        (0x2713, 0x2718),
    )
    for code in range(first, last + 1)
)
_small_fonts: dict[str, Path] = {}
_small_fonts_lock = threading.Lock()


def form_font_files(texts: Iterable[str] | None = None) -> dict[str, Path]:
    """The font file per style for a form whose own words (names, positions, units: what is
    not in the catalogues or the profile) are ``texts``: DejaVu Sans cut down to
    FORM_CHARACTERS when they are all in it, else (or when ``texts`` is None) the full files,
    so that no letter the full font has is ever lost."""
    if texts is None or any(not FORM_CHARACTERS.issuperset(text) for text in texts):
        return {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    with _small_fonts_lock:  # once per process: a worker cuts them at its first form
        if not _small_fonts:
            folder = Path(tempfile.mkdtemp(prefix="bagalau-fonts-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            for style, name in FONT_FILES.items():
                _small_fonts[style] = _cut_font(FONT_DIR / name, folder / name)
        return dict(_small_fonts)


def _cut_font(source: Path, target: Path) -> Path:
    # The glyph names are kept: without them fontTools makes them up from the character map
    # each time the file is read, which was half of fpdf2's reading time.
    options = font_subset.Options(
        notdef_outline=True, recommended_glyphs=True, name_IDs=["*"], glyph_names=True
    )
    options.name_languages = ["*"]
    options.layout_features = ["*"]  # keep kerning and the like as they were
    font = TTFont(source, recalcTimestamp=False)
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in FORM_CHARACTERS])
    subsetter.subset(font)
    # Written whole under a temporary name, then renamed: a reader never sees half a file.
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(partial)
    partial.replace(target)
    return target


class FormPDF(FPDF):
    """An A4 form with DejaVu Sans (regular and bold) loaded and a footer: ``footer_left``
    (e.g. "confidential") and the page number. The footer spans the page's own width, so
    landscape forms (the KPI sheet) share it. ``texts``: see :func:`form_font_files`."""

    def __init__(
        self,
        footer_left: str,
        page_template: str,
        orientation: str = "P",
        texts: Iterable[str] | None = None,
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.footer_left = footer_left
        self.page_template = page_template
        for style, path in form_font_files(texts).items():
            self.add_font(FONT, style, str(path))

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


def new_form(
    title: str,
    profile: Profile,
    created_at: datetime,
    orientation: str = "P",
    texts: Iterable[str] | None = None,
) -> FormPDF:
    """A confidential form's first page, in the current locale; ``created_at`` goes into the
    metadata, so the same input always gives the same bytes. A form that lists every word of
    its own in ``texts`` may get the smaller fonts (:func:`form_font_files`)."""
    locale = current_locale()
    pdf = FormPDF(_("Confidential (clause 20)"), _("Page {page} of {pages}"), orientation, texts)
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


def draw_heading(pdf: FPDF, appendix: int, title: str) -> None:
    """A form's heading as the methodology prints it: "Appendix N" on the right, in small
    grey type, and the form's title centred in bold."""
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(
        pdf.epw,
        4,
        _("Appendix {number}").format(number=appendix),
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 12.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(pdf.epw, 6, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


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


def draw_document(pdf: FormPDF, profile: Profile, locale: str) -> None:
    """The methodology's title in small print, the last line of every form."""
    pdf.ln(GAP)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(pdf.epw, 2.9, profile.document.get(locale), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def text_height(pdf: FormPDF, text: str, style: str, size: float, line_height: float) -> float:
    pdf.set_font(FONT, style, size)
    # Measured as wide as the narrowest box it goes in (the padded result box).
    width = CONTENT_W - RESULT_PADDING.left - RESULT_PADDING.right
    lines = pdf.multi_cell(width, line_height, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)
    return len(lines) * line_height


def score_text(value: Decimal | None) -> str:
    return "—" if value is None else format_score(value)


def build_letter(
    title: str,
    profile: Profile,
    created_at: datetime,
    facts: Sequence[tuple[str, str]],
    paragraphs: Sequence[str],
) -> bytes:
    """A one-page letter that acquaints a person with a result in writing: the title, the facts
    (to whom, what was evaluated, the result), the paragraphs, the methodology. Blocking."""
    locale = current_locale()
    pdf = new_form(f"{title}: {facts[0][1]}", profile, created_at, "P")
    pdf.set_font(FONT, "B", 12.5)
    pdf.multi_cell(pdf.epw, 6, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(GAP)
    draw_facts(pdf, facts, col_widths=(45, 131))
    pdf.set_font(FONT, "", 10)
    for paragraph in paragraphs:
        pdf.multi_cell(pdf.epw, 5.2, paragraph, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(GAP)
    draw_document(pdf, profile, locale)
    return bytes(pdf.output())
