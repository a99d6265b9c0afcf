"""The XLSX workbook HR hands to management after a 360 round.

One sheet per unit (sorted by unit), and on it one table per questionnaire present in the
unit: heads (appendix 7, 12 competencies) and employees (appendix 8, 8 competencies) are
scored on different competencies, so they never share a header. A row is one evaluated
person: employee id, name, position, the number of colleagues' questionnaires, the overall
mean, the grade band, then every competency's mean. The means are number cells ("0.00")
coloured by grade band with conditional formats whose borders come from the profile. A
withheld result (too few respondents to stay anonymous) says so and has no mean at all.

The last sheet, "Training needs" (clause 36), ranks every competency of every unit and
questionnaire by the average of the persons' means, lowest first, with how many persons
have it among their three weakest; the three least developed of each table are marked.

Headers and methodology names are in the current i18n locale (render inside
``bot.infra.i18n.in_locale``). The layout, row by row:

    title block (rows 1-5): round, unit, methodology, generation date | band legend
    caption: result form title, appendix
    header:  ID | full name | position | respondents | overall | grade | 1. … | 2. … | …
    rows ...
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from bot.infra.formatting import current_locale, format_date, format_score
from bot.infra.pdf import band_fill, form_title
from bot.infra.translation import gettext as _
from bot.kernel.cells import neutralise
from bot.kernel.collation import KAZAKH_ALPHABET as KAZAKH_ALPHABET
from bot.kernel.collation import collation_key as collation_key
from bot.kernel.methodology import GradeBand, Profile, Questionnaire
from bot.kernel.scoring import round_score
from bot.staff.labels import exclusion_reason
from bot.survey360.results import SubjectResult
from storage.dto import SubjectDTO

__all__ = [
    "TrainingNeed",
    "WorkbookStyles",
    "band_ranges",
    "build_round_workbook",
    "collation_key",
    "header_text",
    "safe_sheet_name",
    "sheet_names",
    "training_needs",
]

# Columns of a unit sheet (0-based).
COL_ID, COL_NAME, COL_POSITION, COL_RESPONDENTS, COL_OVERALL, COL_BAND, COL_FIRST_COMPETENCY = range(7)
FIXED_WIDTHS = {
    COL_ID: 11,
    COL_NAME: 32,
    COL_POSITION: 28,
    COL_RESPONDENTS: 12,
    COL_OVERALL: 11,
    COL_BAND: 34,
}
COMPETENCY_WIDTH = 9.5
HEADER_HEIGHT = 118  # points: room for the longest rotated competency name in 3 lines
TITLE_ROWS = 6  # the title block (and the legend beside it, if longer); a blank row follows

# Columns of the training sheet.
TRAINING_WIDTHS = (7, 6, 50, 13, 14, 16)
# Columns of the sheet of people in the round who are not evaluated: id, name, unit,
# position, why.
NOT_EVALUATED_WIDTHS = (11, 32, 28, 28, 40)

SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
RESERVED_SHEET_NAMES = frozenset({"history"})  # Excel keeps it for change tracking

INK, MUTED, BORDER = "#1F2328", "#59636E", "#A0A8B2"
HEADER_FILL, CAPTION_FILL, WEAK_FILL = "#E2EAF4", "#F3F5F8", "#FCE4D6"


def build_round_workbook(
    results: Sequence[SubjectResult],
    profile: Profile,
    *,
    generated_on: date | None = None,
    not_evaluated: Sequence[SubjectDTO] = (),
) -> bytes:
    """The round's workbook as XLSX bytes (see the module docstring for the layout).

    ``not_evaluated``: the round's people left out of it (too short in the post, on
    probation…), listed on a sheet of their own with the reason, so that HR's file accounts
    for everyone the round was made for."""
    generated_on = generated_on or date.today()
    output = io.BytesIO()
    # Text is never turned into a formula, whatever it begins with (XlsxWriter's default does so
    # for strings beginning with "=" written through write() or merge_range()).
    book = Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    styles = WorkbookStyles(book, profile)
    year = results[0].campaign.year if results else generated_on.year
    book.set_properties(
        {
            "title": _("360 evaluation, {year}").format(year=year),
            "subject": profile.document.get(current_locale()),
            "created": datetime.combine(generated_on, time(0, 0)),
        }
    )
    training_name, not_evaluated_name = _("Training needs"), _("Not evaluated")
    by_unit = _group_by_unit(results)
    names = sheet_names(sorted(by_unit, key=collation_key), reserved=[training_name, not_evaluated_name])
    context = _Context(profile, styles, year, generated_on)
    for unit, sheet_name in names.items():
        _write_unit_sheet(book.add_worksheet(sheet_name), unit, by_unit[unit], context)
    _write_training_sheet(book.add_worksheet(safe_sheet_name(training_name)), names, by_unit, context)
    if not_evaluated:
        sheet = book.add_worksheet(safe_sheet_name(not_evaluated_name))
        _write_not_evaluated_sheet(sheet, not_evaluated, context)
    book.close()
    return output.getvalue()


def sheet_names(units: Iterable[str], *, reserved: Iterable[str] = ()) -> dict[str, str]:
    """A valid, unique Excel sheet name for each unit, in the given order: at most 31
    characters, none of ``[]:*?/\\``, not starting or ending with an apostrophe, unique
    ignoring case (as Excel compares them) and different from ``reserved`` names."""
    taken = {safe_sheet_name(name).casefold() for name in reserved} | RESERVED_SHEET_NAMES
    names: dict[str, str] = {}
    for unit in units:
        base = safe_sheet_name(unit)
        name, copy = base, 1
        while name.casefold() in taken:
            copy += 1
            suffix = f" ({copy})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names[unit] = name
    return names


def safe_sheet_name(text: str) -> str:
    name = " ".join(SHEET_NAME_FORBIDDEN.sub(" ", text).split()).strip("'")
    return name[:SHEET_NAME_MAX].rstrip().strip("'").rstrip() or "-"


def _group_by_unit(results: Sequence[SubjectResult]) -> dict[str, list[SubjectResult]]:
    groups: dict[str, list[SubjectResult]] = {}
    for item in results:
        groups.setdefault(item.subject.employee.unit, []).append(item)
    return groups


def _by_questionnaire(items: Sequence[SubjectResult], profile: Profile) -> list[list[SubjectResult]]:
    """The unit's people split by questionnaire, in the profile's order (heads first), each
    group sorted by name."""
    order = list(profile.questionnaires)
    groups: dict[str, list[SubjectResult]] = {}
    for item in items:
        groups.setdefault(item.questionnaire.code, []).append(item)
    codes = sorted(groups, key=lambda code: (order.index(code) if code in order else len(order), code))
    return [
        sorted(
            groups[code],
            key=lambda i: (collation_key(i.subject.employee.full_name), i.subject.employee.employee_id),
        )
        for code in codes
    ]


class WorkbookStyles:
    """The workbook's cell formats, created once."""

    def __init__(self, book: Workbook, profile: Profile) -> None:
        def make(**props: Any) -> Format:
            return book.add_format({"font_name": "Calibri", "font_size": 10, "font_color": INK, **props})

        cell = {"border": 1, "border_color": BORDER, "valign": "top"}
        self.title = make(bold=True, font_size=14)
        self.subtitle = make(bold=True, font_size=11)
        self.small = make(font_size=9, font_color=MUTED, text_wrap=True, valign="top")
        self.legend_title = make(bold=True, font_size=9)
        self.legend_text = make(font_size=9, text_wrap=True, valign="vcenter")
        self.caption = make(bold=True, font_size=11, bg_color=CAPTION_FILL, valign="vcenter")
        header = {**cell, "valign": "vcenter", "bold": True, "bg_color": HEADER_FILL, "text_wrap": True}
        self.header = make(**header)
        self.header_number = make(**header, align="center")
        self.header_rotated = make(**header, rotation=90, align="center")
        self.text = make(**cell, text_wrap=True)
        self.integer = make(**cell, align="center", num_format="0")
        self.number = make(**cell, align="center", num_format="0.00")
        self.overall = make(**cell, align="center", num_format="0.00", bold=True)
        self.empty = make(**cell)
        self.withheld = make(**cell, italic=True, font_color=MUTED, text_wrap=True)
        self.weak_text = make(**cell, text_wrap=True, bold=True, bg_color=WEAK_FILL)
        self.weak_integer = make(**cell, align="center", bold=True, bg_color=WEAK_FILL)
        self.weak_number = make(**cell, align="center", num_format="0.00", bold=True, bg_color=WEAK_FILL)
        # Conditional formats (dxf) hold only what they change: the fill.
        self.band = {
            band.code: book.add_format({"bg_color": band_fill(profile, band)}) for band in profile.grade_bands
        }
        self.band_cell = {
            band.code: make(
                **{**cell, "valign": "vcenter"}, bg_color=band_fill(profile, band), align="center"
            )
            for band in profile.grade_bands
        }


