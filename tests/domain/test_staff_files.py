"""Reading staff lists from real CSV and XLSX files (bot.staff.files)."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.staff.files import StaffFileError, load_staff_file, read_table
from bot.staff.rules import REQUIRED_COLUMNS, StaffErrorCode

TODAY = date(2025, 3, 1)


def write(tmp_path: Path, name: str, data: bytes) -> bytes:
    """Write the upload to disk and read it back, as the bot does with a downloaded file."""
    path = tmp_path / name
    path.write_bytes(data)
    return path.read_bytes()


# --------------------------------------------------------------------------------- CSV

KAZAKH_CSV = (
    "\ufeffEmployee_ID;Full_Name;Position;Role;Unit;Manager_ID;Phone;Language;Appointed_On\r\n"
    "E-01;Сейітқали Нұрлан Бекұлы;Комитет төрағасы;басшы;Басшылық;;8 701 123 45 67;қаз;15.01.2019\r\n"
    'E-02;Әлиева Айгерім Серікқызы;"Басқарма басшысы; кадр ісі";head;Кадр басқармасы;E-01;'
    "+7 (701) 123-45-68;kk;2020-09-01\r\n"
    ";;;;;;;;\r\n"
    'E-03;Төлеуов Дәулет Ғаббасұлы;"Бас маман\r\n(екі жолда)";қызметші;Кадр басқармасы;E-02;;;01.02.2022\r\n'
    "E-04;Жұмабекова Гүлнар Асқарқызы;Жетекші маман;employee;Кадр басқармасы;E-02;"
    "77011234569;ru;2023-07-03\r\n"
)


def test_csv_with_bom_and_semicolons(tmp_path: Path) -> None:
    data = write(tmp_path, "staff.csv", KAZAKH_CSV.encode("utf-8"))
    assert data.startswith(b"\xef\xbb\xbf")

    header, rows = read_table(data, "staff.csv")

    assert header[0] == "Employee_ID"  # the BOM is gone
    assert len(header) == 9
    assert [line for line, _ in rows] == [2, 3, 5, 6]  # the empty line 4 is skipped
    assert rows[1][1]["Position"] == "Басқарма басшысы; кадр ісі"

    result = load_staff_file(data, "staff.csv", TODAY)

    assert result.ok, [e.describe() for e in result.errors]
    first, second, third, fourth = result.records
    assert first.full_name == "Сейітқали Нұрлан Бекұлы"
    assert first.role == "head"
    assert first.phone == "+77011234567"
    assert first.appointed_on == date(2019, 1, 15)
    assert second.full_name == "Әлиева Айгерім Серікқызы"
    assert second.manager_id == "E-01"
    assert third.line == 5
    assert third.position == "Бас маман (екі жолда)"
    assert third.language is None  # left empty in the file
    assert fourth.line == 6  # one Excel row per record, even after a two-line cell
    assert fourth.language == "ru"


def test_csv_errors_point_at_excel_lines(tmp_path: Path) -> None:
    bad = KAZAKH_CSV.replace(";E-02;77011234569;ru;", ";E-99;77011234569;de;")
    data = write(tmp_path, "staff.csv", bad.encode("utf-8"))

    result = load_staff_file(data, "staff.csv", TODAY)

    assert result.records == ()
    assert [e.describe() for e in result.errors] == [
        "line 6, column manager_id: unknown manager 'E-99'",
        "line 6, column language: unknown language 'de' (expected kk, ru or en)",
    ]


def test_cp1251_csv_with_commas(tmp_path: Path) -> None:
    text = (
        "employee_id,full_name,position,role,unit,manager_id,phone,language,appointed_on\r\n"
        '1001,"Ахметов Ерлан Маратович","Руководитель управления",Руководитель,"Управление, кадры",,'
        "+7 (702) 000-00-01,рус,01.03.2018\r\n"
        '1002,Ким Ольга Сергеевна,Главный специалист,Сотрудник,"Управление, кадры",1001,,Eng,2019-05-20\r\n'
    )
    data = write(tmp_path, "сотрудники.csv", text.encode("cp1251"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    result = load_staff_file(data, "сотрудники.csv", TODAY)

    assert result.ok, [e.describe() for e in result.errors]
    assert [(r.employee_id, r.full_name, r.role, r.unit, r.language) for r in result.records] == [
        ("1001", "Ахметов Ерлан Маратович", "head", "Управление, кадры", "ru"),
        ("1002", "Ким Ольга Сергеевна", "employee", "Управление, кадры", "en"),
    ]
    assert result.records[0].phone == "+77020000001"


def test_csv_with_excel_sep_line_and_trailing_delimiters(tmp_path: Path) -> None:
    text = (
        "sep=;\n"
        + ";".join(REQUIRED_COLUMNS)
        + ";;\nE-1;Әлиева Айгерім Серікқызы;Маман;head;Бөлім;;;;2020-01-01;;\n"
    )
    data = write(tmp_path, "staff.csv", text.encode("utf-8"))

    result = load_staff_file(data, "staff.csv", TODAY)

    assert result.ok, [e.describe() for e in result.errors]
    assert result.records[0].line == 2  # Excel does not show the sep= line


def test_csv_cells_beyond_the_header_are_reported(tmp_path: Path) -> None:
    text = ",".join(REQUIRED_COLUMNS) + "\nE-1,Әлиева Айгерім,Маман,head,Бөлім,,,,2020-01-01,артық\n"
    data = write(tmp_path, "staff.csv", text.encode("utf-8"))

    result = load_staff_file(data, "staff.csv", TODAY)

    assert [(e.line, e.column, e.code) for e in result.errors] == [(1, "", StaffErrorCode.UNKNOWN_COLUMN)]


def test_csv_with_only_a_header_is_empty(tmp_path: Path) -> None:
    data = write(tmp_path, "staff.csv", (";".join(REQUIRED_COLUMNS) + "\n").encode("utf-8"))

    result = load_staff_file(data, "staff.csv", TODAY)

    assert [e.code for e in result.errors] == [StaffErrorCode.EMPTY_FILE]


def test_csv_with_a_missing_column(tmp_path: Path) -> None:
    columns = [c for c in REQUIRED_COLUMNS if c != "phone"]
    text = ";".join(columns) + "\nE-1;Әлиева Айгерім;Маман;head;Бөлім;;kk;2020-01-01\n"
    data = write(tmp_path, "staff.csv", text.encode("utf-8"))

    result = load_staff_file(data, "staff.csv", TODAY)

    assert [e.describe() for e in result.errors] == [
        "line 1, column phone: this required column is missing from the header"
    ]


# -------------------------------------------------------------------------------- XLSX


def build_xlsx(tmp_path: Path, name: str = "staff.xlsx") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Қызметкерлер"
    sheet.append(
        [
            " Employee ID ",
            "Full name",
            "Position",
            "Role",
            "Unit",
            "Manager ID",
            "Phone",
            "Language",
            "Appointed on",
        ]
    )
    sheet.append(
        [
            1001,
            "Әлиева Айгерім Серікқызы",
            "Басқарма басшысы",
            "басшы",
            "Кадр басқармасы",
            None,
            77011234567,
            "қаз",
            datetime(2020, 9, 1),
        ]
    )
    sheet.append(
        [
            1002.0,
            "Төлеуов Дәулет Ғаббасұлы",
            "Бас маман",
            "қызметші",
            "Кадр басқармасы",
            1001,
            "8 701 123 45 68",
            None,
            date(2022, 5, 10),
        ]
    )
    sheet.append([])  # an empty Excel row 4
    sheet.append(
        [
            "E-3",
            "Ким Олег Викторович",
            "Главный специалист",
            "сотрудник",
            "Кадр басқармасы",
            1001.0,
            None,
            "рус",
            "03.04.2021",
        ]
    )
    sheet["I2"].number_format = "DD.MM.YYYY"
    other = workbook.create_sheet("Басқа")
    other.append(["this sheet", "is ignored"])
    workbook.active = 1  # even when another sheet was open last, the first one is read
    path = tmp_path / name
    workbook.save(path)
    return path.read_bytes()


def test_xlsx_with_date_cells_and_numeric_ids(tmp_path: Path) -> None:
    data = build_xlsx(tmp_path)

    header, rows = read_table(data, "staff.xlsx")

    assert header[0] == " Employee ID "
    assert [line for line, _ in rows] == [2, 3, 5]
    assert rows[0][1][" Employee ID "] == "1001"
    assert rows[0][1]["Phone"] == "77011234567"
    assert rows[0][1]["Appointed on"] == date(2020, 9, 1)
    assert type(rows[0][1]["Appointed on"]) is date
    assert rows[1][1][" Employee ID "] == "1002"
    assert rows[1][1]["Language"] is None

    result = load_staff_file(data, "staff.xlsx", TODAY)

    assert result.ok, [e.describe() for e in result.errors]
    assert [
        (r.line, r.employee_id, r.manager_id, r.phone, r.language, r.appointed_on) for r in result.records
    ] == [
        (2, "1001", None, "+77011234567", "kk", date(2020, 9, 1)),
        (3, "1002", "1001", "+77011234568", None, date(2022, 5, 10)),
        (5, "E-3", "1001", None, "ru", date(2021, 4, 3)),
    ]
    assert result.records[0].full_name == "Әлиева Айгерім Серікқызы"
    assert result.records[0].role == "head"


def test_xlsx_is_recognised_by_content_without_an_extension(tmp_path: Path) -> None:
    data = build_xlsx(tmp_path)

    result = load_staff_file(data, "document", TODAY)

    assert result.ok
    assert len(result.records) == 3


def test_xlsx_future_date_cell(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(REQUIRED_COLUMNS))
    sheet.append([7, "Әлиева Айгерім", "Маман", "head", "Бөлім", None, None, "kk", datetime(2025, 3, 2)])
    workbook.save(tmp_path / "future.xlsx")

    result = load_staff_file((tmp_path / "future.xlsx").read_bytes(), "future.xlsx", TODAY)

    assert [e.describe() for e in result.errors] == [
        "line 2, column appointed_on: date '2025-03-02' is in the future"
    ]


def test_xlsx_with_an_empty_sheet_is_empty(tmp_path: Path) -> None:
    Workbook().save(tmp_path / "empty.xlsx")

    result = load_staff_file((tmp_path / "empty.xlsx").read_bytes(), "empty.xlsx", TODAY)

    assert [(e.line, e.code) for e in result.errors] == [(0, StaffErrorCode.EMPTY_FILE)]


# ----------------------------------------------------------------- unreadable and empty


def garbage() -> bytes:
    return random.Random(20250301).randbytes(4096)


@pytest.mark.parametrize("name", ["staff.csv", "staff.xlsx", "staff", "photo.jpg"])
def test_garbage_file_is_unreadable(tmp_path: Path, name: str) -> None:
    data = write(tmp_path, name, garbage())

    result = load_staff_file(data, name, TODAY)

    assert result.records == ()
    assert [(e.line, e.column, e.code) for e in result.errors] == [(0, "", StaffErrorCode.UNREADABLE_FILE)]
    assert result.errors[0].describe().startswith("the file could not be read as a CSV or XLSX table")


def test_garbage_raises_staff_file_error(tmp_path: Path) -> None:
    with pytest.raises(StaffFileError) as caught:
        read_table(write(tmp_path, "staff.csv", garbage()), "staff.csv")

    assert caught.value.code is StaffErrorCode.UNREADABLE_FILE
    assert caught.value.describe().startswith("the file could not be read")


def test_binary_without_nul_bytes_that_decodes_as_cp1251_is_unreadable(tmp_path: Path) -> None:
    data = bytes(b for b in garbage() if b not in (0x00, 0x98))  # every byte is valid cp1251
    data.decode("cp1251")

    result = load_staff_file(write(tmp_path, "staff.csv", data), "staff.csv", TODAY)

    assert [e.code for e in result.errors] == [StaffErrorCode.UNREADABLE_FILE]


def test_xlsx_named_as_csv_is_unreadable_with_a_hint(tmp_path: Path) -> None:
    result = load_staff_file(build_xlsx(tmp_path), "staff.csv", TODAY)

    assert [e.code for e in result.errors] == [StaffErrorCode.UNREADABLE_FILE]
    assert "zip" in result.errors[0].describe()


def test_old_xls_is_unreadable(tmp_path: Path) -> None:
    data = write(tmp_path, "staff.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))

    result = load_staff_file(data, "staff.xls", TODAY)

    assert [e.code for e in result.errors] == [StaffErrorCode.UNREADABLE_FILE]
    assert ".xlsx" in result.errors[0].describe()


def test_zip_that_is_not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "staff.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")

    result = load_staff_file(path.read_bytes(), "staff.xlsx", TODAY)

    assert [e.code for e in result.errors] == [StaffErrorCode.UNREADABLE_FILE]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("staff.csv", b""),
        ("staff.csv", b"\xef\xbb\xbf"),
        ("staff.csv", b" \r\n\r\n"),
        ("staff.xlsx", b""),
        ("staff", b""),
    ],
)
def test_empty_file(tmp_path: Path, name: str, data: bytes) -> None:
    content = write(tmp_path, name, data)

    with pytest.raises(StaffFileError) as caught:
        read_table(content, name)
    result = load_staff_file(content, name, TODAY)

    assert caught.value.code is StaffErrorCode.EMPTY_FILE
    assert [(e.line, e.column, e.code) for e in result.errors] == [(0, "", StaffErrorCode.EMPTY_FILE)]
    assert result.errors[0].describe() == "the file contains no staff rows"
