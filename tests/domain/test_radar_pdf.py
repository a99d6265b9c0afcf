"""The radar chart drawn into the result PDF: its points are the scores, its labels fit."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n
from pypdf import PdfReader
from pypdf.generic import ContentStream

from bot.infra.i18n import create_i18n, in_locale
from bot.survey360.radar_pdf import LABEL_SIZES, MIN_RADIUS, Web, layout_radar
from bot.survey360.radar_shape import OUTER_GRID_COLOUR, SERIES_COLOURS
from bot.survey360.result_pdf import build_person_pdf
from tests.domain.test_reports import BY_ID, HEAD, PETROV, PROFILE, Person

MM = 72 / 25.4  # points per millimetre


# ----------------------------------------------------------------------------- geometry


def test_a_value_lies_on_its_spoke_at_its_share_of_the_radius() -> None:
    web = Web(cx=100.0, cy=150.0, radius=40.0, n=8, scale_max=5)
    assert web.point(0, 5) == pytest.approx((100.0, 110.0))  # the first spoke points up
    assert web.point(2, 2.5) == pytest.approx((120.0, 150.0))  # a quarter turn clockwise
    assert web.point(4, 1) == pytest.approx((100.0, 158.0))
    assert web.point(6, 0) == pytest.approx((100.0, 150.0))
    assert web.ring(5)[1] == pytest.approx((100 + 40 / math.sqrt(2), 150 - 40 / math.sqrt(2)))


def test_a_missing_value_is_a_gap_in_the_line_and_the_area_goes_through_the_centre() -> None:
    web = Web(cx=0.0, cy=0.0, radius=10.0, n=4, scale_max=5)
    full = web.outlines([5, 5, 5, 5])
    assert full == [[web.point(i % 4, 5) for i in range(5)]]  # closed: the first point again
    gapped = [5.0, None, 2.5, 5.0]
    assert web.outlines(gapped) == [[web.point(2, 2.5), web.point(3, 5), web.point(0, 5)]]
    assert web.areas(gapped) == [
        [(0.0, 0.0), web.point(2, 2.5), web.point(3, 5), web.point(0, 5), (0.0, 0.0)]
    ]


def _glyph_measure(text: str, size: float) -> float:
    return len(text) * size * 0.2  # a wide-ish font: 0.57 em a letter


@pytest.mark.parametrize("n", [3, 8, 12])  # the questionnaires have 8 and 12
def test_the_layout_fits_its_block_and_no_two_labels_touch(n: int) -> None:
    labels = [f"Құзыреттің ұзын атауы нөмір {i} және тағы бірнеше сөз" for i in range(n)]
    layout = layout_radar(labels, _glyph_measure, 150.0, 110.0, 5.0)
    assert layout is not None
    assert layout.width <= 150.0 + 1e-6 and layout.height <= 110.0 + 1e-6
    assert layout.radius >= MIN_RADIUS
    boxes = [label.box(layout.radius, 2 * math.pi * i / n) for i, label in enumerate(layout.labels)]
    for x0, y0, x1, y1 in boxes:  # inside the block, around the centre
        assert -layout.cx - 1e-6 <= x0 and x1 <= layout.width - layout.cx + 1e-6
        assert -layout.cy - 1e-6 <= y0 and y1 <= layout.height - layout.cy + 1e-6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    assert all(
        line.startswith(f"{i + 1}. ") for i, label in enumerate(layout.labels) for line in label.lines[:1]
    )


def test_too_little_room_gives_no_layout_and_less_room_smaller_labels() -> None:
    labels = ["Бір", "Екі", "Үш", "Төрт", "Бес", "Алты"]
    roomy = layout_radar(labels, _glyph_measure, 150.0, 120.0, 5.0)
    tight = layout_radar(labels, _glyph_measure, 150.0, 2 * MIN_RADIUS + 25, 5.0)
    assert roomy is not None and roomy.labels[0].size == LABEL_SIZES[0]
    assert tight is not None and tight.radius >= MIN_RADIUS
    assert layout_radar(labels, _glyph_measure, 150.0, 2 * MIN_RADIUS, 5.0) is None


# ----------------------------------------------------------------------------- in the PDF


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def _rgb(colour: str) -> tuple[float, ...]:
    return tuple(round(int(colour[i : i + 2], 16) / 255, 2) for i in (1, 3, 5))


def _paths(data: bytes) -> list[tuple[tuple[float, ...], float, list[tuple[float, float]]]]:
    """Every stroked path of the page: its colour, line width (pt) and points (pt, y up)."""
    reader = PdfReader(io.BytesIO(data))
    stream = ContentStream(reader.pages[0].get_contents(), reader)
    colour: tuple[float, ...] = ()
    width = 0.0
    points: list[tuple[float, float]] = []
    paths = []
    for operands, operator in stream.operations:
        if operator == b"RG":
            colour = tuple(round(float(v), 2) for v in operands)
        elif operator == b"w":
            width = float(operands[0])
        elif operator == b"m":
            points = [(float(operands[0]), float(operands[1]))]
        elif operator == b"l":
            points.append((float(operands[0]), float(operands[1])))
        elif operator in (b"S", b"s") and points:
            paths.append((colour, width, points))
            points = []
        elif operator in (b"f", b"B", b"b", b"n"):
            points = []
    return paths


def _scores_on(web: list[tuple[float, float]], line: Sequence[tuple[float, float]], n: int) -> list[float]:
    """The values a line's points stand for, read off the outer ring (the scale's 5)."""
    cx = sum(x for x, _y in web) / n
    cy = sum(y for _x, y in web) / n
    radius = math.dist(web[0], (cx, cy))
    scores = []
    for i, (x, y) in enumerate(line[:n]):
        # On spoke i: clockwise from the top (y up in the PDF).
        turn = math.atan2(x - cx, y - cy) - 2 * math.pi * i / n
        assert math.sin(turn) == pytest.approx(0, abs=1e-3) and math.cos(turn) > 0
        scores.append(5 * math.dist((x, y), (cx, cy)) / radius)
    return scores


@pytest.mark.parametrize(("person_id", "person", "locale"), [("U1", HEAD, "kk"), ("E4", PETROV, "ru")])
def test_the_polygons_in_the_pdf_are_the_scores(
    i18n: I18n, person_id: str, person: Person, locale: str
) -> None:
    with in_locale(i18n, locale):
        data = build_person_pdf(BY_ID[person_id], PROFILE)
    n = len(person.expected_means())
    paths = _paths(data)
    outer = [points for colour, _w, points in paths if colour == _rgb(OUTER_GRID_COLOUR)]
    assert len(outer) == 1 and len(outer[0]) == n  # a closed polygon: its n corners
    colleagues = [points for colour, w, points in paths if colour == _rgb(SERIES_COLOURS[0]) and w > 1.5]
    own = [points for colour, w, points in paths if colour == _rgb(SERIES_COLOURS[1]) and w > 1.5]
    own = [points for points in own if len(points) > 2]  # not the legend's short line
    assert len(colleagues) == 1 and len(colleagues[0]) == n + 1  # around the web and closed
    assert colleagues[0][0] == colleagues[0][-1]
    means = [float(mean) for mean in person.expected_means()]
    assert _scores_on(outer[0], colleagues[0], n) == pytest.approx(means, abs=0.01)
    assert person.self_scores is not None and len(own) == 1
    assert _scores_on(outer[0], own[0], n) == pytest.approx([float(s) for s in person.self_scores], abs=0.01)
    assert Decimal(str(round(means[0], 2))) == person.expected_means()[0]
