"""Reading an uploaded staff list (CSV or XLSX) into a header and rows.

The rows are handed to the pure :func:`bot.staff.rules.validate_staff`. Line numbers
are the ones a person sees in Excel: the header is line 1, the first person line 2.

An upload is untrusted: a workbook of a few hundred kilobytes can unpack to gigabytes, millions
of rows or one enormous cell. :class:`ReadLimits` bounds what is read, and the limits are
checked while the file is read, before memory grows: a workbook's parts by the sizes its zip
declares (which :mod:`zipfile` also holds the unpacking to: a part that unpacks to more is a
damaged file), then each XML part streamed in chunks for its longest text, its rows and cells,
then the rows one at a time from openpyxl's read-only (streaming) reader. openpyxl parses the
XML with defusedxml (pinned) against entity expansion and external entities. A text file is
read only in UTF-8, UTF-16 or Windows-1251; another Cyrillic code page is recognised and refused
by name. The bot reads files off the event loop (:func:`run_off_loop`): a large valid file takes
seconds of CPU that every other user would otherwise wait for.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import IO, ParamSpec, TypeVar

from bot.kernel.cells import restore
from bot.staff.rules import StaffError, StaffErrorCode, StaffValidation, cell_text, validate_staff

Rows = list[tuple[int, dict[str, str | date | None]]]

_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted workbook
_UTF8_BOM = b"\xef\xbb\xbf"
_DELIMITERS = (";", ",", "\t")
# A text file with more control characters than this share is not a table (a binary file).
_MAX_CONTROL_SHARE = 0.01
_MB = 1024 * 1024


def __(message: str) -> str:
    """Marks an English detail for extraction; it is translated when the error is shown."""
    return message


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much of an upload is read. A staff list of 100,000 people, or a work plan of
    20,000 people with five KPIs each, is well inside every limit."""

    rows: int = 100_000  # lines after the header, empty ones included
    columns: int = 64
    cells: int = 2_000_000  # in the whole file
    cell_chars: int = 2_000
    unpacked_bytes: int = 64 * _MB  # a CSV text, a worksheet, and a workbook's parts together
    strings_bytes: int = 16 * _MB  # a workbook's shared strings (read whole by openpyxl)
    part_bytes: int = 2 * _MB  # any other part of a workbook (styles …, read whole by openpyxl)


LIMITS = ReadLimits()


class StaffFileError(Exception):
    """The upload is not a readable table, or is beyond a :class:`ReadLimits` limit."""

    def __init__(self, code: StaffErrorCode, detail: str = "", *, line: int = 0, column: str = "") -> None:
        super().__init__(detail or code.value)
        self.code = code
        self.detail = detail
        self.line = line
        self.column = column

    def to_error(self) -> StaffError:
        return StaffError(line=self.line, column=self.column, code=self.code, value=self.detail)

    def describe(self) -> str:
        return self.to_error().describe()


def read_table(data: bytes, file_name: str, limits: ReadLimits = LIMITS) -> tuple[list[str], Rows]:
    """The header (as written) and the non-empty rows ``(line, {header cell: value})``.

    Values under a nameless header cell, or beyond the header's last column, are kept
    under the key ``""`` so that the validator can point at them. Raises
    :class:`StaffFileError` for an empty or unreadable file, or one beyond ``limits``.
    """
    if not data.strip():
        raise StaffFileError(StaffErrorCode.EMPTY_FILE)
    suffix = PurePath(file_name or "").suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(data, limits)
    elif suffix == ".csv":
        table = _csv_rows(data, limits)
    elif suffix == ".xls" or data.startswith(_OLE_SIGNATURE):
        raise StaffFileError(
            StaffErrorCode.UNREADABLE_FILE,
            __("an old .xls or password-protected workbook; save it as .xlsx or CSV"),
        )
    elif data.startswith(_ZIP_SIGNATURE):
        table = _xlsx_rows(data, limits)
    else:
        table = _csv_rows(data, limits)
    return _to_rows(table)


def load_staff_file(data: bytes, file_name: str, today: date, limits: ReadLimits = LIMITS) -> StaffValidation:
    """Read and validate an upload; an unreadable file becomes a validation with one error."""
    try:
        header, rows = read_table(data, file_name, limits)
    except StaffFileError as exc:
        return StaffValidation(records=(), errors=(exc.to_error(),))
    return validate_staff(header, rows, today)


# Two threads: files are read one or two at a time, however many arrive together, so that
# the memory of reading stays that of two files at most; the rest wait their turn.
_READERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="upload-reader")
_P = ParamSpec("_P")
_R = TypeVar("_R")


