"""The gettext catalogues in ``locales/``: complete, and safe to ``.format()`` and send as HTML.

The message ids are English; every string the code passes to ``_``/``ngettext`` must have a
Kazakh and a Russian translation that keeps the placeholders, the HTML tags, the commands and
the line breaks of the original. The English catalogue may leave strings untranslated (gettext
falls back to the msgid), but whatever it does translate is held to the same rules.

After adding or changing a string in the code: ``make update-messages``, then translate.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.infra.i18n import LANGUAGE_NAMES, LOCALES_DIR

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / "messages.pot"
# Must match the Makefile's extract-messages target.
SOURCES = ("bot", "handlers", "storage")
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_", "__", "ngettext:1,2"])}
# Languages every user-facing string must be translated into (English is the msgid itself).
TRANSLATED = ("kk", "ru")
PLURAL_FORMS = {"kk": 2, "ru": 3, "en": 2}

TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+\b")
HTML_SPECIAL = "<>&"


def load(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return load(TEMPLATE)


@pytest.fixture(scope="module", params=sorted(LANGUAGE_NAMES))
def catalogue(request: pytest.FixtureRequest) -> Catalog:
    return load(LOCALES_DIR / request.param / "LC_MESSAGES" / "messages.po")


def entries(catalog: Catalog) -> list[Message]:
    """The real messages: without the header entry."""
    return [message for message in catalog if message.id]


def ids(message: Message) -> tuple[str, ...]:
    """(msgid,) or (msgid, msgid_plural)."""
    msgid = message.id
    return tuple(msgid) if isinstance(msgid, tuple | list) else (msgid,)


def forms(message: Message) -> tuple[str, ...]:
    """(msgstr,) or (msgstr[0], ..., msgstr[n])."""
    string = message.string
    return tuple(string) if isinstance(string, tuple | list) else (string or "",)


def translations(catalog: Catalog) -> list[tuple[Message, str]]:
    """Every (message, filled msgstr form) pair; empty forms fall back to English and are skipped."""
    return [(message, form) for message in entries(catalog) for form in forms(message) if form]


def where(catalog: Catalog, message: Message) -> str:
    return f"{catalog.locale}: {ids(message)[0]!r}"


def placeholders(text: str) -> Counter[str]:
    """The ``str.format`` replacement fields, spelled out in full ("{score:.2f}")."""
    fields: Counter[str] = Counter()
    for _literal, name, spec, conversion in Formatter().parse(text):
        if name is not None:
            field = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            fields["{" + field + "}"] += 1
    return fields


def tags(text: str) -> Counter[str]:
    return Counter(("/" if closing else "") + name.lower() for closing, name in TAG.findall(text))


def balance_error(text: str) -> str | None:
    stack: list[str] = []
    for closing, name in TAG.findall(text):
        name = name.lower()
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"unexpected </{name}>"
    return f"unclosed <{stack[-1]}>" if stack else None


def special_characters(text: str) -> Counter[str]:
    """``<``, ``>`` and ``&`` outside the tags: Telegram rejects or mangles them in HTML mode."""
    return Counter(char for char in TAG.sub("", text) if char in HTML_SPECIAL)


def commands(text: str) -> Counter[str]:
    return Counter(COMMAND.findall(TAG.sub("", text)))


def leading_symbols(text: str) -> str:
    """The emoji or arrow that starts a button text ("✏️ Change an answer" -> "✏️")."""
    end = 0
    while end < len(text) and unicodedata.category(text[end]) in {"So", "Sm", "Mn", "Cf"}:
        end += 1
    return text[:end]


# ------------------------------------------------------------------------- completeness


def test_every_language_has_a_catalogue() -> None:
    for locale in LANGUAGE_NAMES:
        assert (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").is_file(), locale


def test_template_is_up_to_date_with_the_code(template: Catalog) -> None:
    """A string added to the code but not extracted: run ``make update-messages`` and translate it."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)  # type: ignore[no-untyped-call]
    in_code: dict[str, tuple[str, ...]] = {}
    for source in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / source, method_map, options_map, keywords=KEYWORDS
        ):
            key = message if isinstance(message, tuple) else (message,)
            in_code.setdefault(key[0], key)
            assert in_code[key[0]] == key, f"{source}/{filename}:{lineno}: {key} vs {in_code[key[0]]}"
    in_template = {ids(message)[0]: ids(message) for message in entries(template)}
    missing = sorted(set(in_code) - set(in_template))
    assert not missing, f"not in {TEMPLATE.name} (run `make update-messages`): {missing}"
    for msgid, key in in_code.items():
        assert in_template[msgid] == key, f"plural changed, run `make update-messages`: {key}"