@dataclass(frozen=True, slots=True)
class _Context:
    profile: Profile
    styles: WorkbookStyles
    year: int
    generated_on: date

    @property
    def locale(self) -> str:
        return current_locale()


# ------------------------------------------------------------------------------- unit sheet


@dataclass(frozen=True, slots=True)
class _Block:
    header_row: int
    first_row: int
    last_row: int
    last_col: int


def _write_unit_sheet(sheet: Worksheet, unit: str, items: Sequence[SubjectResult], ctx: _Context) -> None:
    groups = _by_questionnaire(items, ctx.profile)
    widest = max(len(group[0].questionnaire.competencies) for group in groups)
    last_col = COL_FIRST_COMPETENCY + widest - 1
    _write_title_block(sheet, ctx, unit)
    row = max(TITLE_ROWS, len(ctx.profile.grade_bands) + 1) + 1  # below the title block and legend
    blocks = []
    for group in groups:
        block = _write_block(sheet, row, group, ctx)
        blocks.append(block)
        row = block.last_row + 2

    for col, width in FIXED_WIDTHS.items():
        sheet.set_column(col, col, width)
    sheet.set_column(COL_FIRST_COMPETENCY, last_col, COMPETENCY_WIDTH)
    # One table: its header and the names stay in view. Two tables: only the names do, a
    # frozen header of the first table would be wrong for the second.
    if len(blocks) == 1:
        sheet.freeze_panes(blocks[0].first_row, COL_POSITION)
        sheet.repeat_rows(blocks[0].header_row)
    else:
        sheet.freeze_panes(0, COL_POSITION)
    # Excel allows one autofilter per sheet: it goes on the largest table.
    largest = max(blocks, key=lambda b: b.last_row - b.first_row)
    sheet.autofilter(largest.header_row, COL_ID, largest.last_row, largest.last_col)
    _page_setup(sheet, ctx, unit, landscape=True)


