"""Reading the staff list's cells: roles, languages, phones, dates, post categories, yes/no and
the reason of a return (pure: standard library only). :mod:`bot.staff.rules` validates a whole
table with them; the quarterly uploads read their dates the same way."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Literal

Role = Literal["head", "employee"]

_ROLES: dict[str, Role] = {
    "head": "head",
    "басшы": "head",
    "руководитель": "head",
    "employee": "employee",
    "қызметші": "employee",
    "сотрудник": "employee",
    "служащий": "employee",
}

_LANGUAGES: dict[str, str] = {
    "kk": "kk",
    "kz": "kk",
    "қаз": "kk",
    "каз": "kk",
    "қазақ": "kk",
    "қазақша": "kk",
    "казахский": "kk",
    "kazakh": "kk",
    "ru": "ru",
    "рус": "ru",
    "русский": "ru",
    "орыс": "ru",
    "орысша": "ru",
    "russian": "ru",
    "en": "en",
    "eng": "en",
    "english": "en",
    "англ": "en",
    "английский": "en",
    "ағылшын": "en",
    "ағылшынша": "en",
}

_EARLIEST_YEAR = 1900

# A post category as the 2018 typical methodology writes it: a letter, an optional letter for
# the body's level (R, G, O …) and a number, e.g. E-4, E-R-2, C-O-5. Staff lists typed in Kazakh
# or Russian often use the Cyrillic look-alikes (Е, С, В, А, О, Р): they are read as Latin.
_CATEGORY = re.compile(r"([A-E])-(?:([A-Z])-)?(\d{1,2})")
_LOOKALIKES = str.maketrans("АВСЕОРКМНТХ", "ABCEOPKMHTX")

_YES_NO: dict[str, bool] = {
    **dict.fromkeys(("yes", "y", "true", "1", "иә", "иа", "да", "+"), True),
    **dict.fromkeys(("no", "n", "false", "0", "жоқ", "жок", "нет", "-"), False),
}


def cell_text(value: object) -> str:
    """A cell as trimmed text; whole numbers (XLSX ``1001.0``) become digit strings."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


_PHONE_CHARS = re.compile(r"\+?[\d\s().\-]+")


def normalise_phone(raw: str) -> str | None:
    """``raw`` as ``+7XXXXXXXXXX`` / ``+<digits>``; ``None`` when it is not a phone number."""
    text = raw.strip()
    if not _PHONE_CHARS.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return _international(digits)
    if digits.startswith("00"):
        return _international(digits[2:])
    if len(digits) == 11 and digits[0] in "78":  # 8 701 123 45 67, 77011234567
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "7":  # 701 123 45 67 (all Kazakh area codes start with 7)
        return "+7" + digits
    return None


def _international(digits: str) -> str | None:
    if digits.startswith("7"):
        return "+" + digits if len(digits) == 11 else None
    if 8 <= len(digits) <= 15 and not digits.startswith("0"):
        return "+" + digits
    return None


def normalise_language(raw: str) -> str | None:
    """``raw`` as "kk", "ru" or "en"; ``None`` when it is empty or unknown."""
    return _LANGUAGES.get(raw.strip().rstrip(".").casefold())


def normalise_category(raw: str) -> str | None:
    """``raw`` as a post category ("е-r-4" → "E-R-4"); ``None`` when it is not one."""
    text = raw.strip().upper().translate(_LOOKALIKES).replace(" ", "").replace("–", "-")
    match = _CATEGORY.fullmatch(text)
    if match is None:
        return None
    letter, level, number = match.groups()
    return f"{letter}-{level}-{int(number)}" if level else f"{letter}-{int(number)}"


def parse_yes_no(raw: str) -> bool | None:
    return _YES_NO.get(raw.strip().casefold())


def normalise_role(raw: str) -> Role | None:
    return _ROLES.get(raw.strip().casefold())


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(value: object) -> date | None:
    """A ``date``/``datetime`` or a YYYY-MM-DD / DD.MM.YYYY string; ``None`` when unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DOTTED_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    if year < _EARLIEST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


ReturnReason = Literal["social_leave", "study"]

# 004 clause 4: "әлеуметтік демалыстан шыққаннан немесе оқуды аяқтағаннан кейін": back from
# social leave, or having completed study. Written in any of the bot's three languages.
_RETURN_REASONS: dict[str, ReturnReason] = {
    **dict.fromkeys(
        ("social leave", "social", "әлеуметтік демалыс", "әлеуметтік", "социальный отпуск", "социальный"),
        "social_leave",
    ),
    **dict.fromkeys(("study", "оқу", "оқуды аяқтау", "учёба", "учеба", "обучение"), "study"),
}


def normalise_return_reason(raw: str) -> ReturnReason | None:
    """``raw`` as "social_leave" or "study"; ``None`` when it is neither."""
    return _RETURN_REASONS.get(" ".join(re.split(r"[\s_\-]+", raw.strip().rstrip(".").casefold())))