async def run_off_loop(read: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """``read(*args, **kwargs)`` in a reader thread: the event loop goes on answering everyone
    while a file is parsed and validated."""
    return await asyncio.get_running_loop().run_in_executor(
        _READERS, functools.partial(read, *args, **kwargs)
    )


async def load_staff_upload(data: bytes, file_name: str, today: date) -> StaffValidation:
    """:func:`load_staff_file` off the event loop: what the bot calls."""
    return await run_off_loop(load_staff_file, data, file_name, today)


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
        for index, cell in enumerate(restore(cell) if isinstance(cell, str) else cell for cell in cells):
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

# Letters of the Kazakh and Russian alphabets, and the punctuation Windows-1251 files hold.
_ALPHABET = frozenset(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІ«»—–№“”„‘’…•\u00a0"
)
_CASE_FLIP = re.compile("[а-яёәғқңөұүһі][А-ЯЁӘҒҚҢӨҰҮҺІ]")
# The other single-byte code pages a Cyrillic table may come in, by the name a person knows.
_OTHER_CODE_PAGES = {
    "kz1048": "KZ-1048",
    "koi8_r": "KOI8-R",
    "koi8_u": "KOI8-U",
    "cp866": "CP866 (DOS)",
    "mac_cyrillic": "Mac Cyrillic",
    "iso8859_5": "ISO-8859-5",
}


def _oddness(text: str) -> int:
    """How unlike Kazakh or Russian a decoded text looks: characters beyond ASCII that are
    neither letters of the two alphabets nor the usual punctuation, and words whose letters
    switch from lower to upper case mid-word (KOI8-R read as Windows-1251: "иЧБОПЧ")."""
    odd = sum(1 for ch in text if ord(ch) > 0x7F and ch not in _ALPHABET)
    return odd + len(_CASE_FLIP.findall(text))


def _single_byte_code_page(data: bytes) -> str | None:
    """``None`` when the bytes read best as Windows-1251 (or equally well as another code
    page); otherwise the name of the code page they read best in.

    A heuristic over the two alphabets rather than a detector library: every byte is valid in
    every one of these code pages, so only how the decoded text looks tells them apart, and the
    question here is narrow (Windows-1251 or not) on files of a few lines of names, where
    general-purpose detectors hesitate between neighbouring Cyrillic code pages."""
    scores = {codec: _oddness(data.decode(codec, errors="replace")) for codec in _OTHER_CODE_PAGES}
    windows = _oddness(data.decode("cp1251", errors="replace"))
    best = min(scores, key=lambda codec: scores[codec])
    return _OTHER_CODE_PAGES[best] if scores[best] < windows else None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("broken UTF-16 text")) from exc
    if b"\x00" in data:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("not a text file"))
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")  # Russian-locale Excel exports
    except UnicodeDecodeError as exc:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("unknown text encoding")) from exc
    if _looks_binary(text):
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("not a text table"))
    code_page = _single_byte_code_page(data)
    if code_page is not None:  # it would import as gibberish without a word
        raise StaffFileError(StaffErrorCode.BAD_ENCODING, code_page)
    return text


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


class _Counter:
    """The row, column, cell and length limits, checked on each row as it is read."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.cells = 0

    def check(self, line: int, cells: list[_Cell]) -> None:
        limits = self.limits
        if line > limits.rows + 1:
            raise StaffFileError(StaffErrorCode.TOO_MANY_ROWS, str(limits.rows))
        if len(cells) > limits.columns:
            raise StaffFileError(StaffErrorCode.TOO_MANY_COLUMNS, str(limits.columns), line=line)
        self.cells += len(cells)
        if self.cells > limits.cells:
            raise StaffFileError(StaffErrorCode.FILE_TOO_LARGE, str(limits.unpacked_bytes // _MB))
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > limits.cell_chars:
                raise StaffFileError(
                    StaffErrorCode.CELL_TOO_LONG,
                    str(limits.cell_chars),
                    line=line,
                    column=_column_name(index),
                )


def _column_name(index: int) -> str:
    """Excel's name of the column at ``index`` (0 → A, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _csv_rows(data: bytes, limits: ReadLimits) -> _Table:
    if data.startswith(_ZIP_SIGNATURE):
        raise StaffFileError(
            StaffErrorCode.UNREADABLE_FILE, __("this is a zip archive (an XLSX workbook?), not a CSV text")
        )
    if len(data) > limits.unpacked_bytes:
        raise StaffFileError(StaffErrorCode.FILE_TOO_LARGE, str(limits.unpacked_bytes // _MB))
    text = _decode(data).lstrip("\ufeff")
    if _looks_binary(text):
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("not a text table"))
    start = 0
    delimiter: str | None = None
    first_line = text[: text.find("\n")] if "\n" in text else text
    if first_line.strip().casefold().startswith("sep=") and len(first_line.strip()) == 5:
        delimiter = first_line.strip()[4]  # Excel's "sep=;" directive line: not a row in Excel
        start = len(first_line) + 1
    if delimiter is None:
        header_line = next((line for line in _lines(text, start) if line.strip()), "")
        delimiter = _sniff_delimiter(header_line)

    table: _Table = []
    counter = _Counter(limits)
    try:
        reader = csv.reader(_lines(text, start), delimiter=delimiter, quotechar='"', strict=False)
        for line, cells in enumerate(reader, start=1):
            row: list[_Cell] = list(cells)
            counter.check(line, row)
            if any(cell.strip() for cell in cells):
                table.append((line, row))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own bound, 128 KiB
            raise StaffFileError(StaffErrorCode.CELL_TOO_LONG, str(limits.cell_chars)) from exc
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("broken CSV")) from exc
    return table


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """The text's lines from ``start``, with their ends, one at a time: ``io.StringIO`` would
    copy the whole text at four bytes a character, ``splitlines`` every line at once."""
    return (match.group() for match in _LINE.finditer(text, start))


