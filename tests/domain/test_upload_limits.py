"""Untrusted uploads (issue 17, items 4 and 6): a small workbook that unpacks to millions of rows
or one enormous cell is refused while it is read, with little memory; a large valid file is read
off the event loop; text in a code page other than UTF-8/UTF-16/Windows-1251 is refused by name;
values longer than the database's columns are refused line by line."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date

import openpyxl.xml
import pytest
from openpyxl import Workbook

from bot.quarterly.upload_rules import FileErrorCode
from bot.quarterly.uploads import load_plans_file, load_plans_upload
from bot.staff.files import (
    LIMITS,
    ReadLimits,
    StaffFileError,
    load_staff_file,
    load_staff_upload,
    read_table,
)
from bot.staff.rules import FIELD_LIMITS, REQUIRED_COLUMNS, StaffErrorCode
from tests.domain.test_quarter_files import PLAN_CSV, RULES, csv_bytes

TODAY = date(2025, 3, 1)
MB = 1024 * 1024
# What reading a hostile file may take at most, whatever it unpacks to (the file itself aside).
MEMORY_BOUND = 12 * MB
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row() -> bytes:
    cells = b"".join(inline(f"{chr(ord('A') + i)}1", name) for i, name in enumerate(REQUIRED_COLUMNS))
    return b'<row r="1">' + cells + b"</row>"


def person_row(line: int) -> bytes:
    values = (f"E{line}", f"Person {line}", "Expert", "employee", "Unit", "", "", "ru", "2020-01-01")
    cells = b"".join(inline(f"{chr(ord('A') + i)}{line}", value) for i, value in enumerate(values) if value)
    return f'<row r="{line}">'.encode() + cells + b"</row>"


def workbook(parts: Mapping[str, Callable[[], Iterable[bytes]]]) -> bytes:
    """A real workbook (openpyxl's own) with some parts replaced by streamed content: the
    hostile part is compressed as it is made, so the test itself never holds it whole."""
    book = Workbook()
    book.active.append(["placeholder"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info))
        for name, make in parts.items():
            with target.open(name, "w", force_zip64=True) as stream:
                for chunk in make():
                    stream.write(chunk)
    return out.getvalue()


def sheet(rows: Callable[[], Iterator[bytes]]) -> Callable[[], Iterator[bytes]]:
    def make() -> Iterator[bytes]:
        yield HEAD
        yield from rows()
        yield TAIL

    return make


def refused(data: bytes, name: str = "staff.xlsx", limits: ReadLimits = LIMITS) -> tuple[StaffFileError, int]:
    """The refusal and the peak memory taken while reading ``data``."""
    tracemalloc.start()
    try:
        with pytest.raises(StaffFileError) as caught:
            read_table(data, name, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return caught.value, peak


# ------------------------------------------------------------------------ hostile workbooks


def test_a_sheet_unpacking_beyond_the_limit_is_refused_by_its_declared_size() -> None:
    # ~100 MB of rows, a few hundred kilobytes packed: the 0.9 MB file of millions of rows
    def rows() -> Iterator[bytes]:
        yield header_row()
        block = b"<row>" + b"".join(inline("", value) for value in ("E", "Person", "Expert")) + b"</row>"
        block *= 1000
        for _ in range(1 + 100 * MB // len(block)):
            yield block

    data = workbook({SHEET: sheet(rows)})
    assert len(data) < 2 * MB

    error, peak = refused(data)

    assert error.code is StaffErrorCode.FILE_TOO_LARGE
    assert error.describe() == "the file is too large: more than 64 MB once unpacked"
    assert peak < MEMORY_BOUND


def test_too_many_rows_within_the_size_are_refused_while_streaming() -> None:
    def rows() -> Iterator[bytes]:
        yield header_row()
        for start in range(2, 150_002, 1000):
            yield b"".join(
                f'<row r="{line}"><c r="A{line}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
                for line in range(start, start + 1000)
            )

    error, peak = refused(workbook({SHEET: sheet(rows)}))

    assert error.code is StaffErrorCode.TOO_MANY_ROWS
    assert error.describe() == "the file has more than 100000 rows; split it into several files"
    assert peak < MEMORY_BOUND


def test_a_row_far_down_the_sheet_is_refused_without_reading_a_million_empty_rows() -> None:
    error, peak = refused(workbook({SHEET: sheet(lambda: iter([header_row(), person_row(1_048_576)]))}))

    assert error.code is StaffErrorCode.TOO_MANY_ROWS
    assert peak < MEMORY_BOUND


@pytest.mark.parametrize("where", [SHEET, STRINGS])
def test_one_enormous_cell_is_refused_before_it_is_built(where: str) -> None:
    # 10 MB of one text: under the part limits, so the streaming scan must find it
    def huge() -> Iterator[bytes]:
        yield from (b"A" * MB for _ in range(10))

    if where == SHEET:

        def rows() -> Iterator[bytes]:
            yield header_row()
            yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
            yield from huge()
            yield b"</t></is></c></row>"

        parts = {SHEET: sheet(rows)}
    else:

        def strings() -> Iterator[bytes]:
            yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            yield from huge()
            yield b"</t></si></sst>"

        parts = {STRINGS: strings}

    error, peak = refused(workbook(parts))

    assert error.code is StaffErrorCode.CELL_TOO_LONG
    assert error.describe() == "a cell holds more than 2000 characters"
    assert peak < MEMORY_BOUND


def test_a_shared_strings_part_beyond_its_limit_is_refused_by_its_declared_size() -> None:
    # the 1.5 MB file unpacking to one cell of gigabytes, at a testable scale
    def strings() -> Iterator[bytes]:
        yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        yield from (b"A" * MB for _ in range(20))
        yield b"</t></si></sst>"

    error, peak = refused(workbook({STRINGS: strings}))

    assert error.code is StaffErrorCode.FILE_TOO_LARGE
    assert error.describe() == "the file is too large: more than 16 MB once unpacked"
    assert peak < MEMORY_BOUND


def test_a_part_unpacking_to_more_than_it_declares_is_damaged() -> None:
    """The sizes checked are the declared ones: zipfile unpacks no more than a part declares
    and then fails its checksum, so a lying size cannot smuggle a larger part in."""
    data = bytearray(workbook({SHEET: sheet(lambda: iter([header_row()] + [person_row(2)] * 20_000))}))
    declared = 1000
    name = SHEET.encode()
    # Patch the sheet's uncompressed size in its central directory entry and local header.
    position = 0
    while True:
        position = data.index(b"PK\x01\x02", position)
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name:
            break
        position += 4
    local = struct.unpack_from("<I", data, position + 42)[0]
    struct.pack_into("<I", data, position + 24, declared)
    if struct.unpack_from("<I", data, local + 22)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, local + 22, declared)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo(SHEET).file_size == declared

    error, peak = refused(bytes(data))

    assert error.code is StaffErrorCode.UNREADABLE_FILE
    assert peak < MEMORY_BOUND


def test_too_many_columns() -> None:
    wide = b'<row r="2">' + b"".join(inline(f"A{i}", "x") for i in range(100)) + b"</row>"
    error, _peak = refused(workbook({SHEET: sheet(lambda: iter([header_row(), wide]))}))
    assert error.code is StaffErrorCode.TOO_MANY_COLUMNS

    # One cell in the last column: openpyxl pads the row; refused on that row.
    far = b'<row r="2">' + inline("XFD2", "x") + b"</row>"
    error, _peak = refused(workbook({SHEET: sheet(lambda: iter([header_row(), far]))}))
    assert (error.code, error.line) == (StaffErrorCode.TOO_MANY_COLUMNS, 2)
    assert error.describe() == "line 2: a row has more than 64 columns"


def test_a_long_cell_is_named_by_line_and_column() -> None:
    rows = [header_row(), person_row(2), b'<row r="3">' + inline("B3", "Ә" * 2001) + b"</row>"]
    error, _peak = refused(workbook({SHEET: sheet(lambda: iter(rows))}))
    assert error.describe() == "line 3, column B: a cell holds more than 2000 characters"


def test_xml_entities_are_refused_by_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML  # openpyxl parses with defusedxml when it is installed (pinned)
    entities = b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 9)
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lollollollollollollollollollol">'
        + entities
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + header_row()
        + b'<row r="2">'
        + inline("A2", "&lol8;")
        + b"</row>"
        + TAIL
    )

    error, peak = refused(workbook({SHEET: lambda: iter([laughs])}))

    assert error.code is StaffErrorCode.UNREADABLE_FILE
    assert peak < MEMORY_BOUND


# ------------------------------------------------------------------------------- CSV


def csv_people(count: int, **columns: str) -> bytes:
    lines = [",".join(REQUIRED_COLUMNS)]
    for n in range(count):
        values = {
            "employee_id": f"E{n}",
            "full_name": f"Person {n}",
            "position": "Expert",
            "role": "employee",
            "unit": "Unit",
            "manager_id": "",
            "phone": "",
            "language": "ru",
            "appointed_on": "2020-01-01",
        }
        values.update(columns)
        lines.append(",".join(values[c] for c in REQUIRED_COLUMNS))
    return ("\r\n".join(lines) + "\r\n").encode()


def test_csv_limits() -> None:
    small = ReadLimits(rows=10, columns=12, cell_chars=50, unpacked_bytes=2000)
    assert refused(csv_people(11), "staff.csv", small)[0].code is StaffErrorCode.TOO_MANY_ROWS
    error = refused(csv_people(10), "staff.csv", ReadLimits(unpacked_bytes=500))[0]
    assert error.code is StaffErrorCode.FILE_TOO_LARGE
    error = refused(csv_people(3, position="x" * 51), "staff.csv", small)[0]
    assert error.describe() == "line 2, column C: a cell holds more than 50 characters"
    error = refused(csv_people(1, unit="Unit" + ",x" * 20), "staff.csv", small)[0]
    assert error.describe() == "line 2: a row has more than 12 columns"
    read_table(csv_people(10), "staff.csv", small)  # exactly at the limits: read


def test_csv_rows_beyond_the_limit_are_refused_with_bounded_memory() -> None:
    data = csv_people(200_000)
    error, peak = refused(data, "staff.csv", ReadLimits(rows=1000))
    assert error.code is StaffErrorCode.TOO_MANY_ROWS
    # the decoded text and the rows up to the limit: not the rows beyond it
    assert peak < 2 * len(data) + 2 * MB


# ------------------------------------------------------------------------- encodings

RUSSIAN = (
    "employee_id;full_name;position;role;unit;manager_id;phone;language;appointed_on\r\n"
    "E-1;Иванов Сергей Петрович;Главный специалист;руководитель;Правовое управление;;;рус;01.02.2020\r\n"
    "E-2;Петрова Анна Ивановна;Ведущий эксперт;сотрудник;Правовое управление;E-1;;рус;03.04.2021\r\n"
)
KAZAKH = RUSSIAN.replace("Иванов Сергей Петрович", "Сейітқали Нұрлан Бекұлы").replace(
    "Петрова Анна Ивановна", "Әлиева Айгерім Серікқызы"
)


@pytest.mark.parametrize(
    ("text", "codec", "shown"),
    [
        (RUSSIAN, "koi8_r", "KOI8-R"),
        (RUSSIAN, "cp866", "CP866 (DOS)"),
        (RUSSIAN, "mac_cyrillic", "Mac Cyrillic"),
        (RUSSIAN, "iso8859_5", "ISO-8859-5"),
        (KAZAKH, "kz1048", "KZ-1048"),
    ],
)
def test_other_code_pages_are_refused_by_name(text: str, codec: str, shown: str) -> None:
    result = load_staff_file(text.encode(codec), "staff.csv", TODAY)

    assert [(e.code, e.value) for e in result.errors] == [(StaffErrorCode.BAD_ENCODING, shown)]
    assert result.errors[0].describe() == (
        f"the text is in the {shown} encoding, which the bot does not read; "
        "save the file as CSV UTF-8 (or as XLSX) and send it again"
    )


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "cp1251"])
def test_the_accepted_encodings_read_the_same(codec: str) -> None:
    result = load_staff_file(RUSSIAN.encode(codec), "staff.csv", TODAY)

    assert result.ok, [e.describe() for e in result.errors]
    assert [r.full_name for r in result.records] == ["Иванов Сергей Петрович", "Петрова Анна Ивановна"]


# ----------------------------------------------------------------- values too long (item 6)


def test_values_longer_than_the_database_columns_are_refused_line_by_line() -> None:
    lines = csv_people(3).decode().splitlines()
    lines[1] = lines[1].replace("E0,", "X" * 100 + ",").replace("Person 0", "Ә" * 300)
    lines[3] = lines[3].replace(",Unit,", ",U" + "n" * 299 + ",")
    result = load_staff_file("\r\n".join(lines).encode(), "staff.csv", TODAY)

    assert [(e.line, e.column, e.code, e.value) for e in result.errors] == [
        (2, "employee_id", StaffErrorCode.VALUE_TOO_LONG, f"100/{FIELD_LIMITS['employee_id']}"),
        (2, "full_name", StaffErrorCode.VALUE_TOO_LONG, "300/255"),
        (4, "unit", StaffErrorCode.VALUE_TOO_LONG, "300/255"),
    ]
    assert result.errors[-1].describe() == "line 4, column unit: 300 characters is too long: at most 255 fit"


def test_values_at_the_limits_pass() -> None:
    long_id = "E" * FIELD_LIMITS["employee_id"]
    data = csv_people(1, employee_id=long_id, full_name="Ә" * 255, position="П" * 255, unit="Б" * 255)
    assert load_staff_file(data, "staff.csv", TODAY).ok


def test_a_name_that_grows_when_case_folded_is_measured_as_stored_for_searching() -> None:
    data = csv_people(1, full_name="ß" * 200)  # "ss" * 200 case-folded: 400 characters
    result = load_staff_file(data, "staff.csv", TODAY)
    assert [(e.column, e.value) for e in result.errors] == [("full_name", "400/255")]


def test_a_kpi_unit_longer_than_its_column_is_refused() -> None:
    rows = [list(row) for row in PLAN_CSV]
    rows[2][PLAN_CSV[0].index("unit")] = "процентов " * 10
    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert [(e.line, e.column, e.code, e.value) for e in result.errors] == [
        (3, "unit", FileErrorCode.VALUE_TOO_LONG, "99/64")
    ]


# ---------------------------------------------------------------- the event loop keeps going


def staff_workbook(people: int) -> bytes:
    book = Workbook(write_only=True)
    sheet_ = book.create_sheet()
    sheet_.append(list(REQUIRED_COLUMNS))
    for n in range(people):
        sheet_.append(
            [f"E{n}", f"Person {n}", "Expert", "employee", f"Unit {n % 40}", "", "", "ru", "2020-01-01"]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_large_valid_file_is_read_while_the_event_loop_answers_others() -> None:
    data = staff_workbook(8_000)
    gaps: list[float] = []

    async def ticking() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(ticking())
    await asyncio.sleep(0.05)
    gaps.clear()
    started = time.perf_counter()
    validation = await load_staff_upload(data, "staff.xlsx", TODAY)
    took = time.perf_counter() - started
    ticker.cancel()

    assert validation.ok and len(validation.records) == 8_000
    # Read on the loop, one gap would last the whole reading; off it, the loop keeps ticking
    # (an odd long gap is the shared machine or the collector: stalls stay a small share).
    assert len(gaps) >= 20, (len(gaps), took)
    stalled = sum(gap for gap in gaps if gap > 0.25)
    assert stalled < took / 3, (stalled, max(gaps), took)


async def test_quarter_uploads_are_read_off_the_loop_too() -> None:
    result = await load_plans_upload(csv_bytes(PLAN_CSV), "plans.csv", RULES)
    assert result.ok, [e.describe() for e in result.errors]


def test_file_problems_keep_their_codes_for_the_quarterly_uploads() -> None:
    result = load_plans_file(RUSSIAN.encode("koi8_r"), "plans.csv", RULES)
    assert [(e.code, e.value) for e in result.errors] == [(FileErrorCode.BAD_ENCODING, "KOI8-R")]
    file_codes = ("BAD_ENCODING", "FILE_TOO_LARGE", "TOO_MANY_ROWS", "TOO_MANY_COLUMNS", "CELL_TOO_LONG")
    for name in (*file_codes, "EMPTY_FILE", "UNREADABLE_FILE"):
        assert FileErrorCode[name].value == StaffErrorCode[name].value