def test_every_template_message_is_in_the_catalogue(template: Catalog, catalogue: Catalog) -> None:
    missing = []
    for message in entries(template):
        found = catalogue.get(message.id, message.context)
        if found is None or ids(found) != ids(message):
            missing.append(ids(message))
    assert not missing, f"{catalogue.locale}: not in the catalogue (run `make update-messages`): {missing}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_everything_is_translated(locale: str) -> None:
    catalog = load(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    untranslated = [ids(message)[0] for message in entries(catalog) if not all(forms(message))]
    assert not untranslated, f"{locale}: untranslated {untranslated}"


def test_plural_forms(catalogue: Catalog) -> None:
    assert catalogue.num_plurals == PLURAL_FORMS[str(catalogue.locale)]
    for message in entries(catalogue):
        if message.pluralizable:
            assert len(forms(message)) == catalogue.num_plurals, where(catalogue, message)


def test_nothing_is_fuzzy(catalogue: Catalog) -> None:
    """``make locales`` compiles with --use-fuzzy, so a fuzzy guess would reach the users."""
    fuzzy = [ids(message)[0] for message in entries(catalogue) if message.fuzzy]
    assert not fuzzy, f"{catalogue.locale}: fuzzy {fuzzy}"


def test_header(catalogue: Catalog) -> None:
    assert catalogue.project == "Bagalau"
    assert catalogue.version
    header = catalogue.header_comment + "\n" + "\n".join(f"{k}: {v}" for k, v in catalogue.mime_headers)
    for placeholder in ("PROJECT", "ORGANIZATION", "FIRST AUTHOR", "FULL NAME", "EMAIL@ADDRESS", "LL@li.org"):
        assert placeholder not in header, f"{catalogue.locale}: header still says {placeholder!r}"


# ------------------------------------------------------------------- shape of the strings


def test_placeholders_are_kept(catalogue: Catalog) -> None:
    for message, form in translations(catalogue):
        expected = placeholders(ids(message)[-1])
        assert placeholders(ids(message)[0]).keys() <= expected.keys(), where(catalogue, message)
        assert placeholders(form) == expected, f"{where(catalogue, message)} -> {form!r}"


def test_html_is_kept_and_balanced(catalogue: Catalog) -> None:
    for message, form in translations(catalogue):
        assert balance_error(form) is None, f"{where(catalogue, message)}: {balance_error(form)}"
        assert tags(form) == tags(ids(message)[-1]), f"{where(catalogue, message)} -> {form!r}"
        assert special_characters(form) == special_characters(ids(message)[-1]), (
            f"{where(catalogue, message)}: bare < > & in HTML mode -> {form!r}"
        )


def test_commands_line_breaks_and_symbols_are_kept(catalogue: Catalog) -> None:
    for message, form in translations(catalogue):
        original = ids(message)[-1]
        assert commands(form) == commands(original), where(catalogue, message)
        assert form.count("\n") == original.count("\n"), where(catalogue, message)
        assert leading_symbols(form) == leading_symbols(original), where(catalogue, message)
        assert form == form.strip() or original != original.strip(), where(catalogue, message)
