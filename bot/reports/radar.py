"""Radar ("spider", "паутинка") chart of a person's 360 result.

The chart is rendered with matplotlib's object API on a private Agg canvas
(``Figure`` + ``FigureCanvasAgg``), never through ``pyplot``: the bot is a
long-running asyncio process and calls :func:`render_radar` via
``asyncio.to_thread``, so the renderer must not touch pyplot's global figure
registry or the global ``rcParams``. Every text artist gets its font set
explicitly instead.

Layout is computed, not guessed: the wrapped competency labels are measured
with the figure's own renderer, and the largest web radius (and, if needed, a
smaller font size) is chosen so that no label overlaps another label, the web,
the title or the legend, and nothing falls outside the image.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

__all__ = ["MAX_AXES", "MIN_AXES", "RadarSeries", "render_radar"]

MIN_AXES = 3
MAX_AXES = 16

# DejaVu Sans is bundled with matplotlib and covers Cyrillic, including the
# Kazakh letters ә ғ қ ң ө ұ ү һ і.
FONT_FAMILY = "DejaVu Sans"

# Figure size in inches: 1200 x 1300 px at the default dpi of 150.
FIG_WIDTH_IN = 8.0
FIG_HEIGHT_IN = 26.0 / 3.0

LABEL_WRAP_WIDTH = 18
LABEL_MAX_LINES = 4
LABEL_LINE_SPACING = 1.15
# Label font sizes tried, largest first, until the labels fit without overlapping.
LABEL_FONT_SIZES: tuple[float, ...] = tuple(size / 2 for size in range(28, 15, -1))  # 14.0, 13.5, ..., 8.0
TITLE_FONT_SIZE = 17.0
SUBTITLE_FONT_SIZE = 13.5
LEGEND_FONT_SIZE = 13.0
TICK_FONT_SIZE = 10.5

# Distances in inches (converted to pixels with the figure's dpi).
MARGIN_IN = 0.22
LABEL_GAP_IN = 0.14  # between the outer web polygon and a label's anchor point
LABEL_PAD_IN = 0.05  # minimal clearance between two labels, or a label and the web
BLOCK_GAP_IN = 0.22  # between title / chart / legend
MIN_RADIUS_IN = 1.0
AXES_OVERSHOOT = 1.08  # the axes box is slightly larger than the web so markers are not clipped

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


@dataclass(frozen=True, slots=True)
class _Box:
    """Axis-aligned box in pixels, relative to the centre of the web."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: _Box, pad: float) -> bool:
        return not (
            self.x1 + pad <= other.x0
            or other.x1 + pad <= self.x0
            or self.y1 + pad <= other.y0
            or other.y1 + pad <= self.y0
        )

    def distance_to_origin(self) -> float:
        dx = max(self.x0, 0.0, -self.x1)
        dy = max(self.y0, 0.0, -self.y1)
        return math.hypot(dx, dy)


@dataclass(frozen=True, slots=True)
class _Layout:
    label_font_size: float
    radius_px: float
    centre_x_px: float
    label_centres_px: tuple[tuple[float, float], ...]  # relative to the web centre
    extent: _Box  # web + labels, relative to the web centre


def _font(size: float, *, bold: bool = False) -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else "normal")


def _axis_angles(n: int) -> list[float]:
    """Angles in radians: the first axis points up, the rest go clockwise."""
    return [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]


def _wrap_label(number: int, label: str) -> str:
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


def _label_shift(angle: float) -> tuple[float, float]:
    """How far (in half-widths / half-heights) a label box sits from its anchor.

    A label on the right of the web is left-aligned to its anchor, one at the
    top is bottom-aligned, and so on; near the diagonals it is pushed fully
    outwards in both directions so the box never cuts into the web.
    """

    def clip(v: float) -> float:
        return max(-1.0, min(1.0, v))

    return clip(math.cos(angle) / 0.45), clip(math.sin(angle) / 0.45)


def _multialignment(shift_x: float) -> str:
    if shift_x > 0.35:
        return "left"
    if shift_x < -0.35:
        return "right"
    return "center"


def _validate(axis_labels: Sequence[str], series: Sequence[RadarSeries], scale_max: int, dpi: int) -> None:
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


def _measure(
    fig: Figure, renderer: RendererAgg, text: str, font: FontProperties, multialignment: str
) -> tuple[float, float]:
    """Width and height in pixels of ``text`` as the Agg renderer will draw it."""
    artist = fig.text(
        0,
        0,
        text,
        fontproperties=font,
        multialignment=multialignment,
        linespacing=LABEL_LINE_SPACING,
        parse_math=False,
    )
    bbox = artist.get_window_extent(renderer=renderer)
    artist.remove()
    return float(bbox.width), float(bbox.height)


