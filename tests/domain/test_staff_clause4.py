"""The staff list's columns for 004 clause 4 (bot.staff.rules): the probation's last day and the
return from social leave or study, optional, with their problems line by line in the reader's
language."""

from __future__ import annotations

import gettext
from datetime import date, datetime

import pytest

from bot.infra.i18n import LOCALES_DIR
from bot.staff.cell_rules import normalise_return_reason
from bot.staff.rules import REQUIRED_COLUMNS, StaffErrorCode, StaffValidation, validate_staff

TODAY = date(2025, 3, 1)
CLAUSE4 = ["probation_ends_on", "returned_on", "returned_from"]
HEADER = [*REQUIRED_COLUMNS, *CLAUSE4]

Row = dict[str, str | date | None]


def person(employee_id: str, **changes: str | date | None) -> Row:
    row: Row = {
        "employee_id": employee_id,
        "full_name": f"Қызметкер {employee_id}",
        "position": "Маман",
        "role": "employee",
        "unit": "Бөлім",
        "manager_id": "",
        "phone": "",
        "language": "kk",
        "appointed_on": "2020-01-01",
    }
    row.update(changes)
    return row


def validate(people: list[Row], header: list[str] = HEADER) -> StaffValidation:
    return validate_staff(header, [(2 + i, p) for i, p in enumerate(people)], TODAY)


def test_the_columns_are_read_as_dates_and_a_reason() -> None:
    result = validate(
        [
            # A probation may end after today: it is still running.
            person("P-1", probation_ends_on="30.06.2025"),
            person("P-2", returned_on=datetime(2024, 11, 4), returned_from="Әлеуметтік демалыс"),
            person("P-3", returned_on="2024-12-20", returned_from="учёба"),
            person("P-4"),
        ]
    )

    assert result.ok, [e.describe() for e in result.errors]
    got = {r.employee_id: (r.probation_ends_on, r.returned_on, r.returned_from) for r in result.records}
    assert got == {
        "P-1": (date(2025, 6, 30), None, None),
        "P-2": (None, date(2024, 11, 4), "social_leave"),
        "P-3": (None, date(2024, 12, 20), "study"),
        "P-4": (None, None, None),
    }
    assert all(r.columns == frozenset(CLAUSE4) for r in result.records)


def test_a_list_without_the_columns_says_so() -> None:
    result = validate([person("P-1")], header=list(REQUIRED_COLUMNS))

    assert result.ok
    (record,) = result.records
    assert (record.probation_ends_on, record.returned_on, record.columns) == (None, None, frozenset())


def test_each_bad_cell_is_reported_on_its_line() -> None:
    result = validate(
        [
            person("P-1", probation_ends_on="31.02.2025"),
            person("P-2", returned_on="2025-03-02", returned_from="study"),  # after today
            person("P-3", returned_on="next week", returned_from="study"),
            person("P-4", returned_on="2024-10-01"),  # no reason
            person("P-5", returned_from="social leave"),  # no day
            person("P-6", returned_on="2024-10-01", returned_from="holiday"),
        ]
    )

    assert result.records == ()
    assert [(e.line, e.column, e.code, e.value) for e in result.errors] == [
        (2, "probation_ends_on", StaffErrorCode.BAD_DATE, "31.02.2025"),
        (3, "returned_on", StaffErrorCode.FUTURE_DATE, "2025-03-02"),
        (4, "returned_on", StaffErrorCode.BAD_DATE, "next week"),
        (5, "returned_from", StaffErrorCode.MISSING_VALUE, ""),
        (6, "returned_on", StaffErrorCode.MISSING_VALUE, ""),
        (7, "returned_from", StaffErrorCode.BAD_RETURN_REASON, "holiday"),
    ]


@pytest.mark.parametrize(
    ("locale", "bad_date", "bad_reason"),
    [
        (
            "en",
            "line 2, column probation_ends_on: unreadable date '31.02.2025' (expected YYYY-MM-DD or DD.MM.YYYY)",
            "line 3, column returned_from: unknown reason 'holiday' (expected social leave or study)",
        ),
        (
            "ru",
            "строка 2, столбец probation_ends_on: не удалось распознать дату «31.02.2025» "
            "(ожидается ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)",
            "строка 3, столбец returned_from: неизвестная причина 'holiday' "
            "(ожидается социальный отпуск или обучение)",
        ),
        (
            "kk",
            "2-жол, probation_ends_on бағаны: күн танылмады: «31.02.2025» "
            "(ЖЖЖЖ-АА-КК немесе КК.АА.ЖЖЖЖ күтіледі)",
            "3-жол, returned_from бағаны: белгісіз себеп 'holiday' (әлеуметтік демалыс немесе оқу күтіледі)",
        ),
    ],
)
def test_the_problems_in_the_reader_s_language(locale: str, bad_date: str, bad_reason: str) -> None:
    result = validate(
        [
            person("P-1", probation_ends_on="31.02.2025"),
            person("P-2", returned_on="2024-10-01", returned_from="holiday"),
        ]
    )
    translate = gettext.translation("messages", LOCALES_DIR, languages=[locale], fallback=True).gettext

    assert [e.describe(translate) for e in result.errors] == [bad_date, bad_reason]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("social_leave", "social_leave"),
        ("Social leave", "social_leave"),
        ("социальный  отпуск", "social_leave"),
        ("оқу", "study"),
        ("Обучение.", "study"),
        ("sick leave", None),
    ],
)
def test_the_reason_in_any_of_the_three_languages(text: str, reason: str | None) -> None:
    assert normalise_return_reason(text) == reason
