"""The report files' names (bot/reports/rules.py): the round's ZIP and a unit's never share a
name, and every name is plain ASCII a file system accepts."""

from __future__ import annotations

import re

import pytest

from bot.reports.rules import MAX_SLUG, archive_name, slug, transliterate

SAFE = re.compile(r"^[a-z0-9-]+\.zip$")


def test_the_whole_round_and_a_unit_have_different_names() -> None:
    assert archive_name(2026, None, "kk") == "360-2026-all-kk.zip"
    assert archive_name(2026, "Бухгалтерия", "ru") == "360-2026-bukhgalteriia-ru.zip"
    assert archive_name(2026, "All", "en") == "360-2026-unit-all-en.zip"


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("Қаржы басқармасы", "qarzhy-basqarmasy"),
        ("Ұйымдастыру-бақылау бөлімі", "uiymdastyru-baqylau-bolimi"),
        ("Әкімшілік, құқық және кадр", "akimshilik-quqyq-zhane-kadr"),
        ("Отдел №3 / «Цифровизация»", "otdel-no-3-tsifrovizatsiia"),
        ("Département d'État", "departement-d-etat"),
        ("  ***  ", "unit"),
        ("漢字", "unit"),
    ],
)
def test_units_become_ascii_slugs(unit: str, expected: str) -> None:
    assert slug(unit) == expected
    assert SAFE.match(archive_name(2026, unit, "kk"))


def test_a_long_unit_is_cut_short_without_a_trailing_hyphen() -> None:
    long_unit = "Басқарма " * 30
    cut = slug(long_unit)
    assert len(cut) <= MAX_SLUG and not cut.endswith("-") and cut.startswith("basqarma-basqarma")


def test_every_kazakh_letter_has_a_latin_form() -> None:
    kazakh = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
    assert transliterate(kazakh).isascii()
    assert all(transliterate(letter) or letter in "ъь" for letter in kazakh)
