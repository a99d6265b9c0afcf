"""The people picker of HR's steps that ask for one person (issue 19, finding 4)."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.utils.i18n import I18n

from bot.infra.callbacks import PersonPickCb, PickAction
from bot.infra.i18n import create_i18n, in_locale
from bot.staff.people_picker import PAGE_SIZE, exact, matching, picker
from storage.dto import EmployeeDTO


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


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


def test_the_pages_of_many_matches(i18n: I18n) -> None:
    found = matching(PEOPLE, "омаров")
    assert len(found) == 11
    with in_locale(i18n, "kk"):
        first, markup = picker("омаров", found, 0)
        assert first == "«омаров» бойынша табылғандар: 11. Қажетті адамды таңдаңыз.\nБет 1 / 2"
        buttons = [
            (b.text, PersonPickCb.unpack(b.callback_data or ""))
            for row in markup.inline_keyboard
            for b in row
        ]
        picks = [cb.person for _, cb in buttons if cb.action is PickAction.PICK]
        assert picks == [p.id for p in found[:PAGE_SIZE]]
        assert [(text, cb.page) for text, cb in buttons if cb.action is PickAction.PAGE] == [("Келесі ▶", 1)]
        assert buttons[-1][0] == "✖ Бас тарту"
        last, markup = picker("омаров", found, 5)  # past the end: the last page
        assert last.endswith("Бет 2 / 2")
        turns = [b.text for row in markup.inline_keyboard for b in row if "pk:g" in (b.callback_data or "")]
        assert turns == ["◀ Алдыңғы"]
        nobody, markup = picker("<Айгерім>", [], 0)
        assert nobody.startswith("Осы бағалау кезеңінде бағаланатындардың ішінде «&lt;Айгерім&gt;» бойынша")
        assert [b.text for row in markup.inline_keyboard for b in row] == ["✖ Бас тарту"]