def _compute_layout(
    fig: Figure,
    renderer: RendererAgg,
    wrapped: Sequence[str],
    region: tuple[float, float, float, float],
) -> _Layout:
    """Choose the label font size and the web radius.

    ``region`` is (left, bottom, right, top) in pixels: the space between the
    title and the legend available for the web and its labels.
    """
    dpi = fig.dpi
    left, bottom, right, top = region
    avail_w, avail_h = right - left, top - bottom
    gap, pad = LABEL_GAP_IN * dpi, LABEL_PAD_IN * dpi
    angles = _axis_angles(len(wrapped))
    shifts = [_label_shift(a) for a in angles]
    r_min = MIN_RADIUS_IN * dpi
    step = max(1.0, dpi / 100)

    def boxes_for(sizes: Sequence[tuple[float, float]], radius: float) -> list[_Box]:
        out = []
        for angle, (sx, sy), (w, h) in zip(angles, shifts, sizes, strict=True):
            ax_ = (radius + gap) * math.cos(angle)
            ay_ = (radius + gap) * math.sin(angle)
            cx, cy = ax_ + sx * w / 2, ay_ + sy * h / 2
            out.append(_Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        return out

    def extent(boxes: Sequence[_Box], radius: float) -> _Box:
        reach = radius * AXES_OVERSHOOT
        return _Box(
            min([-reach, *(b.x0 for b in boxes)]),
            min([-reach, *(b.y0 for b in boxes)]),
            max([reach, *(b.x1 for b in boxes)]),
            max([reach, *(b.y1 for b in boxes)]),
        )

    def clean(boxes: Sequence[_Box], radius: float) -> bool:
        if any(b.distance_to_origin() < radius + pad for b in boxes):
            return False
        return not any(
            boxes[i].overlaps(boxes[j], pad) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
        )

    fallback: _Layout | None = None
    for font_size in LABEL_FONT_SIZES:
        font = _font(font_size)
        sizes = [
            _measure(fig, renderer, text, font, _multialignment(sx))
            for text, (sx, _) in zip(wrapped, shifts, strict=True)
        ]
        radius = min(avail_w, avail_h) / 2
        while radius > r_min:
            ext = extent(boxes_for(sizes, radius), radius)
            if ext.x1 - ext.x0 <= avail_w and ext.y1 - ext.y0 <= avail_h:
                break
            radius -= step
        radius = max(radius, r_min)
        boxes = boxes_for(sizes, radius)
        ext = extent(boxes, radius)
        # Centre the whole drawing (web + labels) horizontally; the vertical
        # position is decided by the caller, together with the legend.
        centre_x = (left + right) / 2 - (ext.x0 + ext.x1) / 2
        layout = _Layout(
            label_font_size=font_size,
            radius_px=radius,
            centre_x_px=centre_x,
            label_centres_px=tuple(((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2) for b in boxes),
            extent=ext,
        )
        if clean(boxes, radius) and radius > r_min:
            return layout
        fallback = layout
    assert fallback is not None
    return fallback


def _draw_title(fig: Figure, renderer: RendererAgg, title: str, width_px: float, height_px: float) -> float:
    """Draw the title block at the top; return its bottom edge in pixels."""
    lines = [line.strip() for line in title.strip().splitlines() if line.strip()] or [""]
    margin = MARGIN_IN * fig.dpi
    wrap = max(20, int(width_px / (TITLE_FONT_SIZE * fig.dpi / 72 * 0.62)))
    head = "\n".join(textwrap.wrap(lines[0], width=wrap, break_long_words=True)) or " "
    y = height_px - margin
    head_text = fig.text(
        0.5,
        y / height_px,
        head,
        fontproperties=_font(TITLE_FONT_SIZE, bold=True),
        color=TEXT_COLOUR,
        ha="center",
        va="top",
        multialignment="center",
        parse_math=False,
    )
    y = float(head_text.get_window_extent(renderer=renderer).y0)
    if len(lines) > 1:
        sub_wrap = max(24, int(width_px / (SUBTITLE_FONT_SIZE * fig.dpi / 72 * 0.6)))
        sub = "\n".join(textwrap.fill(line, width=sub_wrap) for line in lines[1:])
        y -= 0.06 * fig.dpi
        sub_text = fig.text(
            0.5,
            y / height_px,
            sub,
            fontproperties=_font(SUBTITLE_FONT_SIZE),
            color=MUTED_TEXT_COLOUR,
            ha="center",
            va="top",
            multialignment="center",
            parse_math=False,
        )
        y = float(sub_text.get_window_extent(renderer=renderer).y0)
    return y


def _draw_legend(
    fig: Figure,
    renderer: RendererAgg,
    series: Sequence[RadarSeries],
    colours: Sequence[str],
    width_px: float,
    height_px: float,
) -> tuple[Legend, float]:
    """Draw the legend at the bottom margin; return it and its height in pixels."""
    handles: list[Patch | Line2D] = []
    for idx, colour in enumerate(colours):
        if idx == 0:
            handles.append(Patch(facecolor=(*_rgb(colour), 0.25), edgecolor=colour, linewidth=2.5))
        else:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=colour,
                    linewidth=2.5,
                    linestyle=(0, (5, 2.5)) if idx == 1 else "-",
                    marker="D" if idx == 1 else "o",
                    markersize=6,
                )
            )
    labels = [s.label for s in series]
    margin = MARGIN_IN * fig.dpi

    def make(ncols: int) -> Legend:
        legend = fig.legend(
            handles,
            labels,
            loc="lower center",
            bbox_to_anchor=(0.5, margin / height_px),
            ncols=ncols,
            frameon=False,
            prop=_font(LEGEND_FONT_SIZE),
            labelcolor=TEXT_COLOUR,
            handlelength=2.6,
            columnspacing=2.2,
            borderaxespad=0.0,
            borderpad=0.2,
        )
        for text in legend.get_texts():
            text.set_parse_math(False)  # a "$" in a name must not switch to mathtext
        return legend

    legend = make(len(handles))
    if legend.get_window_extent(renderer=renderer).width > width_px - 2 * margin and len(handles) > 1:
        legend.remove()
        legend = make(1)
    return legend, float(legend.get_window_extent(renderer=renderer).height)


