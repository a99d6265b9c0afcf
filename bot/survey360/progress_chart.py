"""The completion chart of HR's progress dashboard: submitted questionnaires per unit.

One horizontal bar per unit (the share submitted, on a 0-100 % track, labelled
"percent · submitted/total") and an overall bar on top. Drawn like the radar chart: the
matplotlib object API on a private Agg canvas (no pyplot, no global rcParams), DejaVu Sans
set on every text (it has the Kazakh letters), sized for a phone screen (1080 px wide),
and byte-for-byte deterministic.

The "All units" label and the axis label go through gettext: render inside
``bot.infra.i18n.in_locale``. Blocking: call from a worker thread in the bot.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.infra.translation import gettext as _

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties

__all__ = ["UnitProgress", "render_completion_chart"]

FONT_FAMILY = "DejaVu Sans"
DPI = 150
WIDTH_IN = 7.2  # 1080 px: Telegram shows it full width on a phone without scaling it down
ROW_IN = 0.62  # per bar
TOP_IN, BOTTOM_IN = 0.95, 0.62  # title; axis labels
LABEL_SHARE = 0.36  # of the width, for the unit names
LABEL_WRAP, LABEL_LINES = 24, 2

TITLE_SIZE, LABEL_SIZE, VALUE_SIZE, TICK_SIZE = 15.0, 11.5, 11.0, 10.0
TEXT, MUTED = "#1f2328", "#59636e"
TRACK, GRID = "#eceff3", "#d0d5dc"
UNIT_BAR, DONE_BAR, OVERALL_BAR = "#4c8fd6", "#2b8a3e", "#1c4f8a"
INSIDE_FROM = 0.72  # bars at least this full carry their label inside, in white


@dataclass(frozen=True, slots=True)
class UnitProgress:
    unit: str
    submitted: int
    total: int

    def __post_init__(self) -> None:
        if self.total < 0 or not 0 <= self.submitted <= self.total:
            raise ValueError(f"{self.unit!r}: submitted {self.submitted} of {self.total}")

    @property
    def share(self) -> float:
        """Completion in 0..1; a unit with nothing to fill counts as not started."""
        return self.submitted / self.total if self.total else 0.0


def render_completion_chart(units: Sequence[UnitProgress], title: str) -> bytes:
    """PNG bytes: the overall completion, then one bar per unit in the given order."""
    # matplotlib is imported by the first chart, not when the bot starts (docs/heavy-work.md).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    overall = UnitProgress(_("All units"), sum(u.submitted for u in units), sum(u.total for u in units))
    rows = [overall, *units]
    height_in = TOP_IN + BOTTOM_IN + ROW_IN * len(rows)
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(
        (LABEL_SHARE, BOTTOM_IN / height_in, 1 - LABEL_SHARE - 0.05, ROW_IN * len(rows) / height_in)
    )
    ax.set_xlim(0, 100)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the first row on top
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(axis="y", length=0, pad=8)
    ax.tick_params(axis="x", length=0, colors=MUTED)
    ticks = [0, 25, 50, 75, 100]
    ax.set_xticks(ticks, [f"{t}%" for t in ticks], fontproperties=_font(TICK_SIZE))
    ax.set_yticks(
        range(len(rows)),
        [_label(row.unit) for row in rows],
        fontproperties=_font(LABEL_SIZE),
    )
    ax.get_yticklabels()[0].set_fontproperties(_font(LABEL_SIZE, bold=True))
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_parse_math(False)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    if len(rows) > 1:
        ax.axhline(0.5, color=GRID, linewidth=1.2)

    for index, row in enumerate(rows):
        _draw_bar(ax, index, row, OVERALL_BAR if index == 0 else _unit_colour(row))

    ax.set_xlabel(_("Questionnaires submitted"), fontproperties=_font(TICK_SIZE), color=MUTED)
    fig.text(
        0.5,
        1 - 0.16 / height_in,
        "\n".join(textwrap.wrap(title, width=52)[:2]),
        ha="center",
        va="top",
        fontproperties=_font(TITLE_SIZE, bold=True),
        color=TEXT,
        parse_math=False,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _draw_bar(ax: Axes, index: int, row: UnitProgress, colour: str) -> None:
    bar_height = 0.62
    ax.barh(index, 100, height=bar_height, color=TRACK, zorder=1)
    percent = row.share * 100
    ax.barh(index, percent, height=bar_height, color=colour, zorder=2)
    # Floored: 249 of 250 is not "100%".
    text = f"{math.floor(percent)}% · {row.submitted}/{row.total}"
    inside = row.share >= INSIDE_FROM
    ax.text(
        percent - 1.5 if inside else percent + 1.5,
        index,
        text,
        ha="right" if inside else "left",
        va="center",
        color="white" if inside else TEXT,
        fontproperties=_font(VALUE_SIZE, bold=index == 0),
        zorder=3,
        parse_math=False,
    )


def _unit_colour(row: UnitProgress) -> str:
    return DONE_BAR if row.total and row.submitted == row.total else UNIT_BAR


def _label(unit: str) -> str:
    lines = textwrap.wrap(unit, width=LABEL_WRAP, max_lines=LABEL_LINES, placeholder=" …")
    return "\n".join(lines) or "—"


def _font(size: float, *, bold: bool = False) -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else "normal")
