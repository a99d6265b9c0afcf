"""Validation of the quarterly evaluation's uploads (pure: no I/O, standard library only).

Three tables are uploaded as CSV or XLSX and read by :func:`bot.staff.files.read_table`:

* work plans (appendix 1): one row per KPI, the rows of one ``employee_id`` form that
  person's plan, with a planned value and an optional deadline for each quarter;
* KPI actual values: one row per employee, KPI and quarter;
* absences (clause 5): leave, sick leave, business trips and training periods.

As for the staff list (:mod:`bot.staff.rules`), the whole table is checked, every problem
is reported by line and column, and nothing is accepted from a file with any problem.
Whether the employee ids exist is left to the service, which knows the database.

The messages of :meth:`FileError.describe` are English gettext message ids; the caller passes
its ``gettext`` to have them translated (this module must not depend on the bot's i18n).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from enum import StrEnum
from typing import Final, TypeVar

from bot.kernel.cells import Cell as CsvCell
from bot.kernel.cells import csv_text
from bot.quarterly.rules import QUARTERS, Absence
from bot.staff.rules import (
    StaffErrorCode,
    cell_text,
    describe_file_problem,
    normalise_column,
    parse_date,
    shorten,
)

Cell = str | date | None
Rows = Sequence[tuple[int, Mapping[str, Cell]]]
Translate = Callable[[str], str]


class FileErrorCode(StrEnum):
    EMPTY_FILE = "empty_file"
    UNREADABLE_FILE = "unreadable_file"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_COLUMN = "duplicate_column"
    EMPTY_VALUE = "empty_value"
    BAD_NUMBER = "bad_number"
    NOT_POSITIVE = "not_positive"  # a planned value of 0 or less
    NEGATIVE = "negative"  # an actual value below 0
    BAD_KPI_NO = "bad_kpi_no"
    BAD_DATE = "bad_date"
    BAD_QUARTER = "bad_quarter"
    BAD_DIRECTION = "bad_direction"
    BAD_KIND = "bad_kind"
    DISMISSAL = "dismissal"  # a dismissal in the absences file
    BAD_PERIOD = "bad_period"
    NO_PLANNED_QUARTER = "no_planned_quarter"
    NO_PLAN_VALUE = "no_plan_value"  # a deadline in a quarter without a planned value
    TOO_FEW_KPIS = "too_few_kpis"
    TOO_MANY_KPIS = "too_many_kpis"
    KPI_NUMBERS = "kpi_numbers"
    DUPLICATE_ROW = "duplicate_row"
    VALUE_TOO_LONG = "value_too_long"  # value: "length/limit"
    # The file itself is refused before it is read whole, as a staff list is.
    BAD_ENCODING = StaffErrorCode.BAD_ENCODING.value
    FILE_TOO_LARGE = StaffErrorCode.FILE_TOO_LARGE.value
    TOO_MANY_ROWS = StaffErrorCode.TOO_MANY_ROWS.value
    TOO_MANY_COLUMNS = StaffErrorCode.TOO_MANY_COLUMNS.value
    CELL_TOO_LONG = StaffErrorCode.CELL_TOO_LONG.value


# The most characters a KPI's short texts hold, as stored (storage/models.py declares the plan
# columns with these numbers); the names, sources and key results are unlimited text.
KPI_TEXT_LIMITS: dict[str, int] = {"unit": 64, "planned": 64, "due": 64}


def _as_written(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class FileError:
    line: int  # 1 for header problems, 0 for whole-file problems
    column: str  # the canonical column name, the header cell as written, or ""
    code: FileErrorCode
    # The offending value (shortened); the line of the first occurrence for DUPLICATE_ROW;
    # "count/limit" for TOO_FEW_KPIS and TOO_MANY_KPIS; the quarter for NO_PLAN_VALUE.
    value: str = ""

    # The parameter is called ``_`` so that pybabel extracts the messages (keyword ``_``).
    def describe(self, _: Translate = _as_written) -> str:
        """One sentence, e.g. "line 7, column plan_q2: unreadable number '1,2,3' (…)";
        English unless a ``gettext`` is given."""
        message = self._message(_)
        if self.line > 0 and self.column:
            return _("line {line}, column {column}: {message}").format(
                line=self.line, column=self.column, message=message
            )
        if self.line > 0:
            return _("line {line}: {message}").format(line=self.line, message=message)
        if self.column:
            return _("column {column}: {message}").format(column=self.column, message=message)
        return message

    def _message(self, _: Translate) -> str:
        value = self.value
        match self.code:
            case FileErrorCode.EMPTY_FILE:
                return _("the file contains no rows")
            case FileErrorCode.MISSING_COLUMN:
                return _("this required column is missing from the header")
            case FileErrorCode.UNKNOWN_COLUMN:
                if not value:
                    return _("a column without a header holds data")
                return _("the column '{value}' does not belong in this file").format(value=value)
            case FileErrorCode.DUPLICATE_COLUMN:
                return _("this is a second {value} column").format(value=value)
            case FileErrorCode.EMPTY_VALUE:
                return _("a value is required")
            case FileErrorCode.BAD_NUMBER:
                return _("unreadable number '{value}' (expected e.g. 1 250,5 or 1250.5)").format(value=value)
            case FileErrorCode.NOT_POSITIVE:
                return _("the planned value {value} must be greater than zero").format(value=value)
            case FileErrorCode.NEGATIVE:
                return _("the actual value {value} cannot be negative").format(value=value)
            case FileErrorCode.BAD_KPI_NO:
                return _("unreadable KPI number '{value}' (expected a whole number from 1)").format(
                    value=value
                )
            case FileErrorCode.BAD_DATE:
                return _("unreadable date '{value}' (expected YYYY-MM-DD or DD.MM.YYYY)").format(value=value)
            case FileErrorCode.BAD_QUARTER:
                return _("unreadable quarter '{value}' (expected 1, 2, 3 or 4)").format(value=value)
            case FileErrorCode.BAD_DIRECTION:
                return _("unknown direction '{value}' (expected higher or lower)").format(value=value)
            case FileErrorCode.BAD_KIND:
                return _("unknown absence '{value}' (expected leave, sick, trip or training)").format(
                    value=value
                )
            case FileErrorCode.DISMISSAL:
                return _("a dismissal is not an absence: enter it as left_on in the staff list")
            case FileErrorCode.BAD_PERIOD:
                return _("the period ends on {value}, before it starts").format(value=value)
            case FileErrorCode.NO_PLANNED_QUARTER:
                return _("the KPI has no planned value in any quarter")
            case FileErrorCode.NO_PLAN_VALUE:
                return _("quarter {quarter} has a deadline but no planned value").format(quarter=value)
            case FileErrorCode.TOO_FEW_KPIS:
                count, limit = value.split("/")
                return _("this employee's plan has {count} KPIs; at least {limit} are required").format(
                    count=count, limit=limit
                )
            case FileErrorCode.TOO_MANY_KPIS:
                count, limit = value.split("/")
                return _("this employee's plan has {count} KPIs; at most {limit} are allowed").format(
                    count=count, limit=limit
                )
            case FileErrorCode.KPI_NUMBERS:
                return _(
                    "this employee's KPIs are numbered {value}; number them 1, 2, 3… without gaps"
                ).format(value=value)
            case FileErrorCode.DUPLICATE_ROW:
                return _("this row repeats line {line}").format(line=value)
            case FileErrorCode.VALUE_TOO_LONG:
                length, _slash, limit = value.partition("/")
                return _("{length} characters is too long: at most {limit} fit").format(
                    length=length, limit=limit
                )
            case _code:  # a problem of the whole file
                return describe_file_problem(_code.value, value, _)


@dataclass(frozen=True, slots=True)
class PlanKpiRow:
    no: int
    name: str
    source: str  # the corps A agreement indicator or planning document the KPI comes from
    unit: str
    higher_is_better: bool
    key_result: str
    planned: dict[int, Decimal]  # quarter → planned value, only the quarters that have one
    due: dict[int, date]  # quarter → deadline, only where given


@dataclass(frozen=True, slots=True)
class PlanRows:
    employee_code: str
    kpis: tuple[PlanKpiRow, ...]  # sorted by no


@dataclass(frozen=True, slots=True)
class PlanValidation:
    plans: tuple[PlanRows, ...]  # in the order of the employees' first lines
    errors: tuple[FileError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class LegacyPlanKpi:
    """A line of the 2018 method's individual work plan (004 appendix 1): the planned value and
    the deadlines are written as the plan words them."""

    no: int
    name: str
    source: str
    unit: str
    planned: str
    due: str
    key_result: str


@dataclass(frozen=True, slots=True)
class LegacyPlanRows:
    employee_code: str
    kpis: tuple[LegacyPlanKpi, ...]  # sorted by no


@dataclass(frozen=True, slots=True)
class LegacyPlanValidation:
    plans: tuple[LegacyPlanRows, ...]
    errors: tuple[FileError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class ActualRow:
    employee_code: str
    kpi_no: int
    quarter: int
    actual: Decimal


@dataclass(frozen=True, slots=True)
class ActualsValidation:
    rows: tuple[ActualRow, ...]
    errors: tuple[FileError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class AbsenceRow:
    employee_code: str
    kind: Absence
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class AbsenceValidation:
    rows: tuple[AbsenceRow, ...]
    errors: tuple[FileError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    aliases: tuple[str, ...] = ()  # Russian and Kazakh headers, written as a person would
    required: bool = True


class _Layout:
    """The columns of one kind of file."""

    def __init__(self, *columns: _Column) -> None:
        self.columns = columns
        self.names = tuple(column.name for column in columns)
        self.by_header = {
            normalise_column(header): column.name
            for column in columns
            for header in (column.name, *column.aliases)
        }


def _plan_columns(quarter: int) -> tuple[_Column, _Column]:
    return (
        _Column(
            f"plan_q{quarter}",
            (
                f"план {quarter} квартал",
                f"план q{quarter}",
                f"жоспар {quarter} тоқсан",
                f"жоспарлы мәні {quarter} тоқсан",
            ),
        ),
        # The deadlines may be left out altogether: the quarter's own end is then meant.
        _Column(
            f"due_q{quarter}",
            (
                f"срок {quarter} квартал",
                f"срок q{quarter}",
                f"мерзім {quarter} тоқсан",
                f"қол жеткізу мерзімі {quarter} тоқсан",
            ),
            required=False,
        ),
    )


_EMPLOYEE_ID = _Column("employee_id", ("табельный номер", "id сотрудника", "табель нөмірі", "қызметкер id"))
_KPI_NO = _Column(
    "kpi_no", ("kpi №", "№ kpi", "kpi number", "номер кци", "№ кци", "нми №", "№ нми", "нми нөмірі")
)
# The person's name helps whoever fills the table in; it is not checked against the staff list.
_FULL_NAME = _Column("full_name", ("фио", "ф.и.о.", "аты-жөні", "т.а.ә."), required=False)

_PLAN_QUARTER_COLUMNS = tuple(column for quarter in QUARTERS for column in _plan_columns(quarter))
_PLANS = _Layout(
    _EMPLOYEE_ID,
    _FULL_NAME,
    _KPI_NO,
    _Column("name", ("наименование", "наименование кци", "нми атауы", "атауы")),
    _Column("source", ("источник", "көзі", "негіз")),
    _Column("unit", ("единица измерения", "ед. изм.", "өлшем бірлігі")),
    _Column("direction", ("направление", "бағыт", "бағыты")),
    _Column("key_result", ("ключевой результат", "түйінді нәтиже")),
    *_PLAN_QUARTER_COLUMNS,
)
# The 2018 method's plan (004 appendix 1): exactly the profile's number of KPIs a person.
_LEGACY_PLANS = _Layout(
    _EMPLOYEE_ID,
    _FULL_NAME,
    _KPI_NO,
    _Column("name", ("наименование", "наименование нци", "нми атауы", "атауы")),
    _Column("source", ("источник", "көзі", "негіз")),
    _Column("unit", ("единица измерения", "ед. изм.", "өлшем бірлігі")),
    _Column("planned", ("плановое значение", "план", "жоспарлы мәні")),
    _Column("due", ("сроки достижения", "срок", "қол жеткізу мерзімдері", "мерзімі")),
    _Column("key_result", ("ключевой результат", "түйінді нәтиже")),
)
_ACTUALS = _Layout(
    _EMPLOYEE_ID,
    _FULL_NAME,
    _KPI_NO,
    _Column("quarter", ("квартал", "тоқсан")),
    _Column("actual", ("факт", "фактическое значение", "нақты мәні", "нақты мән")),
)
_ABSENCES = _Layout(
    _EMPLOYEE_ID,
    _FULL_NAME,
    _Column("kind", ("вид", "причина", "түрі", "себебі")),
    _Column("starts_on", ("начало", "дата начала", "басталуы", "басталған күні")),
    _Column("ends_on", ("окончание", "дата окончания", "аяқталуы", "аяқталған күні")),
)

_DIRECTIONS: Final = {
    **dict.fromkeys(("higher", "higher is better", "up", "↑", "больше", "выше", "жоғары", "көбірек"), True),
    **dict.fromkeys(("lower", "lower is better", "down", "↓", "меньше", "ниже", "төмен", "азырақ"), False),
}

_ABSENCE_KINDS: Final = {
    **dict.fromkeys(("leave", "отпуск", "демалыс"), Absence.LEAVE),
    **dict.fromkeys(("sick", "sick leave", "больничный", "ауру", "еңбекке жарамсыздық"), Absence.SICK),
    **dict.fromkeys(("trip", "business trip", "командировка", "іссапар"), Absence.TRIP),
    **dict.fromkeys(
        ("training", "обучение", "стажировка", "повышение квалификации", "оқу", "тағылымдама"),
        Absence.TRAINING,
    ),
}
_DISMISSAL_WORDS: Final = frozenset(
    (Absence.DISMISSED.value, "dismissal", "увольнение", "уволен", "жұмыстан босату")
)

# ----------------------------------------------------------------------------- values

# Excel keeps 15 significant digits; more in an XLSX cell is binary noise (0.1 + 0.2).
_EXCEL_DIGITS = 15
# Thousands are grouped with spaces; Excel's Russian locale writes no-break spaces.
_GROUPING = re.compile("[ \u00a0\u2009\u202f]")
_PLAIN_NUMBER = re.compile(rf"[+-]?(?:\d{{1,3}}(?:{_GROUPING.pattern}\d{{3}})+|\d+)?(?:[.,]\d+)?")
_MACHINE_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)  # str(1e-05)
_WHOLE_NUMBER = re.compile(r"\d+")

_QUARTER_WORDS = r"(?:q|quarter|кв\.?|квартал|тоқсан)"
_QUARTER = re.compile(
    rf"{_QUARTER_WORDS}? ?(?P<number>[1-4]|[iі]{{1,3}}|[iі]v) ?(?:й|ый|ші|шы|st|nd|rd|th)? ?{_QUARTER_WORDS}?",
    re.IGNORECASE,
)
_ROMAN_QUARTERS: Final = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _parse_decimal(text: str) -> Decimal | None:
    """Read "1 250,5", "1250.5", "0,75" or an XLSX number's text; ``None`` when unreadable.

    A comma is the decimal separator and spaces group the thousands; a number with both a
    comma and a point, or with irregular groups, is ambiguous and refused."""
    text = text.strip()
    if _PLAIN_NUMBER.fullmatch(text) and any(ch.isdigit() for ch in text):
        literal = _GROUPING.sub("", text).replace(",", ".")
    elif _MACHINE_NUMBER.fullmatch(text):
        literal = text
    else:
        return None
    try:
        number = Decimal(literal)
    except InvalidOperation:
        return None
    if len(number.as_tuple().digits) <= _EXCEL_DIGITS:
        return number
    with localcontext() as context:
        context.prec = _EXCEL_DIGITS
        rounded = +number
    return rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded.normalize()


def _parse_quarter(text: str) -> int | None:
    """1-4 from "3", "Q3", "3 квартал", "3-ші тоқсан", "III квартал"; ``None`` otherwise."""
    match = _QUARTER.fullmatch(" ".join(text.replace("-", " ").split()))
    if match is None:
        return None
    number = match["number"].casefold().replace("і", "i")  # Kazakh І typed for a Roman numeral
    return int(number) if number.isdigit() else _ROMAN_QUARTERS[number]


def _choice_key(text: str) -> str:
    return " ".join(text.casefold().rstrip(".").split())


# ------------------------------------------------------------------------- validation


@dataclass(slots=True)
class _Row:
    line: int
    text: dict[str, str]  # canonical column → trimmed text
    raw: dict[str, Cell]  # canonical column → the cell as read (dates stay dates)


_T = TypeVar("_T")


class _Checker:
    """Collects the problems of one file; the row helpers report and return ``None`` when a
    value is missing or unreadable."""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.present: set[str] = set()
        self.errors: list[FileError] = []

    def add(self, line: int, column: str, code: FileErrorCode, value: str = "") -> None:
        self.errors.append(FileError(line, column, code, shorten(value)))

    def sorted(self) -> tuple[FileError, ...]:
        """File problems first, then the header's (as found), then by line and column order."""
        order = {name: i for i, name in enumerate(self.layout.names)}
        return tuple(
            sorted(self.errors, key=lambda e: (e.line, order.get(e.column, -1) if e.line > 1 else 0))
        )

    def read(self, header: Sequence[str], rows: Rows) -> list[_Row]:
        """The non-empty rows by canonical column, with the header's and the file's problems
        reported."""
        if not self._check_header(header):
            self.add(0, "", FileErrorCode.EMPTY_FILE)
            return []
        parsed = self._collect_rows(rows)
        if not parsed:
            self.add(0, "", FileErrorCode.EMPTY_FILE)
        return parsed

    def _check_header(self, header: Sequence[str]) -> bool:
        names = [(str(cell).replace("\ufeff", "").strip(), normalise_column(str(cell))) for cell in header]
        if not any(norm for _, norm in names):
            return False
        for shown, norm in names:
            if not norm:
                continue  # a nameless column is only a problem if it holds data (see _collect_rows)
            column = self.layout.by_header.get(norm)
            if column is None:
                self.add(1, shown, FileErrorCode.UNKNOWN_COLUMN, shown)
                continue
            if column in self.present:
                self.add(1, shown, FileErrorCode.DUPLICATE_COLUMN, column)
            self.present.add(column)
        for expected in self.layout.columns:
            if expected.required and expected.name not in self.present:
                self.add(1, expected.name, FileErrorCode.MISSING_COLUMN)
        return True

    def _collect_rows(self, rows: Rows) -> list[_Row]:
        parsed: list[_Row] = []
        nameless_reported = False
        for line, mapping in rows:
            row = _Row(line, {}, {})
            nameless = False
            for key, value in mapping.items():
                norm = normalise_column(str(key))
                column = self.layout.by_header.get(norm)
                text = cell_text(value)
                if column is not None:
                    if column not in row.text:  # a repeated column: the first wins (it is reported)
                        row.text[column] = text
                        row.raw[column] = value
                elif not norm and text:
                    nameless = True
            if not any(row.text.values()) and not nameless:
                continue  # a row of empty cells (XLSX formatting, a spreadsheet's trailing rows)
            if nameless and not nameless_reported:
                self.add(1, "", FileErrorCode.UNKNOWN_COLUMN)
                nameless_reported = True
            parsed.append(row)
        return parsed

    # -------------------------------------------------------------- one cell of a row

    def text(self, row: _Row, column: str) -> str | None:
        """A mandatory text, spaces collapsed."""
        text = " ".join(row.text.get(column, "").split())
        limit = KPI_TEXT_LIMITS.get(column)
        if text and limit is not None and len(text) > limit:
            self.add(row.line, column, FileErrorCode.VALUE_TOO_LONG, f"{len(text)}/{limit}")
            return None
        if text:
            return text
        if column in self.present:
            self.add(row.line, column, FileErrorCode.EMPTY_VALUE)
        return None

    def kpi_no(self, row: _Row) -> int | None:
        text = self.text(row, "kpi_no")
        if text is None:
            return None
        if _WHOLE_NUMBER.fullmatch(text) and int(text) > 0:
            return int(text)
        self.add(row.line, "kpi_no", FileErrorCode.BAD_KPI_NO, text)
        return None

    def _optional(self, row: _Row, column: str, mandatory: bool) -> str:
        text = row.text.get(column, "")
        if not text and mandatory:
            self.text(row, column)  # reports the empty value
        return text

    def number(self, row: _Row, column: str, *, mandatory: bool) -> Decimal | None:
        text = self._optional(row, column, mandatory)
        if not text:
            return None
        number = _parse_decimal(text)
        if number is None:
            self.add(row.line, column, FileErrorCode.BAD_NUMBER, text)
        return number

    def day(self, row: _Row, column: str, *, mandatory: bool) -> date | None:
        text = self._optional(row, column, mandatory)
        if not text:
            return None
        day = parse_date(row.raw.get(column) or text)
        if day is None:
            self.add(row.line, column, FileErrorCode.BAD_DATE, text)
        return day

    def choice(self, row: _Row, column: str, choices: Mapping[str, _T], code: FileErrorCode) -> _T | None:
        text = self.text(row, column)
        if text is None:
            return None
        chosen = choices.get(_choice_key(text))
        if chosen is None:
            self.add(row.line, column, code, text)
        return chosen


