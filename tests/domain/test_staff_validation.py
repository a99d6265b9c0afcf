"""The pure validation of an imported staff list (bot.staff.rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from bot.staff.rules import (
    REQUIRED_COLUMNS,
    StaffError,
    StaffErrorCode,
    StaffRecord,
    StaffValidation,
    normalise_language,
    normalise_phone,
    normalise_role,
    parse_date,
    validate_staff,
)

TODAY = date(2025, 3, 1)
HEADER = list(REQUIRED_COLUMNS)

Row = dict[str, str | date | None]

# A good staff list: 8 people in 3 levels (chairman → 2 heads of department → 5 employees).
GOOD: list[Row] = [
    {
        "employee_id": "E-01",
        "full_name": "Сейітқали Нұрлан Бекұлы",
        "position": "Комитет төрағасы",
        "role": "head",
        "unit": "Басшылық",
        "manager_id": "",
        "phone": "8 701 123 45 67",
        "language": "kk",
        "appointed_on": "2019-01-15",
    },
    {
        "employee_id": "E-02",
        "full_name": "Әлиева Айгерім Серікқызы",
        "position": "Басқарма басшысы",
        "role": "Басшы",
        "unit": "Кадр басқармасы",
        "manager_id": "E-01",
        "phone": "+7 (701) 123-45-68",
        "language": "қаз",
        "appointed_on": "01.09.2020",
    },
    {
        "employee_id": "E-03",
        "full_name": "Ким Олег Викторович",
        "position": "Руководитель управления",
        "role": "руководитель",
        "unit": "Финансовое управление",
        "manager_id": "E-01",
        "phone": "77011234569",
        "language": "рус",
        "appointed_on": date(2021, 2, 1),
    },
    {
        "employee_id": "E-04",
        "full_name": "Төлеуов Дәулет Ғаббасұлы",
        "position": "Бас маман",
        "role": "қызметші",
        "unit": "Кадр басқармасы",
        "manager_id": "E-02",
        "phone": "",
        "language": "",
        "appointed_on": datetime(2022, 5, 10, 0, 0),
    },
    {
        "employee_id": "E-05",
        "full_name": "Жұмабекова Гүлнар Асқарқызы",
        "position": "Жетекші маман",
        "role": "EMPLOYEE",
        "unit": "Кадр басқармасы",
        "manager_id": "E-02",
        "phone": "+44 20 7946 0958",
        "language": "KZ",
        "appointed_on": "2023-07-03",
    },
    {
        "employee_id": "E-06",
        "full_name": "Иванова Мария Петровна",
        "position": "Главный специалист",
        "role": "сотрудник",
        "unit": "Финансовое управление",
        "manager_id": "E-03",
        "phone": "  8(702)555-11-22 ",
        "language": "eng",
        "appointed_on": "3.4.2018",
    },
    {
        "employee_id": "E-07",
        "full_name": "Оспанов   Бауыржан Қанатұлы",
        "position": "Ведущий специалист",
        "role": "служащий",
        "unit": "Финансовое управление",
        "manager_id": "E-03",
        "phone": None,
        "language": "ru",
        "appointed_on": "2024-12-31",
    },
    {
        "employee_id": "E-08",
        "full_name": "Мұратқызы Ділназ",
        "position": "Маман",
        "role": "employee",
        "unit": "Финансовое управление",
        "manager_id": "E-03",
        "phone": "+7 747 000 00 08",
        "language": "en",
        "appointed_on": "2025-03-01",  # today is fine
    },
]


def rows_of(people: list[Row], first_line: int = 2) -> list[tuple[int, Row]]:
    return [(first_line + i, dict(person)) for i, person in enumerate(people)]


def person(employee_id: str, manager_id: str = "", **changes: str | date | None) -> Row:
    row: Row = {
        "employee_id": employee_id,
        "full_name": f"Қызметкер {employee_id}",
        "position": "Маман",
        "role": "employee",
        "unit": "Бөлім",
        "manager_id": manager_id,
        "phone": "",
        "language": "kk",
        "appointed_on": "2020-01-01",
    }
    row.update(changes)
    return row


def validate(people: list[Row], header: list[str] | None = None) -> StaffValidation:
    return validate_staff(HEADER if header is None else header, rows_of(people), TODAY)


def codes(result: StaffValidation) -> list[StaffErrorCode]:
    return [error.code for error in result.errors]


def with_change(index: int, **changes: str | date | None) -> list[Row]:
    people = [dict(p) for p in GOOD]
    people[index].update(changes)
    return people


# -------------------------------------------------------------------------- good file


def test_good_file_of_eight_people_in_three_levels() -> None:
    result = validate(GOOD)

    assert result.ok
    assert result.errors == ()
    assert len(result.records) == 8
    by_id = {r.employee_id: r for r in result.records}
    assert by_id["E-01"] == StaffRecord(
        line=2,
        employee_id="E-01",
        full_name="Сейітқали Нұрлан Бекұлы",
        position="Комитет төрағасы",
        role="head",
        unit="Басшылық",
        manager_id=None,
        phone="+77011234567",
        language="kk",
        appointed_on=date(2019, 1, 15),
    )
    # levels: 1 at the top, 2 heads below it, 5 employees below them
    assert [r.employee_id for r in result.records if r.manager_id is None] == ["E-01"]
    assert {r.employee_id for r in result.records if r.manager_id == "E-01"} == {"E-02", "E-03"}
    assert {r.manager_id for r in result.records if r.role == "employee"} == {"E-02", "E-03"}
    assert [r.role for r in result.records] == ["head"] * 3 + ["employee"] * 5


def test_good_file_values_are_normalised() -> None:
    by_id = {r.employee_id: r for r in validate(GOOD).records}

    assert by_id["E-02"].full_name == "Әлиева Айгерім Серікқызы"
    assert by_id["E-02"].phone == "+77011234568"
    assert by_id["E-02"].language == "kk"
    assert by_id["E-02"].appointed_on == date(2020, 9, 1)
    assert by_id["E-03"].phone == "+77011234569"
    assert by_id["E-03"].language == "ru"
    assert by_id["E-03"].appointed_on == date(2021, 2, 1)
    assert by_id["E-04"].phone is None
    assert by_id["E-04"].language is None  # empty: the Telegram language decides at joining
    assert by_id["E-04"].appointed_on == date(2022, 5, 10)
    assert by_id["E-05"].phone == "+442079460958"
    assert by_id["E-05"].language == "kk"
    assert by_id["E-06"].phone == "+77025551122"
    assert by_id["E-06"].language == "en"
    assert by_id["E-06"].appointed_on == date(2018, 4, 3)
    assert by_id["E-07"].full_name == "Оспанов Бауыржан Қанатұлы"
    assert by_id["E-07"].phone is None
    assert by_id["E-08"].appointed_on == TODAY
    assert [r.line for r in validate(GOOD).records] == list(range(2, 10))


def test_header_is_case_space_and_bom_insensitive_and_rows_may_use_its_spelling() -> None:
    header = [
        "\ufeffEmployee ID",
        " FULL_NAME ",
        "Position",
        "ROLE",
        "unit",
        "Manager Id",
        "phone",
        "Language",
        "appointed on",
    ]
    rows = [(2 + i, dict(zip(header, p.values(), strict=True))) for i, p in enumerate(GOOD)]

    result = validate_staff(header, rows, TODAY)

    assert result.ok, [e.describe() for e in result.errors]
    assert len(result.records) == 8


def test_whitespace_is_trimmed_and_empty_rows_are_skipped() -> None:
    people: list[Row] = [
        person(" E-1 ", full_name="  Әлиева Айгерім Серікқызы  ", role=" head ", language=" ru "),
        {column: "  " for column in REQUIRED_COLUMNS},
        {column: None for column in REQUIRED_COLUMNS},
        person("E-2", manager_id="  E-1\t"),
    ]

    result = validate(people)

    assert result.ok, [e.describe() for e in result.errors]
    assert [(r.line, r.employee_id, r.manager_id) for r in result.records] == [
        (2, "E-1", None),
        (5, "E-2", "E-1"),
    ]
    assert result.records[0].full_name == "Әлиева Айгерім Серікқызы"
    assert result.records[0].language == "ru"


# --------------------------------------------------------------------- every error code

Mutation = Callable[[], StaffValidation]

CASES: list[tuple[StaffErrorCode, Mutation, tuple[int, str, str]]] = [
    (StaffErrorCode.MISSING_VALUE, lambda: validate(with_change(3, full_name="  ")), (5, "full_name", "")),
    (
        StaffErrorCode.DUPLICATE_ID,
        lambda: validate(with_change(6, employee_id="E-04")),
        (8, "employee_id", "E-04"),
    ),
    (
        StaffErrorCode.UNKNOWN_MANAGER,
        lambda: validate(with_change(5, manager_id="E-99")),
        (7, "manager_id", "E-99"),
    ),
    (
        StaffErrorCode.SELF_MANAGER,
        lambda: validate(with_change(4, manager_id="E-05")),
        (6, "manager_id", "E-05"),
    ),
    (
        StaffErrorCode.MANAGER_CYCLE,
        lambda: validate(with_change(0, manager_id="E-02")),
        (2, "manager_id", "E-01 → E-02"),
    ),
    (StaffErrorCode.BAD_ROLE, lambda: validate(with_change(1, role="бастық")), (3, "role", "бастық")),
    (
        StaffErrorCode.BAD_DATE,
        lambda: validate(with_change(2, appointed_on="31.02.2021")),
        (4, "appointed_on", "31.02.2021"),
    ),
    (
        StaffErrorCode.FUTURE_DATE,
        lambda: validate(with_change(2, appointed_on="2025-03-02")),
        (4, "appointed_on", "2025-03-02"),
    ),
    (StaffErrorCode.BAD_PHONE, lambda: validate(with_change(2, phone="701-12")), (4, "phone", "701-12")),
    (
        StaffErrorCode.DUPLICATE_PHONE,
        lambda: validate(with_change(7, phone="8 (701) 1234567")),
        (9, "phone", "8 (701) 1234567"),
    ),
    (StaffErrorCode.BAD_LANGUAGE, lambda: validate(with_change(1, language="de")), (3, "language", "de")),
    (
        StaffErrorCode.MISSING_COLUMN,
        lambda: validate(GOOD, header=[c for c in HEADER if c != "unit"]),
        (1, "unit", ""),
    ),
    (
        StaffErrorCode.UNKNOWN_COLUMN,
        lambda: validate(GOOD, header=[*HEADER, "Email"]),
        (1, "Email", "Email"),
    ),
    (
        StaffErrorCode.BAD_CATEGORY,
        lambda: validate(with_change(1, category="senior"), header=[*HEADER, "category"]),
        (3, "category", "senior"),
    ),
    (
        StaffErrorCode.BAD_YES_NO,
        lambda: validate(with_change(1, serves_public="maybe"), header=[*HEADER, "serves_public"]),
        (3, "serves_public", "maybe"),
    ),
    (
        StaffErrorCode.BAD_RETURN_REASON,
        lambda: validate(
            with_change(1, returned_on="2024-11-01", returned_from="holiday"),
            header=[*HEADER, "returned_on", "returned_from"],
        ),
        (3, "returned_from", "holiday"),
    ),
    (
        StaffErrorCode.VALUE_TOO_LONG,
        lambda: validate(with_change(1, full_name="Ә" * 256)),
        (3, "full_name", "256/255"),
    ),
    (StaffErrorCode.EMPTY_FILE, lambda: validate([]), (0, "", "")),
]

# Codes of the file as a whole, refused while it is read (tests/domain/test_upload_limits.py).
FILE_CODES = {
    StaffErrorCode.UNREADABLE_FILE,
    StaffErrorCode.BAD_ENCODING,
    StaffErrorCode.FILE_TOO_LARGE,
    StaffErrorCode.TOO_MANY_ROWS,
    StaffErrorCode.TOO_MANY_COLUMNS,
    StaffErrorCode.CELL_TOO_LONG,
}


@pytest.mark.parametrize(("code", "make", "where"), CASES, ids=[c[0].name for c in CASES])
def test_each_error_code(code: StaffErrorCode, make: Mutation, where: tuple[int, str, str]) -> None:
    result = make()

    assert not result.ok
    assert result.records == ()
    assert codes(result) == [code], [e.describe() for e in result.errors]
    error = result.errors[0]
    assert (error.line, error.column, error.value) == where
    assert error.describe()


def test_every_error_code_is_covered() -> None:
    covered = {code for code, _, _ in CASES} | FILE_CODES
    assert covered == set(StaffErrorCode)


def test_missing_required_values_but_optional_ones_may_be_empty() -> None:
    people = [
        person("E-1", phone="", manager_id="", language=""),
        person("", full_name="", position="", role="", unit="", appointed_on=""),
    ]

    result = validate(people)

    assert [(e.line, e.column) for e in result.errors] == [
        (3, "employee_id"),
        (3, "full_name"),
        (3, "position"),
        (3, "role"),
        (3, "unit"),
        (3, "appointed_on"),
    ]
    assert set(codes(result)) == {StaffErrorCode.MISSING_VALUE}


def test_several_errors_at_once_are_all_reported_and_nothing_is_imported() -> None:
    people = [dict(p) for p in GOOD]
    people[1].update(role="boss", phone="12")
    people[3].update(manager_id="E-404", appointed_on="2030-01-01")
    people[5].update(employee_id="E-02", language="fr", appointed_on="yesterday")
    people.append(person("E-09", manager_id="E-09", phone="+7 701 123 45 67"))

    result = validate(people, header=[*HEADER, "comment"])

    assert result.records == ()
    assert [(e.line, e.column, e.code) for e in result.errors] == [
        (1, "comment", StaffErrorCode.UNKNOWN_COLUMN),
        (3, "role", StaffErrorCode.BAD_ROLE),
        (3, "phone", StaffErrorCode.BAD_PHONE),
        (5, "manager_id", StaffErrorCode.UNKNOWN_MANAGER),
        (5, "appointed_on", StaffErrorCode.FUTURE_DATE),
        (7, "employee_id", StaffErrorCode.DUPLICATE_ID),
        (7, "language", StaffErrorCode.BAD_LANGUAGE),
        (7, "appointed_on", StaffErrorCode.BAD_DATE),
        (10, "manager_id", StaffErrorCode.SELF_MANAGER),
        (10, "phone", StaffErrorCode.DUPLICATE_PHONE),
    ]


def test_header_problems_are_all_reported_and_missing_columns_do_not_cascade() -> None:
    header = ["employee_id", "full_name", "role", "Бөлім", "manager_id", "phone", "appointed_on", "role"]
    people = [{k: v for k, v in p.items() if k in header} for p in GOOD]

    result = validate(people, header=header)

    assert [(e.line, e.column, e.code) for e in result.errors] == [
        (1, "position", StaffErrorCode.MISSING_COLUMN),
        (1, "unit", StaffErrorCode.MISSING_COLUMN),
        (1, "language", StaffErrorCode.MISSING_COLUMN),
        (1, "Бөлім", StaffErrorCode.UNKNOWN_COLUMN),
        (1, "role", StaffErrorCode.UNKNOWN_COLUMN),  # the same column twice
    ]
    assert result.records == ()


def test_data_under_a_column_without_a_name_is_reported_once() -> None:
    rows = rows_of([{**p, "": "лишнее"} for p in GOOD[:2]])

    result = validate_staff([*HEADER, ""], rows, TODAY)

    assert [(e.line, e.column, e.code) for e in result.errors] == [(1, "", StaffErrorCode.UNKNOWN_COLUMN)]
    assert result.errors[0].describe() == "line 1: a column without a header holds data"


def test_an_empty_nameless_column_is_harmless() -> None:
    rows = rows_of([{**p, "": ""} for p in GOOD])

    assert validate_staff([*HEADER, "", " "], rows, TODAY).ok


def test_a_file_with_only_a_header_is_empty() -> None:
    result = validate([])
    assert [(e.line, e.code) for e in result.errors] == [(0, StaffErrorCode.EMPTY_FILE)]
    assert result.errors[0].describe() == "the file contains no staff rows"


def test_a_header_without_names_is_an_empty_file_not_nine_missing_columns() -> None:
    result = validate_staff(["", " "], [], TODAY)
    assert codes(result) == [StaffErrorCode.EMPTY_FILE]


# ------------------------------------------------------------------------------ cycles


def test_cycle_of_two_is_reported_once() -> None:
    people = [person("A", manager_id="B"), person("B", manager_id="A"), person("C", manager_id="A")]

    result = validate(people)

    assert [(e.line, e.column, e.code, e.value) for e in result.errors] == [
        (2, "manager_id", StaffErrorCode.MANAGER_CYCLE, "A → B")
    ]
    assert (
        result.errors[0].describe()
        == "line 2, column manager_id: the manager chain goes round in a circle: A → B → A"
    )


def test_cycle_of_three_is_reported_once_starting_from_its_first_line() -> None:
    people = [
        person("TOP"),
        person("X", manager_id="TOP"),
        person("P", manager_id="R"),  # leads into the cycle but is not part of it
        person("Q", manager_id="S"),
        person("R", manager_id="Q"),
        person("S", manager_id="R"),
    ]

    result = validate(people)

    assert [(e.line, e.code, e.value) for e in result.errors] == [
        (5, StaffErrorCode.MANAGER_CYCLE, "Q → S → R")
    ]
    assert result.records == ()


def test_two_separate_cycles_are_two_errors() -> None:
    people = [
        person("A", manager_id="B"),
        person("B", manager_id="A"),
        person("C", manager_id="D"),
        person("D", manager_id="E"),
        person("E", manager_id="C"),
    ]

    result = validate(people)

    assert [(e.line, e.value) for e in result.errors] == [(2, "A → B"), (4, "C → D → E")]
    assert set(codes(result)) == {StaffErrorCode.MANAGER_CYCLE}


def test_self_manager_is_not_also_a_cycle() -> None:
    assert codes(validate([person("A", manager_id="A")])) == [StaffErrorCode.SELF_MANAGER]


def test_rows_with_other_errors_still_count_as_known_managers() -> None:
    people = [person("A", appointed_on="soon"), person("B", manager_id="A")]
    assert codes(validate(people)) == [StaffErrorCode.BAD_DATE]


def test_ids_are_compared_exactly() -> None:
    assert codes(validate([person("E-1"), person("E-2", manager_id="e-1")])) == [
        StaffErrorCode.UNKNOWN_MANAGER
    ]


# --------------------------------------------------------------------- error details


def test_describe_sentences() -> None:
    assert (
        StaffError(7, "manager_id", StaffErrorCode.UNKNOWN_MANAGER, "E-99").describe()
        == "line 7, column manager_id: unknown manager 'E-99'"
    )
    assert StaffError(1, "unit", StaffErrorCode.MISSING_COLUMN, "").describe() == (
        "line 1, column unit: this required column is missing from the header"
    )
    assert StaffError(0, "", StaffErrorCode.UNREADABLE_FILE, "not a text file").describe() == (
        "the file could not be read as a CSV or XLSX table (not a text file)"
    )
    for code in StaffErrorCode:  # every code has its own sentence
        assert StaffError(3, "phone", code, "x").describe().startswith("line 3, column phone: ")


def test_long_values_are_shortened_to_sixty_characters() -> None:
    long_role = "қызметші " * 20

    error = validate(with_change(1, role=long_role)).errors[0]

    assert error.code is StaffErrorCode.BAD_ROLE
    assert len(error.value) == 60
    assert error.value.endswith("…")
    assert long_role.strip().startswith(error.value[:-1])


def test_cycle_value_is_not_shortened() -> None:
    ids = [f"EMPLOYEE-{i:03d}" for i in range(10)]
    people = [person(ids[i], manager_id=ids[(i + 1) % 10]) for i in range(10)]

    (error,) = validate(people).errors

    assert error.value == " → ".join(ids)


# ------------------------------------------------------------------------ normalisers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 701 123 45 67", "+77011234567"),
        ("+7 (701) 123-45-67", "+77011234567"),
        ("77011234567", "+77011234567"),
        ("87011234567", "+77011234567"),
        ("701 123 45 67", "+77011234567"),
        ("+7 727 250 00 00", "+77272500000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0049 30 1234567", "+49301234567"),
        ("+998 90 123 45 67", "+998901234567"),
        ("+7 701 123 45", None),
        ("123", None),
        ("8 701 123 45 67 доб. 5", None),
        ("+7+7011234567", None),
        ("7011234567a", None),
        ("9 701 123 45 67", None),
    ],
)
def test_phone_normalisation(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", None),
        ("kk", "kk"),
        ("KZ", "kk"),
        ("Қаз", "kk"),
        ("каз", "kk"),
        ("қазақша", "kk"),
        ("ru", "ru"),
        ("Рус", "ru"),
        ("рус.", "ru"),
        ("EN", "en"),
        ("Eng", "en"),
        ("de", None),
        ("kazakh-ish", None),
    ],
)
def test_language_normalisation(raw: str, expected: str | None) -> None:
    assert normalise_language(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("head", "head"),
        ("HEAD", "head"),
        ("Басшы", "head"),
        ("РУКОВОДИТЕЛЬ", "head"),
        ("employee", "employee"),
        ("Қызметші", "employee"),
        ("сотрудник", "employee"),
        ("Служащий", "employee"),
        ("manager", None),
        ("", None),
    ],
)
def test_role_normalisation(raw: str, expected: str | None) -> None:
    assert normalise_role(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-03-04", date(2021, 3, 4)),
        ("04.03.2021", date(2021, 3, 4)),
        ("4.3.2021", date(2021, 3, 4)),
        ("2021-03-04 00:00:00", date(2021, 3, 4)),
        (date(2021, 3, 4), date(2021, 3, 4)),
        (datetime(2021, 3, 4, 9, 30), date(2021, 3, 4)),
        ("2021-02-29", None),
        ("31.04.2021", None),
        ("03/04/2021", None),
        ("2021.03.04", None),
        ("44259", None),
        ("01.01.0021", None),
        ("", None),
    ],
)
def test_date_parsing(raw: str | date, expected: date | None) -> None:
    assert parse_date(raw) == expected


def test_the_2018_methods_columns_are_optional_and_read_leniently() -> None:
    """``category`` and ``serves_public`` (kz-2018 profiles) may be added; Cyrillic look-alikes
    and the three languages' yes and no are read."""
    people = [
        {**person, "category": category, "serves_public": public}
        for person, category, public in zip(
            GOOD,
            ["E-1", "е-r-2", "Е-G-4", "E-4", "c-o-5", "", "E-R-1", "E-3"],
            ["жоқ", "да", "иә", "no", "TRUE", "", "Нет", "1"],
            strict=False,
        )
    ]
    result = validate(people, [*HEADER, "category", "Serves public"])
    assert result.ok, [e.describe() for e in result.errors]
    records = {r.employee_id: r for r in result.records}
    assert [
        (records[str(p["employee_id"])].category, records[str(p["employee_id"])].serves_public)
        for p in people
    ] == [
        ("E-1", False),
        ("E-R-2", True),
        ("E-G-4", True),
        ("E-4", False),
        ("C-O-5", True),
        (None, None),
        ("E-R-1", False),
        ("E-3", True),
    ][: len(people)]
    assert validate(GOOD).records[0].category is None  # without the columns: not said


def test_an_unreadable_category_or_yes_no_is_reported() -> None:
    people = [{**GOOD[0], "category": "senior", "serves_public": "maybe"}, *GOOD[1:]]
    result = validate(people, [*HEADER, "category", "serves_public"])
    assert [(e.column, e.code) for e in result.errors] == [
        ("category", StaffErrorCode.BAD_CATEGORY),
        ("serves_public", StaffErrorCode.BAD_YES_NO),
    ]
    assert "E-4" in result.errors[0].describe()
