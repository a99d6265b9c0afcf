"""The radar chart of a person's 360 result drawn straight into the PDF, as vector graphics.

The same chart as :mod:`bot.survey360.radar` (which still draws the PNG sent in the chat): the
competencies on spokes from the top, clockwise, numbered and wrapped labels growing away from
the web, polygonal scale rings with their numbers on the bisector of the first sector, the
colleagues' average filled and the self-assessment dashed with diamonds, and the legend below.
In the PDF it is lines, polygons and text of the form's own font: no picture to draw, compress
and embed, and sharp at any zoom.

The layout (:func:`layout_radar`) and the points (:class:`Web`) are plain geometry in the
page's millimetres, y downwards; only :func:`draw_radar` touches the PDF.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from fpdf import FPDF

from bot.survey360.radar_shape import (
    GRID_COLOUR,
    MUTED_TEXT_COLOUR,
    OUTER_GRID_COLOUR,
    SERIES_COLOURS,
    TEXT_COLOUR,
    RadarSeries,
    axis_angles,
    label_alignment,
    series_runs,
    validate_radar,
    wrap_label,
)

__all__ = ["RadarLayout", "Web", "draw_radar", "layout_radar", "legend_height"]

PT = 25.4 / 72  # millimetres per point

# Label type: the largest size first; smaller, half a point at a time, only while neighbouring
# labels would touch or the web would be smaller than MIN_RADIUS.
LABEL_SIZES = tuple(9.5 - 0.5 * step for step in range(6))  # 9.5 .. 7.0 pt
LABEL_LINE_SPACING = 1.15
LABEL_PAD = 2.6  # between the outer ring and a label
MIN_RADIUS, MAX_RADIUS = 22.0, 42.0
MARKER_R = 1.05  # a value's dot (its white edge included)
TICK_SIZE = 7.0  # the rings' numbers
LEGEND_SIZE = 8.5
LEGEND_GAP = 4.0  # between the web's block and the legend
LEGEND_KEY_W, LEGEND_KEY_GAP, LEGEND_ITEM_GAP = 8.0, 1.8, 8.0

GRID_W, OUTER_GRID_W = 0.24, 0.34
SERIES_W = 0.7
DASH, DASH_GAP = 3.4, 1.7  # the self-assessment's dashes
FILL_OPACITY = 0.22  # the colleagues' area (its legend key 0.25, as in the PNG)

Measure = Callable[[str, float], float]  # (text, size in pt) -> width in mm


@dataclass(frozen=True, slots=True)
class Web:
    """The web's centre and outer radius on the page, and the scale: where a value lies."""

    cx: float
    cy: float
    radius: float
    n: int
    scale_max: int

    def point(self, axis: int, value: float) -> tuple[float, float]:
        """The point of ``value`` on the spoke of competency ``axis`` (0 = the first, at the top)."""
        theta = 2 * math.pi * axis / self.n
        r = self.radius * value / self.scale_max
        return self.cx + r * math.sin(theta), self.cy - r * math.cos(theta)

    def ring(self, level: float) -> list[tuple[float, float]]:
        return [self.point(i, level) for i in range(self.n)]

    def outlines(self, values: Sequence[float | None]) -> list[list[tuple[float, float]]]:
        """A series' lines: one per run of consecutive competencies with a value (a gap stays a
        gap); a run around the whole web is closed (its first point repeated)."""
        return [[self.point(i, float(values[i] or 0.0)) for i in run] for run in series_runs(values)]

    def areas(self, values: Sequence[float | None]) -> list[list[tuple[float, float]]]:
        """The filled area of a series: a run that is not closed goes through the centre."""
        areas = []
        for run in series_runs(values):
            points = [self.point(i, float(values[i] or 0.0)) for i in run]
            if len(run) != self.n + 1:
                points = [(self.cx, self.cy), *points, (self.cx, self.cy)]
            areas.append(points)
        return areas


@dataclass(frozen=True, slots=True)
class Label:
    """A competency's wrapped label: its lines, their widths, and how it hangs off its anchor."""

    lines: tuple[str, ...]
    widths: tuple[float, ...]
    ha: str
    va: str
    size: float

    @property
    def line_h(self) -> float:
        return self.size * PT * LABEL_LINE_SPACING

    @property
    def width(self) -> float:
        return max(self.widths)

    @property
    def height(self) -> float:
        return self.line_h * len(self.lines)

    def box(self, radius: float, theta: float) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) around the web's centre for a web of ``radius``."""
        ax, ay = (radius + LABEL_PAD) * math.sin(theta), -(radius + LABEL_PAD) * math.cos(theta)
        x0 = ax if self.ha == "left" else ax - self.width if self.ha == "right" else ax - self.width / 2
        # "bottom": the label's bottom at the anchor, so it stands above it (y grows downwards).
        y0 = ay - self.height if self.va == "bottom" else ay if self.va == "top" else ay - self.height / 2
        return x0, y0, x0 + self.width, y0 + self.height