def _repeats(checker: _Checker, keyed: Iterable[tuple[_Row, object]], column: str) -> set[int]:
    """Report rows whose key appeared on an earlier line; the lines of the repeats."""
    first_line: dict[object, int] = {}
    repeated: set[int] = set()
    for row, key in keyed:
        if key in first_line:
            checker.add(row.line, column, FileErrorCode.DUPLICATE_ROW, str(first_line[key]))
            repeated.add(row.line)
        else:
            first_line[key] = row.line
    return repeated


# ------------------------------------------------------------------------------ plans


@dataclass(slots=True)
class _PlanLine:
    row: _Row
    employee: str | None
    no: int | None
    kpi: PlanKpiRow | None  # None when the row has a problem


def validate_plans(header: Sequence[str], rows: Rows, *, min_kpis: int, max_kpis: int) -> PlanValidation:
    """Check a work plans table (appendix 1); each employee needs ``min_kpis``..``max_kpis``
    KPIs numbered 1..N."""
    checker = _Checker(_PLANS)
    lines = [_plan_line(checker, row) for row in checker.read(header, rows)]

    by_employee: dict[str, list[_PlanLine]] = {}
    for plan_line in lines:
        if plan_line.employee is not None:
            by_employee.setdefault(plan_line.employee, []).append(plan_line)
    for employee_lines in by_employee.values():
        _check_plan(checker, employee_lines, min_kpis, max_kpis)

    errors = checker.sorted()
    if errors:
        return PlanValidation((), errors)
    plans = tuple(
        PlanRows(employee, tuple(sorted((line.kpi for line in group if line.kpi is not None), key=_by_no)))
        for employee, group in by_employee.items()
    )
    return PlanValidation(plans, ())


