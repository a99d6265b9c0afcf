"""Radar ("spider", "паутинка") chart of a person's 360 result.

The chart is matplotlib's polar axes: the competencies are the theta grid (their names are
the axes' own tick labels, wrapped and aligned away from the web by their angle), the scores
the radius. The labels are measured to make the web as large as the space between the title
and the legend allows (``Figure.tight_layout`` fits the subplot box, not the square the polar
axes shrink to, and leaves the side labels at the image's edge).

It is rendered with matplotlib's object API on a private Agg canvas, never through
``pyplot``: the bot calls :func:`render_radar` in threads, so the renderer must not touch
pyplot's global figure registry or the global ``rcParams``; every text gets its font set.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.projections.polar import PolarAxes
from matplotlib.text import Text
from matplotlib.transforms import Bbox, BboxBase
from PIL import Image

from bot.survey360.radar_shape import (
    GRID_COLOUR,
    MAX_AXES,
    MIN_AXES,
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

__all__ = ["MAX_AXES", "MIN_AXES", "RadarSeries", "render_radar", "render_radar_image"]

# DejaVu Sans is bundled with matplotlib and covers Cyrillic, including the
# Kazakh letters ә ғ қ ң ө ұ ү һ і.
FONT_FAMILY = "DejaVu Sans"

# Figure size in inches: 1200 x 1300 px at the default dpi of 150.
FIG_WIDTH_IN = 8.0
FIG_HEIGHT_IN = 26.0 / 3.0

LABEL_LINE_SPACING = 1.15
# The competency labels start at this size; only if two neighbours would touch
# (many axes with long names) is it lowered, a point at a time, down to the minimum.
LABEL_FONT_SIZE = 14.0
MIN_LABEL_FONT_SIZE = 8.0
FIT_ROUNDS = 12  # the web's size settles to a pixel in 3 to 6 (see _fit)
MIN_WEB_IN = 2.5  # nor is the web made smaller than this (in diameter) to keep the labels large
LABEL_PAD_PT = 4.0  # between the outer circle and a label (matplotlib adds 7 pt of its own)
TITLE_FONT_SIZE = 17.0
SUBTITLE_FONT_SIZE = 13.5
LEGEND_FONT_SIZE = 13.0
TICK_FONT_SIZE = 10.5

# Distances in inches.
MARGIN_IN = 0.22
BLOCK_GAP_IN = 0.22  # between title / chart / legend

PNG_COMPRESS_LEVEL = 3
KEPT_CHARTS = 8  # built charts kept per thread (see _chart_for)


def _font(size: float, *, bold: bool = False) -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else "normal")


def _title_parts(fig: Figure, title: str) -> tuple[str, str | None]:
    """The bold head line and the muted subtitle (if any), wrapped to the figure's width."""
    lines = [line.strip() for line in title.strip().splitlines() if line.strip()] or [""]
    width_px = fig.bbox.width - 2 * MARGIN_IN * fig.dpi
    wrap = max(20, int(width_px / (TITLE_FONT_SIZE * fig.dpi / 72 * 0.62)))
    head = "\n".join(textwrap.wrap(lines[0], width=wrap, break_long_words=True)) or " "
    if len(lines) == 1:
        return head, None
    sub_wrap = max(24, int(width_px / (SUBTITLE_FONT_SIZE * fig.dpi / 72 * 0.6)))
    return head, "\n".join(textwrap.fill(line, width=sub_wrap) for line in lines[1:])


