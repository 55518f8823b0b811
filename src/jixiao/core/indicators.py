"""Scoring one performance indicator by its completion rate (完成率).

Completion rate = actual ÷ target for "≥", target ÷ actual for "≤", and for "=" the smaller of
the two ratios. Then, with the default parameters (threshold 150%, penalty 50%):

* below 100%: the score is in proportion — 0.5 points at 87.5% scores 0.44 (half-up);
* 100% to 150% inclusive: full points;
* above 150%: the target was set too low, and the indicator loses 50% of its points —
  跨境电商进出口金额, target ≥1300, actual 2004.7, completes 154.21% and scores 1 × 50% = 0.5.

A qualitative indicator scores the share of its tier (达成 100%, 基本达成 80%, …). An indicator
with no actual value scores 0.

A **zero target** (安全事故 ≤0 起, 重大投诉 =0 件) has no ratio. Met — the actual is 0 — it
completes 100% and scores its points; missed, it completes the framework's
``missed_zero_target`` share (default 0%) and scores that share of its points: 安全事故 ≤0 起,
actual 1 起, 2 points: "安全事故：目标 ≤0 起，实际 1 起，零目标未达成，按体系规定得所占分值的
0%：2 × 0% = 0 分"; with ``missed_zero_target: 25%``, 2 × 25% = 0.5. A target "≥0" is always
met and is refused by validation (E-ZERO-TARGET); should one be scored, it completes 100%.
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


def completion_rate(
    comparison: Comparison, target: Decimal, actual: Decimal, missed_zero_target: Decimal = ZERO
) -> Decimal | None:
    """The completion rate, or None where it is unbounded (a "≤" indicator of a target above 0
    whose actual is 0). A zero target completes 100% when met (actual 0) and
    ``missed_zero_target`` when missed; "≥0" is always met. Never divides by zero."""
    if not target:
        if comparison is Comparison.AT_LEAST or actual <= 0:
            return ONE
        return missed_zero_target
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
    head = f"{head}，实际 {actual_text}"
    if not indicator.target and indicator.comparison is not Comparison.AT_LEAST:
        return _zero_target(indicator, head, actual_text, parameters)
    rate = completion_rate(indicator.comparison, indicator.target, indicator.actual)
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


def _zero_target(
    indicator: Indicator, head: str, actual_text: str, parameters: Parameters
) -> IndicatorScore:
    """A target of 0 ("≤0" or "=0"): met, full points; missed, the framework's share."""
    assert isinstance(indicator.actual, Decimal)
    points = indicator.points
    if indicator.actual <= 0:
        return IndicatorScore(
            indicator,
            points,
            ONE,
            False,
            f"{head}，零目标达成，得满分 {format_score(points)} 分",
        )
    share = parameters.missed_zero_target
    score = round_half_up(points * share, parameters.score_places)
    return IndicatorScore(
        indicator,
        score,
        share,
        False,
        f"{head}，零目标未达成，按体系规定得所占分值的 {format_rate(share)}："
        f"{format_score(points)} × {format_rate(share)} = {format_score(score)} 分",
        f"目标为 0，实际 {actual_text}，未达成",
    )