def _by_no(kpi: PlanKpiRow | LegacyPlanKpi) -> int:
    return kpi.no


def validate_legacy_plans(header: Sequence[str], rows: Rows, *, kpis: int) -> LegacyPlanValidation:
    """Check a table of the 2018 method's plans: each employee needs exactly ``kpis`` KPIs
    numbered 1..N, every column filled."""
    checker = _Checker(_LEGACY_PLANS)
    by_employee: dict[str, list[tuple[_PlanLine, LegacyPlanKpi | None]]] = {}
    for row in checker.read(header, rows):
        errors_before = len(checker.errors)
        employee, no = checker.text(row, "employee_id"), checker.kpi_no(row)
        texts = [
            checker.text(row, column) for column in ("name", "source", "unit", "planned", "due", "key_result")
        ]
        kpi = None
        if len(checker.errors) == errors_before and no is not None and all(t is not None for t in texts):
            name, source, unit, planned, due, key_result = (t or "" for t in texts)
            kpi = LegacyPlanKpi(no, name, source, unit, planned, due, key_result)
        if employee is not None:
            by_employee.setdefault(employee, []).append((_PlanLine(row, employee, no, None), kpi))
    for lines in by_employee.values():
        _check_plan(checker, [line for line, _kpi in lines], kpis, kpis)
    errors = checker.sorted()
    if errors:
        return LegacyPlanValidation((), errors)
    return LegacyPlanValidation(
        tuple(
            LegacyPlanRows(
                employee, tuple(sorted((kpi for _line, kpi in lines if kpi is not None), key=_by_no))
            )
            for employee, lines in by_employee.items()
        ),
        (),
    )