@dataclass(frozen=True, slots=True)
class RadarLayout:
    """Where everything goes, relative to the top left of the chart's block (legend included)."""

    radius: float
    cx: float  # the web's centre
    cy: float
    width: float  # the block
    height: float
    labels: tuple[Label, ...]
    legend_y: float  # the legend line's middle

    def web(self, left: float, top: float, scale_max: int) -> Web:
        return Web(left + self.cx, top + self.cy, self.radius, len(self.labels), scale_max)


def _extent(radius: float, labels: Sequence[Label]) -> tuple[float, float, float, float]:
    """The box of the web (its dots included) and its labels around the centre."""
    n = len(labels)
    boxes = [label.box(radius, theta) for label, theta in zip(labels, axis_angles(n), strict=True)]
    reach = radius + MARKER_R
    spokes = [(reach * math.sin(t), -reach * math.cos(t)) for t in axis_angles(n)]
    return (
        min(min(b[0] for b in boxes), min(x for x, _y in spokes)),
        min(min(b[1] for b in boxes), min(y for _x, y in spokes)),
        max(max(b[2] for b in boxes), max(x for x, _y in spokes)),
        max(max(b[3] for b in boxes), max(y for _x, y in spokes)),
    )


def _collide(radius: float, labels: Sequence[Label]) -> bool:
    boxes = [label.box(radius, theta) for label, theta in zip(labels, axis_angles(len(labels)), strict=True)]
    return any(
        a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
    )


def _largest_radius(labels: Sequence[Label], width: float, height: float) -> float:
    """The largest web (up to MAX_RADIUS) whose block of web and labels fits ``width`` x ``height``."""

    def fits(radius: float) -> bool:
        x0, y0, x1, y1 = _extent(radius, labels)
        return x1 - x0 <= width and y1 - y0 <= height

    if fits(MAX_RADIUS):
        return MAX_RADIUS
    low, high = 0.0, MAX_RADIUS
    for _ in range(24):  # to a thousandth of a millimetre
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def layout_radar(
    axis_labels: Sequence[str], measure: Measure, width: float, height: float, legend_h: float
) -> RadarLayout | None:
    """The chart's layout in a block at most ``width`` x ``height`` millimetres whose last
    ``legend_h`` is the legend's; None if the web would be smaller than MIN_RADIUS even with
    the smallest labels."""
    wrapped = [wrap_label(i + 1, label).split("\n") for i, label in enumerate(axis_labels)]
    aligned = [label_alignment(theta) for theta in axis_angles(len(axis_labels))]
    at_10 = {line: measure(line, 10.0) for lines in wrapped for line in lines}
    for size in LABEL_SIZES:
        labels = tuple(
            Label(tuple(lines), tuple(at_10[line] * size / 10 for line in lines), ha, va, size)
            for lines, (ha, va) in zip(wrapped, aligned, strict=True)
        )
        radius = _largest_radius(labels, width, height - LEGEND_GAP - legend_h)
        if radius >= MIN_RADIUS and not _collide(radius, labels):
            break
    if radius < MIN_RADIUS:
        return None
    x0, y0, x1, y1 = _extent(radius, labels)
    block_h = y1 - y0 + LEGEND_GAP + legend_h
    return RadarLayout(
        radius=radius,
        cx=-x0,
        cy=-y0,
        width=x1 - x0,
        height=block_h,
        labels=labels,
        legend_y=block_h - legend_h / 2,
    )


@lru_cache(maxsize=256)
def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def legend_height() -> float:
    return LEGEND_SIZE * PT * 1.3


def draw_radar(
    pdf: FPDF,
    layout: RadarLayout,
    left: float,
    top: float,
    series: Sequence[RadarSeries],
    *,
    font: str,
    scale_max: int = 5,
) -> Web:
    """Draw the chart of ``layout`` with its top left corner at (``left``, ``top``); return its web."""
    validate_radar([" ".join(label.lines) for label in layout.labels], series, scale_max, 150)
    web = layout.web(left, top, scale_max)
    with pdf.local_context(stroke_join_style="ROUND", stroke_cap_style="ROUND"):
        _draw_grid(pdf, web)
        for index, one in enumerate(series):
            _draw_series(pdf, web, one, index)
        _draw_levels(pdf, web, font)
        _draw_labels(pdf, web, layout.labels, font)
        _draw_legend(pdf, series, left + layout.width / 2, top + layout.legend_y, font)
    return web


def _draw_grid(pdf: FPDF, web: Web) -> None:
    pdf.set_draw_color(*_rgb(GRID_COLOUR))
    pdf.set_line_width(GRID_W)
    for axis in range(web.n):
        pdf.line(web.cx, web.cy, *web.point(axis, web.scale_max))
    for level in range(1, web.scale_max):
        pdf.polygon(web.ring(level), style="D")
    pdf.set_draw_color(*_rgb(OUTER_GRID_COLOUR))
    pdf.set_line_width(OUTER_GRID_W)
    pdf.polygon(web.ring(web.scale_max), style="D")


