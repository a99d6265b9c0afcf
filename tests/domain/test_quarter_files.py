"""The quarterly evaluation's uploads: work plans, KPI actual values and absences
(bot.quarterly.upload_rules, read through bot.quarterly.uploads)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.kernel.methodology import KpiRules
from bot.quarterly.rules import Absence
from bot.quarterly.upload_rules import (
    AbsenceRow,
    ActualRow,
    FileError,
    FileErrorCode,
    PlanKpiRow,
    PlanRows,
    validate_absences,
    validate_actuals,
    validate_plans,
)
from bot.quarterly.uploads import load_absences_file, load_actuals_file, load_plans_file
from bot.staff.files import read_table

RULES = KpiRules(min_kpis=3, max_kpis=5, score_table=())
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"

Where = tuple[int, str, FileErrorCode, str]


def csv_bytes(rows: Sequence[Sequence[str]]) -> bytes:
    """A semicolon CSV with a BOM, as Excel saves it in a Russian or Kazakh locale."""
    return ("\ufeff" + "".join(";".join(row) + "\r\n" for row in rows)).encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def where(errors: Sequence[FileError]) -> list[Where]:
    return [(e.line, e.column, e.code, e.value) for e in errors]


def with_cell(rows: Sequence[Sequence[str]], line: int, column: str, value: str) -> list[list[str]]:
    """``rows`` (header first, so line 1) with one cell replaced."""
    copy = [list(row) for row in rows]
    copy[line - 1][copy[0].index(column)] = value
    return copy


# ------------------------------------------------------------------------------ plans

PLAN_HEADER = [
    "employee_id",
    "kpi_no",
    "name",
    "source",
    "unit",
    "direction",
    "key_result",
    "plan_q1",
    "plan_q2",
    "plan_q3",
    "plan_q4",
    "due_q1",
    "due_q2",
    "due_q3",
    "due_q4",
]


def kpi_line(employee: str, no: int | str, *, plans: Sequence[str] = ("1", "2", "3", "4")) -> list[str]:
    return [
        employee,
        str(no),
        f"KPI {no}",
        "Agreement, indicator 1",
        "%",
        "higher",
        "Result",
        *plans,
        "",
        "",
        "",
        "",
    ]


PLAN_CSV = [
    PLAN_HEADER,
    [
        "E-1",
        "2",
        "Сроки закрытия вакансий",
        "План развития",
        "дней",
        "↓",
        "Быстрее",
        "45",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "E-1",
        "1",
        "Объём  ВИЭ",
        "Концепция",
        "млн кВт·ч",
        "больше",
        "Рост ВИЭ",
        "1 250,5",
        "2\u00a0600",
        "0,75",
        "",
        "31.03.2025",
        "2025-06-30",
        "",
        "",
    ],
    [
        "E-1",
        "3",
        "Доля обращений",
        "Соглашение",
        "%",
        "жоғары",
        "В срок",
        "98,5",
        "99",
        "99.5",
        "100",
        "",
        "",
        "",
        "",
    ],
]


def test_a_valid_plan_csv() -> None:
    result = load_plans_file(csv_bytes(PLAN_CSV), "plans.csv", RULES)

    assert result.errors == ()
    assert result.plans == (
        PlanRows(
            "E-1",
            (
                PlanKpiRow(
                    no=1,
                    name="Объём ВИЭ",  # spaces collapsed
                    source="Концепция",
                    unit="млн кВт·ч",
                    higher_is_better=True,
                    key_result="Рост ВИЭ",
                    planned={1: Decimal("1250.5"), 2: Decimal("2600"), 3: Decimal("0.75")},
                    due={1: date(2025, 3, 31), 2: date(2025, 6, 30)},
                ),
                PlanKpiRow(
                    2,
                    "Сроки закрытия вакансий",
                    "План развития",
                    "дней",
                    False,
                    "Быстрее",
                    {1: Decimal(45)},
                    {},
                ),
                PlanKpiRow(
                    3,
                    "Доля обращений",
                    "Соглашение",
                    "%",
                    True,
                    "В срок",
                    {1: Decimal("98.5"), 2: Decimal(99), 3: Decimal("99.5"), 4: Decimal(100)},
                    {},
                ),
            ),
        ),
    )


def test_a_valid_plan_xlsx_with_russian_and_kazakh_headers() -> None:
    header: list[object] = [
        "Табельный номер",
        "ФИО",
        "№ КЦИ",
        "НМИ атауы",
        "Источник",
        "Өлшем бірлігі",
        "Направление",
        "Түйінді нәтиже",
        "План 1 квартал",
        "Жоспар 2-тоқсан",
        "plan_q3",
        "PLAN Q4",
        "Срок 1 квартал",
        "Мерзім 2 - тоқсан",
    ]  # due_q3 and due_q4 are left out: deadlines are optional
    rows: list[list[object]] = [
        header,
        [
            1001,
            "Ким Ольга",
            1.0,
            "A",
            "S",
            "%",
            "higher",
            "R",
            0.1,
            0.1 + 0.2,
            Decimal("7.25"),
            12,
            datetime(2025, 3, 31),
            None,
        ],
        [
            1001,
            "Ким Ольга",
            2,
            "B",
            "S",
            "%",
            "Lower",
            "R",
            None,
            1250.5,
            None,
            None,
            None,
            date(2025, 6, 30),
        ],
        [1001, "Ким Ольга", 3, "C", "S", "%", "↑", "R", 1e-05, None, None, None, None, None],
        [1001, "Ким Ольга", 4, "D", "S", "%", "меньше", "R", 5, None, None, None, None, None],
        [1001, "Ким Ольга", 5, "E", "S", "%", "төмен", "R", 123456789, None, None, None, None, None],
    ]
    data = xlsx_bytes(rows)

    read_header, read_rows = read_table(data, "plans.xlsx")
    result = validate_plans(read_header, read_rows, min_kpis=3, max_kpis=5)

    assert result.errors == ()
    (plan,) = result.plans
    assert plan.employee_code == "1001"
    assert [kpi.no for kpi in plan.kpis] == [1, 2, 3, 4, 5]
    assert [kpi.higher_is_better for kpi in plan.kpis] == [True, False, True, False, False]
    first, second, third, _, fifth = plan.kpis
    assert first.planned == {1: Decimal("0.1"), 2: Decimal("0.3"), 3: Decimal("7.25"), 4: Decimal(12)}
    assert str(first.planned[2]) == "0.3"  # no binary noise from 0.30000000000000004
    assert first.due == {1: date(2025, 3, 31)}
    assert second.planned == {2: Decimal("1250.5")}
    assert second.due == {2: date(2025, 6, 30)}
    assert third.planned == {1: Decimal("0.00001")}
    assert fifth.planned == {1: Decimal(123456789)}
    assert load_plans_file(data, "plans.xlsx", RULES) == result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 250,5", Decimal("1250.5")),
        ("1\u00a0250\u00a0000", Decimal(1250000)),
        ("12 345 678,25", Decimal("12345678.25")),
        ("0,75", Decimal("0.75")),
        (",5", Decimal("0.5")),
        ("1250.5", Decimal("1250.5")),
        ("+3", Decimal(3)),
        ("1E+3", Decimal(1000)),
        ("0.30000000000000004", Decimal("0.3")),
        ("1.0000000000000002", Decimal(1)),
    ],
)
def test_planned_numbers(text: str, expected: Decimal) -> None:
    rows = with_cell(PLAN_CSV, 2, "plan_q1", text)

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert result.errors == ()
    assert result.plans[0].kpis[1].planned[1] == expected


@pytest.mark.parametrize(
    "text",
    ["1,250.5", "1.250,5", "1,2,3", "12 50", "1  250", "1 2500", "NaN", "Infinity", "5%", "5.", "-", "один"],
)
def test_unreadable_numbers(text: str) -> None:
    rows = with_cell(PLAN_CSV, 2, "plan_q1", text)

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [(2, "plan_q1", FileErrorCode.BAD_NUMBER, text)]
    assert result.plans == ()


def plan_of(count: int, employee: str = "E-1") -> list[list[str]]:
    return [kpi_line(employee, no) for no in range(1, count + 1)]


@pytest.mark.parametrize("count", [3, 4, 5])
def test_three_to_five_kpis_are_accepted(count: int) -> None:
    result = load_plans_file(csv_bytes([PLAN_HEADER, *plan_of(count)]), "plans.csv", RULES)

    assert result.errors == ()
    assert len(result.plans[0].kpis) == count


@pytest.mark.parametrize(
    ("count", "code", "value"),
    [(2, FileErrorCode.TOO_FEW_KPIS, "2/3"), (6, FileErrorCode.TOO_MANY_KPIS, "6/5")],
)
def test_two_or_six_kpis_are_rejected(count: int, code: FileErrorCode, value: str) -> None:
    rows = [PLAN_HEADER, *plan_of(4, "E-0"), *plan_of(count, "E-1")]

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [(6, "kpi_no", code, value)]  # the first line of E-1's plan
    assert result.plans == ()


def test_plans_group_by_employee_in_file_order() -> None:
    rows = [PLAN_HEADER, kpi_line("E-2", 2), kpi_line("E-1", 1), kpi_line("E-2", 1), *plan_of(3, "E-3")]
    rows += [kpi_line("E-1", 3), kpi_line("E-2", 3), kpi_line("E-1", 2)]

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert result.errors == ()
    assert [(plan.employee_code, [kpi.no for kpi in plan.kpis]) for plan in result.plans] == [
        ("E-2", [1, 2, 3]),
        ("E-1", [1, 2, 3]),
        ("E-3", [1, 2, 3]),
    ]


PLAN_ROW_ERRORS: list[tuple[int, str, str, Where]] = [
    (2, "name", "", (2, "name", FileErrorCode.EMPTY_VALUE, "")),
    (2, "source", "", (2, "source", FileErrorCode.EMPTY_VALUE, "")),
    (3, "unit", "", (3, "unit", FileErrorCode.EMPTY_VALUE, "")),
    (4, "key_result", "", (4, "key_result", FileErrorCode.EMPTY_VALUE, "")),
    (3, "direction", "", (3, "direction", FileErrorCode.EMPTY_VALUE, "")),
    (3, "direction", "up-ish", (3, "direction", FileErrorCode.BAD_DIRECTION, "up-ish")),
    (4, "plan_q3", "1,2,3", (4, "plan_q3", FileErrorCode.BAD_NUMBER, "1,2,3")),
    (4, "plan_q4", "0", (4, "plan_q4", FileErrorCode.NOT_POSITIVE, "0")),
    (4, "plan_q2", "-5", (4, "plan_q2", FileErrorCode.NOT_POSITIVE, "-5")),
    (3, "due_q2", "31.06.2025", (3, "due_q2", FileErrorCode.BAD_DATE, "31.06.2025")),
    (3, "due_q4", "15.12.2025", (3, "plan_q4", FileErrorCode.NO_PLAN_VALUE, "4")),
    (2, "kpi_no", "1.5", (2, "kpi_no", FileErrorCode.BAD_KPI_NO, "1.5")),
    (2, "kpi_no", "0", (2, "kpi_no", FileErrorCode.BAD_KPI_NO, "0")),
    (2, "kpi_no", "", (2, "kpi_no", FileErrorCode.EMPTY_VALUE, "")),
    (2, "kpi_no", "4", (2, "kpi_no", FileErrorCode.KPI_NUMBERS, "1, 3, 4")),
]


@pytest.mark.parametrize(("line", "column", "value", "expected"), PLAN_ROW_ERRORS)
def test_plan_row_errors(line: int, column: str, value: str, expected: Where) -> None:
    rows = with_cell(PLAN_CSV, line, column, value)

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [expected]
    assert result.plans == ()


def test_a_row_without_an_employee_leaves_the_plan_short() -> None:
    rows = with_cell(PLAN_CSV, 3, "employee_id", " ")

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [
        (2, "kpi_no", FileErrorCode.TOO_FEW_KPIS, "2/3"),
        (2, "kpi_no", FileErrorCode.KPI_NUMBERS, "2, 3"),
        (3, "employee_id", FileErrorCode.EMPTY_VALUE, ""),
    ]
    assert result.errors[1].describe() == (
        "line 2, column kpi_no: this employee's KPIs are numbered 2, 3; number them 1, 2, 3… without gaps"
    )


def test_a_kpi_without_any_planned_quarter() -> None:
    rows = with_cell(PLAN_CSV, 2, "plan_q1", "")

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [(2, "plan_q1", FileErrorCode.NO_PLANNED_QUARTER, "")]


def test_a_duplicate_kpi_does_not_count_twice() -> None:
    rows = [PLAN_HEADER, *plan_of(5), kpi_line("E-1", 5)]

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [(7, "kpi_no", FileErrorCode.DUPLICATE_ROW, "6")]


def test_every_plan_problem_is_reported_in_line_and_column_order() -> None:
    rows = [
        PLAN_HEADER,
        *plan_of(3, "E-1"),
        kpi_line("E-2", 1),
        kpi_line("E-2", 2, plans=("x", "", "", "-1")),
    ]

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [
        (5, "kpi_no", FileErrorCode.TOO_FEW_KPIS, "2/3"),
        (6, "plan_q1", FileErrorCode.BAD_NUMBER, "x"),
        (6, "plan_q4", FileErrorCode.NOT_POSITIVE, "-1"),
    ]
    assert [e.describe() for e in result.errors] == [
        "line 5, column kpi_no: this employee's plan has 2 KPIs; at least 3 are required",
        "line 6, column plan_q1: unreadable number 'x' (expected e.g. 1 250,5 or 1250.5)",
        "line 6, column plan_q4: the planned value -1 must be greater than zero",
    ]


def test_plan_header_errors() -> None:
    dropped = ("source", "plan_q3")
    kept = [i for i, column in enumerate(PLAN_HEADER) if column not in dropped]
    header = [PLAN_HEADER[i] for i in kept] + ["comment", "Табельный номер"]
    rows = [header, *[[line[i] for i in kept] + ["note", "E-9"] for line in plan_of(3)]]

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [
        (1, "comment", FileErrorCode.UNKNOWN_COLUMN, "comment"),
        (1, "Табельный номер", FileErrorCode.DUPLICATE_COLUMN, "employee_id"),
        (1, "source", FileErrorCode.MISSING_COLUMN, ""),
        (1, "plan_q3", FileErrorCode.MISSING_COLUMN, ""),
    ]
    assert (
        result.errors[1].describe() == "line 1, column Табельный номер: this is a second employee_id column"
    )


def test_data_under_a_nameless_column() -> None:
    rows = [[*PLAN_HEADER, ""], *[[*row, ""] for row in PLAN_CSV[1:]]]
    rows[2][-1] = "stray"

    result = load_plans_file(csv_bytes(rows), "plans.csv", RULES)

    assert where(result.errors) == [(1, "", FileErrorCode.UNKNOWN_COLUMN, "")]
    assert result.errors[0].describe() == "line 1: a column without a header holds data"


def test_a_plan_file_with_only_a_header_is_empty() -> None:
    result = load_plans_file(csv_bytes([PLAN_HEADER, [""] * len(PLAN_HEADER)]), "plans.csv", RULES)

    assert where(result.errors) == [(0, "", FileErrorCode.EMPTY_FILE, "")]
    assert result.errors[0].describe() == "the file contains no rows"


@pytest.mark.parametrize(
    ("data", "file_name", "code", "detail"),
    [
        (b"", "plans.csv", FileErrorCode.EMPTY_FILE, ""),
        (
            b"PK\x03\x04 not really a zip",
            "plans.xlsx",
            FileErrorCode.UNREADABLE_FILE,
            "not a valid XLSX workbook",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "plans.xls", FileErrorCode.UNREADABLE_FILE, "an old .xls"),
    ],
)
def test_unreadable_uploads_become_one_file_error(
    data: bytes, file_name: str, code: FileErrorCode, detail: str
) -> None:
    plans = load_plans_file(data, file_name, RULES)
    actuals = load_actuals_file(data, file_name)
    absences = load_absences_file(data, file_name)

    for errors in (plans.errors, actuals.errors, absences.errors):
        (error,) = errors
        assert (error.line, error.column, error.code) == (0, "", code)
        assert error.value.startswith(detail)
    assert plans.plans == ()
    assert actuals.rows == ()
    assert absences.rows == ()


# ---------------------------------------------------------------------------- actuals

ACTUALS_HEADER = ["employee_id", "kpi_no", "quarter", "actual"]
ACTUALS_CSV = [
    ACTUALS_HEADER,
    ["E-1", "1", "1", "22"],
    ["E-1", "1", "Q2", "1 302,75"],
    ["E-1", "2", "3 тоқсан", "0"],
    ["E-2", "1", "4 квартал", "0,5"],
]


def test_a_valid_actuals_csv() -> None:
    result = load_actuals_file(csv_bytes(ACTUALS_CSV), "actuals.csv")

    assert result.errors == ()
    assert result.rows == (
        ActualRow("E-1", 1, 1, Decimal(22)),
        ActualRow("E-1", 1, 2, Decimal("1302.75")),
        ActualRow("E-1", 2, 3, Decimal(0)),
        ActualRow("E-2", 1, 4, Decimal("0.5")),
    )


def test_a_valid_actuals_xlsx() -> None:
    rows: list[list[object]] = [
        ["Табель нөмірі", "Аты-жөні", "НМИ №", "Тоқсан", "Нақты мәні"],
        [1001, "Ким Ольга", 1, 3, 0.1],
        [1001, "Ким Ольга", 2.0, "III квартал", 1250],
        ["E-2", None, 1, "Q1", Decimal("99.95")],
    ]
    data = xlsx_bytes(rows)

    header, read_rows = read_table(data, "actuals.xlsx")
    result = validate_actuals(header, read_rows)

    assert result.errors == ()
    assert result.rows == (
        ActualRow("1001", 1, 3, Decimal("0.1")),
        ActualRow("1001", 2, 3, Decimal(1250)),
        ActualRow("E-2", 1, 1, Decimal("99.95")),
    )
    assert load_actuals_file(data, "actuals.xlsx") == result


@pytest.mark.parametrize(
    ("text", "quarter"),
    [
        ("1", 1),
        ("q2", 2),
        ("Q 3", 3),
        ("3 тоқсан", 3),
        ("3-тоқсан", 3),
        ("3-ші тоқсан", 3),
        ("3 квартал", 3),
        ("3-й квартал", 3),
        ("3 кв.", 3),
        ("квартал 4", 4),
        ("IV квартал", 4),
        ("ІІ тоқсан", 2),  # Kazakh І typed as a Roman one
        ("quarter 1", 1),
        ("2nd quarter", 2),
    ],
)
def test_quarter_spellings(text: str, quarter: int) -> None:
    result = validate_actuals(
        ACTUALS_HEADER, [(2, {"employee_id": "E-1", "kpi_no": "1", "quarter": text, "actual": "5"})]
    )

    assert result.errors == ()
    assert result.rows[0].quarter == quarter


@pytest.mark.parametrize("text", ["0", "5", "Q5", "3.5", "третий", "2025 Q3", "V"])
def test_unreadable_quarters(text: str) -> None:
    result = validate_actuals(
        ACTUALS_HEADER, [(2, {"employee_id": "E-1", "kpi_no": "1", "quarter": text, "actual": "5"})]
    )

    assert where(result.errors) == [(2, "quarter", FileErrorCode.BAD_QUARTER, text)]


ACTUALS_ROW_ERRORS: list[tuple[int, str, str, Where]] = [
    (2, "employee_id", "", (2, "employee_id", FileErrorCode.EMPTY_VALUE, "")),
    (3, "kpi_no", "first", (3, "kpi_no", FileErrorCode.BAD_KPI_NO, "first")),
    (4, "quarter", "", (4, "quarter", FileErrorCode.EMPTY_VALUE, "")),
    (4, "quarter", "Q7", (4, "quarter", FileErrorCode.BAD_QUARTER, "Q7")),
    (5, "actual", "", (5, "actual", FileErrorCode.EMPTY_VALUE, "")),
    (5, "actual", "n/a", (5, "actual", FileErrorCode.BAD_NUMBER, "n/a")),
    (5, "actual", "-0,5", (5, "actual", FileErrorCode.NEGATIVE, "-0,5")),
    (3, "quarter", "1 квартал", (3, "quarter", FileErrorCode.DUPLICATE_ROW, "2")),
]


@pytest.mark.parametrize(("line", "column", "value", "expected"), ACTUALS_ROW_ERRORS)
def test_actuals_row_errors(line: int, column: str, value: str, expected: Where) -> None:
    rows = with_cell(ACTUALS_CSV, line, column, value)

    result = load_actuals_file(csv_bytes(rows), "actuals.csv")

    assert where(result.errors) == [expected]
    assert result.rows == ()


def test_actuals_header_errors() -> None:
    rows = [["employee_id", "KPI_NO", "actual", "Actual", "plan"], ["E-1", "1", "5", "6", "7"]]

    result = load_actuals_file(csv_bytes(rows), "actuals.csv")

    assert where(result.errors) == [
        (1, "Actual", FileErrorCode.DUPLICATE_COLUMN, "actual"),
        (1, "plan", FileErrorCode.UNKNOWN_COLUMN, "plan"),
        (1, "quarter", FileErrorCode.MISSING_COLUMN, ""),
    ]


# --------------------------------------------------------------------------- absences

ABSENCES_HEADER = ["employee_id", "kind", "starts_on", "ends_on"]
ABSENCES_CSV = [
    ABSENCES_HEADER,
    ["E-1", "leave", "01.07.2025", "28.07.2025"],
    ["E-1", "Больничный", "2025-08-04", "2025-08-04"],
    ["E-2", "іссапар", "10.09.2025", "12.09.2025"],
    ["E-3", "оқу", "01.10.2025", "10.10.2025"],
]


def test_a_valid_absences_csv() -> None:
    result = load_absences_file(csv_bytes(ABSENCES_CSV), "absences.csv")

    assert result.errors == ()
    assert result.rows == (
        AbsenceRow("E-1", Absence.LEAVE, date(2025, 7, 1), date(2025, 7, 28)),
        AbsenceRow("E-1", Absence.SICK, date(2025, 8, 4), date(2025, 8, 4)),
        AbsenceRow("E-2", Absence.TRIP, date(2025, 9, 10), date(2025, 9, 12)),
        AbsenceRow("E-3", Absence.TRAINING, date(2025, 10, 1), date(2025, 10, 10)),
    )


def test_a_valid_absences_xlsx() -> None:
    rows: list[list[object]] = [
        ["Табельный номер", "Вид", "Дата начала", "Дата окончания"],
        [1001, "Отпуск", datetime(2025, 7, 1), datetime(2025, 7, 14)],
        [1002, "ауру", date(2025, 2, 3), "07.02.2025"],
        [1003, "командировка", "2025-03-10", date(2025, 3, 12)],
        [1004, "демалыс", date(2025, 12, 29), date(2026, 1, 9)],
        [1005, "Обучение", date(2025, 5, 5), date(2025, 5, 30)],
    ]
    data = xlsx_bytes(rows)

    header, read_rows = read_table(data, "absences.xlsx")
    result = validate_absences(header, read_rows)

    assert result.errors == ()
    assert result.rows == (
        AbsenceRow("1001", Absence.LEAVE, date(2025, 7, 1), date(2025, 7, 14)),
        AbsenceRow("1002", Absence.SICK, date(2025, 2, 3), date(2025, 2, 7)),
        AbsenceRow("1003", Absence.TRIP, date(2025, 3, 10), date(2025, 3, 12)),
        AbsenceRow("1004", Absence.LEAVE, date(2025, 12, 29), date(2026, 1, 9)),
        AbsenceRow("1005", Absence.TRAINING, date(2025, 5, 5), date(2025, 5, 30)),
    )
    assert load_absences_file(data, "absences.xlsx") == result


ABSENCES_ROW_ERRORS: list[tuple[int, str, str, Where]] = [
    (2, "employee_id", "", (2, "employee_id", FileErrorCode.EMPTY_VALUE, "")),
    (2, "kind", "", (2, "kind", FileErrorCode.EMPTY_VALUE, "")),
    (3, "kind", "holiday", (3, "kind", FileErrorCode.BAD_KIND, "holiday")),
    (3, "kind", "dismissed", (3, "kind", FileErrorCode.DISMISSAL, "dismissed")),
    (3, "kind", "Увольнение", (3, "kind", FileErrorCode.DISMISSAL, "Увольнение")),
    (4, "starts_on", "", (4, "starts_on", FileErrorCode.EMPTY_VALUE, "")),
    (4, "starts_on", "10/09/2025", (4, "starts_on", FileErrorCode.BAD_DATE, "10/09/2025")),
    (5, "ends_on", "30.02.2025", (5, "ends_on", FileErrorCode.BAD_DATE, "30.02.2025")),
    (5, "ends_on", "30.09.2025", (5, "ends_on", FileErrorCode.BAD_PERIOD, "30.09.2025")),
]


@pytest.mark.parametrize(("line", "column", "value", "expected"), ABSENCES_ROW_ERRORS)
def test_absences_row_errors(line: int, column: str, value: str, expected: Where) -> None:
    rows = with_cell(ABSENCES_CSV, line, column, value)

    result = load_absences_file(csv_bytes(rows), "absences.csv")

    assert where(result.errors) == [expected]
    assert result.rows == ()


def test_absences_header_errors() -> None:
    rows = [["employee_id", "kind", "from", "ends_on"], ["E-1", "leave", "01.07.2025", "28.07.2025"]]

    result = load_absences_file(csv_bytes(rows), "absences.csv")

    assert where(result.errors) == [
        (1, "from", FileErrorCode.UNKNOWN_COLUMN, "from"),
        (1, "starts_on", FileErrorCode.MISSING_COLUMN, ""),
    ]


# ----------------------------------------------------------------------------- every code

SAMPLE_VALUES = {
    FileErrorCode.TOO_FEW_KPIS: "2/3",
    FileErrorCode.TOO_MANY_KPIS: "6/5",
    FileErrorCode.DUPLICATE_ROW: "2",
    FileErrorCode.NO_PLAN_VALUE: "3",
    FileErrorCode.VALUE_TOO_LONG: "70/64",
}
CODES_SEEN_IN_THE_TESTS = {
    expected[2]
    for cases in (PLAN_ROW_ERRORS, ACTUALS_ROW_ERRORS, ABSENCES_ROW_ERRORS)
    for *_, expected in cases
} | {
    FileErrorCode.TOO_FEW_KPIS,
    FileErrorCode.TOO_MANY_KPIS,
    FileErrorCode.NO_PLANNED_QUARTER,
    FileErrorCode.DUPLICATE_ROW,
    FileErrorCode.MISSING_COLUMN,
    FileErrorCode.UNKNOWN_COLUMN,
    FileErrorCode.DUPLICATE_COLUMN,
    FileErrorCode.EMPTY_FILE,
    FileErrorCode.UNREADABLE_FILE,
    # tests/domain/test_upload_limits.py
    FileErrorCode.VALUE_TOO_LONG,
    FileErrorCode.BAD_ENCODING,
    FileErrorCode.FILE_TOO_LARGE,
    FileErrorCode.TOO_MANY_ROWS,
    FileErrorCode.TOO_MANY_COLUMNS,
    FileErrorCode.CELL_TOO_LONG,
}


def test_every_code_is_tested() -> None:
    assert set(FileErrorCode) == CODES_SEEN_IN_THE_TESTS


@pytest.mark.parametrize("code", list(FileErrorCode))
def test_every_code_describes_itself_in_english(code: FileErrorCode) -> None:
    error = FileError(3, "plan_q2", code, SAMPLE_VALUES.get(code, "abc"))

    sentence = error.describe()

    assert sentence.startswith("line 3, column plan_q2: ")
    message = sentence.removeprefix("line 3, column plan_q2: ")
    assert len(message.split()) >= 4
    assert message.isascii() or "…" in message
    assert "{" not in message


def test_describe_translates_through_the_given_gettext() -> None:
    catalogue = {
        "line {line}, column {column}: {message}": "{line}-жол, {column} бағаны: {message}",
        "unknown direction '{value}' (expected higher or lower)": "белгісіз бағыт: '{value}'",
    }
    error = FileError(4, "direction", FileErrorCode.BAD_DIRECTION, "up-ish")

    assert error.describe(lambda message: catalogue.get(message, message)) == (
        "4-жол, direction бағаны: белгісіз бағыт: 'up-ish'"
    )
    assert (
        error.describe() == "line 4, column direction: unknown direction 'up-ish' (expected higher or lower)"
    )
    assert FileError(0, "", FileErrorCode.UNREADABLE_FILE, "broken").describe() == (
        "the file could not be read as a CSV or XLSX table (broken)"
    )
    assert FileError(0, "kind", FileErrorCode.BAD_KIND, "x").describe().startswith("column kind: ")


# ------------------------------------------------------------------------------ samples


def test_the_sample_plans_for_hr_validate_cleanly() -> None:
    result = load_plans_file((SAMPLES / "work_plans.csv").read_bytes(), "work_plans.csv", RULES)

    assert result.errors == (), [e.describe() for e in result.errors]
    assert [(plan.employee_code, len(plan.kpis)) for plan in result.plans] == [("E-01", 3), ("E-02", 4)]


def test_the_sample_actuals_for_hr_validate_cleanly() -> None:
    result = load_actuals_file((SAMPLES / "kpi_actuals.csv").read_bytes(), "kpi_actuals.csv")

    assert result.errors == (), [e.describe() for e in result.errors]
    assert len(result.rows) == 8