def _plan_line(checker: _Checker, row: _Row) -> _PlanLine:
    errors_before = len(checker.errors)
    employee = checker.text(row, "employee_id")
    no = checker.kpi_no(row)
    name = checker.text(row, "name")
    source = checker.text(row, "source")
    unit = checker.text(row, "unit")
    higher_is_better = checker.choice(row, "direction", _DIRECTIONS, FileErrorCode.BAD_DIRECTION)
    key_result = checker.text(row, "key_result")

    planned: dict[int, Decimal] = {}
    due: dict[int, date] = {}
    for quarter in QUARTERS:
        plan_column = f"plan_q{quarter}"
        value = checker.number(row, plan_column, mandatory=False)
        if value is not None and value <= 0:
            checker.add(row.line, plan_column, FileErrorCode.NOT_POSITIVE, row.text[plan_column])
        elif value is not None:
            planned[quarter] = value
        deadline = checker.day(row, f"due_q{quarter}", mandatory=False)
        if deadline is not None:
            due[quarter] = deadline
            if not row.text.get(plan_column):
                checker.add(row.line, plan_column, FileErrorCode.NO_PLAN_VALUE, str(quarter))
    if not any(row.text.get(f"plan_q{quarter}") for quarter in QUARTERS):
        checker.add(row.line, "plan_q1", FileErrorCode.NO_PLANNED_QUARTER)

    if (
        len(checker.errors) > errors_before
        or no is None
        or name is None
        or source is None
        or unit is None
        or higher_is_better is None
        or key_result is None
    ):
        return _PlanLine(row, employee, no, None)
    return _PlanLine(
        row, employee, no, PlanKpiRow(no, name, source, unit, higher_is_better, key_result, planned, due)
    )


