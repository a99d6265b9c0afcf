"""The differentiation sheet's legend (bot/quarterly/sheet_screens.py): each score with the
grade band it falls in (clause 7). Appendix 4 gives the scores 1 to 5 no words of their own, and
the bands are the average's: 4 to 5 is one band, so 5 and 4 share one line (issue 19: the sheet
said "5 — effectively" and "4 — effectively" twice, in every language)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from bot.infra.i18n import create_i18n, in_locale
from bot.kernel.methodology import load_profile
from bot.quarterly.sheet_screens import score_legend

SCORES = [Decimal(n) for n in range(1, 6)]


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n("kk")


def test_scores_of_one_band_share_its_line(i18n: I18n) -> None:
    with in_locale(i18n, "en"):
        assert score_legend(load_profile("kz-2023"), SCORES) == [
            "5, 4 — Performs functional duties effectively",
            "3 — Performs functional duties properly",
            "2 — Performs functional duties satisfactorily",
            "1 — Performs functional duties unsatisfactorily",
        ]


@pytest.mark.parametrize("code", ["kz-2023", "kz-2024"])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_no_two_lines_say_the_same_and_every_score_is_named_once(
    i18n: I18n, code: str, language: str
) -> None:
    with in_locale(i18n, language):
        lines = score_legend(load_profile(code), SCORES)
    meanings = [line.split(" — ", 1)[1] for line in lines]
    assert len(set(meanings)) == len(meanings), lines
    named = [score for line in lines for score in line.split(" — ", 1)[0].split(", ")]
    assert named == ["5", "4", "3", "2", "1"]
    assert len(lines) == 4  # the methodology's four grade bands
