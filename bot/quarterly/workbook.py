"""The XLSX workbook HR downloads after a quarterly evaluation (clauses 21-32).

Four sheets, each with the title block (quarter, method, methodology, generation date) and,
where scores are shown, the grade band legend beside it:

    Differentiation  one row per employee (appendix 4): ID | name | position | unit |
                     evaluator | status | absence or exclusion reason | parameters 1..N |
                     mean | grade | justification | submitted | acknowledged
    KPI              one row per head of unit (appendix 2): ... | KPIs | final score | grade | ...
    KPI details      one row per KPI of a head for this quarter: ID | name | № | KPI |
                     unit of measure | planned | actual | achievement | score | comment
    Summary          per unit: people by method, by status and by grade band; average score

The KPI details have a sheet of their own so that both KPI tables keep a frozen header and
an autofilter, and columns as wide as their content.

People who are not evaluated this quarter are listed with the reason and no score. A sheet
that is not submitted yet shows no score either (nor the evaluator's draft justification
or comments): only submitted evaluations are counted in grades and averages. Scores are
number cells coloured by grade band through conditional formats built from the profile.

Headers and labels are in the current i18n locale: render inside ``bot.infra.i18n.in_locale``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from bot.infra.formatting import current_locale, format_date, format_score, local_time
from bot.infra.pdf import band_fill
from bot.infra.translation import gettext as _
from bot.kernel.cells import neutralise
from bot.kernel.methodology import GradeBand, Profile
from bot.kernel.scoring import round_score
from bot.quarterly.labels import absence_label, exclusion_label, method_label, status_label
from bot.quarterly.results import SheetRecord
from bot.quarterly.rules import Method
from bot.quarterly.sheet_pdf import KPI_SHEET_APPENDIX, scores_shown, shown_band

# The 360 workbook's cell formats and helpers: both workbooks look alike to HR.
from bot.survey360.workbook import (
    BORDER,
    HEADER_FILL,
    INK,
    WorkbookStyles,
    band_ranges,
    collation_key,
    header_text,
    safe_sheet_name,
)

__all__ = ["build_quarter_workbook", "quarter_title", "sort_records"]

TITLE_ROWS = 6  # the title block; the legend beside it needs one row per band and its title
TITLE_ROW_HEIGHTS = {2: 24, 3: 24, 5: 26}  # points: the methodology's title, the note
DEFAULT_ROW_HEIGHT = 15.0  # points
LINE_HEIGHT = 12.75  # points per line of 10-point Calibri (Excel's own row height for it)
# Letters of 10-point text per unit of column width (the width of an 11-point digit), less
# what word wrapping leaves at the ends of lines.
CHARS_PER_WIDTH = 1.1
NO_ONE_ROW_HEIGHT = 20
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
PERSON_COLUMNS = 7  # ID | name | position | unit | evaluator | status | reason, on both methods' sheets
FROZEN_COLUMNS = 2  # the employee ID and the name stay in view

Value = str | int | Decimal | datetime | None


def quarter_title(year: int, quarter: int) -> str:
    return _("Quarterly evaluation: quarter {quarter} of {year}").format(quarter=quarter, year=year)


def sort_records(records: Iterable[SheetRecord]) -> list[SheetRecord]:
    """By unit, then name, in Kazakh alphabetical order (see ``collation_key``)."""
    return sorted(records, key=lambda r: (collation_key(r.unit), collation_key(r.full_name), r.employee_code))


def build_quarter_workbook(
    records: Sequence[SheetRecord], profile: Profile, *, year: int, quarter: int, created_at: datetime
) -> bytes:
    """The quarter's workbook as XLSX bytes (see the module docstring for the layout).
    ``created_at`` is the generation time written in it, so that the same input always
    gives the same content."""
    output = io.BytesIO()
    # Text is never turned into a formula, whatever it begins with (XlsxWriter's default does so
    # for strings beginning with "=" written through write() or merge_range()).
    book = Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    ctx = _Context(profile, _QuarterStyles(book, profile), year, quarter, local_time(created_at))
    book.set_properties(
        {
            "title": quarter_title(year, quarter),
            "subject": profile.document.get(ctx.locale),
            "created": ctx.created_at,
        }
    )
    ordered = sort_records(records)
    employees = [r for r in ordered if r.method is Method.DIFFERENTIATION]
    heads = [r for r in ordered if r.method is Method.KPI]
    _write_differentiation_sheet(book.add_worksheet(safe_sheet_name(_("Differentiation"))), employees, ctx)
    _write_heads_sheet(book.add_worksheet(safe_sheet_name(_("KPI"))), heads, ctx)
    _write_kpi_details_sheet(book.add_worksheet(safe_sheet_name(_("KPI details"))), heads, ctx)
    _write_summary_sheet(book.add_worksheet(safe_sheet_name(_("Summary"))), ordered, ctx)
    book.close()
    return output.getvalue()


class _QuarterStyles(WorkbookStyles):
    def __init__(self, book: Workbook, profile: Profile) -> None:
        super().__init__(book, profile)

        def make(**props: Any) -> Format:
            return book.add_format(
                {
                    "font_name": "Calibri",
                    "font_size": 10,
                    "font_color": INK,
                    "border": 1,
                    "border_color": BORDER,
                    "valign": "top",
                    **props,
                }
            )

        self.datetime = make(align="center", num_format=DATETIME_FORMAT)
        self.decimal = make(align="center", num_format="General")
        self.percent = make(align="center", num_format="0.00%")
        self.total_text = make(bold=True, bg_color=HEADER_FILL)
        self.total_integer = make(bold=True, bg_color=HEADER_FILL, align="center", num_format="0")
        self.total_number = make(bold=True, bg_color=HEADER_FILL, align="center", num_format="0.00")
        self.band_header = {
            band.code: make(
                bold=True, text_wrap=True, valign="vcenter", align="center", bg_color=band_fill(profile, band)
            )
            for band in profile.grade_bands
        }


@dataclass(frozen=True, slots=True)
class _Context:
    profile: Profile
    styles: _QuarterStyles
    year: int
    quarter: int
    created_at: datetime

    @property
    def locale(self) -> str:
        return current_locale()


@dataclass(frozen=True, slots=True)
class _Column:
    header: str
    width: float
    centred: bool = False
    style: Format | None = None  # the header's, when not the usual one


@dataclass(frozen=True, slots=True)
class _Table:
    header_row: int
    first_row: int
    last_row: int  # == header_row when the table has no rows
    last_col: int

    @property
    def empty(self) -> bool:
        return self.last_row < self.first_row


# ----------------------------------------------------------------------------- shared parts


def _write_title_block(sheet: Worksheet, ctx: _Context, subtitle: str, note: str, last_col: int) -> None:
    s = ctx.styles
    sheet.merge_range(0, 0, 0, last_col, quarter_title(ctx.year, ctx.quarter), s.title)
    sheet.merge_range(1, 0, 1, last_col, subtitle, s.subtitle)
    sheet.merge_range(2, 0, 3, last_col, ctx.profile.document.get(ctx.locale), s.small)
    sheet.merge_range(
        4, 0, 4, last_col, _("Generated on {date}").format(date=format_date(ctx.created_at.date())), s.small
    )
    sheet.merge_range(5, 0, 5, last_col, note, s.small)
    for row, height in TITLE_ROW_HEIGHTS.items():
        sheet.set_row(row, height)


def _write_legend(sheet: Worksheet, ctx: _Context, columns: Sequence[_Column], range_col: int) -> None:
    """The grade bands of clause 7 with their colours, beside the title block: the score
    ranges in column ``range_col`` of the table below, the band names in the next one."""
    s = ctx.styles
    name_index = range_col + 1
    sheet.write_string(0, range_col, _("Grade bands (clause 7)"), s.legend_title)
    for row, (band, low, high) in enumerate(band_ranges(ctx.profile), start=1):
        sheet.write_string(
            row, range_col, f"{format_score(low)}–{format_score(high)}", s.band_cell[band.code]
        )
        name = band.name.get(ctx.locale)
        sheet.write_string(row, name_index, name, s.legend_text)
        # The title block's row may be taller already; a long band name needs two lines.
        height = max(
            TITLE_ROW_HEIGHTS.get(row, DEFAULT_ROW_HEIGHT), _text_height(name, columns[name_index].width)
        )
        sheet.set_row(row, height)


def _first_table_row(ctx: _Context) -> int:
    """The row below the title block and the legend, and a blank row."""
    return max(TITLE_ROWS, len(ctx.profile.grade_bands) + 1) + 1


def _write_table(
    sheet: Worksheet,
    top: int,
    columns: Sequence[_Column],
    rows: Iterable[Sequence[tuple[Value, Format]]],
    ctx: _Context,
    header_height: float,
) -> _Table:
    s = ctx.styles
    for col, column in enumerate(columns):
        style = column.style or (s.header_number if column.centred else s.header)
        sheet.write_string(top, col, column.header, style)
        sheet.set_column(col, col, column.width)
    sheet.set_row(top, header_height)
    row = top
    for cells in rows:
        row += 1
        for col, (value, style) in enumerate(cells):
            _write_value(sheet, row, col, value, style)
        # Set the height of rows with wrapped text: neither Excel nor LibreOffice fits
        # them when the file is opened, and a cut justification reads as a complete one.
        height = max(
            (
                _text_height(value, column.width)
                for column, (value, _style) in zip(columns, cells, strict=True)
                if isinstance(value, str)
            ),
            default=DEFAULT_ROW_HEIGHT,
        )
        if height > DEFAULT_ROW_HEIGHT:
            sheet.set_row(row, height)
    return _Table(header_row=top, first_row=top + 1, last_row=row, last_col=len(columns) - 1)


def _text_height(text: str, width: float) -> float:
    """The height in points of wrapped 10-point text in a column ``width`` characters wide,
    rounded up: a line holds about as many letters as the column's width."""
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    lines = sum(max(1, math.ceil(len(paragraph) / per_line)) for paragraph in text.splitlines() or [""])
    return max(DEFAULT_ROW_HEIGHT, lines * LINE_HEIGHT + 2)


