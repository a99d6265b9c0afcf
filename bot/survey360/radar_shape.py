"""What the 360 radar chart shows and where its pieces go, without a drawing library: the
series, the axes' angles and labels, the colours, the checks. Shared by the PNG drawn with
matplotlib for the chat (bot/survey360/radar.py) and the vector chart in the result PDF
(bot/survey360/radar_pdf.py); the latter runs in worker processes, which so never import
matplotlib (docs/heavy-work.md)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from bot.infra.translation import gettext as _
from bot.survey360.results import SubjectResult

MIN_AXES = 3
MAX_AXES = 16

LABEL_WRAP_WIDTH = 18
LABEL_MAX_LINES = 4

SERIES_COLOURS: tuple[str, ...] = ("#1c5fa8", "#e8590c", "#2b8a3e", "#862e9c", "#c92a2a", "#5c677d")
GRID_COLOUR = "#c4c9d0"
OUTER_GRID_COLOUR = "#8a929c"
TEXT_COLOUR = "#1f2328"
MUTED_TEXT_COLOUR = "#59636e"


@dataclass(frozen=True, slots=True)
class RadarSeries:
    """One polygon on the chart.

    ``values`` has one entry per competency on the ``0..scale_max`` scale;
    ``None`` means "no data" and is drawn as a gap, never as a zero.
    """

    label: str
    values: Sequence[float | None]


def axis_angles(n: int) -> list[float]:
    """Theta of each axis in radians; the axes turn the first one up and go clockwise."""
    return [2 * math.pi * i / n for i in range(n)]


def wrap_label(number: int, label: str) -> str:
    # A no-break space keeps the number on the same line as the first word
    # (textwrap only splits on ASCII whitespace); it is turned back into a
    # plain space afterwards.
    text = f"{number}.\u00a0{' '.join(label.split())}"
    lines = textwrap.wrap(
        text,
        width=LABEL_WRAP_WIDTH,
        break_long_words=False,
        max_lines=LABEL_MAX_LINES,
        placeholder=" …",
    )
    return "\n".join(lines).replace("\u00a0", " ")


def label_alignment(theta: float) -> tuple[str, str]:
    """Horizontal and vertical alignment of the label at ``theta`` (0 = up, clockwise).

    matplotlib anchors a theta tick label just outside the circle on its spoke;
    aligning the label's near side to that anchor (left side on the right of the
    web, bottom side at the top, ...) makes every label grow away from the web.
    """
    x, y = math.sin(theta), math.cos(theta)  # screen direction of the spoke
    ha = "left" if x > 0.1 else "right" if x < -0.1 else "center"
    va = "bottom" if y > 0.1 else "top" if y < -0.1 else "center"
    return ha, va


def validate_radar(
    axis_labels: Sequence[str], series: Sequence[RadarSeries], scale_max: int, dpi: int
) -> None:
    n = len(axis_labels)
    if not MIN_AXES <= n <= MAX_AXES:
        raise ValueError(f"a radar chart needs {MIN_AXES}..{MAX_AXES} axes, got {n}")
    if isinstance(scale_max, bool) or not isinstance(scale_max, int) or scale_max < 1:
        raise ValueError(f"scale_max must be a positive integer, got {scale_max!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 30 <= dpi <= 600:
        raise ValueError(f"dpi must be an integer in 30..600, got {dpi!r}")
    if not series:
        raise ValueError("at least one series is required")
    for s in series:
        if len(s.values) != n:
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {n} axes")
        for i, v in enumerate(s.values):
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"series {s.label!r}, axis {i + 1}: value {v!r} is not a number")
            if not math.isfinite(v) or not 0 <= v <= scale_max:
                raise ValueError(f"series {s.label!r}, axis {i + 1}: value {v!r} is outside 0..{scale_max}")


def series_runs(values: Sequence[float | None]) -> list[list[int]]:
    """Maximal cyclic runs of consecutive axes that have data.

    A run covering every axis is returned once, closed (first index repeated).
    """
    n = len(values)
    present = [v is not None for v in values]
    if all(present):
        return [[*range(n), 0]]
    start = next(i for i in range(n) if not present[i])  # begin scanning right after a gap
    runs: list[list[int]] = []
    current: list[int] = []
    for k in range(1, n + 1):
        i = (start + k) % n
        if present[i]:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def has_self_assessment(item: SubjectResult) -> bool:
    """Whether the person submitted a self-assessment: without one there is nothing in brackets
    and no self-assessment line on the chart."""
    return any(c.self_score is not None for c in item.result.competencies)


def radar_series(item: SubjectResult) -> list[RadarSeries]:
    """The chart's polygons: colleagues' means, and the self-assessment only when there is one
    (an empty series would still put a "Self-assessment" entry in the legend)."""
    result = item.result
    series = [RadarSeries(_("Colleagues' average"), [_as_float(c.mean) for c in result.competencies])]
    if has_self_assessment(item):
        series.append(
            RadarSeries(_("Self-assessment"), [_as_float(c.self_score) for c in result.competencies])
        )
    return series


def _as_float(value: object) -> float | None:
    return None if value is None else float(str(value))