def _check_plan(checker: _Checker, lines: list[_PlanLine], min_kpis: int, max_kpis: int) -> None:
    first = lines[0].row.line
    numbered = [(line.row, line.no) for line in lines if line.no is not None]
    repeated = _repeats(checker, numbered, "kpi_no")
    count = len(lines) - len(repeated)
    if count < min_kpis:
        checker.add(first, "kpi_no", FileErrorCode.TOO_FEW_KPIS, f"{count}/{min_kpis}")
    elif count > max_kpis:
        checker.add(first, "kpi_no", FileErrorCode.TOO_MANY_KPIS, f"{count}/{max_kpis}")
    numbers = sorted({no for _, no in numbered})
    # Unreadable numbers are reported on their own lines; the rest may still be numbered 1..N.
    if len(numbered) == len(lines) and numbers != list(range(1, len(numbers) + 1)):
        checker.add(first, "kpi_no", FileErrorCode.KPI_NUMBERS, ", ".join(map(str, numbers)))


# ---------------------------------------------------------------------------- actuals


def validate_actuals(header: Sequence[str], rows: Rows) -> ActualsValidation:
    """Check a table of KPI actual values: one row per employee, KPI and quarter."""
    checker = _Checker(_ACTUALS)
    candidates: list[tuple[_Row, ActualRow | None]] = []
    for row in checker.read(header, rows):
        employee = checker.text(row, "employee_id")
        no = checker.kpi_no(row)
        quarter_text = checker.text(row, "quarter")
        quarter = _parse_quarter(quarter_text) if quarter_text is not None else None
        if quarter_text is not None and quarter is None:
            checker.add(row.line, "quarter", FileErrorCode.BAD_QUARTER, quarter_text)
        actual = checker.number(row, "actual", mandatory=True)
        if actual is not None and actual < 0:
            checker.add(row.line, "actual", FileErrorCode.NEGATIVE, row.text["actual"])
            actual = None
        if employee is None or no is None or quarter is None or actual is None:
            candidates.append((row, None))
        else:
            candidates.append((row, ActualRow(employee, no, quarter, actual)))

    keyed = [(row, (c.employee_code, c.kpi_no, c.quarter)) for row, c in candidates if c is not None]
    _repeats(checker, keyed, "quarter")

    errors = checker.sorted()
    return ActualsValidation(() if errors else tuple(c for _, c in candidates if c is not None), errors)