def _write_value(sheet: Worksheet, row: int, col: int, value: Value, style: Format) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, str):  # names, ids, units and KPIs came from uploaded files
        sheet.write_string(row, col, neutralise(value), style)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, local_time(value), style)  # Excel has no time zones
    else:
        sheet.write_number(row, col, float(value), style)


def _finish_table(sheet: Worksheet, table: _Table, ctx: _Context, frozen_cols: int, text: str) -> None:
    """Freeze the header and the names, filter the table; a table without rows says why."""
    if table.empty:
        sheet.merge_range(table.first_row, 0, table.first_row, table.last_col, text, ctx.styles.withheld)
        sheet.set_row(table.first_row, NO_ONE_ROW_HEIGHT)
        return
    sheet.freeze_panes(table.first_row, frozen_cols)
    sheet.repeat_rows(table.header_row)
    sheet.autofilter(table.header_row, 0, table.last_row, table.last_col)


def _colour_by_band(sheet: Worksheet, table: _Table, first_col: int, last_col: int, ctx: _Context) -> None:
    """Scores coloured by grade band. The rule is a formula so that a blank cell (no score),
    which Excel would compare as 0, is never coloured."""
    if table.empty:
        return
    anchor = xl_rowcol_to_cell(table.first_row, first_col)  # relative: shifts to every cell
    bands = ctx.profile.grade_bands
    for index, band in enumerate(bands):
        conditions = [f"ISNUMBER({anchor})", f"{anchor}>={band.min_score}"]
        if index > 0:
            conditions.append(f"{anchor}<{bands[index - 1].min_score}")
        sheet.conditional_format(
            table.first_row,
            first_col,
            table.last_row,
            last_col,
            {
                "type": "formula",
                "criteria": "=AND({})".format(",".join(conditions)),
                "format": ctx.styles.band[band.code],
            },
        )


