"""Jobs for the worker processes in tests/test_workers.py: a module of their own, because a
worker imports the module of the function it runs, and the tests' module imports aiogram."""

from __future__ import annotations

import importlib
import sys

from bot.infra.translation import current_locale
from bot.infra.translation import gettext as _

# What a worker drawing files must not load for it: the bot's frameworks and matplotlib.
NOT_FOR_DRAWING = frozenset({"aiogram", "aiogram_dialog", "sqlalchemy", "matplotlib"})
MESSAGE = "Colleagues' average"  # in every catalogue (the radar's legend)


def loaded_by(module: str) -> set[str]:
    """In the worker: which of NOT_FOR_DRAWING are loaded once ``module`` is."""
    importlib.import_module(module)
    return {name for name in NOT_FOR_DRAWING if name in sys.modules}


def translated(message: str) -> tuple[str, str]:
    return current_locale(), _(message)


def identity_of(value: object) -> int:
    return id(value)
