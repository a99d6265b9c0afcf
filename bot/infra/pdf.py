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
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fontTools import subset as font_subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, TTFFont
from fpdf.table import Table
from fpdf.util import Padding

from bot.infra.formatting import current_locale, format_score
from bot.infra.translation import gettext as _
from bot.kernel.methodology import GradeBand, Profile, Questionnaire

# fpdf2 subsets the embedded fonts of every PDF with fontTools, which warns at each one that
# it drops DejaVu's FFTM table (a font-forge timestamp, nothing drawn): 10,000 lines in the
# bot's log for a ministry's ZIP, hiding what matters.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

__all__ = [
    "Face",
    "FormPDF",
    "band_fill",
    "draw_box",
    "draw_document",
    "draw_facts",
    "draw_heading",
    "draw_table",
    "form_table",
    "form_title",
    "new_form",
    "score_text",
    "string_width",
    "text_height",
    "wrap_text",
]


def _matplotlib_fonts() -> Path:
    """matplotlib's bundled fonts, found without importing matplotlib (``get_data_path()`` is
    the package's ``mpl-data``): a worker drawing PDFs never loads it (docs/heavy-work.md)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib, whose DejaVu fonts the forms use, is not installed")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


FONT_DIR = _matplotlib_fonts()
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
    # The layout tables go: fpdf2 leaves them out of every file it embeds (it places glyphs by
    # their advances, without text shaping), yet read them each time it cut this file down.
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "MATH"]
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in FORM_CHARACTERS])
    # Written whole under a temporary name, then renamed: a reader never sees half a file. The
    # source is opened and closed here: TTFont reads a path lazily and left it open after the
    # subset (a ResourceWarning at collection, which failed a test that happened to be running).
    partial = target.with_suffix(f".{os.getpid()}.part")
    with source.open("rb") as file, TTFont(file, recalcTimestamp=False) as font:
        subsetter.subset(font)
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
        for font in self.fonts.values():
            # Cutting a font down to a form's glyphs leaves each glyph's outline and bounding
            # box as it was. fontTools would unpack every glyph on saving the cut to measure
            # its box again, and pack its points anew: a fifth of a result PDF's time, for the
            # same pages (rendered side by side, pixel for pixel). The table-wide bounds it
            # also keeps are the larger file's, still true of the cut.
            if isinstance(font, TTFFont):
                font.ttfont.recalcBBoxes = False

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
    draw_paragraph(pdf, title, 6, align="C")


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
    label_style = Face("", 8.5, MUTED)
    value_style = Face("B", 10, INK)
    pdf.set_draw_color(*RULE)
    draw_table(
        pdf,
        [((label, label_style), (value, value_style)) for label, value in rows],
        col_widths=col_widths,
        align=("L", "L"),
        line_height=4.6,
        padding=Padding(1.0, 1.2, 1.0, 1.2),
        width=width,
        rules_between_rows_only=True,
    )
    pdf.ln(GAP + 1)


@dataclass(frozen=True, slots=True)
class Face:
    """A table cell's type (DejaVu Sans in ``style`` "" or "B", ``size`` pt), colour and fill."""

    style: str
    size: float
    colour: tuple[int, int, int] = INK
    fill: tuple[int, int, int] | None = None


def draw_table(
    pdf: FPDF,
    rows: Sequence[Sequence[tuple[str, Face]]],
    *,
    col_widths: Sequence[float],
    align: Sequence[str],
    line_height: float,
    padding: Padding,
    width: float | None = None,
    rules_between_rows_only: bool = False,
) -> None:
    """A ruled table from the left margin, cells' text wrapped at spaces and centred vertically,
    drawn as fpdf2's ``FPDF.table`` draws one (``v_align=M``, padded cells, every cell framed
    or, with ``rules_between_rows_only``, a rule between two rows), in the current draw colour
    and line width. ``align``: "L", "C" or "R" per column; ``col_widths``: shares of ``width``
    (default: the page's width between the margins).

    The words are measured once per process and a cell's lines kept (:func:`wrap_text`):
    fpdf2 measures the line again for each letter it adds, twice per cell, which was most of
    a result PDF's layout time. A row that does not fit the page goes on the next one."""
    total = pdf.epw if width is None else width
    widths = [total * share / sum(col_widths) for share in col_widths]
    inner = [w - padding.left - padding.right for w in widths]
    for r, row in enumerate(rows):
        cells = [
            wrap_text(text, face.style, face.size, w) for (text, face), w in zip(row, inner, strict=True)
        ]
        heights = [len(lines) * line_height + padding.top + padding.bottom for lines in cells]
        row_h = max(heights)
        if pdf.get_y() + row_h > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        x = pdf.l_margin
        for (_text, face), lines, cell_h, w, a in zip(row, cells, heights, widths, align, strict=True):
            if face.fill is not None:
                with pdf.local_context(fill_color=face.fill):
                    pdf.rect(x, top, w, row_h, style="F")
            if not rules_between_rows_only:
                pdf.rect(x, top, w, row_h, style="D")
            pdf.set_font(FONT, face.style, face.size)
            pdf.set_text_color(*face.colour)
            line_top = top + (row_h - cell_h) / 2 + padding.top
            for line, line_w in lines:
                dx = 0.0 if a == "L" else (w - padding.left - padding.right - line_w) / (2 if a == "C" else 1)
                # Where fpdf2 puts a line's baseline in its cell.
                pdf.text(x + padding.left + dx, line_top + 0.5 * line_height + 0.3 * pdf.font_size, line)
                line_top += line_height
            x += w
        if rules_between_rows_only and r < len(rows) - 1:
            pdf.line(pdf.l_margin, top + row_h, pdf.l_margin + total, top + row_h)
        pdf.set_xy(pdf.l_margin, top + row_h)
    pdf.set_text_color(*INK)