def _page_setup(sheet: Worksheet, ctx: _Context, sheet_title: str) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # all columns on the page width, as many pages down as needed
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.hide_gridlines(2)
    left = header_text(quarter_title(ctx.year, ctx.quarter))
    sheet.set_header(f"&L&8{left}&R&8{header_text(sheet_title)}")
    sheet.set_footer(f"&L&8{header_text(_('Confidential (clause 20)'))}&R&8&P / &N")


def _reason(record: SheetRecord) -> str:
    if record.excluded_reason is not None:
        return exclusion_label(record.excluded_reason)
    if record.absence is not None:
        return absence_label(record.absence)
    return ""


def _person_cells(record: SheetRecord, ctx: _Context) -> list[tuple[Value, Format]]:
    """ID | name | position | unit | evaluator | status | reason: the same on both methods' sheets."""
    s = ctx.styles
    return [
        (record.employee_code, s.text),
        (record.full_name, s.text),
        (record.position, s.text),
        (record.unit, s.text),
        (record.evaluator_name, s.text),
        (status_label(record.status), s.text if scores_shown(record) else s.withheld),
        (_reason(record), s.text),
    ]


def _person_columns() -> list[_Column]:
    return [
        _Column(_("Employee ID"), 11),
        _Column(_("Full name"), 30),
        _Column(_("Position"), 26),
        _Column(_("Unit"), 26),
        _Column(_("Evaluator"), 26),
        _Column(_("Status"), 14),
        _Column(_("Absence or reason not evaluated"), 22),
    ]


