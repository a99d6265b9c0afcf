"""The KPI method (clauses 21-27, appendices 2-3). Pure.

The achievement of a KPI gives the range of scores the evaluator may choose from
(appendix 3); the final score is the sum of the KPI scores divided by their number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from bot.kernel.methodology import KpiRules
from bot.kernel.scoring import round_score

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class ScoreRange:
    low: Decimal
    high: Decimal

    def allows(self, score: Decimal) -> bool:
        return self.low <= score <= self.high


def achievement_percent(planned: Decimal, actual: Decimal, *, higher_is_better: bool) -> Decimal:
    """How much of the plan was achieved, in percent, cut (not rounded) to two decimals: the
    table's rows end at x,99, so 99,999 % is still "95-99,99", never 100."""
    if planned <= 0 or actual < 0:
        raise ValueError("the planned value must be positive and the actual one not negative")
    if higher_is_better:
        percent = actual / planned * HUNDRED
    elif actual == 0:
        percent = HUNDRED  # nothing where less is better: the plan is met at least
    else:
        percent = planned / actual * HUNDRED
    return percent.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def allowed_range(rules: KpiRules, percent: Decimal) -> ScoreRange:
    if percent < 0:
        raise ValueError(f"an achievement cannot be negative: {percent}")
    for band in rules.score_table:
        if percent >= band.from_percent:
            return ScoreRange(band.min_score, band.max_score)
    raise AssertionError("the table's last row starts at 0")  # _parse_kpi guarantees it


class KpiCountError(ValueError):
    """An individual work plan holds 3 to 5 KPIs (clause 22)."""


def kpi_final_score(rules: KpiRules, scores: Sequence[Decimal]) -> Decimal:
    """The sum of the KPI scores divided by the number of KPIs (appendix 2)."""
    if not rules.min_kpis <= len(scores) <= rules.max_kpis:
        raise KpiCountError(f"{len(scores)} KPIs: a plan holds {rules.min_kpis} to {rules.max_kpis}")
    return round_score(sum(scores, Decimal(0)) / len(scores))