def _write_title_block(sheet: Worksheet, ctx: _Context, unit: str) -> None:
    s, locale = ctx.styles, ctx.locale
    left_last = COL_RESPONDENTS
    sheet.merge_range(0, 0, 0, left_last, _("360 evaluation, {year}").format(year=ctx.year), s.title)
    sheet.merge_range(1, 0, 1, left_last, neutralise(unit), s.subtitle)
    sheet.merge_range(2, 0, 3, left_last, ctx.profile.document.get(locale), s.small)
    sheet.merge_range(
        4, 0, 4, left_last, _("Generated on {date}").format(date=format_date(ctx.generated_on)), s.small
    )
    minimum = ctx.profile.min_respondents
    sheet.merge_range(
        5,
        0,
        5,
        left_last,
        _(
            "A result is withheld while fewer than {minimum} colleagues' questionnaires are submitted: "
            "its means are left empty."
        ).format(minimum=minimum),
        s.small,
    )
    sheet.set_row(2, 24)
    sheet.set_row(3, 24)
    sheet.set_row(5, 26)
    _write_legend(sheet, ctx, first_row=0)


def _write_legend(sheet: Worksheet, ctx: _Context, first_row: int) -> None:
    """The grade bands of clause 7 with their colours, beside the title block."""
    s, locale = ctx.styles, ctx.locale
    sheet.merge_range(
        first_row, COL_OVERALL, first_row, COL_BAND, _("Grade bands (clause 7)"), s.legend_title
    )
    for offset, (band, low, high) in enumerate(band_ranges(ctx.profile), start=1):
        sheet.write_string(
            first_row + offset,
            COL_OVERALL,
            f"{format_score(low)}–{format_score(high)}",
            s.band_cell[band.code],
        )
        sheet.write_string(first_row + offset, COL_BAND, band.name.get(locale), s.legend_text)