def _no_one_text() -> str:
    return _("No one is evaluated by this method this quarter.")


def _note() -> str:
    return _(
        "People not evaluated this quarter are listed with the reason. A sheet not submitted yet "
        "shows no score."
    )


# ------------------------------------------------------------------------ differentiation


def _write_differentiation_sheet(sheet: Worksheet, records: Sequence[SheetRecord], ctx: _Context) -> None:
    s, locale = ctx.styles, ctx.locale
    rules = ctx.profile.differentiation
    parameters = rules.parameters if rules else ()
    first_parameter = PERSON_COLUMNS
    mean_col = first_parameter + len(parameters)
    columns = [
        *_person_columns(),
        *(_Column(f"{p.no}. {p.name.get(locale)}", 16, centred=True) for p in parameters),
        _Column(_("Mean score"), 11, centred=True),
        _Column(_("Grade"), 30),
        _Column(_("Justification"), 44),
        _Column(_("Submitted"), 15, centred=True),
        _Column(_("Acknowledged"), 15, centred=True),
    ]
    appendix = _("Appendix {number}").format(number=rules.appendix if rules else "")
    _write_title_block(
        sheet, ctx, f"{method_label(Method.DIFFERENTIATION)} · {appendix}", _note(), mean_col - 1
    )
    _write_legend(sheet, ctx, columns, mean_col)

    def cells(record: SheetRecord) -> list[tuple[Value, Format]]:
        shown = scores_shown(record)
        scores = {p.no: p.score for p in record.parameters} if shown else {}
        band = shown_band(record, ctx.profile)
        return [
            *_person_cells(record, ctx),
            *((scores.get(p.no), s.integer) for p in parameters),
            (record.final_score if shown else None, s.overall),
            (band.name.get(locale) if band else None, s.text),
            (record.justification if shown else None, s.text),
            (record.submitted_at, s.datetime),
            (record.acknowledged_at, s.datetime),
        ]

    table = _write_table(sheet, _first_table_row(ctx), columns, map(cells, records), ctx, header_height=66)
    _colour_by_band(sheet, table, first_parameter, mean_col, ctx)
    _finish_table(sheet, table, ctx, FROZEN_COLUMNS, _no_one_text())
    _page_setup(sheet, ctx, method_label(Method.DIFFERENTIATION))


