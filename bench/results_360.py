"""How long computing every 360 report of a large round takes, against the database's own
floor: one bare SQL aggregate over the same answers.

    python -m bench.results_360 [--people 10000] [--database sqlite|postgresql|both]

The database gets N evaluated people in a closed round (a head's questionnaire of 36
statements for one in ten, 24 for the rest), each with 5 colleagues' submitted questionnaires
and a self-assessment: N × 5 × ~25 answers (about 1.3 million for N = 10,000), stored as the
bot stores them: as counts per person, statement and score (``answer_tallies``), the
self-assessments (``self_answers``), and the sums per person and competency the bot keeps as
each questionnaire is submitted (``competency_sums``).

Measured, alternately, ``--repeat`` times each (the median is reported):

* ``bot``: ``bot.survey360.results.campaign_results`` for the whole round: every person's
  per-competency means without the self-assessment, self-assessment, overall mean, band,
  respondent count and withholding: the data every report and the workbook are built from;
* ``bare_sql``: ``SELECT subject_id, statement_no, SUM(score * count), SUM(count) FROM
  answer_tallies GROUP BY subject_id, statement_no``, every row fetched: the least an
  implementation that adds the answers up when the reports are asked for has to ask of the
  database.

The figure is ``bot / bare_sql`` (goal: at most 2). Writes bench/results/results_360.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.support import colleagues_of, fresh_database, insert_in_chunks, questionnaire_of, staff_rows
from bot.kernel.methodology import load_profile
from bot.kernel.scoring import AnswerCount, answer_totals, competency_totals
from bot.survey360.results import campaign_results
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import (
    AnswerTally,
    Assignment,
    Campaign,
    CampaignSubject,
    CompetencySum,
    Employee,
    SelfAnswer,
)

RESULTS = Path(__file__).parent / "results" / "results_360.json"
GOAL = 2.0
COLLEAGUES = 5


@dataclass(frozen=True)
class Figures:
    database: str
    people: int
    answers: int
    tally_rows: int
    bot_seconds: float
    bare_sql_seconds: float

    @property
    def ratio(self) -> float:
        return self.bot_seconds / self.bare_sql_seconds


async def fill_closed_round(engine: AsyncEngine, people: int, seed: int = 7) -> tuple[int, int]:
    """Returns (answers, tally rows)."""
    rng = random.Random(seed)
    profile = load_profile()
    questionnaires = profile.questionnaires
    staff = staff_rows(people)
    subjects: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    selves: list[dict[str, Any]] = []
    tallies: list[dict[str, Any]] = []
    sums: list[dict[str, Any]] = []
    answers = 0
    for person in staff:
        pk = person["id"]
        questionnaire = questionnaire_of(pk)
        subjects.append({"id": pk, "campaign_id": 1, "employee_id": pk, "questionnaire": questionnaire})
        colleagues = colleagues_of(pk, people, COLLEAGUES, rng)
        assignments.append({"subject_id": pk, "respondent_id": pk, "relation": "self", "submitted": True})
        for colleague in colleagues:
            assignments.append(
                {"subject_id": pk, "respondent_id": colleague, "relation": "peer", "submitted": True}
            )
        bias = rng.randint(2, 4)
        others: list[AnswerCount] = []
        own: dict[int, int] = {}
        for statement in range(1, len(questionnaires[questionnaire].statements) + 1):
            counts: dict[int, int] = {}
            for _ in colleagues:
                score = min(5, max(1, bias + rng.randint(-1, 1)))
                counts[score] = counts.get(score, 0) + 1
            answers += len(colleagues)
            others.extend(AnswerCount(statement, score, n) for score, n in counts.items())
            own[statement] = min(5, bias + 1)
        tallies.extend(
            {"subject_id": pk, "statement_no": c.statement_no, "score": c.score, "count": c.count}
            for c in others
        )
        selves.extend({"subject_id": pk, "statement_no": no, "score": score} for no, score in own.items())
        # The per-competency sums the bot keeps as each questionnaire is submitted.
        for self_assessed, totals in (
            (False, competency_totals(questionnaires[questionnaire], others)),
            (True, answer_totals(questionnaires[questionnaire], own)),
        ):
            sums.extend(
                {
                    "subject_id": pk,
                    "self_assessed": self_assessed,
                    "competency_no": no,
                    "points": total.points,
                    "answers": total.answers,
                }
                for no, total in totals.items()
            )
    campaign = {
        "id": 1,
        "kind": "360",
        "year": 2025,
        "deadline": date(2026, 1, 10),
        "status": "closed",
        "profile_code": profile.code,
        "profile_version": profile.version,
        "started_at": datetime(2025, 12, 1, tzinfo=UTC),
        "closed_at": datetime(2026, 1, 12, tzinfo=UTC),
    }
    async with engine.begin() as connection:
        await insert_in_chunks(
            connection,
            (
                (Campaign, [campaign]),
                (Employee, staff),
                (CampaignSubject, subjects),
                (Assignment, assignments),
                (SelfAnswer, selves),
                (AnswerTally, tallies),
                (CompetencySum, sums),
            ),
        )
    return answers, len(tallies)


async def _bot(engine: AsyncEngine) -> float:
    sessions = create_sessionmaker(engine)
    profile = load_profile()
    started = time.perf_counter()
    async with sessions() as session:
        results = await campaign_results(session, profile, 1)
    elapsed = time.perf_counter() - started
    assert results and all(r.result.overall is not None for r in results)
    return elapsed


async def _bare_sql(engine: AsyncEngine) -> float:
    query = select(
        AnswerTally.subject_id,
        AnswerTally.statement_no,
        func.sum(AnswerTally.score * AnswerTally.count),
        func.sum(AnswerTally.count),
    ).group_by(AnswerTally.subject_id, AnswerTally.statement_no)
    started = time.perf_counter()
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    elapsed = time.perf_counter() - started
    assert rows
    return elapsed


async def measure(database: str, people: int, repeat: int) -> Figures:
    async with fresh_database(database, "results") as url:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            answers, rows = await fill_closed_round(engine, people)
            if database == "postgresql":
                async with engine.connect() as connection:
                    await connection.exec_driver_sql("ANALYZE")
            await _bot(engine)  # warm both up: caches, the profile, the first connection
            await _bare_sql(engine)
            bot, bare = [], []
            for _ in range(repeat):
                bot.append(await _bot(engine))
                bare.append(await _bare_sql(engine))
        finally:
            await engine.dispose()
    return Figures(database, people, answers, rows, statistics.median(bot), statistics.median(bare))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    figures = [asyncio.run(measure(kind, args.people, args.repeat)) for kind in kinds]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps([{**asdict(f), "ratio": round(f.ratio, 2), "goal": GOAL} for f in figures], indent=2)
        + "\n",
        encoding="utf-8",
    )
    print(
        f"{'database':<11} {'people':>7} {'answers':>10} {'rows':>9} {'bot s':>7} {'bare s':>7} {'ratio':>6}"
    )
    for f in figures:
        print(
            f"{f.database:<11} {f.people:>7} {f.answers:>10} {f.tally_rows:>9} "
            f"{f.bot_seconds:>7.2f} {f.bare_sql_seconds:>7.2f} {f.ratio:>6.2f}"
        )
    return 0 if all(f.ratio <= GOAL for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
