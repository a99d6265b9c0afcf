from datetime import date

import pytest

from bot.kernel.eligibility import Ineligibility, add_months, ineligibility

YEAR_END = date(2025, 12, 31)


@pytest.mark.parametrize(
    ("appointed", "months", "expected"),
    [
        (date(2025, 10, 1), 3, None),  # 1 Oct – 31 Dec: three full months
        (date(2025, 10, 2), 3, Ineligibility.TOO_SHORT_IN_POST),
        (date(2025, 12, 1), 1, None),  # the current seeds' one month
        (date(2025, 12, 2), 1, Ineligibility.TOO_SHORT_IN_POST),
        (date(2019, 5, 5), 3, None),
        (date(2026, 1, 1), 1, Ineligibility.APPOINTED_AFTER_PERIOD),
    ],
)
def test_minimum_time_in_post(appointed: date, months: int, expected: Ineligibility | None) -> None:
    assert ineligibility(appointed, YEAR_END, months) is expected


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