def band_ranges(profile: Profile) -> list[tuple[GradeBand, Decimal, Decimal]]:
    """Each band with its lowest and highest score as printed (two decimals)."""
    top = Decimal(max(profile.scale_values))
    ranges = []
    for index, band in enumerate(profile.grade_bands):
        high = top if index == 0 else profile.grade_bands[index - 1].min_score - Decimal("0.01")
        ranges.append((band, band.min_score, high))
    return ranges


def _write_block(sheet: Worksheet, top: int, group: Sequence[SubjectResult], ctx: _Context) -> _Block:
    s, locale = ctx.styles, ctx.locale
    questionnaire = group[0].questionnaire
    n = len(questionnaire.competencies)
    last_col = COL_FIRST_COMPETENCY + n - 1
    caption = "{title} · {appendix}".format(
        title=form_title(questionnaire),
        appendix=_("Appendix {number}").format(number=questionnaire.result_appendix),
    )
    sheet.merge_range(top, COL_ID, top, last_col, caption, s.caption)
    sheet.set_row(top, 20)

    header_row = top + 1
    headers = (
        (_("Employee ID"), s.header),
        (_("Full name"), s.header),
        (_("Position"), s.header),
        (_("Respondents"), s.header_number),
        (_("Overall mean"), s.header_number),
        (_("Grade"), s.header),
    )
    for col, (text, style) in enumerate(headers):
        sheet.write_string(header_row, col, text, style)
    for competency in questionnaire.competencies:
        sheet.write_string(
            header_row,
            COL_FIRST_COMPETENCY + competency.no - 1,
            f"{competency.no}. {competency.result_name.get(locale)}",
            s.header_rotated,
        )
    sheet.set_row(header_row, HEADER_HEIGHT)

    row = header_row
    for item in group:
        row += 1
        _write_person(sheet, row, item, questionnaire, ctx)
    block = _Block(header_row=header_row, first_row=header_row + 1, last_row=row, last_col=last_col)
    _colour_by_band(sheet, block, ctx)
    return block


def _write_person(
    sheet: Worksheet, row: int, item: SubjectResult, questionnaire: Questionnaire, ctx: _Context
) -> None:
    s, person, result = ctx.styles, item.subject.employee, item.result
    # From the staff list: neutralised, so that a copy into a CSV or another sheet stays text.
    sheet.write_string(row, COL_ID, neutralise(person.employee_id), s.text)
    sheet.write_string(row, COL_NAME, neutralise(person.full_name), s.text)
    sheet.write_string(row, COL_POSITION, neutralise(person.position), s.text)
    sheet.write_number(row, COL_RESPONDENTS, result.n_respondents, s.integer)
    means = {c.competency_no: c.mean for c in result.competencies}
    if result.withheld:
        # Not even an empty-looking zero: the cells stay blank.
        sheet.write_blank(row, COL_OVERALL, None, s.empty)
        sheet.write_string(row, COL_BAND, _("not enough responses"), s.withheld)
        means = {}
    else:
        _write_score(sheet, row, COL_OVERALL, result.overall, s.overall, s.empty)
        band = result.band.name.get(ctx.locale) if result.band else ""
        sheet.write_string(row, COL_BAND, band, s.text)
    for competency in questionnaire.competencies:
        col = COL_FIRST_COMPETENCY + competency.no - 1
        _write_score(sheet, row, col, means.get(competency.no), s.number, s.empty)


def _write_score(
    sheet: Worksheet, row: int, col: int, value: Decimal | None, style: Format, empty: Format
) -> None:
    if value is None:
        sheet.write_blank(row, col, None, empty)
    else:
        sheet.write_number(row, col, float(value), style)