def _draw_series(pdf: FPDF, web: Web, one: RadarSeries, index: int) -> None:
    colour = _rgb(SERIES_COLOURS[index % len(SERIES_COLOURS)])
    if index == 0:
        with pdf.local_context(fill_opacity=FILL_OPACITY, fill_color=colour):
            for area in web.areas(one.values):
                pdf.polygon(area, style="F")
    with pdf.local_context(draw_color=colour, line_width=SERIES_W):
        if index == 1:
            pdf.set_dash_pattern(DASH, DASH_GAP)
        for line in web.outlines(one.values):
            if len(line) > 1:
                pdf.polyline(line)
    with pdf.local_context(fill_color=colour, draw_color=(255, 255, 255), line_width=0.26):
        for axis, value in enumerate(one.values):
            if value is not None:
                _marker(pdf, *web.point(axis, float(value)), diamond=index == 1)


def _marker(pdf: FPDF, x: float, y: float, *, diamond: bool) -> None:
    if diamond:
        r = MARKER_R * 1.15
        pdf.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], style="DF")
    else:
        pdf.circle(x, y, MARKER_R, style="DF")


def _draw_levels(pdf: FPDF, web: Web, font: str) -> None:
    """The rings' numbers on the bisector of the first sector, where no value ever lies, on a
    faint white patch so that the lines under them do not cross the digits."""
    pdf.set_font(font, "", TICK_SIZE)
    half = math.pi / web.n
    shrink = math.cos(half)  # where the bisector crosses a ring
    size = TICK_SIZE * PT
    for level in range(1, web.scale_max + 1):
        r = web.radius * level * shrink / web.scale_max
        x, y = web.cx + r * math.sin(half), web.cy - r * math.cos(half)
        text = str(level)
        w = pdf.get_string_width(text)
        with pdf.local_context(fill_opacity=0.7, fill_color=(255, 255, 255)):
            pdf.rect(x - w / 2 - 0.35, y - size * 0.55, w + 0.7, size * 1.1, style="F")
        pdf.set_text_color(*_rgb(MUTED_TEXT_COLOUR))
        pdf.text(x - w / 2, y + size * 0.36, text)


def _draw_labels(pdf: FPDF, web: Web, labels: Sequence[Label], font: str) -> None:
    pdf.set_text_color(*_rgb(TEXT_COLOUR))
    for label, theta in zip(labels, axis_angles(web.n), strict=True):
        pdf.set_font(font, "", label.size)
        x0, y0, x1, _y1 = label.box(web.radius, theta)
        for row, (line, w) in enumerate(zip(label.lines, label.widths, strict=True)):
            # Each line aligned as the label is: to the web's side, or centred.
            x = x0 if label.ha == "left" else x1 - w if label.ha == "right" else (x0 + x1 - w) / 2
            middle = web.cy + y0 + (row + 0.5) * label.line_h
            pdf.text(web.cx + x, middle + label.size * PT * 0.36, line)


def _draw_legend(pdf: FPDF, series: Sequence[RadarSeries], centre: float, middle: float, font: str) -> None:
    pdf.set_font(font, "", LEGEND_SIZE)
    widths = [pdf.get_string_width(s.label) for s in series]
    total = sum(LEGEND_KEY_W + LEGEND_KEY_GAP + w for w in widths) + LEGEND_ITEM_GAP * (len(series) - 1)
    x = centre - total / 2
    pdf.set_text_color(*_rgb(TEXT_COLOUR))
    for index, (one, w) in enumerate(zip(series, widths, strict=True)):
        colour = _rgb(SERIES_COLOURS[index % len(SERIES_COLOURS)])
        if index == 0:
            key_h = 2.6
            with pdf.local_context(fill_color=colour, fill_opacity=0.25):
                pdf.rect(x, middle - key_h / 2, LEGEND_KEY_W, key_h, style="F")
            with pdf.local_context(draw_color=colour, line_width=SERIES_W * 0.8):
                pdf.rect(x, middle - key_h / 2, LEGEND_KEY_W, key_h, style="D")
        else:
            with pdf.local_context(draw_color=colour, line_width=SERIES_W * 0.8):
                if index == 1:
                    pdf.set_dash_pattern(DASH * 0.55, DASH_GAP * 0.55)
                pdf.line(x, middle, x + LEGEND_KEY_W, middle)
            with pdf.local_context(fill_color=colour, draw_color=(255, 255, 255), line_width=0.26):
                _marker(pdf, x + LEGEND_KEY_W / 2, middle, diamond=index == 1)
        x += LEGEND_KEY_W + LEGEND_KEY_GAP
        pdf.text(x, middle + LEGEND_SIZE * PT * 0.36, one.label)
        x += w + LEGEND_ITEM_GAP