def _draw_title(fig: Figure, renderer: RendererAgg, head: str, sub: str | None) -> tuple[list[Text], float]:
    """Draw the title block at the top; return its texts and its bottom edge as a figure fraction."""
    common: dict[str, Any] = {
        "color": TEXT_COLOUR,
        "ha": "center",
        "va": "top",
        "multialignment": "center",
        "parse_math": False,
    }
    texts = [
        fig.text(
            0.5, 1 - MARGIN_IN / FIG_HEIGHT_IN, "", fontproperties=_font(TITLE_FONT_SIZE, bold=True), **common
        )
    ]
    if sub is not None:
        texts.append(fig.text(0.5, 0.0, "", fontproperties=_font(SUBTITLE_FONT_SIZE), **common))
        texts[1].set_color(MUTED_TEXT_COLOUR)
    return texts, _retitle(fig, renderer, texts, head, sub)


def _retitle(fig: Figure, renderer: RendererAgg, texts: Sequence[Text], head: str, sub: str | None) -> float:
    """Put a title into the title texts; return the block's bottom edge as a figure fraction."""
    to_fig = fig.transFigure.inverted()
    texts[0].set_text(head)
    bottom = texts[0].get_window_extent(renderer).transformed(to_fig).y0
    if sub is not None:
        texts[1].set_text(sub)
        texts[1].set_y(bottom - 0.06 / FIG_HEIGHT_IN)
        bottom = texts[1].get_window_extent(renderer).transformed(to_fig).y0
    return float(bottom)


