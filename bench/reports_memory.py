"""What the all-reports job holds of a round's results in the bot's process, read whole (as
before issue 20's paging) against read page by page (bot/reports/jobs.py), in one run.

    python -m bench.reports_memory [--people 300 1000 10000]

For each size, a closed 360 round (bench/results_360.py's, in a throwaway SQLite file) is read
both ways while ``tracemalloc`` records the peak of Python's allocations:

* ``whole``: every person's results (``closed_results``) and the archive's members made from
  them (``archive_members``), which the job kept until the last PDF was drawn;
* ``paged``: who is in the round and the members' names and order (``closed_subjects``,
  ``archive_plan``), then the results PAGE people at a time, each page let go before the next
  (``ReportJobs._results``), as the job reads them now.

The PDFs themselves are drawn in worker processes and are not part of this figure; the job's
peak RSS with them is bench/reports_load.py's. Writes bench/results/reports_memory.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from bench.results_360 import fill_closed_round
from bench.support import fresh_database
from bot.reports import files
from bot.reports.jobs import PAGE, ReportJobs
from bot.survey360.archive import archive_members, archive_plan
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade

RESULTS = Path(__file__).parent / "results" / "reports_memory.json"
CAMPAIGN = 1  # fill_closed_round's round
BALLOT_SECRET = "bench-only-ballot-secret-0123456789abcdef"  # noqa: S105 (the bench's own)


async def peak_mib(read: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    """The peak of Python's allocations while ``read`` runs, in MiB, and what it counted."""
    gc.collect()
    tracemalloc.start()
    try:
        count = await read()
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, count


async def measure(people: int) -> dict[str, Any]:
    async with fresh_database("sqlite", "reports-memory") as url:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            await fill_closed_round(engine, people)
            sessionmaker = create_sessionmaker(engine, ballot_secret=BALLOT_SECRET)
            jobs = ReportJobs(sessionmaker, cast(Any, None), cast(Any, None), cast(Any, None))

            async def whole() -> int:
                async with sessionmaker() as session:
                    results = await files.closed_results(session, CAMPAIGN)
                members = archive_members(results)
                return len(members)

            async def paged() -> int:
                async with sessionmaker() as session:
                    subjects = await files.closed_subjects(session, CAMPAIGN)
                plan = archive_plan(subjects)
                del subjects
                count = 0
                async for _member in jobs._results(CAMPAIGN, plan):
                    count += 1
                return count

            await whole()  # warm: imports, the profile's caches, SQLAlchemy's compiled queries
            whole_mib, whole_count = await peak_mib(whole)
            paged_mib, paged_count = await peak_mib(paged)
        finally:
            await engine.dispose()
    assert whole_count == paged_count == people, (whole_count, paged_count)
    return {"people": people, "page": PAGE, "whole_mib": whole_mib, "paged_mib": paged_mib}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[300, 1000, 10_000])
    args = parser.parse_args(argv)
    figures = []
    for people in args.people:
        row = asyncio.run(measure(people))
        figures.append(row)
        print(
            f"{people:>6} people: results read whole {row['whole_mib']:7.1f} MiB, "
            f"a page at a time {row['paged_mib']:6.1f} MiB (pages of {row['page']})",
            flush=True,
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
