"""Validation of an imported staff list (pure: no I/O, standard library only).

HR uploads the staff list as a CSV or XLSX table; :mod:`bot.staff.files`
turns the bytes into a header and rows, and :func:`validate_staff` checks them here.
The whole table is validated and every problem is reported, so that HR can fix the
file in one go; nothing is imported from a file with any problem (``records`` is empty).

The messages of :meth:`StaffError.describe` are English gettext message ids; the caller passes
its ``gettext`` to have them translated (this module must not depend on the bot's i18n).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# Re-exported: the readers of single cells lived here, and other modules import them from here.
from bot.staff.cell_rules import ReturnReason, Role, normalise_category, normalise_return_reason, parse_yes_no
from bot.staff.cell_rules import cell_text as cell_text
from bot.staff.cell_rules import normalise_language as normalise_language
from bot.staff.cell_rules import normalise_phone as normalise_phone
from bot.staff.cell_rules import normalise_role as normalise_role
from bot.staff.cell_rules import parse_date as parse_date

REQUIRED_COLUMNS = (
    "employee_id",
    "full_name",
    "position",
    "role",
    "unit",
    "manager_id",
    "phone",
    "language",
    "appointed_on",
)

# Columns a staff list may have, for the 2018 method (kz-2018 profiles): the post's category
# of appendix 4 (E-1 … E-G-4) and whether its duties include public services; and, for 004
# clause 4, the probation's last day and the day the person came back from social leave or
# study, with which of the two (``returned_from``).
OPTIONAL_COLUMNS = ("category", "serves_public", "probation_ends_on", "returned_on", "returned_from")
# Date columns besides appointed_on; a probation ends in the future, a return has happened.
_OPTIONAL_DATES = ("probation_ends_on", "returned_on")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Columns that must hold a value on every row (manager_id, phone and language may be empty).
_MANDATORY_VALUES = ("employee_id", "full_name", "position", "role", "unit", "appointed_on")

_VALUE_LIMIT = 60

# The most characters each text column holds, as stored: the database's column sizes
# (storage/models.py declares the employees' columns with these numbers). A longer value is
# refused line by line here rather than by the database (PostgreSQL refuses it mid-import,
# SQLite would keep it).
FIELD_LIMITS: dict[str, int] = {
    "employee_id": 64,
    "full_name": 255,
    "position": 255,
    "unit": 255,
    "manager_id": 64,
}

Translate = Callable[[str], str]


class StaffErrorCode(StrEnum):
    MISSING_VALUE = "missing_value"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_MANAGER = "unknown_manager"
    SELF_MANAGER = "self_manager"
    MANAGER_CYCLE = "manager_cycle"
    BAD_ROLE = "bad_role"
    BAD_DATE = "bad_date"
    FUTURE_DATE = "future_date"
    BAD_PHONE = "bad_phone"
    DUPLICATE_PHONE = "duplicate_phone"
    BAD_LANGUAGE = "bad_language"
    BAD_CATEGORY = "bad_category"
    BAD_YES_NO = "bad_yes_no"
    BAD_RETURN_REASON = "bad_return_reason"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_COLUMN = "unknown_column"
    VALUE_TOO_LONG = "value_too_long"  # value: "length/limit"
    EMPTY_FILE = "empty_file"
    UNREADABLE_FILE = "unreadable_file"
    # The file itself is refused before it is read whole (bot.staff.files).
    BAD_ENCODING = "bad_encoding"  # value: the encoding the text seems to be in
    FILE_TOO_LARGE = "file_too_large"  # value: the limit in megabytes, unpacked
    TOO_MANY_ROWS = "too_many_rows"  # value: the limit
    TOO_MANY_COLUMNS = "too_many_columns"  # value: the limit
    CELL_TOO_LONG = "cell_too_long"  # value: the limit in characters


def _as_written(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class StaffRecord:
    line: int  # the line in the file (header is line 1)
    employee_id: str
    full_name: str
    position: str
    role: Role
    unit: str
    manager_id: str | None  # None for the top of the hierarchy
    phone: str | None  # "+7XXXXXXXXXX" for Kazakh numbers, "+<digits>" for other international ones
    language: str | None  # "kk", "ru" or "en"; None when the file leaves it empty
    appointed_on: date
    category: str | None = None  # the 2018 method's post category, e.g. "E-R-4"
    serves_public: bool | None = None  # None when the file does not say
    probation_ends_on: date | None = None  # the probation's last day (004 clause 4)
    returned_on: date | None = None  # back from social leave or study on this day (004 clause 4)
    returned_from: ReturnReason | None = None
    # The optional columns the file has: a re-import without a column keeps what is stored.
    columns: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class StaffError:
    line: int  # 1 for header problems, 0 for whole-file problems
    column: str  # the column name ("" when not about one column)
    code: StaffErrorCode
    value: str  # the offending value (shortened), or the ids in a cycle joined by " → "

    # The parameter is called ``_`` so that pybabel extracts the messages (keyword ``_``).
    def describe(self, _: Translate = _as_written) -> str:
        """One sentence, e.g. "line 7, column manager_id: unknown manager 'E-99'"; English
        unless a ``gettext`` is given."""
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
            case StaffErrorCode.MISSING_VALUE:
                return _("a value is required")
            case StaffErrorCode.DUPLICATE_ID:
                return _("employee id '{value}' already appears on an earlier line").format(value=value)
            case StaffErrorCode.UNKNOWN_MANAGER:
                return _("unknown manager '{value}'").format(value=value)
            case StaffErrorCode.SELF_MANAGER:
                return _("employee '{value}' is listed as their own manager").format(value=value)
            case StaffErrorCode.MANAGER_CYCLE:
                first = value.split(" → ", 1)[0]
                return _("the manager chain goes round in a circle: {chain}").format(
                    chain=f"{value} → {first}"
                )
            case StaffErrorCode.BAD_ROLE:
                return _("unknown role '{value}' (expected head or employee)").format(value=value)
            case StaffErrorCode.BAD_DATE:
                return _("unreadable date '{value}' (expected YYYY-MM-DD or DD.MM.YYYY)").format(value=value)
            case StaffErrorCode.FUTURE_DATE:
                return _("date '{value}' is in the future").format(value=value)
            case StaffErrorCode.BAD_PHONE:
                return _("unreadable phone number '{value}' (expected e.g. +7 701 123 45 67)").format(
                    value=value
                )
            case StaffErrorCode.DUPLICATE_PHONE:
                return _("phone number '{value}' already appears on an earlier line").format(value=value)
            case StaffErrorCode.BAD_LANGUAGE:
                return _("unknown language '{value}' (expected kk, ru or en)").format(value=value)
            case StaffErrorCode.BAD_CATEGORY:
                return _("unreadable post category '{value}' (expected e.g. E-4 or E-R-2)").format(
                    value=value
                )
            case StaffErrorCode.BAD_YES_NO:
                return _("'{value}' is neither yes nor no").format(value=value)
            case StaffErrorCode.BAD_RETURN_REASON:
                return _("unknown reason '{value}' (expected social leave or study)").format(value=value)
            case StaffErrorCode.MISSING_COLUMN:
                return _("this required column is missing from the header")
            case StaffErrorCode.UNKNOWN_COLUMN:
                if not value:
                    return _("a column without a header holds data")
                return _("unexpected column '{value}' (allowed: {columns})").format(
                    value=value, columns=", ".join(KNOWN_COLUMNS)
                )
            case StaffErrorCode.VALUE_TOO_LONG:
                length, _slash, limit = value.partition("/")
                return _("{length} characters is too long: at most {limit} fit").format(
                    length=length, limit=limit
                )
            case StaffErrorCode.EMPTY_FILE:
                return _("the file contains no staff rows")
            case _code:
                return describe_file_problem(_code.value, value, _)


def describe_file_problem(code: str, value: str, _: Translate = _as_written) -> str:
    """The sentence for a problem of the whole file (unreadable, too large, an encoding the
    bot does not read), shared by the staff list and the quarterly uploads."""
    match code:
        case StaffErrorCode.BAD_ENCODING:
            return _(
                "the text is in the {encoding} encoding, which the bot does not read; "
                "save the file as CSV UTF-8 (or as XLSX) and send it again"
            ).format(encoding=value)
        case StaffErrorCode.FILE_TOO_LARGE:
            return _("the file is too large: more than {limit} MB once unpacked").format(limit=value)
        case StaffErrorCode.TOO_MANY_ROWS:
            return _("the file has more than {limit} rows; split it into several files").format(limit=value)
        case StaffErrorCode.TOO_MANY_COLUMNS:
            return _("a row has more than {limit} columns").format(limit=value)
        case StaffErrorCode.CELL_TOO_LONG:
            return _("a cell holds more than {limit} characters").format(limit=value)
        case _:  # UNREADABLE_FILE
            if value:  # the reader's detail is an English message id too
                return _("the file could not be read as a CSV or XLSX table ({detail})").format(
                    detail=_(value)
                )
            return _("the file could not be read as a CSV or XLSX table")


@dataclass(frozen=True, slots=True)
class StaffValidation:
    records: tuple[StaffRecord, ...]
    errors: tuple[StaffError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------- helpers


def shorten(value: str, limit: int = _VALUE_LIMIT) -> str:
    """``value`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def normalise_column(name: str) -> str:
    """Header cell → column name: BOM stripped, case- and space-insensitive."""
    cleaned = unicodedata.normalize("NFC", name.replace("\ufeff", "")).strip().casefold()
    return re.sub(r"[\s\-]+", "_", cleaned)


def _collapse(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------- validation


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, str]
    raw_dates: dict[str, str | date | None]  # the date columns' cells as read (XLSX dates)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[StaffError] = []

    def add(self, line: int, column: str, code: StaffErrorCode, value: str = "", *, cut: bool = True) -> None:
        self.errors.append(StaffError(line, column, code, shorten(value) if cut else value))

    def sorted(self) -> tuple[StaffError, ...]:
        """File problems first, then the header's (as found), then by line and column order."""
        order = {name: i for i, name in enumerate(KNOWN_COLUMNS)}
        return tuple(
            sorted(self.errors, key=lambda e: (e.line, order.get(e.column, -1) if e.line > 1 else 0))
        )


def validate_staff(
    header: Sequence[str],
    rows: Sequence[tuple[int, Mapping[str, str | date | None]]],
    today: date,
) -> StaffValidation:
    """Check a staff table; every problem is reported and nothing is accepted from a bad file.

    ``header`` is the first line of the table as written; each row is ``(line, values)``
    with ``values`` keyed by the header cells (or by the canonical column names).
    """
    out = _Collector()
    present = _check_header(header, out)
    if present is None:  # a header with no names at all: the file is empty
        out.add(0, "", StaffErrorCode.EMPTY_FILE)
        return StaffValidation((), out.sorted())

    parsed = _collect_rows(rows, out)
    if not parsed:
        out.add(0, "", StaffErrorCode.EMPTY_FILE)

    candidates = [rec for row in parsed if (rec := _check_row(row, present, today, out)) is not None]
    _check_uniqueness(parsed, out)
    _check_hierarchy(parsed, present, out)

    errors = out.sorted()
    return StaffValidation(() if errors else tuple(candidates), errors)


def _check_header(header: Sequence[str], out: _Collector) -> set[str] | None:
    """The required columns present in ``header`` (``None`` for a header with no names)."""
    names = [(str(cell), normalise_column(str(cell))) for cell in header]
    if not any(norm for _, norm in names):
        return None
    seen: set[str] = set()
    unknown: list[str] = []
    for raw, norm in names:
        if not norm:
            continue  # a nameless column is only a problem if it holds data (see _collect_rows)
        if norm not in KNOWN_COLUMNS or norm in seen:  # unknown, or the same column twice
            unknown.append(raw.replace("\ufeff", "").strip())
        seen.add(norm)
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            out.add(1, column, StaffErrorCode.MISSING_COLUMN)
    for shown in unknown:
        out.add(1, shown, StaffErrorCode.UNKNOWN_COLUMN, shown)
    return seen & set(KNOWN_COLUMNS)


def _collect_rows(rows: Sequence[tuple[int, Mapping[str, str | date | None]]], out: _Collector) -> list[_Row]:
    parsed: list[_Row] = []
    nameless_reported = False
    for line, mapping in rows:
        values: dict[str, str] = {}
        raw_dates: dict[str, str | date | None] = {}
        nameless = False
        for key, value in mapping.items():
            column = normalise_column(str(key))
            text = cell_text(value)
            if column in KNOWN_COLUMNS:
                values[column] = text
                if column == "appointed_on" or column in _OPTIONAL_DATES:
                    raw_dates[column] = value
            elif not column and text:
                nameless = True
        if not any(values.values()) and not nameless:
            continue  # a fully empty row
        if nameless and not nameless_reported:
            out.add(1, "", StaffErrorCode.UNKNOWN_COLUMN)
            nameless_reported = True
        parsed.append(_Row(line, values, raw_dates))
    return parsed


def _check_row(row: _Row, present: set[str], today: date, out: _Collector) -> StaffRecord | None:
    """The row's record, or ``None`` (with its problems reported) when it is not valid."""
    errors_before = len(out.errors)
    get = row.values.get
    for column in _MANDATORY_VALUES:
        if column in present and not get(column, ""):
            out.add(row.line, column, StaffErrorCode.MISSING_VALUE)

    for column, limit in FIELD_LIMITS.items():
        stored = get(column, "") if column in ("employee_id", "manager_id") else _collapse(get(column, ""))
        # The name is also kept case-folded for searching, which can lengthen it (ß → ss).
        length = max(len(stored), len(stored.casefold())) if column == "full_name" else len(stored)
        if length > limit:
            out.add(row.line, column, StaffErrorCode.VALUE_TOO_LONG, f"{length}/{limit}")

    role_text = get("role", "")
    role = normalise_role(role_text)
    if role_text and role is None:
        out.add(row.line, "role", StaffErrorCode.BAD_ROLE, role_text)

    appointed = _date(row, "appointed_on", today, out)

    phone_text = get("phone", "")
    phone = normalise_phone(phone_text) if phone_text else None
    if phone_text and phone is None:
        out.add(row.line, "phone", StaffErrorCode.BAD_PHONE, phone_text)

    language_text = get("language", "")
    # An empty language is allowed: the person's own Telegram language decides when they join.
    language = normalise_language(language_text) if language_text else None
    if language_text and language is None:
        out.add(row.line, "language", StaffErrorCode.BAD_LANGUAGE, language_text)

    category_text = get("category", "")
    category = normalise_category(category_text) if category_text else None
    if category_text and category is None:
        out.add(row.line, "category", StaffErrorCode.BAD_CATEGORY, category_text)

    public_text = get("serves_public", "")
    serves_public = parse_yes_no(public_text) if public_text else None
    if public_text and serves_public is None:
        out.add(row.line, "serves_public", StaffErrorCode.BAD_YES_NO, public_text)

    probation_ends_on = _date(row, "probation_ends_on", None, out)
    returned_on, returned_from = _return(row, today, out)

    if len(out.errors) > errors_before or role is None or appointed is None:
        return None
    return StaffRecord(
        line=row.line,
        employee_id=get("employee_id", ""),
        full_name=_collapse(get("full_name", "")),
        position=_collapse(get("position", "")),
        role=role,
        unit=_collapse(get("unit", "")),
        manager_id=get("manager_id") or None,
        phone=phone,
        language=language,
        appointed_on=appointed,
        category=category,
        serves_public=serves_public,
        probation_ends_on=probation_ends_on,
        returned_on=returned_on,
        returned_from=returned_from,
        columns=frozenset(present) & frozenset(OPTIONAL_COLUMNS),
    )


def _date(row: _Row, column: str, latest: date | None, out: _Collector) -> date | None:
    """The column's date (None when empty or unreadable, with the problem reported); a date
    after ``latest`` is refused."""
    text = row.values.get(column, "")
    if not text:
        return None
    raw = row.raw_dates.get(column)
    day = parse_date(raw if raw is not None else text)
    if day is None:
        out.add(row.line, column, StaffErrorCode.BAD_DATE, text)
    elif latest is not None and day > latest:
        out.add(row.line, column, StaffErrorCode.FUTURE_DATE, text)
        return None
    return day


def _return(row: _Row, today: date, out: _Collector) -> tuple[date | None, ReturnReason | None]:
    """The day of the return and its reason: both or neither (004 clause 4 names two reasons,
    and the rule reads the day)."""
    returned_on = _date(row, "returned_on", today, out)
    reason_text = row.values.get("returned_from", "")
    reason = normalise_return_reason(reason_text) if reason_text else None
    if reason_text and reason is None:
        out.add(row.line, "returned_from", StaffErrorCode.BAD_RETURN_REASON, reason_text)
    if row.values.get("returned_on", "") and not reason_text:
        out.add(row.line, "returned_from", StaffErrorCode.MISSING_VALUE)
    if reason_text and not row.values.get("returned_on", ""):
        out.add(row.line, "returned_on", StaffErrorCode.MISSING_VALUE)
    return returned_on, reason


def _check_uniqueness(parsed: list[_Row], out: _Collector) -> None:
    seen_ids: set[str] = set()
    seen_phones: set[str] = set()
    for row in parsed:
        employee_id = row.values.get("employee_id", "")
        if employee_id:
            if employee_id in seen_ids:
                out.add(row.line, "employee_id", StaffErrorCode.DUPLICATE_ID, employee_id)
            seen_ids.add(employee_id)
        phone_text = row.values.get("phone", "")
        phone = normalise_phone(phone_text) if phone_text else None
        if phone is not None:
            if phone in seen_phones:
                out.add(row.line, "phone", StaffErrorCode.DUPLICATE_PHONE, phone_text)
            seen_phones.add(phone)


def _check_hierarchy(parsed: list[_Row], present: set[str], out: _Collector) -> None:
    if "employee_id" not in present or "manager_id" not in present:
        return
    known = {row.values.get("employee_id", "") for row in parsed} - {""}
    manager_of: dict[str, str] = {}
    line_of: dict[str, int] = {}
    for row in parsed:
        employee_id = row.values.get("employee_id", "")
        manager_id = row.values.get("manager_id", "")
        if not manager_id:
            continue
        if manager_id == employee_id:
            out.add(row.line, "manager_id", StaffErrorCode.SELF_MANAGER, manager_id)
        elif manager_id not in known:
            out.add(row.line, "manager_id", StaffErrorCode.UNKNOWN_MANAGER, manager_id)
        elif employee_id and employee_id not in manager_of:  # a duplicate id keeps its first line
            manager_of[employee_id] = manager_id
            line_of[employee_id] = row.line

    # Each person has at most one manager, so every cycle is found by walking up the chains.
    done: set[str] = set()
    for start in manager_of:
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = manager_of.get(node)
        if node is not None and node in on_path:
            cycle = path[on_path[node] :]
            first = min(range(len(cycle)), key=lambda i: line_of[cycle[i]])
            cycle = cycle[first:] + cycle[:first]
            out.add(
                line_of[cycle[0]], "manager_id", StaffErrorCode.MANAGER_CYCLE, " → ".join(cycle), cut=False
            )
        done.update(path)