def _draw_legend(
    fig: Figure, renderer: RendererAgg, series: Sequence[RadarSeries], colours: Sequence[str]
) -> Legend:
    """Draw the legend at the bottom margin."""
    handles: list[Patch | Line2D] = []
    for idx, colour in enumerate(colours):
        if idx == 0:
            handles.append(Patch(facecolor=to_rgba(colour, 0.25), edgecolor=colour, linewidth=2.5))
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

    def make(ncols: int) -> Legend:
        legend = fig.legend(
            handles,
            [s.label for s in series],
            loc="lower center",
            bbox_to_anchor=(0.5, MARGIN_IN / FIG_HEIGHT_IN),
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
    if (
        legend.get_window_extent(renderer).width > fig.bbox.width * (1 - 2 * MARGIN_IN / FIG_WIDTH_IN)
        and len(handles) > 1
    ):
        legend.remove()
        legend = make(1)
    return legend


def _draw_web(ax: PolarAxes, n: int, scale_max: int) -> list[Text]:
    """Polygonal rings instead of the polar axes' circles (the spokes are its theta grid).

    Lines between two data points on polar axes are straight, so a ring is a plain plot.
    """
    angles = axis_angles(n)
    ring = [*angles, angles[0]]
    for level in range(1, scale_max + 1):
        outer = level == scale_max
        ax.plot(
            ring,
            [level] * len(ring),
            color=OUTER_GRID_COLOUR if outer else GRID_COLOUR,
            linewidth=1.3 if outer else 0.9,
            zorder=1,
            clip_on=False,
        )
    # Level labels on the rings along the bisector of the first sector: no data
    # point ever sits there (points lie on the spokes), so the labels can be
    # drawn above the rings and stay readable.
    shrink = math.cos(math.pi / n)  # where the bisector crosses a ring
    return [
        ax.text(
            math.pi / n,
            level * shrink,
            str(level),
            fontproperties=_font(TICK_FONT_SIZE),
            color=MUTED_TEXT_COLOUR,
            ha="center",
            va="center",
            zorder=20,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
        )
        for level in range(1, scale_max + 1)
    ]


def _draw_series(ax: PolarAxes, s: RadarSeries, index: int, colour: str) -> list[Artist]:
    """Draw one series; return its artists (a reused chart removes them for the next person)."""
    drawn: list[Artist] = []
    n = len(s.values)
    angles = axis_angles(n)
    filled = index == 0
    linestyle: str | tuple[int, tuple[float, float]] = "-" if index != 1 else (0, (5, 2.5))
    zorder = 4 if filled else 5 + index
    for run in series_runs(s.values):
        thetas = [angles[i] for i in run]
        radii = [float(s.values[i] or 0.0) for i in run]
        if filled:
            closed = len(run) == n + 1
            # A partial run is closed through the centre, so a gap stays a gap.
            poly_t = thetas if closed else [thetas[0], *thetas, thetas[-1]]
            poly_r = radii if closed else [0.0, *radii, 0.0]
            drawn += ax.fill(poly_t, poly_r, facecolor=colour, alpha=0.22, edgecolor="none", zorder=3)
        if len(run) > 1:
            drawn += ax.plot(
                thetas,
                radii,
                color=colour,
                linewidth=2.6,
                linestyle=linestyle,
                zorder=zorder,
                solid_joinstyle="round",
                clip_on=False,
            )
    present = [i for i in range(n) if s.values[i] is not None]
    if present:
        drawn += ax.plot(
            [angles[i] for i in present],
            [float(s.values[i] or 0.0) for i in present],
            linestyle="none",
            marker="o" if index != 1 else "D",
            markersize=6.5 if index != 1 else 6,
            markerfacecolor=colour,
            markeredgecolor="white",
            markeredgewidth=1.0,
            zorder=zorder + 0.5,
            clip_on=False,  # a point on the outer ring is drawn whole
        )
    return drawn


def _labels_collide(labels: Sequence[Text], renderer: RendererAgg, figure_box: BboxBase) -> bool:
    """Whether any two competency labels touch (or one leaves the figure)."""
    boxes = [t.get_window_extent(renderer) for t in labels]
    if any(not figure_box.contains(b.x0, b.y0) or not figure_box.contains(b.x1, b.y1) for b in boxes):
        return True
    return any(box.count_overlaps(boxes[i + 1 :]) for i, box in enumerate(boxes))


@dataclass(slots=True)
class _Chart:
    """A built chart, kept per thread so the next person's chart reuses it (see render_radar)."""

    key: tuple[object, ...]
    fig: Figure
    ax: PolarAxes
    titles: list[Text]
    title_bottom: float
    series_artists: list[Artist]
    level_labels: list[Text]
    # What render_radar_image draws the values over, and the title it was drawn with.
    background: Any = None
    background_title: str | None = None


def _key(
    axis_labels: Sequence[str], series: Sequence[RadarSeries], title: str, scale_max: int, dpi: int
) -> tuple[object, ...]:
    """What the chart's frame (everything but the title's words and the values) depends on."""
    has_subtitle = len([line for line in title.strip().splitlines() if line.strip()]) > 1
    return (tuple(axis_labels), tuple(s.label for s in series), has_subtitle, scale_max, dpi)


def _build(
    axis_labels: Sequence[str], series: Sequence[RadarSeries], title: str, scale_max: int, dpi: int
) -> _Chart:
    n = len(axis_labels)
    fig = Figure(figsize=(FIG_WIDTH_IN, FIG_HEIGHT_IN), dpi=dpi, facecolor="white")
    # The figure's private canvas: its renderer measures text exactly as the PNG will have it.
    renderer: RendererAgg = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]

    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
    titles, title_bottom = _draw_title(fig, renderer, *_title_parts(fig, title))
    legend = _draw_legend(fig, renderer, series, colours)
    ax = fig.add_subplot(projection="polar")
    assert isinstance(ax, PolarAxes)
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.set_ylim(0, scale_max)
    ax.set_yticks([])  # the level numbers sit on the polygonal rings instead (see _draw_web)
    ax.spines["polar"].set_visible(False)
    ax.xaxis.grid(True, color=GRID_COLOUR, linewidth=0.9)
    ax.tick_params(axis="x", pad=LABEL_PAD_PT)
    _, labels = ax.set_thetagrids(
        [math.degrees(a) for a in axis_angles(n)],
        [wrap_label(i + 1, label) for i, label in enumerate(axis_labels)],
        color=TEXT_COLOUR,
        linespacing=LABEL_LINE_SPACING,
        parse_math=False,
        gid="radar-axis-label",
    )
    for label, theta in zip(labels, axis_angles(n), strict=True):
        ha, va = label_alignment(theta)
        label.set(horizontalalignment=ha, verticalalignment=va, multialignment=ha)

    level_labels = _draw_web(ax, n, scale_max)
    series_artists = [a for idx, s in enumerate(series) for a in _draw_series(ax, s, idx, colours[idx])]

    # The web is as large as the space between the title and the legend allows
    # once its labels are around it; only when neighbouring labels would still
    # touch (many axes with long names), or leave too small a web, does their
    # font get smaller.
    size = LABEL_FONT_SIZE
    while True:
        for label in labels:
            label.set_fontproperties(_font(size))
        web_in = 0.0
        for _ in range(FIT_ROUNDS):
            previous, web_in = web_in, _fit(fig, ax, labels, legend, renderer, top=title_bottom)
            if abs(web_in - previous) * fig.dpi < 0.5:
                break
        if size <= MIN_LABEL_FONT_SIZE or (
            web_in >= MIN_WEB_IN and not _labels_collide(labels, renderer, fig.bbox)
        ):
            break
        size -= 1.0
    key = _key(axis_labels, series, title, scale_max, dpi)
    return _Chart(key, fig, ax, titles, title_bottom, series_artists, level_labels)


