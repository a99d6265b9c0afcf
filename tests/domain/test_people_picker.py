"""The people picker's matching (issue 19, finding 4); its pages and buttons are walked in
tests/conversation/test_dialog_widgets.py."""

from __future__ import annotations

from datetime import date

from bot.infra.dialogs.people import exact, matching
from storage.dto import EmployeeDTO


def _person(pk: int, code: str, name: str) -> EmployeeDTO:
    return EmployeeDTO(
        pk, code, name, "Сарапшы", "employee", "Бөлім", None, None, "kk", date(2020, 1, 1), True, None, None
    )


PEOPLE = [_person(i, f"E{i}", f"Омаров Серік {i:02d}") for i in range(1, 12)] + [
    _person(20, "M20", "Мадина Ахметова"),
    _person(21, "E210", "Smith John"),
]


def test_a_name_part_or_an_id_part_matches_in_any_case() -> None:
    assert [p.employee_id for p in matching(PEOPLE, "мадина")] == ["M20"]
    assert [p.employee_id for p in matching(PEOPLE, "  SMITH  ")] == ["E210"]
    assert [p.employee_id for p in matching(PEOPLE, "e21")] == ["E210"]  # part of an id
    assert matching(PEOPLE, "   ") == [] and matching(PEOPLE, "Айгерім") == []
    assert exact(PEOPLE, "e2").employee_id == "E2"  # type: ignore[union-attr]
    assert exact(PEOPLE, "Мадина") is None  # a name is never taken for an id