def _rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _runs(values: Sequence[float | None]) -> list[list[int]]:
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


def _draw_web(ax: Axes, n: int, scale_max: int) -> None:
    angles = _axis_angles(n)
    cos = [math.cos(a) for a in angles]
    sin = [math.sin(a) for a in angles]
    for level in range(1, scale_max + 1):
        outer = level == scale_max
        ax.plot(
            [level * c for c in [*cos, cos[0]]],
            [level * s for s in [*sin, sin[0]]],
            color=OUTER_GRID_COLOUR if outer else GRID_COLOUR,
            linewidth=1.3 if outer else 0.9,
            zorder=1,
        )
    for c, s in zip(cos, sin, strict=True):
        ax.plot([0, scale_max * c], [0, scale_max * s], color=GRID_COLOUR, linewidth=0.9, zorder=1)
    # Level labels on the grid polygons along the bisector of the first sector:
    # no data point ever sits there (points lie on the spokes), so the labels
    # can be drawn above the polygons and stay readable.
    mid = math.pi / 2 - math.pi / n
    shrink = math.cos(math.pi / n)
    for level in range(1, scale_max + 1):
        ax.text(
            level * shrink * math.cos(mid),
            level * shrink * math.sin(mid),
            str(level),
            fontproperties=_font(TICK_FONT_SIZE),
            color=MUTED_TEXT_COLOUR,
            ha="center",
            va="center",
            zorder=20,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
        )


def _draw_series(ax: Axes, s: RadarSeries, index: int, colour: str) -> None:
    n = len(s.values)
    angles = _axis_angles(n)

    def xy(i: int) -> tuple[float, float]:
        v = s.values[i]
        assert v is not None
        return v * math.cos(angles[i]), v * math.sin(angles[i])

    filled = index == 0
    linestyle: str | tuple[int, tuple[float, float]] = "-" if index != 1 else (0, (5, 2.5))
    zorder = 4 if filled else 5 + index
    for run in _runs(s.values):
        pts = [xy(i) for i in run]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if filled:
            closed = len(run) == n + 1
            poly_x = xs if closed else [0.0, *xs, 0.0]
            poly_y = ys if closed else [0.0, *ys, 0.0]
            ax.fill(poly_x, poly_y, facecolor=colour, alpha=0.22, edgecolor="none", zorder=3)
        if len(pts) > 1:
            ax.plot(
                xs,
                ys,
                color=colour,
                linewidth=2.6,
                linestyle=linestyle,
                zorder=zorder,
                solid_joinstyle="round",
            )
    present = [i for i in range(n) if s.values[i] is not None]
    if present:
        ax.plot(
            [xy(i)[0] for i in present],
            [xy(i)[1] for i in present],
            linestyle="none",
            marker="o" if index != 1 else "D",
            markersize=6.5 if index != 1 else 6,
            markerfacecolor=colour,
            markeredgecolor="white",
            markeredgewidth=1.0,
            zorder=zorder + 0.5,
        )


