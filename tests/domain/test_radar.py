"""Tests for the radar ("паутинка") chart renderer."""

from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Sequence

import pytest
from PIL import Image

from bot.survey360.radar import (
    MAX_AXES,
    MIN_AXES,
    RadarSeries,
    axis_label_artists,
    build_radar_figure,
    figure_png,
    render_radar,
    render_radar_image,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

HEADS_KK = [
    "Қызметті басқару",
    "Тиімді коммуникацияларды құру",
    "Әдеп нормалары мен қағидаларын ұстану",
    "Өзгерістерді басқару",
    "Нәтижеге бағдарлану",
    "Дербестік және шешімдерді қабылдау дағдылары",
    "Топты басқару",
    "Көшбасшылық қасиеттер",
    "Ынтымақтастық",
    "Жеделділік",
    "Өзін-өзі дамыту",
    "Бастамашылдық",
]
EMPLOYEES_RU = [
    "Построение эффективных коммуникаций",
    "Соблюдение этических норм и принципов",
    "Управление изменениями",
    "Ориентация на результат",
    "Самостоятельность и навыки принятия решений",
    "Сотрудничество",
    "Оперативность",
    "Саморазвитие",
]
ALL_KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"


def _series(n: int, *, gap_at: int | None = None) -> list[RadarSeries]:
    colleagues: list[float | None] = [round(2.5 + (i * 0.37) % 2.5, 2) for i in range(n)]
    own: list[float | None] = [round(3.0 + (i * 0.53) % 2.0, 2) for i in range(n)]
    if gap_at is not None:
        colleagues[gap_at] = None
    return [RadarSeries("Colleagues' average", colleagues), RadarSeries("Self-assessment", own)]


def _open_png(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        image.load()
        return image.size


def _render_strict(labels: Sequence[str], series: Sequence[RadarSeries], title: str, **kwargs: int) -> bytes:
    """Render with every warning (notably "Glyph ... missing from font(s)") turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return render_radar(labels, series, title, **kwargs)


@pytest.mark.parametrize("labels", [EMPLOYEES_RU, HEADS_KK], ids=["8-axes-ru", "12-axes-kk"])
def test_renders_png_of_expected_size(labels: list[str]) -> None:
    data = _render_strict(labels, _series(len(labels)), "Иванов Сергей Петрович\nI квартал 2025")
    width, height = _open_png(data)
    assert 1100 <= width <= 1300
    assert 1200 <= height <= 1400


def test_dpi_scales_the_image() -> None:
    width, height = _open_png(_render_strict(EMPLOYEES_RU, _series(8), "T", dpi=100))
    assert (width, height) == pytest.approx((800, 867), abs=2)


def test_none_value_is_a_gap_not_an_error() -> None:
    series = _series(12, gap_at=3)
    series.append(RadarSeries("Only a few points", [None, 4.0, None, None, 2.0, 3.0, *[None] * 6]))
    width, height = _open_png(_render_strict(HEADS_KK, series, "Title"))
    assert width > 0 and height > 0


def test_all_values_missing_in_one_series_still_renders() -> None:
    series = [*_series(8), RadarSeries("No data yet", [None] * 8)]
    assert _render_strict(EMPLOYEES_RU, series, "Title").startswith(PNG_SIGNATURE)


def test_kazakh_labels_render_without_missing_glyph_warnings() -> None:
    labels = [*HEADS_KK[:-1], f"Әріптер: {ALL_KAZAKH_LETTERS}"]
    title = f"Әлібекова Гүлнұр Сәкенқызы\n{ALL_KAZAKH_LETTERS} — 2025 жылғы бағалау"
    series = [
        RadarSeries("Әріптестердің орташа бағасы", _series(12)[0].values),
        RadarSeries("Өзін-өзі бағалау", _series(12)[1].values),
    ]
    _open_png(_render_strict(labels, series, title))


def test_missing_glyph_warning_would_be_caught() -> None:
    """Sanity check of the test above: a glyph DejaVu Sans lacks does raise under "error"."""
    with pytest.raises(UserWarning, match="missing from font"):
        _render_strict(["漢字", "b", "c"], [RadarSeries("x", [1, 2, 3])], "t")


def test_identical_input_gives_identical_bytes() -> None:
    first = render_radar(HEADS_KK, _series(12, gap_at=5), "Name\nRound")
    second = render_radar(HEADS_KK, _series(12, gap_at=5), "Name\nRound")
    assert first == second
    assert render_radar(HEADS_KK, _series(12), "Name\nRound") != first


def _fresh_png(labels: Sequence[str], series: Sequence[RadarSeries], title: str) -> bytes:
    return figure_png(build_radar_figure(labels, series, title))


def test_a_chart_reused_for_the_next_person_is_what_a_new_one_would_be() -> None:
    """render_radar keeps each thread's last chart and only swaps the title and the values
    when the next chart has the same frame; the bytes must not tell the difference."""
    people = [
        (HEADS_KK, _series(12), "Әлібекова Гүлнұр Сәкенқызы\n2025 жылғы бағалау"),
        (HEADS_KK, _series(12, gap_at=4), "Иванов Сергей Петрович\n2025 жылғы бағалау"),
        (HEADS_KK, [_series(12)[0], RadarSeries("Self-assessment", [None] * 12)], "Ли Ан\n2025"),
        (EMPLOYEES_RU, _series(8), "Иванов Сергей Петрович\nI квартал 2025"),
        (HEADS_KK, _series(12), "A very long name " * 6 + "\n2025"),  # a taller title: built anew
        (HEADS_KK, _series(12), "Әлібекова Гүлнұр Сәкенқызы\n2025 жылғы бағалау"),
        (HEADS_KK, _series(12), "No subtitle"),
    ]
    for labels, series, title in [*people, *people]:
        assert render_radar(labels, series, title) == _fresh_png(labels, series, title), title


def test_the_picture_for_a_pdf_is_the_png_pixel_for_pixel() -> None:
    """render_radar_image draws only the values over a kept picture of the rest (blitting);
    it must give what a full drawing gives, for each person in turn, whatever came before."""
    people = [
        (HEADS_KK, _series(12), " "),
        (HEADS_KK, _series(12, gap_at=4), " "),
        (EMPLOYEES_RU, _series(8), " "),
        (HEADS_KK, [_series(12)[0]], " "),
        (HEADS_KK, [RadarSeries("a", [5.0] * 12), RadarSeries("b", [0.0] * 12)], " "),
        (EMPLOYEES_RU, _series(8), "Иванов Сергей Петрович\nI квартал 2025"),
        (EMPLOYEES_RU, _series(8, gap_at=2), "Әлібекова Гүлнұр Сәкенқызы\nI квартал 2025"),
    ]
    for labels, series, title in [*people, *people]:
        picture = render_radar_image(labels, series, title, dpi=100)
        with Image.open(io.BytesIO(render_radar(labels, series, title, dpi=100))) as png:
            assert picture.mode == "RGB" and picture.tobytes() == png.convert("RGB").tobytes(), title


def test_thread_safe_and_deterministic_in_worker_threads() -> None:
    expected = render_radar(EMPLOYEES_RU, _series(8), "Title")
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(render_radar(EMPLOYEES_RU, _series(8), "Title"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [expected] * 4


@pytest.mark.parametrize("n", range(MIN_AXES, MAX_AXES + 1))
def test_axis_labels_do_not_overlap_and_stay_inside(n: int) -> None:
    pool = HEADS_KK + EMPLOYEES_RU
    labels = [pool[i % len(pool)] for i in range(n)]
    fig = build_radar_figure(labels, _series(n), "Name Surname Patronymic\nRound 2025")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    label_boxes = [t.get_window_extent(renderer) for t in axis_label_artists(fig)]
    assert len(label_boxes) == n
    other_boxes = [t.get_window_extent(renderer) for t in fig.texts if t.get_gid() != "radar-axis-label"]
    other_boxes += [legend.get_window_extent(renderer) for legend in fig.legends]
    web = fig.axes[0].get_window_extent(renderer)
    centre_x, centre_y = (web.x0 + web.x1) / 2, (web.y0 + web.y1) / 2
    web_radius = web.width / 2  # the polar axes are the circle through the outer ring's corners
    for i, box in enumerate(label_boxes):
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
        for other in label_boxes[i + 1 :]:
            assert not box.overlaps(other), f"labels {i + 1} overlap"
        for other in other_boxes:
            assert not box.overlaps(other), f"label {i + 1} overlaps the title or the legend"
        dx = max(box.x0 - centre_x, 0.0, centre_x - box.x1)
        dy = max(box.y0 - centre_y, 0.0, centre_y - box.y1)
        assert math.hypot(dx, dy) > web_radius, f"label {i + 1} cuts into the web"


@pytest.mark.parametrize("n", range(MIN_AXES, MAX_AXES + 1))
def test_labels_stay_legible_and_the_web_large(n: int) -> None:
    """The labels are not shrunk below a readable size, nor the web to make room for them.

    Up to 12 axes (every questionnaire of the real profiles) the labels keep the full 14 pt;
    with more axes and long Kazakh and Russian names they may come down, to no less than 10 pt.
    """
    pool = HEADS_KK + EMPLOYEES_RU
    labels = [pool[i % len(pool)] for i in range(n)]
    fig = build_radar_figure(labels, _series(n), "Name Surname Patronymic\nRound 2025")
    fig.canvas.draw()
    sizes = {float(t.get_fontsize()) for t in axis_label_artists(fig)}
    assert len(sizes) == 1
    assert sizes.pop() >= (14 if n <= 12 else 10)
    web = fig.axes[0].get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]
    assert web.width == pytest.approx(web.height, abs=1)
    assert web.width >= 0.35 * fig.bbox.width


def test_labels_are_numbered_and_wrapped() -> None:
    fig = build_radar_figure(EMPLOYEES_RU, _series(8), "Title")
    texts = [t.get_text() for t in axis_label_artists(fig)]
    assert [t.split(".")[0] for t in texts] == [str(i) for i in range(1, 9)]
    assert texts[4].startswith("5. Самостоятельность")  # the number stays with the first word
    assert all(len(line) <= 20 for t in texts for line in t.splitlines())
    assert " ".join(texts[4].split()) == "5. Самостоятельность и навыки принятия решений"


@pytest.mark.parametrize("bad", [-0.1, 5.01, math.nan, math.inf])
def test_value_outside_scale_raises(bad: float) -> None:
    values: list[float | None] = [3.0] * 8
    values[2] = bad
    with pytest.raises(ValueError, match="axis 3"):
        render_radar(EMPLOYEES_RU, [RadarSeries("x", values)], "Title")


def test_scale_max_is_respected() -> None:
    values: list[float | None] = [7.0] * 8
    assert render_radar(EMPLOYEES_RU, [RadarSeries("x", values)], "T", scale_max=10).startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError):
        render_radar(EMPLOYEES_RU, [RadarSeries("x", values)], "T")


@pytest.mark.parametrize("length", [7, 9])
def test_mismatched_lengths_raise(length: int) -> None:
    with pytest.raises(ValueError, match="values for 8 axes"):
        render_radar(EMPLOYEES_RU, [RadarSeries("x", [3.0] * length)], "Title")


def test_mismatched_second_series_raises() -> None:
    series = [RadarSeries("a", [3.0] * 8), RadarSeries("b", [3.0] * 7)]
    with pytest.raises(ValueError):
        render_radar(EMPLOYEES_RU, series, "Title")


@pytest.mark.parametrize("n", [0, 2, MAX_AXES + 1])
def test_axis_count_out_of_range_raises(n: int) -> None:
    with pytest.raises(ValueError):
        render_radar([f"c{i}" for i in range(n)], [RadarSeries("x", [1.0] * n)], "Title")


def test_no_series_raises() -> None:
    with pytest.raises(ValueError):
        render_radar(EMPLOYEES_RU, [], "Title")