def _colour_by_band(sheet: Worksheet, block: _Block, ctx: _Context) -> None:
    """Overall and competency means coloured by grade band. The rule is a formula so that a
    blank (withheld) cell, which Excel would compare as 0, is never coloured."""
    first, last = block.first_row, block.last_row
    ranges = (
        f"{xl_rowcol_to_cell(first, COL_OVERALL)}:{xl_rowcol_to_cell(last, COL_OVERALL)} "
        f"{xl_rowcol_to_cell(first, COL_FIRST_COMPETENCY)}:{xl_rowcol_to_cell(last, block.last_col)}"
    )
    anchor = f"{xl_col_to_name(COL_OVERALL)}{first + 1}"  # relative: shifts to every cell of the ranges
    bands = ctx.profile.grade_bands
    for index, band in enumerate(bands):
        conditions = [f"ISNUMBER({anchor})", f"{anchor}>={band.min_score}"]
        if index > 0:
            conditions.append(f"{anchor}<{bands[index - 1].min_score}")
        sheet.conditional_format(
            first,
            COL_OVERALL,
            last,
            block.last_col,
            {
                "type": "formula",
                "criteria": "=AND({})".format(",".join(conditions)),
                "format": ctx.styles.band[band.code],
                "multi_range": ranges,
            },
        )


def _page_setup(sheet: Worksheet, ctx: _Context, title: str, *, landscape: bool) -> None:
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # all columns on the page width, as many pages down as needed
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.hide_gridlines(2)
    round_title = _("360 evaluation, {year}").format(year=ctx.year)
    sheet.set_header(f"&L&8{header_text(round_title)}&R&8{header_text(title)}")
    sheet.set_footer(f"&L&8{header_text(_('Confidential (clause 20)'))}&R&8&P / &N")


def header_text(text: str, limit: int = 100) -> str:
    """Text for a page header or footer: '&' starts a code there, and Excel caps the length."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&&")


# --------------------------------------------------------------------------- training sheet


@dataclass(frozen=True, slots=True)
class TrainingNeed:
    """One competency of one unit and questionnaire, for clause 36's training planning."""

    competency_no: int
    average: Decimal  # the average of the persons' means, rounded like a score
    n_people: int  # persons with a mean for this competency
    n_among_weakest: int  # persons who have it among their own 3 weakest


def training_needs(group: Sequence[SubjectResult], questionnaire: Questionnaire) -> list[TrainingNeed]:
    """Every competency with a mean, least developed first. Withheld results are left out:
    they have no means to average."""
    needs = []
    weakest = [
        {c.competency_no for c in item.result.weakest(3)} for item in group if not item.result.withheld
    ]
    for competency in questionnaire.competencies:
        means = [
            c.mean
            for item in group
            if not item.result.withheld
            for c in item.result.competencies
            if c.competency_no == competency.no and c.mean is not None
        ]
        if means:
            needs.append(
                TrainingNeed(
                    competency_no=competency.no,
                    average=round_score(sum(means, Decimal(0)) / len(means)),
                    n_people=len(means),
                    n_among_weakest=sum(competency.no in own for own in weakest),
                )
            )
    return sorted(needs, key=lambda need: (need.average, need.competency_no))


def _least_developed(needs: Sequence[TrainingNeed], count: int = 3) -> list[TrainingNeed]:
    """The ``count`` lowest averages, and any competency tied with the last of them."""
    if len(needs) <= count:
        return list(needs)
    border = needs[count - 1].average
    return [need for need in needs if need.average <= border]


def _write_training_sheet(
    sheet: Worksheet, names: dict[str, str], by_unit: dict[str, list[SubjectResult]], ctx: _Context
) -> None:
    s, locale = ctx.styles, ctx.locale
    last_col = len(TRAINING_WIDTHS) - 1
    sheet.merge_range(
        0, 0, 0, last_col, _("Least developed competencies (clause 36: training planning)"), s.title
    )
    sheet.merge_range(1, 0, 1, last_col, _("360 evaluation, {year}").format(year=ctx.year), s.subtitle)
    sheet.merge_range(2, 0, 2, last_col, ctx.profile.document.get(locale), s.small)
    sheet.merge_range(
        3, 0, 3, last_col, _("Generated on {date}").format(date=format_date(ctx.generated_on)), s.small
    )
    sheet.merge_range(
        4,
        0,
        4,
        last_col,
        _(
            "Per unit and result form, every competency's average of the persons' means, lowest first; "
            "withheld results are not counted. The 3 least developed competencies are highlighted."
        ),
        s.small,
    )
    sheet.set_row(2, 26)
    sheet.set_row(4, 26)
    for col, width in enumerate(TRAINING_WIDTHS):
        sheet.set_column(col, col, width)

    row = 6
    for unit in names:
        sheet.merge_range(row, 0, row, last_col, neutralise(unit), s.caption)
        sheet.set_row(row, 20)
        row += 1
        for group in _by_questionnaire(by_unit[unit], ctx.profile):
            row = _write_training_table(sheet, row, group, ctx) + 1
        row += 1
    _page_setup(sheet, ctx, _("Training needs"), landscape=False)


