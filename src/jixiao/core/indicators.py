"""Scoring one performance indicator by its completion rate (完成率).

Completion rate = actual ÷ target for "≥", target ÷ actual for "≤", and for "=" the smaller of
the two ratios. Then, with the default parameters (threshold 150%, penalty 50%):

* below 100%: the score is in proportion — 0.5 points at 87.5% scores 0.44 (half-up);
* 100% to 150% inclusive: full points;
* above 150%: the target was set too low, and the indicator loses 50% of its points —
  跨境电商进出口金额, target ≥1300, actual 2004.7, completes 154.21% and scores 1 × 50% = 0.5.

A qualitative indicator scores the share of its tier (达成 100%, 基本达成 80%, …). An indicator
with no actual value scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.framework import Parameters
from jixiao.core.model import Comparison, Indicator
from jixiao.core.money import ONE, ZERO, format_percent, format_rate, format_score, round_half_up


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    indicator: Indicator
    score: Decimal
    completion_rate: Decimal | None
    over_achieved: bool
    explanation: str
    reason: str = ""  # why points were lost, in a few words ("完成率 87.50%，未达 100%")

    @property
    def deduction(self) -> Decimal:
        return self.indicator.points - self.score


def _value(indicator: Indicator, name: str, value: Decimal | str | None) -> str:
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    if indicator.unit and isinstance(value, Decimal):
        text += indicator.unit if indicator.unit == "%" else f" {indicator.unit}"
    if indicator.origin.is_reconstructed(name):
        text += "（重构值）"
    return text


def completion_rate(comparison: Comparison, target: Decimal, actual: Decimal) -> Decimal | None:
    """The completion rate, or None where it is unbounded (a "≤" indicator whose actual is 0)."""
    if comparison is Comparison.AT_LEAST:
        return actual / target
    if comparison is Comparison.AT_MOST:
        return target / actual if actual else None
    if not actual:
        return ZERO
    return min(actual / target, target / actual)


def score_indicator(indicator: Indicator, parameters: Parameters) -> IndicatorScore:
    points = indicator.points
    places = parameters.score_places
    target = _value(indicator, "target", indicator.target)
    head = f"{indicator.name}：目标 {indicator.comparison.value}{target}"
    if indicator.actual is None:
        return IndicatorScore(
            indicator, ZERO, None, False, f"{head}，未填报实际完成值，得 0 分", "未填报实际完成值"
        )
    actual_text = _value(indicator, "actual", indicator.actual)
    if indicator.comparison is Comparison.QUALITATIVE:
        share = parameters.tier_share(str(indicator.actual))
        if share is None:
            return IndicatorScore(
                indicator,
                ZERO,
                None,
                False,
                f"{head}，评定“{indicator.actual}”不是有效档次，得 0 分",
                f"评定“{indicator.actual}”不是有效档次",
            )
        score = round_half_up(points * share, places)
        return IndicatorScore(
            indicator,
            score,
            share,
            False,
            f"{head}，定性评定为“{actual_text}”（得分比例 {format_percent(share)}），"
            f"得 {format_score(score)} 分",
            f"定性评定为“{indicator.actual}”",
        )
    assert isinstance(indicator.target, Decimal) and isinstance(indicator.actual, Decimal)
    rate = completion_rate(indicator.comparison, indicator.target, indicator.actual)
    head = f"{head}，实际 {actual_text}"
    if rate is None:
        return IndicatorScore(
            indicator,
            points,
            None,
            False,
            f"{head}，实际为 0、优于目标，得满分 {format_score(points)} 分",
        )
    rate_text = f"完成率 {format_percent(rate)}"
    threshold = parameters.over_achievement_threshold
    if rate > threshold and indicator.comparison is not Comparison.EQUAL:
        penalty = parameters.over_achievement_penalty
        score = round_half_up(points * (ONE - penalty), places)
        return IndicatorScore(
            indicator,
            score,
            rate,
            True,
            f"{head}，{rate_text}，超过 {format_rate(threshold)}（目标设置偏低），"
            f"扣所占分值的 {format_rate(penalty)}：{format_score(points)} × "
            f"{format_rate(ONE - penalty)} = {format_score(score)} 分",
            f"{rate_text}，超过 {format_rate(threshold)}（目标设置偏低）",
        )
    if rate >= ONE:
        return IndicatorScore(
            indicator, points, rate, False, f"{head}，{rate_text}，得满分 {format_score(points)} 分"
        )
    score = round_half_up(points * rate, places)
    return IndicatorScore(
        indicator,
        score,
        rate,
        False,
        f"{head}，{rate_text}，未达 100%，按比例得分 "
        f"{format_score(points)} × {format_percent(rate)} "
        f"= {format_score(score)} 分",
        f"{rate_text}，未达 100%",
    )
