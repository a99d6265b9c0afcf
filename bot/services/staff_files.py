"""Reading an uploaded staff list (CSV or XLSX) into a header and rows.

The rows are handed to the pure :func:`bot.domain.staff.validate_staff`. Line numbers
are the ones a person sees in Excel: the header is line 1, the first person line 2.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime
from pathlib import PurePath

from openpyxl import load_workbook

from bot.domain.staff import StaffError, StaffErrorCode, StaffValidation, cell_text, validate_staff

Rows = list[tuple[int, dict[str, str | date | None]]]

_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted workbook
_UTF8_BOM = b"\xef\xbb\xbf"
_DELIMITERS = (";", ",", "\t")
# A text file with more control characters than this share is not a table (a binary file).
_MAX_CONTROL_SHARE = 0.01


class StaffFileError(Exception):
    """The upload is not a readable table (``EMPTY_FILE`` or ``UNREADABLE_FILE``)."""

    def __init__(self, code: StaffErrorCode, detail: str = "") -> None:
        super().__init__(detail or code.value)
        self.code = code
        self.detail = detail

    def to_error(self) -> StaffError:
        return StaffError(line=0, column="", code=self.code, value=self.detail)

    def describe(self) -> str:
        return self.to_error().describe()


def read_table(data: bytes, file_name: str) -> tuple[list[str], Rows]:
    """The header (as written) and the non-empty rows ``(line, {header cell: value})``.

    Values under a nameless header cell, or beyond the header's last column, are kept
    under the key ``""`` so that the validator can point at them. Raises
    :class:`StaffFileError` for an empty or unreadable file.
    """
    if not data.strip():
        raise StaffFileError(StaffErrorCode.EMPTY_FILE)
    suffix = PurePath(file_name or "").suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(data)
    elif suffix == ".csv":
        table = _csv_rows(data)
    elif suffix == ".xls" or data.startswith(_OLE_SIGNATURE):
        raise StaffFileError(
            StaffErrorCode.UNREADABLE_FILE,
            "an old .xls or password-protected workbook; save it as .xlsx or CSV",
        )
    elif data.startswith(_ZIP_SIGNATURE):
        table = _xlsx_rows(data)
    else:
        table = _csv_rows(data)
    return _to_rows(table)


def load_staff_file(data: bytes, file_name: str, today: date) -> StaffValidation:
    """Read and validate an upload; an unreadable file becomes a validation with one error."""
    try:
        header, rows = read_table(data, file_name)
    except StaffFileError as exc:
        return StaffValidation(records=(), errors=(exc.to_error(),))
    return validate_staff(header, rows, today)


# -------------------------------------------------------------------------------- rows

_Cell = str | date | None
_Table = list[tuple[int, list[_Cell]]]  # (line, cells) for every non-empty line


def _blank(cell: _Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _to_rows(table: _Table) -> tuple[list[str], Rows]:
    if not table:
        raise StaffFileError(StaffErrorCode.EMPTY_FILE)
    (_, header_cells), body = table[0], table[1:]
    header = [cell_text(cell) if not isinstance(cell, str) else cell for cell in header_cells]
    while header and not header[-1].strip():
        header.pop()
    rows: Rows = []
    for line, cells in body:
        values: dict[str, str | date | None] = {name: None for name in header if name.strip()}
        for index, cell in enumerate(cells):
            name = header[index] if index < len(header) else ""
            if not name.strip():
                if not _blank(cell) and _blank(values.get("")):
                    values[""] = cell  # data without a column name
                continue
            if name in values and values[name] is not None:
                continue  # a repeated header name: the first column wins (it is reported anyway)
            values[name] = cell
        rows.append((line, values))
    return header, rows


# --------------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, "broken UTF-16 text") from exc
    if b"\x00" in data:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, "not a text file")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")  # Russian-locale Excel exports
    except UnicodeDecodeError as exc:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, "unknown text encoding") from exc


def _looks_binary(text: str) -> bool:
    controls = sum(
        1 for ch in text if ch not in "\t\r\n" and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
    )
    return controls > len(text) * _MAX_CONTROL_SHARE


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: 0 for delimiter in _DELIMITERS}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> _Table:
    if data.startswith(_ZIP_SIGNATURE):
        raise StaffFileError(
            StaffErrorCode.UNREADABLE_FILE, "this is a zip archive (an XLSX workbook?), not a CSV text"
        )
    text = _decode(data).lstrip("\ufeff")
    if _looks_binary(text):
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, "not a text table")
    lines = text.splitlines()
    delimiter: str | None = None
    if lines and lines[0].strip().casefold().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]  # Excel's "sep=;" directive line: not a row in Excel
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if delimiter is None:
        header_line = next((line for line in lines if line.strip()), "")
        delimiter = _sniff_delimiter(header_line)

    table: _Table = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
        for line, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                row: list[_Cell] = list(cells)
                table.append((line, row))
    except csv.Error as exc:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, f"broken CSV: {exc}") from exc
    return table


# -------------------------------------------------------------------------------- XLSX


def _xlsx_cell(value: object) -> _Cell:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return cell_text(value)  # numbers: 1001.0 → "1001"


def _xlsx_rows(data: bytes) -> _Table:
    table: _Table = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure of a damaged or foreign zip is "unreadable"
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, "not a valid XLSX workbook") from exc
    try:
        if not workbook.worksheets:
            raise StaffFileError(StaffErrorCode.EMPTY_FILE)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some generators write a wrong sheet size: read every row
        # read-only sheets yield empty tuples for missing rows, so the index is the Excel row
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(value) for value in values]
            if not all(_blank(cell) for cell in cells):
                table.append((line, cells))
    except StaffFileError:
        raise
    except Exception as exc:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, "a damaged XLSX workbook") from exc
    finally:
        workbook.close()
    return table
