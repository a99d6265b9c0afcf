"""The worker processes (bot/infra/workers.py): below the bot's CPU priority, so that a ZIP of
hundreds of PDFs on every core leaves the event loop the CPU whenever it needs it; speaking the
caller's language from the bot's catalogues without importing aiogram (some 150 MiB a process);
a large value shared by a task's jobs pickled once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.infra.i18n import create_i18n, in_locale
from bot.infra.translation import gettext as _
from bot.infra.workers import WORKER_NICENESS, Imported, Shared, Workers, lower_priority
from bot.reports import files
from tests.worker_jobs import MESSAGE, identity_of, loaded_by, translated

DRAWING_LIBRARIES = frozenset({"fpdf", "matplotlib", "openpyxl", "PIL"})


async def test_workers_run_at_a_lower_priority_than_the_bot() -> None:
    workers = Workers("kk", size=1)
    try:
        if hasattr(os, "SCHED_IDLE"):  # Linux: only when no other process wants the core
            assert os.sched_getscheduler(0) != os.SCHED_IDLE
            assert await workers.run(os.sched_getscheduler, 0) == os.SCHED_IDLE
        else:  # os.nice(0) changes nothing and returns the process's niceness.
            assert await workers.run(os.nice, 0) == min(19, os.nice(0) + WORKER_NICENESS)
    finally:
        workers.shutdown()


def test_where_the_idle_policy_is_refused_the_workers_are_niced(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_args: object) -> None:
        raise PermissionError("sched_setscheduler: not allowed in this sandbox")

    lowered: list[int] = []
    monkeypatch.setattr(os, "sched_setscheduler", refused, raising=False)
    monkeypatch.setattr(os, "nice", lowered.append)
    lower_priority(WORKER_NICENESS)
    assert lowered == [WORKER_NICENESS]


async def test_a_worker_draws_without_the_bots_frameworks() -> None:
    workers = Workers("kk", size=1)
    try:
        for module in ("bot.survey360.result_pdf", "bot.survey360.workbook"):
            assert await workers.run(loaded_by, module) == set(), module
    finally:
        workers.shutdown()


async def test_a_worker_speaks_the_callers_language_from_the_same_catalogues() -> None:
    i18n = create_i18n("kk")
    workers = Workers("kk", size=1)
    try:
        for locale in ("kk", "ru", "en"):
            with in_locale(i18n, locale):
                in_the_bot = _(MESSAGE)
                assert await workers.run(translated, MESSAGE) == (locale, in_the_bot)
        with in_locale(i18n, "ru"):
            russian = _(MESSAGE)
        assert russian != MESSAGE  # translated indeed
        # A language without a catalogue falls back to the default, as in the bot.
        with i18n.context(), i18n.use_locale("de"):
            with in_locale(i18n, "kk"):
                kazakh = _(MESSAGE)
            assert await workers.run(translated, MESSAGE) == ("kk", kazakh)
    finally:
        workers.shutdown()


async def test_a_shared_value_is_unpickled_once_per_worker() -> None:
    workers = Workers("kk", size=1)
    shared = Shared.of({"questionnaires": list(range(1000))})
    try:
        first = await workers.run(identity_of, shared)
        assert await workers.run(identity_of, shared) == first  # the same object, kept
        assert await workers.run(identity_of, Shared.of({"other": 1})) != first
    finally:
        workers.shutdown()


def test_the_bot_starts_without_the_drawing_libraries() -> None:
    """The bot's process loads fpdf, matplotlib and openpyxl (some 90 MiB with PIL and numpy)
    only when it draws or reads such a file itself; its workers draw the reports."""
    code = f"import sys, bot.cli, bot.factory; print(sorted(m for m in {sorted(DRAWING_LIBRARIES)} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_drawing_code_named_for_the_workers_exists() -> None:
    named = [value for value in vars(files).values() if isinstance(value, Imported)]
    assert len(named) == 5
    for imported in named:
        assert callable(imported.function()), imported
