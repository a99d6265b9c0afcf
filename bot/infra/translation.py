"""gettext for the code that draws files, which runs in worker processes as well as in the bot.

In the bot, the locale and catalogues are aiogram's i18n context (bot/infra/i18n.py), set per
update or by ``in_locale``. A worker process (bot/infra/workers.py) must not import aiogram for
that: aiogram with its Telegram types is about 150 MiB per process, more than the drawing code
itself (docs/benchmarks.md, "What the memory is"). So the worker reads the same compiled
catalogues (``locales/*/LC_MESSAGES/messages.mo``) with the standard library's gettext and sets
the locale with :func:`worker_locale`; the drawing code asks this module, never aiogram, and
finds the worker's catalogue when one is set and aiogram's context otherwise.

This module imports nothing of aiogram at load: the bot has imported it already when it asks.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram.utils.i18n import I18n

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"


@dataclass(frozen=True, slots=True)
class _Catalogue:
    locale: str
    translations: stdlib_gettext.GNUTranslations


# Set in a worker process only, for the length of one job.
_worker_catalogue: ContextVar[_Catalogue | None] = ContextVar("worker_catalogue", default=None)


def gettext(singular: str, plural: str | None = None, n: int = 1) -> str:
    """``_()``: the message in the current locale (aiogram's ``gettext`` in the bot)."""
    catalogue = _worker_catalogue.get()
    if catalogue is None:
        return _bot_i18n().gettext(singular, plural, n)
    if plural is None:
        return catalogue.translations.gettext(singular)
    return catalogue.translations.ngettext(singular, plural, n)


def current_locale() -> str:
    """The locale of what is being drawn or said."""
    catalogue = _worker_catalogue.get()
    return catalogue.locale if catalogue is not None else _bot_i18n().current_locale


def locale_or(default: str) -> str:
    """The current locale, or ``default`` outside any (a job started with no update)."""
    catalogue = _worker_catalogue.get()
    if catalogue is not None:
        return catalogue.locale
    from aiogram.utils.i18n import I18n as BotI18n

    i18n = BotI18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else default


@contextmanager
def worker_locale(locale: str, default_locale: str) -> Iterator[None]:
    """In a worker process: gettext in ``locale``, or in ``default_locale`` if it has no
    catalogue (as ``in_locale`` does in the bot)."""
    if locale not in available_locales():
        locale = default_locale
    token = _worker_catalogue.set(_Catalogue(locale, _translations(locale)))
    try:
        yield
    finally:
        _worker_catalogue.reset(token)


@cache
def available_locales(path: Path = LOCALES_DIR) -> frozenset[str]:
    """The locales whose catalogue is compiled (aiogram's ``I18n.available_locales`` too)."""
    return frozenset(d.name for d in path.iterdir() if (d / "LC_MESSAGES" / f"{DOMAIN}.mo").exists())


@cache
def _translations(locale: str, path: Path = LOCALES_DIR) -> stdlib_gettext.GNUTranslations:
    """Loaded once per worker process and locale."""
    with (path / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as compiled:
        return stdlib_gettext.GNUTranslations(compiled)


def _bot_i18n() -> I18n:
    # Imported here, not at the top: a worker process never comes here, the bot has it loaded.
    from aiogram.utils.i18n import get_i18n

    return get_i18n()