# ------------------------------------------------------------------------------------ KPI


def _write_heads_sheet(sheet: Worksheet, records: Sequence[SheetRecord], ctx: _Context) -> None:
    s, locale = ctx.styles, ctx.locale
    kpis_col = PERSON_COLUMNS
    final_col = kpis_col + 1
    columns = [
        *_person_columns(),
        _Column(_("KPIs"), 8, centred=True),
        _Column(_("Final score"), 11, centred=True),
        _Column(_("Grade"), 30),
        _Column(_("Submitted"), 15, centred=True),
        _Column(_("Acknowledged"), 15, centred=True),
    ]
    appendix = _("Appendix {number}").format(number=KPI_SHEET_APPENDIX)
    _write_title_block(sheet, ctx, f"{method_label(Method.KPI)} · {appendix}", _note(), final_col - 1)
    _write_legend(sheet, ctx, columns, final_col)

    def cells(record: SheetRecord) -> list[tuple[Value, Format]]:
        band = shown_band(record, ctx.profile)
        planned = sum(kpi.quarters.get(ctx.quarter) is not None for kpi in record.kpis)
        return [
            *_person_cells(record, ctx),
            (planned if record.kpis else None, s.integer),
            (record.final_score if scores_shown(record) else None, s.overall),
            (band.name.get(locale) if band else None, s.text),
            (record.submitted_at, s.datetime),
            (record.acknowledged_at, s.datetime),
        ]

    table = _write_table(sheet, _first_table_row(ctx), columns, map(cells, records), ctx, header_height=30)
    _colour_by_band(sheet, table, final_col, final_col, ctx)
    _finish_table(sheet, table, ctx, FROZEN_COLUMNS, _no_one_text())
    _page_setup(sheet, ctx, method_label(Method.KPI))


def _write_kpi_details_sheet(sheet: Worksheet, records: Sequence[SheetRecord], ctx: _Context) -> None:
    s = ctx.styles
    score_col = 8
    columns = [
        _Column(_("Employee ID"), 11),
        _Column(_("Full name"), 30),
        _Column("№", 5, centred=True),
        _Column(_("KPI"), 48),
        _Column(_("Unit of measure"), 14),
        _Column(_("Planned value"), 12, centred=True),
        _Column(_("Actual value"), 12, centred=True),
        _Column(_("Achievement"), 13, centred=True),
        _Column(_("Score"), 10, centred=True),
        _Column(_("Evaluator's comment"), 44),
    ]
    subtitle = "{method} · {what}".format(
        method=method_label(Method.KPI),
        what=_("KPIs of quarter {quarter}").format(quarter=ctx.quarter),
    )
    note = _(
        "One row per KPI planned for the quarter. The achievement is the actual value against the plan; "
        "a sheet not submitted yet shows no score."
    )
    _write_title_block(sheet, ctx, subtitle, note, score_col - 1)
    _write_legend(sheet, ctx, columns, score_col)

    def rows() -> Iterable[list[tuple[Value, Format]]]:
        for record in records:
            shown = scores_shown(record)
            for kpi in sorted(record.kpis, key=lambda k: k.no):
                line = kpi.quarters.get(ctx.quarter)
                if line is None:
                    continue
                yield [
                    (record.employee_code, s.text),
                    (record.full_name, s.text),
                    (kpi.no, s.integer),
                    (kpi.name, s.text),
                    (kpi.unit, s.text),
                    (line.planned, s.decimal),
                    (line.actual, s.decimal),
                    (line.percent / 100 if line.percent is not None else None, s.percent),
                    (line.score if shown else None, s.overall),
                    (line.comment if shown else None, s.text),
                ]

    table = _write_table(sheet, _first_table_row(ctx), columns, rows(), ctx, header_height=30)
    _colour_by_band(sheet, table, score_col, score_col, ctx)
    _finish_table(sheet, table, ctx, FROZEN_COLUMNS, _("No KPIs are planned for this quarter."))
    _page_setup(sheet, ctx, _("KPI details"))