def build_radar_figure(
    axis_labels: Sequence[str],
    series: Sequence[RadarSeries],
    title: str,
    *,
    scale_max: int = 5,
    dpi: int = 150,
) -> Figure:
    """Build (but do not render) the radar figure; see :func:`render_radar`."""
    _validate(axis_labels, series, scale_max, dpi)
    n = len(axis_labels)

    fig = Figure(figsize=(FIG_WIDTH_IN, FIG_HEIGHT_IN), dpi=dpi, facecolor="white")
    # The figure's private canvas; measuring text with its renderer gives the
    # exact extents the final PNG will have.
    renderer: RendererAgg = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    width_px, height_px = FIG_WIDTH_IN * dpi, FIG_HEIGHT_IN * dpi
    margin, block_gap = MARGIN_IN * dpi, BLOCK_GAP_IN * dpi

    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
    title_bottom = _draw_title(fig, renderer, title, width_px - 2 * margin, height_px)
    legend, legend_h = _draw_legend(fig, renderer, series, colours, width_px, height_px)

    wrapped = [_wrap_label(i + 1, label) for i, label in enumerate(axis_labels)]
    region = (margin, margin + legend_h + block_gap, width_px - margin, title_bottom - block_gap)
    layout = _compute_layout(fig, renderer, wrapped, region)

    # The chart is usually limited by the width; centre the block "web + labels
    # + legend" vertically below the title instead of leaving all the spare
    # height between the chart and a legend pinned to the bottom edge.
    drawing_h = layout.extent.y1 - layout.extent.y0
    spare = max(0.0, (title_bottom - block_gap - margin) - (drawing_h + block_gap + legend_h))
    legend_bottom = margin + spare / 2
    legend.set_bbox_to_anchor((0.5, legend_bottom / height_px), transform=fig.transFigure)
    centre_x = layout.centre_x_px
    centre_y = legend_bottom + legend_h + block_gap - layout.extent.y0

    # Axes whose data units map onto the web: the web radius is scale_max.
    half = layout.radius_px * AXES_OVERSHOOT
    ax = fig.add_axes(
        (
            (centre_x - half) / width_px,
            (centre_y - half) / height_px,
            2 * half / width_px,
            2 * half / height_px,
        )
    )
    lim = scale_max * AXES_OVERSHOOT
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()

    _draw_web(ax, n, scale_max)
    for idx, s in enumerate(series):
        _draw_series(ax, s, idx, colours[idx])

    label_font = _font(layout.label_font_size)
    for text, angle, (cx, cy) in zip(wrapped, _axis_angles(n), layout.label_centres_px, strict=True):
        fig.text(
            (centre_x + cx) / width_px,
            (centre_y + cy) / height_px,
            text,
            fontproperties=label_font,
            color=TEXT_COLOUR,
            ha="center",
            va="center",
            multialignment=_multialignment(_label_shift(angle)[0]),
            linespacing=LABEL_LINE_SPACING,
            parse_math=False,
            gid="radar-axis-label",
        )
    return fig


def axis_label_artists(fig: Figure) -> list[Text]:
    """The competency label artists of a figure built by :func:`build_radar_figure`."""
    return [t for t in fig.texts if t.get_gid() == "radar-axis-label"]


def render_radar(
    axis_labels: Sequence[str],
    series: Sequence[RadarSeries],
    title: str,
    *,
    scale_max: int = 5,
    dpi: int = 150,
) -> bytes:
    """Render a radar chart as PNG bytes (about 1200 x 1300 px at dpi 150).

    ``axis_labels`` are the competency names (3..16), drawn numbered and
    wrapped around the web. The first series is filled (colleagues' average),
    the second is dashed (self-assessment). Values must lie in
    ``0..scale_max``; ``None`` leaves a gap. Raises :class:`ValueError` on
    invalid input. Output is byte-for-byte deterministic and uses no global
    matplotlib state, so it is safe to call from worker threads.
    """
    fig = build_radar_figure(axis_labels, series, title, scale_max=scale_max, dpi=dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()
