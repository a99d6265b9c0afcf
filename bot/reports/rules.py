"""What the report files are called: pure rules, no I/O.

A round's ZIP and one unit's ZIP must not share a name (HR downloads both and the second
overwrote the first), and the name must survive any file system, mail gateway and archive
tool, so it is ASCII: the unit's name, Kazakh or Russian, transliterated and reduced to a
slug, ``360-2026-all-kk.zip`` beside ``360-2026-bukhgalteriya-kk.zip``.
"""

from __future__ import annotations

import re
import unicodedata

# Kazakh and Russian Cyrillic in Latin letters (the Russian part as in passports, ICAO 9303;
# the Kazakh letters as the 2021 Latin alphabet spells them, without diacritics).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    "№": " no ",
}  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 40  # characters: the whole name stays short enough to read in a chat


def transliterate(text: str) -> str:
    """Lower-case ASCII: Cyrillic by the table, other accented Latin letters without their
    accents; what has no ASCII form is dropped."""
    letters = (_CYRILLIC.get(c, c) for c in unicodedata.normalize("NFC", text.lower()))
    ascii_text = unicodedata.normalize("NFKD", "".join(letters)).encode("ascii", "ignore").decode()
    return ascii_text.lower()  # NFKD makes some symbols capitals (™ becomes TM)


def slug(text: str, fallback: str = "unit") -> str:
    """Letters and digits joined by hyphens, at most MAX_SLUG characters, never empty."""
    words = _NOT_SLUG.sub("-", transliterate(text)).strip("-")
    return words[:MAX_SLUG].rstrip("-") or fallback


def archive_name(year: int, unit: str | None, locale: str) -> str:
    """The ZIP of a 360 round's result PDFs: ``360-<year>-all-<lang>.zip`` for the whole round,
    ``360-<year>-<unit slug>-<lang>.zip`` for one unit (a unit called "all" becomes
    "unit-all", so that the two never meet)."""
    if unit is None:
        part = "all"
    else:
        part = slug(unit)
        if part == "all":
            part = "unit-all"
    return f"360-{year}-{part}-{slug(locale, 'xx')}.zip"


def archive_part_name(name: str, part: int) -> str:
    """The ``part``-th file of an archive too big for one upload: ``360-2026-all-kk-part2.zip``."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem}-part{part}{dot}{extension}"
