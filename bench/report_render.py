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
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
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
# "Now" in issue 20: main before the result PDFs were first made faster.
BASELINE = "41fafca"
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

    # The chart: as PNG bytes (main 41fafca), as a picture, or drawn into the page (now).
    for name in ("render_radar", "render_radar_image", "draw_radar"):
        wrap(result_pdf, name, "chart")
    wrap(FPDF, "add_font", "fonts")
    wrap(FPDF, "output", "output")
    try:
        yield spent
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def stage_times(profile: Profile, round_: list[tuple[str, SubjectResult]]) -> dict[str, float]:
    """ms per report in each stage, the round drawn once more with the stages' functions wrapped."""
    with stage_clock() as spent:
        total = draw_round(profile, round_)
    stages = {stage: spent.get(stage, 0.0) * 1000 / len(round_) for stage in ("chart", "fonts", "output")}
    stages["layout"] = total * 1000 / len(round_) - sum(stages.values())
    return {k: round(v, 1) for k, v in stages.items()}


def serve(reports: int) -> None:
    """A side of the A/B run: draw a round each time asked on stdin, answer in JSON on stdout."""
    profile = load_profile("kz-2023")
    round_ = people(profile, reports)
    started = time.process_time()
    draw(profile, *round_[0])
    print(json.dumps({"first_report_ms": (time.process_time() - started) * 1000}), flush=True)
    for command in sys.stdin:
        if command.strip() == "round":
            answer: dict[str, Any] = {"ms": draw_round(profile, round_) * 1000 / len(round_)}
        elif command.strip() == "stages":
            answer = {"stages": stage_times(profile, round_)}
        else:
            return
        print(json.dumps(answer), flush=True)


def exported(ref: str, folder: Path) -> Path:
    """The checkout of ``ref`` (from this repository) in ``folder``, its catalogues compiled."""
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(repo), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    compile_ = [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", "locales", "-D", "messages"]
    subprocess.run(compile_, cwd=folder, check=True, capture_output=True)
    return folder


class Side:
    """One version's worker process (this script with ``--serve``, that checkout first on the path)."""

    def __init__(self, name: str, tree: Path, reports: int) -> None:
        self.name = name
        env = {**os.environ, "PYTHONPATH": str(tree)}
        command = [sys.executable, str(Path(__file__).resolve()), "--serve", "--reports", str(reports)]
        self.process = subprocess.Popen(
            command, cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.first_report_ms = float(self._read()["first_report_ms"])

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} side stopped (exit {self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def compare(baseline: str, reports: int, repeat: int, out: Path) -> None:
    """Baseline and this checkout in two worker processes, round for round in turn (who goes first
    alternates), so that the machine's other work weighs on both alike."""
    with tempfile.TemporaryDirectory(prefix="bench-report-render-") as folder:
        sides = [
            Side("before", exported(baseline, Path(folder)), reports),
            Side("after", Path(__file__).resolve().parents[1], reports),
        ]
        try:
            runs: dict[str, list[float]] = {"before": [], "after": []}
            for turn in range(repeat):
                for side in sides if turn % 2 == 0 else sides[::-1]:
                    runs[side.name].append(float(side.ask("round")["ms"]))
            stages = {side.name: side.ask("stages")["stages"] for side in sides}
        finally:
            for side in sides:
                side.close()
    before, after = (statistics.median(runs[name]) for name in ("before", "after"))
    paired = statistics.median(b / a for b, a in zip(runs["before"], runs["after"], strict=True))
    figures = {
        "baseline": baseline,
        "reports": reports,
        "repeat": repeat,
        "ms_per_report_median": {"before": round(before, 1), "after": round(after, 1)},
        "ratio": round(before / after, 2),
        "ratio_paired_median": round(paired, 2),
        "ms_per_report_runs": {k: [round(r, 1) for r in v] for k, v in runs.items()},
        "stages_ms_per_report": stages,
        "first_report_ms": {side.name: round(side.first_report_ms, 1) for side in sides},
    }
    print(
        f"per report (median of {repeat} rounds of {reports}, in turn): before ({baseline}) {before:.1f} ms, "
    )
    print(f"  after {after:.1f} ms: {before / after:.2f} x (median of the rounds' ratios {paired:.2f} x)")
    for name in ("before", "after"):
        print(f"  {name}: runs " + ", ".join(f"{r:.1f}" for r in runs[name]))
        print(f"  {name}: stages " + ", ".join(f"{k} {v:.1f} ms" for k, v in stages[name].items()))
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=40, help="people in the round (K)")
    parser.add_argument("--repeat", type=int, default=5, help="times the round is drawn (median)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help=f"the git ref measured against, in turn in one run (default {BASELINE}); 'none': this code alone",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.reports)
        return
    if args.baseline != "none" and not args.profile:
        compare(args.baseline, args.reports, args.repeat, args.out)
        return

    profile = load_profile("kz-2023")
    round_ = people(profile, args.reports)
    started = time.process_time()
    draw(profile, *round_[0])  # a fresh process: fonts, matplotlib's caches, the catalogue
    first_ms = (time.process_time() - started) * 1000

    runs = [draw_round(profile, round_) * 1000 / len(round_) for _ in range(args.repeat)]
    stages = stage_times(profile, round_)
    figures = {
        "reports": len(round_),
        "repeat": args.repeat,
        "first_report_ms": round(first_ms, 1),
        "ms_per_report_median": round(statistics.median(runs), 1),
        "ms_per_report_runs": [round(r, 1) for r in runs],
        "stages_ms_per_report": stages,
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