def _write_not_evaluated_sheet(sheet: Worksheet, people: Sequence[SubjectDTO], ctx: _Context) -> None:
    s = ctx.styles
    last_col = len(NOT_EVALUATED_WIDTHS) - 1
    sheet.merge_range(0, 0, 0, last_col, _("People of the round who are not evaluated"), s.title)
    sheet.merge_range(1, 0, 1, last_col, _("360 evaluation, {year}").format(year=ctx.year), s.subtitle)
    sheet.merge_range(
        2, 0, 2, last_col, _("Generated on {date}").format(date=format_date(ctx.generated_on)), s.small
    )
    for col, width in enumerate(NOT_EVALUATED_WIDTHS):
        sheet.set_column(col, col, width)
    header_row = 4
    headers = (_("Employee ID"), _("Full name"), _("Unit"), _("Position"), _("Why not evaluated"))
    for col, text in enumerate(headers):
        sheet.write_string(header_row, col, text, s.header)
    ordered = sorted(
        people, key=lambda p: (collation_key(p.employee.unit), collation_key(p.employee.full_name))
    )
    for row, person in enumerate(ordered, start=header_row + 1):
        employee = person.employee
        for col, text in enumerate(
            (
                employee.employee_id,
                employee.full_name,
                employee.unit,
                employee.position,
                exclusion_reason(person.excluded_reason or ""),
            )
        ):
            sheet.write_string(row, col, neutralise(text), s.text)
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, header_row + len(ordered), last_col)
    _page_setup(sheet, ctx, _("Not evaluated"), landscape=False)


def _write_training_table(sheet: Worksheet, row: int, group: Sequence[SubjectResult], ctx: _Context) -> int:
    """Write one unit's table for one questionnaire from ``row``; return the last row used."""
    s, locale = ctx.styles, ctx.locale
    questionnaire = group[0].questionnaire
    last_col = len(TRAINING_WIDTHS) - 1
    counted = sum(not item.result.withheld for item in group)
    sheet.merge_range(
        row,
        0,
        row,
        last_col,
        "{title} · {people}".format(
            title=form_title(questionnaire),
            people=_("persons with a result: {count} of {total}").format(count=counted, total=len(group)),
        ),
        s.small,
    )
    sheet.set_row(row, 26)
    needs = training_needs(group, questionnaire)
    if not needs:
        sheet.merge_range(row + 1, 0, row + 1, last_col, _("not enough responses"), s.withheld)
        return row + 1
    row += 1
    headers = (
        _("Rank"),
        "№",
        _("Competency"),
        _("Average score"),
        _("Persons counted"),
        _("Among their 3 weakest"),
    )
    for col, text in enumerate(headers):
        sheet.write_string(row, col, text, s.header if col == 2 else s.header_number)
    sheet.set_row(row, 30)
    weakest = {need.competency_no for need in _least_developed(needs)}
    for rank, need in enumerate(needs, start=1):
        row += 1
        weak = need.competency_no in weakest
        integer = s.weak_integer if weak else s.integer
        sheet.write_number(row, 0, rank, integer)
        sheet.write_number(row, 1, need.competency_no, integer)
        name = questionnaire.competency(need.competency_no).result_name.get(locale)
        sheet.write_string(row, 2, name, s.weak_text if weak else s.text)
        sheet.write_number(row, 3, float(need.average), s.weak_number if weak else s.number)
        sheet.write_number(row, 4, need.n_people, integer)
        sheet.write_number(row, 5, need.n_among_weakest, integer)
    return row