def _redraw(chart: _Chart, series: Sequence[RadarSeries], title: str) -> bool:
    """Put another person's title and values into a built chart of the same frame.

    False (the chart is then spoilt) if the new title's block ends at another
    height, which would move everything below it.
    """
    renderer: RendererAgg = chart.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    if _retitle(chart.fig, renderer, chart.titles, *_title_parts(chart.fig, title)) != chart.title_bottom:
        return False
    for artist in chart.series_artists:
        artist.remove()
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
    chart.series_artists = [
        a for idx, s in enumerate(series) for a in _draw_series(chart.ax, s, idx, colours[idx])
    ]
    return True


def build_radar_figure(
    axis_labels: Sequence[str],
    series: Sequence[RadarSeries],
    title: str,
    *,
    scale_max: int = 5,
    dpi: int = 150,
) -> Figure:
    """Build (but do not render) a new radar figure; see :func:`render_radar`."""
    validate_radar(axis_labels, series, scale_max, dpi)
    return _build(axis_labels, series, title, scale_max, dpi).fig


def _fit(
    fig: Figure, ax: PolarAxes, labels: Sequence[Text], legend: Legend, renderer: RendererAgg, *, top: float
) -> float:
    """Size and place the web from how far its labels stick out; return its diameter in inches.

    How far a label sticks out of the axes' square depends a little on the web's
    size (a label on a slanted spoke is anchored inside the square's corner), so
    the caller repeats this until the size settles; each round measures the axes'
    tight bounding box (cached text extents) and nothing else. The block "web +
    labels + legend" is centred vertically below the title: the chart is usually
    limited by the width, and spare height between the chart and the legend
    would also stay in the PDF, which crops only the outer white border.
    """
    width, height = fig.bbox.width, fig.bbox.height
    margin, gap = MARGIN_IN * fig.dpi, BLOCK_GAP_IN * fig.dpi
    ax.apply_aspect()  # the polar axes are square only once their aspect is applied
    web = ax.get_window_extent(renderer)
    # The labels only, not ax.get_tightbbox(): that also lays out the (empty) axis
    # labels against every tick label and took half the rendering time. The level
    # numbers are inside the web, the markers on the outer ring within the margin.
    drawn = Bbox.union([web, *(label.get_window_extent(renderer) for label in labels)])
    left, right = web.x0 - drawn.x0, drawn.x1 - web.x1
    above, below = drawn.y1 - web.y1, web.y0 - drawn.y0
    legend_h = legend.get_window_extent(renderer).height
    avail_w = width - 2 * margin
    avail_h = top * height - gap - margin - legend_h - gap
    diameter = max(1.0, min(avail_w - left - right, avail_h - above - below))
    legend_bottom = margin + max(0.0, avail_h - (above + diameter + below)) / 2
    x0 = margin + (avail_w - (left + diameter + right)) / 2 + left
    y0 = legend_bottom + legend_h + gap + below
    ax.set_position(Bbox.from_bounds(x0 / width, y0 / height, diameter / width, diameter / height))
    legend.set_bbox_to_anchor((0.5, legend_bottom / height), transform=fig.transFigure)
    return float(diameter / fig.dpi)