# -------------------------------------------------------------------------------- XLSX

# While a part of a workbook is streamed: a text between two tags longer than this many bytes
# holds more than ``cell_chars`` characters even if every character is written as an XML
# character reference (``&#x10FFFF;``, ten bytes).
_BYTES_PER_CHAR = 10
_CHUNK = 1024 * 1024
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|si)[\s/>]")


def _check_parts(archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts declare more than the limits; then stream each XML part
    and refuse one with a text, a row or a total of cells beyond them. :mod:`zipfile` stops
    a part at its declared size (and then fails its checksum), so the declared sizes bound
    what is unpacked."""
    parts = archive.infolist()
    too_large = StaffFileError(StaffErrorCode.FILE_TOO_LARGE, str(limits.unpacked_bytes // _MB))
    if sum(part.file_size for part in parts) > limits.unpacked_bytes:
        raise too_large
    for part in parts:
        if part.filename.startswith("xl/worksheets/"):
            bound = limits.unpacked_bytes
        elif part.filename == "xl/sharedStrings.xml":
            bound = limits.strings_bytes
        else:
            bound = limits.part_bytes
        if part.file_size > bound:
            raise StaffFileError(StaffErrorCode.FILE_TOO_LARGE, str(max(1, bound // _MB)))
    for part in parts:
        # Worksheets and shared strings whatever their names end with; other XML by its name
        # (pictures are not XML, and are never read).
        if (
            part.filename.startswith("xl/worksheets/")
            or part.filename == "xl/sharedStrings.xml"
            or part.filename.endswith((".xml", ".rels"))
        ):
            with archive.open(part) as stream:
                _scan_part(stream, limits)


def _scan_part(stream: IO[bytes], limits: ReadLimits) -> None:
    longest = limits.cell_chars * _BYTES_PER_CHAR
    too_long = StaffFileError(StaffErrorCode.CELL_TOO_LONG, str(limits.cell_chars))
    rows = cells = in_row = 0
    carry = b""
    while chunk := stream.read(_CHUNK):
        buffer = carry + chunk
        cut = buffer.rfind(b"<")  # what follows the last tag's start waits for the next chunk
        if cut <= 0:
            if len(buffer) > longest:
                raise too_long
            carry = buffer
            continue
        whole, carry = buffer[:cut], buffer[cut:]
        if max(map(len, whole.split(b"<"))) > longest:
            raise too_long
        segments = _ROW_START.split(whole)
        for index, segment in enumerate(segments):
            if index:  # a new row begins
                rows, in_row = rows + 1, 0
            found = len(_CELL_START.findall(segment))
            cells, in_row = cells + found, in_row + found
            if in_row > limits.columns and rows:  # (the cells of shared strings are in no row)
                raise StaffFileError(StaffErrorCode.TOO_MANY_COLUMNS, str(limits.columns))
        if rows > limits.rows + 1:
            raise StaffFileError(StaffErrorCode.TOO_MANY_ROWS, str(limits.rows))
        if cells > limits.cells:
            raise StaffFileError(StaffErrorCode.FILE_TOO_LARGE, str(limits.unpacked_bytes // _MB))
    if len(carry) > longest:
        raise too_long


def _xlsx_cell(value: object) -> _Cell:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return cell_text(value)  # numbers: 1001.0 → "1001"


def _xlsx_rows(data: bytes, limits: ReadLimits) -> _Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_parts(archive, limits)
    except StaffFileError:
        raise
    except Exception as exc:  # any failure of a damaged or foreign zip is "unreadable"
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("not a valid XLSX workbook")) from exc
    # openpyxl (and PIL, numpy) is imported by the first upload, not at the bot's start.
    from openpyxl import load_workbook

    table: _Table = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("not a valid XLSX workbook")) from exc
    counter = _Counter(limits)
    try:
        if not workbook.worksheets:
            raise StaffFileError(StaffErrorCode.EMPTY_FILE)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some generators write a wrong sheet size: read every row
        # read-only sheets yield empty tuples for missing rows, so the index is the Excel row
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(values) > limits.columns:  # before converting a row padded to column XFD
                counter.check(line, [None] * (limits.columns + 1))
            cells = [_xlsx_cell(value) for value in values]
            counter.check(line, cells)
            if not all(_blank(cell) for cell in cells):
                table.append((line, cells))
    except StaffFileError:
        raise
    except Exception as exc:
        raise StaffFileError(StaffErrorCode.UNREADABLE_FILE, __("a damaged XLSX workbook")) from exc
    finally:
        workbook.close()
    return table
