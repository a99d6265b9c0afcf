"""Names in the order people expect in Kazakh and Russian (workbooks, archives)."""

from __future__ import annotations

# Cyrillic Kazakh alphabetical order; the Russian alphabet is a subset of it, in the same
# order. Code-point order would put "Әлиева" after "Яковлев".
KAZAKH_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_ALPHABET_RANK = {letter: 0x110000 + rank for rank, letter in enumerate(KAZAKH_ALPHABET)}


def collation_key(text: str) -> tuple[tuple[int, ...], str]:
    """Sort key for names in Kazakh and Russian: Kazakh alphabetical order, case ignored."""
    return tuple(_ALPHABET_RANK.get(char, ord(char)) for char in text.casefold()), text