def axis_label_artists(fig: Figure) -> list[Text]:
    """The competency label artists of a figure built by :func:`build_radar_figure`."""
    return [t for t in fig.axes[0].xaxis.get_ticklabels() if t.get_gid() == "radar-axis-label"]


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

    Each thread keeps its last charts (:func:`_chart_for`); a kept one gives the same bytes.
    """
    return figure_png(_chart_for(axis_labels, series, title, scale_max, dpi).fig)


def render_radar_image(
    axis_labels: Sequence[str],
    series: Sequence[RadarSeries],
    title: str,
    *,
    scale_max: int = 5,
    dpi: int = 150,
) -> Image.Image:
    """The same chart as :func:`render_radar`, as an RGB picture: for a PDF, which would
    only decode the PNG again (encoding and decoding it took a third of the chart's time)."""
    chart = _chart_for(axis_labels, series, title, scale_max, dpi)
    canvas = chart.fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    # Blitting: all but the values and the level numbers above them is drawn once (its text
    # was most of the time) and copied back; they are drawn over it in a full drawing's order.
    on_top = sorted([*chart.series_artists, *chart.level_labels], key=lambda a: a.get_zorder())
    if chart.background is None or chart.background_title != title:
        for artist in on_top:
            artist.set_visible(False)
        canvas.draw()  # type: ignore[no-untyped-call]
        chart.background = canvas.copy_from_bbox(chart.fig.bbox)  # type: ignore[no-untyped-call]
        chart.background_title = title
        for artist in on_top:
            artist.set_visible(True)
    canvas.restore_region(chart.background)  # type: ignore[no-untyped-call]
    for artist in on_top:
        chart.ax.draw_artist(artist)
    rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    width, height = canvas.get_width_height(physical=True)
    # The figure is opaque white, so dropping the alpha channel changes no pixel.
    return Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")


def _chart_for(
    axis_labels: Sequence[str], series: Sequence[RadarSeries], title: str, scale_max: int, dpi: int
) -> _Chart:
    """A chart of this frame with this title and values. A round alternates between few frames
    (heads' and employees' questionnaire, with and without a self-assessment): each thread
    keeps the last KEPT_CHARTS, as building the axes and fitting the labels is half the work."""
    validate_radar(axis_labels, series, scale_max, dpi)
    charts: dict[tuple[object, ...], _Chart] = _kept.__dict__.setdefault("charts", {})
    key = _key(axis_labels, series, title, scale_max, dpi)
    chart = charts.pop(key, None)
    if chart is None or not _redraw(chart, series, title):
        chart = _build(axis_labels, series, title, scale_max, dpi)
    charts[key] = chart  # the most recently used last
    while len(charts) > KEPT_CHARTS:
        del charts[next(iter(charts))]
    return chart


def figure_png(fig: Figure) -> bytes:
    """The chart as the bot sends it (a freshly built figure gives the same bytes)."""
    buf = io.BytesIO()
    # zlib level 3 instead of PIL's 6: a third less time to encode, a tenth more bytes.
    fig.savefig(
        buf,
        format="png",
        dpi=fig.dpi,
        facecolor="white",
        metadata={"Software": None},
        pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL},
    )
    return buf.getvalue()


# Charts per thread (render_radar runs in asyncio.to_thread's workers): a Figure
# must not be drawn by two threads at once.
_kept = threading.local()
