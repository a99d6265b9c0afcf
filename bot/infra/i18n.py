"""gettext i18n: catalogues in ``locales/`` (kk, ru, en), English message ids.

The locale of an update: the person's own choice (/language), else the language of
their staff record, else their Telegram language, else DEFAULT_LOCALE; see pick_locale.
Background jobs render in the recipient's locale with :func:`in_locale`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.infra.translation import LOCALES_DIR as LOCALES_DIR
from storage.dto import EmployeeDTO

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def create_i18n(default_locale: str, path: Path = LOCALES_DIR) -> I18n:
    i18n = I18n(path=path, default_locale=default_locale, domain="messages")
    missing = set(LANGUAGE_NAMES) - set(i18n.available_locales)
    if missing:
        raise RuntimeError(
            f"translations for {sorted(missing)} are not compiled: run `make locales` (pybabel compile)"
        )
    return i18n


def telegram_locale(user: User | None) -> str | None:
    code = (user.language_code or "").split("-")[0] if user else ""
    return code if code in LANGUAGE_NAMES else None


def pick_locale(
    employee: EmployeeDTO | None, user: User | None, default: str, account_locale: str | None = None
) -> str:
    """The one rule for everything the bot sends a person, screens and notices alike: /language
    first (an employee's, or that of an account outside the staff list), then the staff list,
    then the Telegram app's language, then the default. The staff list goes before Telegram
    because Telegram has no official Kazakh interface: most Kazakh speakers run it in Russian.

    A notice has no Telegram user to read (``user`` is None): it finds the same language
    because the first update of someone without one stores their Telegram language as theirs
    (:func:`remembered_locale`), as joining does for an employee the staff list gives none."""
    return (employee.locale if employee else account_locale) or telegram_locale(user) or default


def remembered_locale(
    employee: EmployeeDTO | None, user: User | None, account_locale: str | None
) -> str | None:
    """The Telegram language to store for this person, or None when nothing needs storing:
    they (or the staff list) already give one, or Telegram gives none the bot speaks."""
    known = employee.locale if employee else account_locale
    return None if known else telegram_locale(user)


class LocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return pick_locale(
            data.get("employee"),
            data.get("event_from_user"),
            self.i18n.default_locale,
            data.get("account_locale"),
        )


@contextmanager
def in_locale(i18n: I18n, locale: str) -> Iterator[None]:
    """Render messages for someone other than the sender of the current update."""
    with i18n.context(), i18n.use_locale(locale if locale in i18n.available_locales else i18n.default_locale):
        yield
