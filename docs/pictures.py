"""Draw the README's two pictures with the bot's own code: ``docs/img/questionnaire.png`` and
``docs/img/radar.png``.

The pictures show what the bot really sends, so they are made by it rather than drawn by hand,
and can be made again whenever the texts, the methodology data or the chart change:

    .venv/bin/python docs/pictures.py

- ``questionnaire.png``: one statement of the 360 questionnaire for employees (appendix 6 of
  the bundled profile) as a respondent sees it in Russian: the text and the buttons come from
  ``bot.survey360.screens.render_question``, given a ``QuestionScreen`` for a sample colleague;
  this script only draws them as a Telegram message bubble with its inline keyboard. Telegram
  shows emoji in colour; matplotlib's bundled font has none, so a character the font lacks (⏸,
  📋) is left out of the drawing.
- ``radar.png``: the radar chart a person receives with their 360 result, from
  ``bot.survey360.radar.render_radar`` with the competencies of the same questionnaire and sample
  scores (colleagues' average and self-assessment), titled as ``bot.survey360.report`` titles it.
"""

from __future__ import annotations

import html
import io
import re
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Literal

from aiogram.utils.i18n import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.patches import FancyBboxPatch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.infra.i18n import create_i18n, in_locale  # noqa: E402
from bot.kernel.methodology import load_profile  # noqa: E402
from bot.survey360.questionnaire import Progress, QuestionScreen  # noqa: E402
from bot.survey360.radar import RadarSeries, render_radar  # noqa: E402
from bot.survey360.screens import render_question  # noqa: E402
from storage.dto import AssignmentDTO, CampaignDTO, EmployeeDTO, TaskDTO  # noqa: E402

IMG = ROOT / "docs" / "img"
LOCALE = "ru"
QUESTIONNAIRE = "employees"  # appendix 6: 8 competencies x 3 statements
STATEMENT_NO = 7  # the first statement of the third competency
ANSWERED = 6
YEAR = 2025

# Sample scores per competency (1-5), colleagues' mean and the person's own.
COLLEAGUES = [4.4, 3.8, 4.1, 3.2, 4.6, 3.9, 2.9, 4.0]
SELF = [4.7, 4.3, 4.0, 3.7, 4.7, 4.3, 3.7, 4.3]

FONT = "DejaVu Sans"
# Telegram's look, roughly: the chat's background, the message bubble, the inline buttons.
CHAT_BG = "#cfdcb4"
BUBBLE = "#ffffff"
BUTTON = "#7d9b6c"
TEXT = "#000000"
BUTTON_TEXT = "#ffffff"
WIDTH_PT = 400.0  # the picture's width in points; the coordinates below are in points
PAD = 14.0
BUBBLE_PAD = 12.0
FONT_SIZE = 11.5
BUTTON_FONT_SIZE = 10.5
LINE = FONT_SIZE * 1.4
BUTTON_H = 30.0
BUTTON_GAP = 4.0
DPI = 200


def sample_task() -> TaskDTO:
    colleague = EmployeeDTO(
        id=2,
        employee_id="E2",
        full_name="Серикова Айгерим Нурлановна",
        position="главный эксперт",
        role="employee",
        unit="Департамент стратегического планирования",
        manager_id=1,
        phone=None,
        language=LOCALE,
        appointed_on=date(2021, 3, 1),
        active=True,
        telegram_user_id=None,
        chosen_locale=None,
    )
    campaign = CampaignDTO(
        id=1,
        kind="360",
        year=YEAR,
        deadline=date(YEAR + 1, 1, 10),
        status="running",
        profile_code="kz-2023",
        profile_version="1",
    )
    assignment = AssignmentDTO(
        id=1,
        subject_id=1,
        respondent_id=3,
        relation="peer",
        submitted=False,
        cursor=STATEMENT_NO,
        back_to_review=False,
        message_id=None,
    )
    return TaskDTO(assignment, campaign, colleague, QUESTIONNAIRE, ANSWERED)


def _drawable(text: str, font_path: str) -> str:
    """The text without the characters the font cannot draw (colour emoji), tidied."""
    charmap = FT2Font(font_path).get_charmap()
    kept = "".join(ch for ch in text if ord(ch) in charmap or ch in "\n ")
    return " ".join(kept.split())