# --------------------------------------------------------------------------- absences


def validate_absences(header: Sequence[str], rows: Rows) -> AbsenceValidation:
    """Check a table of absences (clause 5); dismissals come from the staff list's left_on."""
    checker = _Checker(_ABSENCES)
    records: list[AbsenceRow] = []
    for row in checker.read(header, rows):
        employee = checker.text(row, "employee_id")
        kind = _absence_kind(checker, row)
        starts_on = checker.day(row, "starts_on", mandatory=True)
        ends_on = checker.day(row, "ends_on", mandatory=True)
        if starts_on is not None and ends_on is not None and ends_on < starts_on:
            checker.add(row.line, "ends_on", FileErrorCode.BAD_PERIOD, row.text["ends_on"])
        elif employee is not None and kind is not None and starts_on is not None and ends_on is not None:
            records.append(AbsenceRow(employee, kind, starts_on, ends_on))

    errors = checker.sorted()
    return AbsenceValidation(() if errors else tuple(records), errors)


def _absence_kind(checker: _Checker, row: _Row) -> Absence | None:
    text = row.text.get("kind", "")
    if _choice_key(text) in _DISMISSAL_WORDS:
        checker.add(row.line, "kind", FileErrorCode.DISMISSAL, text)
        return None
    return checker.choice(row, "kind", _ABSENCE_KINDS, FileErrorCode.BAD_KIND)


def plans_template(people: Sequence[tuple[str, str]], kpis_each: int = 3) -> str:
    """A work-plan table to fill in: the columns, and for every (employee id, full name) as
    many rows as KPIs, numbered; semicolons, as Excel in Kazakhstan and Russia expects. The ids
    and names came from the staff list: they are written as text that no spreadsheet runs."""
    blanks: list[CsvCell] = [""] * (len(_PLANS.names) - 3)
    rows: list[list[CsvCell]] = [
        [code, name, number, *blanks] for code, name in people for number in range(1, kpis_each + 1)
    ]
    return csv_text([_PLANS.names, *rows], delimiter=";")
