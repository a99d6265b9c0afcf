"""How long one person's 360 result PDF (with its radar chart) takes to draw in a worker.

    python -m bench.report_render [--reports 40] [--repeat 5] [--profile]

A worker process of a round's ZIP (bot/reports/files.py, bot/infra/workers.py) draws one PDF
after another; this does the same in one process: ``K`` made-up people of the kz-2023 profile
(heads with 12 competencies and employees with 8, long Kazakh and Russian names, half in kk and
half in ru, one in six with too few colleagues so that the form is the short "withheld" one),
each drawn through the worker's own entry (``bot.infra.workers._in_locale``). The first report
of a fresh process is timed apart (it pays for loading the fonts and matplotlib), then the
round is drawn ``--repeat`` times and the median per report is printed (steady state).

Per stage, measured by wrapping the stages' functions while the round is drawn once more
(wrapping costs a little, so the stages add up to slightly more than the plain figure):

* ``chart``: the radar (``render_radar`` or ``render_radar_image``, whichever the PDF uses);
* ``fonts``: ``FPDF.add_font`` (reading the TrueType files);
* ``output``: ``FPDF.output`` (subsetting the fonts, compressing, writing the bytes);
* ``layout``: the rest (tables, text, the page).

Runs with any checkout on PYTHONPATH (e.g. ``PYTHONPATH=/work/main``), to compare two
versions; writes bench/results/report_render.json. Times are the process's CPU time
(``time.process_time``), not the wall clock: the machine's other work then weighs little, and a
worker process's CPU time is what a round's ZIP waits for.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fpdf import FPDF

import bot.survey360.result_pdf as result_pdf
from bot.infra.workers import _in_locale
from bot.kernel.methodology import Profile, load_profile
from bot.kernel.scoring import AnswerCount, result_from_answers
from bot.survey360.results import SubjectResult
from storage.dto import CampaignDTO, EmployeeDTO, SubjectDTO

RESULTS = Path(__file__).parent / "results" / "report_render.json"
CAMPAIGN = CampaignDTO(1, "360", 2025, date(2026, 1, 10), "closed", "kz-2023", "2023-03-31")
NAMES = (
    ("Әлібекова Гүлнұр Сәкенқызы", "Жоспарлау басқармасының бас сарапшысы", "Жоспарлау басқармасы"),
    ("Константинопольская Александра Владимировна", "Главный эксперт", "Правовое управление"),
    ("Құрманғазы Һ. Өтегенұлы", "Басқарма басшысы", "Стратегиялық жоспарлау департаменті"),
    ("Петров Игорь Сергеевич", "Заместитель руководителя управления", "Управление делами"),
)


def people(profile: Profile, count: int) -> list[tuple[str, SubjectResult]]:
    """``count`` (locale, result) pairs, every score different from the last person's."""
    made = []
    for no in range(1, count + 1):
        code = "heads" if no % 3 == 0 else "employees"
        questionnaire = profile.questionnaire(code)
        colleagues = 1 if no % 6 == 5 else 3 + no % 4  # one in six is withheld
        answers, own = [], {}
        for c, competency in enumerate(questionnaire.competencies):
            scores = [1 + (no * 7 + c * 3 + r) % 5 for r in range(colleagues)]
            for statement in competency.statements:
                answers += [AnswerCount(statement.no, s, n) for s, n in sorted(Counter(scores).items())]
                if no % 4:
                    own[statement.no] = 1 + (no + c) % 5
        result = result_from_answers(profile, questionnaire, answers, own, n_respondents=colleagues)
        name, position, unit = NAMES[no % len(NAMES)]
        employee = EmployeeDTO(
            no, f"P{no:05d}", f"{name} {no}", position, "employee", unit, None, None, "kk",
            date(2020, 1, 1), True, None, None,
        )  # fmt: skip
        subject = SubjectDTO(no, CAMPAIGN.id, employee, code, None)
        made.append(("kk" if no % 2 else "ru", SubjectResult(CAMPAIGN, subject, questionnaire, result)))
    return made


def draw(profile: Profile, locale: str, item: SubjectResult) -> bytes:
    """One report, as a worker process draws it."""
    return _in_locale(result_pdf.build_person_pdf, locale, "kk", (item, profile), {})


def draw_round(profile: Profile, round_: list[tuple[str, SubjectResult]]) -> float:
    """Seconds for the whole round."""
    started = time.process_time()
    for locale, item in round_:
        draw(profile, locale, item)
    return time.process_time() - started


@contextmanager
def stage_clock() -> Iterator[dict[str, float]]:
    """Time spent in each stage's functions (outermost call only), while the block runs."""
    spent: dict[str, float] = defaultdict(float)
    patched: list[tuple[Any, str, Any]] = []
    depth: dict[str, int] = defaultdict(int)

    def wrap(owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            depth[stage] += 1
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                depth[stage] -= 1
                if depth[stage] == 0:
                    spent[stage] += time.process_time() - started

        patched.append((owner, name, original))
        setattr(owner, name, timed)

    # The chart: as PNG bytes (before) or as a picture (after).
    for name in ("render_radar", "render_radar_image"):
        wrap(result_pdf, name, "chart")
    wrap(FPDF, "add_font", "fonts")
    wrap(FPDF, "output", "output")
    try:
        yield spent
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=40, help="people in the round (K)")
    parser.add_argument("--repeat", type=int, default=5, help="times the round is drawn (median)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)

    profile = load_profile("kz-2023")
    round_ = people(profile, args.reports)
    started = time.process_time()
    draw(profile, *round_[0])  # a fresh process: fonts, matplotlib's caches, the catalogue
    first_ms = (time.process_time() - started) * 1000

    runs = [draw_round(profile, round_) * 1000 / len(round_) for _ in range(args.repeat)]
    with stage_clock() as spent:
        total = draw_round(profile, round_)
    stages = {stage: spent.get(stage, 0.0) * 1000 / len(round_) for stage in ("chart", "fonts", "output")}
    stages["layout"] = total * 1000 / len(round_) - sum(stages.values())

    figures = {
        "reports": len(round_),
        "repeat": args.repeat,
        "first_report_ms": round(first_ms, 1),
        "ms_per_report_median": round(statistics.median(runs), 1),
        "ms_per_report_runs": [round(r, 1) for r in runs],
        "stages_ms_per_report": {k: round(v, 1) for k, v in stages.items()},
    }
    print(f"first report in a fresh process: {first_ms:.0f} ms")
    print(f"per report (median of {args.repeat} rounds of {len(round_)}): {statistics.median(runs):.1f} ms")
    print("  runs: " + ", ".join(f"{r:.1f}" for r in runs))
    print("  stages: " + ", ".join(f"{k} {v:.1f} ms" for k, v in stages.items()))
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        draw_round(profile, round_)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