Style = Literal["normal", "italic"]


def _lines(message: str) -> list[tuple[str, str, Style]]:
    """The message's HTML as (text, weight, style) lines: render_question marks whole lines."""
    out: list[tuple[str, str, Style]] = []
    for raw in message.split("\n"):
        weight = "bold" if re.fullmatch(r"<b>.*</b>", raw) else "normal"
        style: Style = "italic" if re.fullmatch(r"<i>.*</i>", raw) else "normal"
        out.append((html.unescape(re.sub(r"</?[bi]>", "", raw)), weight, style))
    return out


def questionnaire_png() -> bytes:
    profile = load_profile()
    progress = Progress(sample_task(), profile.questionnaire(QUESTIONNAIRE), dict.fromkeys(range(1, 7), 4))
    message, keyboard = render_question(QuestionScreen(progress, STATEMENT_NO), profile)

    font_path = findfont(FontProperties(family=FONT))
    wrapped: list[tuple[str, str, Style]] = []
    for text, weight, style in _lines(message):
        for part in textwrap.wrap(text, width=52) or [""]:
            wrapped.append((part, weight, style))
    rows = [[_drawable(b.text, font_path) for b in row] for row in keyboard.inline_keyboard]

    bubble_h = 2 * BUBBLE_PAD + LINE * len(wrapped)
    buttons_h = len(rows) * (BUTTON_H + BUTTON_GAP)
    height = PAD + bubble_h + BUTTON_GAP + buttons_h + PAD
    fig = Figure(figsize=(WIDTH_PT / 72, height / 72), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH_PT)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    fig.patch.set_facecolor(CHAT_BG)

    width = WIDTH_PT - 2 * PAD
    ax.add_patch(
        FancyBboxPatch(
            (PAD, PAD), width, bubble_h, boxstyle="round,pad=0,rounding_size=12", fc=BUBBLE, ec="none"
        )
    )
    y = PAD + BUBBLE_PAD + LINE / 2
    for text, weight, style in wrapped:
        ax.text(
            PAD + BUBBLE_PAD,
            y,
            text,
            va="center",
            ha="left",
            color=TEXT,
            fontproperties=FontProperties(family=FONT, size=FONT_SIZE, weight=weight, style=style),
        )
        y += LINE

    y = PAD + bubble_h + BUTTON_GAP
    for row in rows:
        cell = (width - BUTTON_GAP * (len(row) - 1)) / len(row)
        for i, label in enumerate(row):
            x = PAD + i * (cell + BUTTON_GAP)
            ax.add_patch(
                FancyBboxPatch(
                    (x, y), cell, BUTTON_H, boxstyle="round,pad=0,rounding_size=8", fc=BUTTON, ec="none"
                )
            )
            ax.text(
                x + cell / 2,
                y + BUTTON_H / 2,
                label,
                va="center",
                ha="center",
                color=BUTTON_TEXT,
                fontproperties=FontProperties(family=FONT, size=BUTTON_FONT_SIZE, weight="bold"),
            )
        y += BUTTON_H + BUTTON_GAP

    return _png(fig)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor=fig.get_facecolor(), metadata={"Software": None})
    return buf.getvalue()


def radar_png() -> bytes:
    profile = load_profile()
    competencies = profile.questionnaire(QUESTIONNAIRE).competencies
    labels = [c.result_name.get(LOCALE) for c in competencies]
    series = [RadarSeries(_("Colleagues' average"), COLLEAGUES), RadarSeries(_("Self-assessment"), SELF)]
    title = "Серикова Айгерим Нурлановна\n" + _("360 evaluation, {year}").format(year=YEAR)
    return render_radar(labels, series, title)


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    i18n = create_i18n(LOCALE)
    with in_locale(i18n, LOCALE):
        (IMG / "questionnaire.png").write_bytes(questionnaire_png())
        (IMG / "radar.png").write_bytes(radar_png())
    print(f"wrote {IMG / 'questionnaire.png'} and {IMG / 'radar.png'}")


if __name__ == "__main__":
    main()