# -------------------------------------------------------------------------------- summary


@dataclass
class _Tally:
    """One unit's (or all units') counts."""

    people: int = 0
    heads: int = 0
    employees: int = 0
    submitted: int = 0
    open: int = 0
    excluded: int = 0
    absent: int = 0  # evaluated without their participation
    bands: dict[str, int] = field(default_factory=dict)  # band code → submitted evaluations
    scores: list[Decimal] = field(default_factory=list)  # the submitted evaluations' scores

    def add(self, record: SheetRecord, band: GradeBand | None) -> None:
        self.people += 1
        self.heads += record.method is Method.KPI
        self.employees += record.method is Method.DIFFERENTIATION
        self.submitted += record.status == "submitted"
        self.open += record.status == "open"
        self.excluded += record.status == "excluded"
        self.absent += record.absence is not None and record.status != "excluded"
        if band is not None and record.final_score is not None:
            self.bands[band.code] = self.bands.get(band.code, 0) + 1
            self.scores.append(record.final_score)

    @property
    def average(self) -> Decimal | None:
        if not self.scores:
            return None
        return round_score(sum(self.scores, Decimal(0)) / len(self.scores))


def _write_summary_sheet(sheet: Worksheet, records: Sequence[SheetRecord], ctx: _Context) -> None:
    s, locale = ctx.styles, ctx.locale
    bands = ctx.profile.grade_bands
    first_band = 8
    average_col = first_band + len(bands)
    columns = [
        _Column(_("Unit"), 34),
        _Column(_("People"), 9, centred=True),
        _Column(_("KPI method"), 10, centred=True),
        _Column(_("Differentiation method"), 14, centred=True),
        _Column(_("Submitted"), 11, centred=True),
        _Column(_("Not submitted"), 11, centred=True),
        _Column(_("Not evaluated"), 11, centred=True),
        _Column(_("Evaluated without participation"), 15, centred=True),
        *(
            _Column(
                f"{band.name.get(locale)} ({format_score(low)}–{format_score(high)})",
                17,
                style=s.band_header[band.code],  # headed by the band itself, in its colour
            )
            for band, low, high in band_ranges(ctx.profile)
        ),
        _Column(_("Average score"), 11, centred=True),
    ]
    note = _(
        "Grades and the average count submitted evaluations only; people not evaluated this quarter "
        "are counted apart."
    )
    _write_title_block(sheet, ctx, _("Summary by unit"), note, average_col)

    units: dict[str, _Tally] = {}
    total = _Tally()
    for record in records:
        band = shown_band(record, ctx.profile)
        units.setdefault(record.unit, _Tally()).add(record, band)
        total.add(record, band)

    def cells(
        name: str, tally: _Tally, text: Format, integer: Format, number: Format
    ) -> list[tuple[Value, Format]]:
        return [
            (name, text),
            *(
                (value, integer)
                for value in (
                    tally.people,
                    tally.heads,
                    tally.employees,
                    tally.submitted,
                    tally.open,
                    tally.excluded,
                    tally.absent,
                )
            ),
            *((tally.bands.get(band.code, 0), integer) for band in bands),
            (tally.average, number),
        ]

    rows = [
        cells(unit, units[unit], s.text, s.integer, s.number) for unit in sorted(units, key=collation_key)
    ]
    top = TITLE_ROWS + 1
    table = _write_table(sheet, top, columns, rows, ctx, header_height=78)
    if not table.empty:
        total_cells = cells(_("Total"), total, s.total_text, s.total_integer, s.total_number)
        for col, (value, style) in enumerate(total_cells):
            _write_value(sheet, table.last_row + 1, col, value, style)
    _colour_by_band(sheet, table, average_col, average_col, ctx)
    _finish_table(sheet, table, ctx, 1, _("No one is evaluated this quarter."))
    _page_setup(sheet, ctx, _("Summary by unit"))
