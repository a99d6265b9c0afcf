"""Worker processes for CPU work: drawing charts, building PDFs, workbooks and archives.

A worker thread is not enough for that work: matplotlib, fpdf and PIL are mostly Python and
hold the GIL, so a thread building a ZIP of reports still starved the event loop, and every
person waited seconds for an answer (issue 20). A process has a GIL of its own.

The pool is the runtime's (bot/factory.py): created at the first job, shut down when the bot
stops, at most MAX_WORKERS processes and never more than the machine's cores. Processes are
started with ``spawn``, which copies nothing of the bot's threads or open connections. A job is
a top-level function and plain, picklable data (dataclasses, bytes, dates); it runs in the
locale of the caller's i18n context, set again inside the worker (docs/heavy-work.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import multiprocessing
import os
import pickle
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar, cast

from bot.infra.translation import locale_or, worker_locale

T = TypeVar("T")
V = TypeVar("V")
MAX_WORKERS = 4
# The workers' CPU priority, below the bot's: on a machine with as many workers as cores, a ZIP
# of hundreds of PDFs keeps every core busy, and at the same priority the event loop got a
# share of a core like any worker, so every reply waited for the scheduler
# (bench/reports_load.py). On Linux the workers are SCHED_IDLE: they run on a core that nothing
# else wants, and whatever else wakes there (the bot, PostgreSQL's server processes answering
# it) takes the core from them at once. At nice 10 they still held it for their time slice:
# on PostgreSQL, 4 runs of each in turn, others' replies were 1.17 to 1.41 times slower during
# a ZIP than idle (p95) against 1.30 to 1.57 at nice 10 (docs/benchmarks.md). Where there is no
# SCHED_IDLE, WORKER_NICENESS.
WORKER_NICENESS = 10


@dataclass(frozen=True, slots=True)
class Imported:
    """A function named by its module, imported where it is called. The bot hands its drawing
    code to the workers by name: importing it would load fpdf, matplotlib and their libraries
    (some 90 MiB) into the bot's own process, which never draws these files
    (docs/heavy-work.md)."""

    module: str
    name: str

    def function(self) -> Callable[..., Any]:
        found: Callable[..., Any] = getattr(importlib.import_module(self.module), self.name)
        return found

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function()(*args, **kwargs)


# Shared values unpickled in this worker process, the latest few (a job's profile: one or two).
KEPT_SHARED = 4
_shared: OrderedDict[str, Any] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Shared(Generic[V]):
    """A large value that many jobs of one task take (a round's profile, some 40 KB pickled):
    pickled once by the bot, unpickled once per worker process, and handed to each job as the
    value itself. Passed plainly, it was pickled for every PDF of a ZIP in the bot (holding its
    GIL, so the event loop waited) and unpickled again in the worker."""

    key: str
    data: bytes

    @classmethod
    def of(cls, value: V) -> Shared[V]:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.blake2b(data, digest_size=16).hexdigest(), data)

    def value(self) -> V:
        """In the worker: the value, unpickled at its first job there."""
        found = _shared.get(self.key)
        if found is None:
            found = _shared[self.key] = pickle.loads(self.data)  # noqa: S301 (the bot's own pickle)
            while len(_shared) > KEPT_SHARED:
                _shared.popitem(last=False)
        else:
            _shared.move_to_end(self.key)
        return cast(V, found)


def worker_count(cpus: int | None = None) -> int:
    """The machine's cores, at most MAX_WORKERS, at least one."""
    return max(1, min(MAX_WORKERS, cpus if cpus is not None else (os.cpu_count() or 1)))


class Workers:
    """The pool of worker processes: ``await workers.run(build, *args)``."""

    def __init__(self, default_locale: str, size: int | None = None) -> None:
        self.default_locale = default_locale
        self.size = size or worker_count()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=lower_priority,
                initargs=(WORKER_NICENESS,),
            )
        return self._pool

    async def run(self, job: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``job(*args, **kwargs)`` in a worker process, in the current locale."""
        call = partial(_in_locale, job, locale_or(self.default_locale), self.default_locale, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor(), call)

    def shutdown(self) -> None:
        """Stop the processes; jobs not started yet are dropped, a running one is waited for."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def lower_priority(increment: int) -> None:
    """In each worker, once: yield the CPU to the bot's event loop, and to anything else that
    wants it (SCHED_IDLE; elsewhere nice ``increment``). A process may always lower its own
    policy; a sandbox that forbids the call gets the niceness instead."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed here
        os.nice(increment)


def _in_locale(
    job: Callable[..., T], locale: str, default_locale: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> T:
    """In the worker: the job, with gettext in ``locale`` (the standard library's gettext on the
    bot's catalogues, without aiogram: bot/infra/translation.py)."""
    args = tuple(a.value() if isinstance(a, Shared) else a for a in args)
    with worker_locale(locale, default_locale):
        return job(*args, **kwargs)