_word_widths: dict[tuple[str, str], float] = {}  # (style, word) -> width at 1 pt, in mm
_wrapped: dict[tuple[str, str, float, float], tuple[tuple[str, float], ...]] = {}
_WRAPPED_KEPT = 4096


def wrap_text(text: str, style: str, size: float, width: float) -> tuple[tuple[str, float], ...]:
    """``text`` in the forms' font broken into lines no wider than ``width`` as fpdf2's
    ``multi_cell`` breaks it (at spaces, a word too long for a line cut where it overflows, at
    least one line), each with its width in mm. Kept per process: a round repeats the same
    headings and competency names for everyone."""
    key = (text, style, size, width)
    lines = _wrapped.get(key)
    if lines is None:
        if len(_wrapped) >= _WRAPPED_KEPT:
            _wrapped.clear()
        lines = _wrapped[key] = tuple(_wrap(text, style, size, width))
    return lines


def string_width(text: str, style: str, size: float) -> float:
    """The width in mm of one line of ``text`` in the forms' font (``style`` "" or "B")."""
    return _width(style, text) * size


def _width(style: str, word: str) -> float:
    # Widths are the glyphs' advances times the size (no kerning without text shaping), so a
    # word is measured once, at 1 pt, and a line is the sum of its words and spaces. Measured
    # on a document of their own: setting a font on a form's page writes to it.
    key = (style, word)
    found = _word_widths.get(key)
    if found is None:
        measurer = _measurers.__dict__.get("pdf")
        if measurer is None:
            measurer = _measurers.pdf = FPDF(unit="mm")
            for font_style, name in FONT_FILES.items():
                measurer.add_font(FONT, font_style, str(FONT_DIR / name))
            # fpdf2 reads a font file lazily and keeps it open; this document is never written,
            # and the widths it needs are read by now: the files are closed rather than left to
            # the thread's end (a ResourceWarning for each, in whichever test is running then).
            for font in measurer.fonts.values():
                if isinstance(font, TTFFont):
                    font.ttfont.close()
        measurer.set_font(FONT, style, 1)
        found = _word_widths[key] = measurer.get_string_width(word)
    return found


_measurers = threading.local()  # an FPDF per thread (one must not be used by two at once)


def _wrap(text: str, style: str, size: float, width: float) -> list[tuple[str, float]]:
    limit = width / size + 1e-9  # at 1 pt
    space = _width(style, " ")
    lines: list[tuple[str, float]] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        line_w = 0.0
        for word in paragraph.split(" "):
            word_w = _width(style, word)
            if line and line_w + space + word_w <= limit:
                line.append(word)
                line_w += space + word_w
                continue
            if line:
                lines.append((" ".join(line), line_w))
            while word_w > limit and len(word) > 1:  # no space to break at: cut the word
                cut = 1
                while cut < len(word) and _width(style, word[: cut + 1]) <= limit:
                    cut += 1
                lines.append((word[:cut], _width(style, word[:cut])))
                word = word[cut:]
                word_w = _width(style, word)
            line, line_w = [word], word_w
        lines.append((" ".join(line), line_w))
    return [(line, line_w * size) for line, line_w in lines]


def draw_document(pdf: FormPDF, profile: Profile, locale: str) -> None:
    """The methodology's title in small print, the last line of every form."""
    pdf.ln(GAP)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    draw_paragraph(pdf, profile.document.get(locale), 2.9)
    pdf.set_text_color(*INK)


def draw_paragraph(pdf: FPDF, text: str, line_height: float, *, align: str = "L") -> None:
    """``text`` across the page in the current font, as ``multi_cell(pdf.epw, line_height,
    text, align=align)`` draws it, line by line as :func:`wrap_text` breaks it: fpdf2 measures
    a line anew for each letter it adds to it, a sixth of a result PDF's time, where a kept
    word is measured once."""
    width = pdf.epw
    for line, _line_w in wrap_text(text, pdf.font_style, pdf.font_size_pt, width - 2 * pdf.c_margin):
        pdf.cell(width, line_height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def text_height(pdf: FormPDF, text: str, style: str, size: float, line_height: float) -> float:
    """How tall ``multi_cell`` will draw ``text``, measured as wide as the narrowest box it goes
    in (the padded result box; a cell without padding keeps fpdf2's margin on each side)."""
    width = CONTENT_W - RESULT_PADDING.left - RESULT_PADDING.right - 2 * pdf.c_margin
    return len(wrap_text(text, style, size, width)) * line_height


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
