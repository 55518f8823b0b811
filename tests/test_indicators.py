"""Scoring single indicators: the worked examples of docs/frameworks.md."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from jixiao.core.framework import Parameters
from jixiao.core.indicators import completion_rate, score_indicator
from jixiao.core.model import Comparison, Indicator, IndicatorSubtype

D = Decimal


def make(
    comparison: Comparison, target: Decimal | str, actual: Decimal | str | None, points: str = "1"
) -> Indicator:
    return Indicator(
        code="X",
        name="指标",
        subtype=IndicatorSubtype.QUANTITY,
        comparison=comparison,
        target=target,
        actual=actual,
        points=D(points),
        unit="个",
        key_task="T",
    )


@pytest.mark.parametrize(
    ("target", "actual", "points", "score", "over"),
    [
        ("100", "100", "1", "1", False),
        ("100", "150", "1", "1", False),  # exactly 150% is not over-achievement
        ("100", "150.01", "1", "0.5", True),
        ("8", "7", "0.5", "0.44", False),  # 0.5 × 87.5% = 0.4375 → 0.44 half-up
        ("100", "0", "2", "0", False),
        ("1300", "2004.7", "1", "0.5", True),
    ],
)
def test_at_least(target: str, actual: str, points: str, score: str, over: bool) -> None:
    result = score_indicator(make(Comparison.AT_LEAST, D(target), D(actual), points), Parameters())
    assert (result.score, result.over_achieved) == (D(score), over)


def test_at_most_uses_target_over_actual() -> None:
    result = score_indicator(make(Comparison.AT_MOST, D(10), D(9), "1.25"), Parameters())
    assert result.score == D("1.25")
    assert result.completion_rate is not None
    assert round(result.completion_rate, 4) == D("1.1111")
    late = score_indicator(make(Comparison.AT_MOST, D(2), D(4), "1"), Parameters())
    assert late.score == D("0.5")
    assert (
        late.explanation == "指标：目标 ≤2 个，实际 4 个，完成率 50.00%，未达 100%，"
        "按比例得分 1 × 50.00% = 0.5 分"
    )


def test_at_most_with_zero_actual_scores_full() -> None:
    result = score_indicator(make(Comparison.AT_MOST, D(5), D(0)), Parameters())
    assert result.score == 1
    assert not result.over_achieved


def test_equal_penalises_deviation_both_ways_but_never_over_achieves() -> None:
    assert score_indicator(make(Comparison.EQUAL, D(100), D(80)), Parameters()).score == D("0.8")
    high = score_indicator(make(Comparison.EQUAL, D(100), D(200)), Parameters())
    assert (high.score, high.over_achieved) == (D("0.5"), False)


def zero_target(comparison: Comparison, actual: str) -> Indicator:
    return replace(make(comparison, D(0), D(actual), "2"), name="安全事故", unit="起")


@pytest.mark.parametrize("comparison", [Comparison.AT_MOST, Comparison.EQUAL])
def test_a_met_zero_target_completes_100_percent(comparison: Comparison) -> None:
    result = score_indicator(zero_target(comparison, "0"), Parameters())
    assert (result.score, result.completion_rate, result.over_achieved) == (D(2), D(1), False)
    assert result.explanation == (
        f"安全事故：目标 {comparison.value}0 起，实际 0 起，零目标达成，得满分 2 分"
    )
    assert result.deduction == 0


@pytest.mark.parametrize("comparison", [Comparison.AT_MOST, Comparison.EQUAL])
def test_a_missed_zero_target_scores_the_frameworks_share(comparison: Comparison) -> None:
    missed = score_indicator(zero_target(comparison, "1"), Parameters())
    assert (missed.score, missed.completion_rate, missed.deduction) == (D(0), D(0), D(2))
    assert missed.explanation == (
        f"安全事故：目标 {comparison.value}0 起，实际 1 起，零目标未达成，"
        "按体系规定得所占分值的 0%：2 × 0% = 0 分"
    )
    assert missed.reason == "目标为 0，实际 1 起，未达成"
    quarter = score_indicator(
        zero_target(comparison, "3"), Parameters(missed_zero_target=D("0.25"))
    )
    assert (quarter.score, quarter.completion_rate) == (D("0.5"), D("0.25"))
    assert quarter.explanation.endswith("按体系规定得所占分值的 25%：2 × 25% = 0.5 分")
    third = score_indicator(zero_target(comparison, "1"), Parameters(missed_zero_target=D("0.333")))
    assert third.score == D("0.67")  # 2 × 33.3% = 0.666 → 0.67 half-up


def test_completion_rate_never_divides_by_zero() -> None:
    assert completion_rate(Comparison.AT_MOST, D(0), D(0)) == 1
    assert completion_rate(Comparison.EQUAL, D(0), D("0.5"), D("0.1")) == D("0.1")
    assert completion_rate(Comparison.AT_LEAST, D(0), D(5)) == 1  # refused by validation
    assert completion_rate(Comparison.AT_MOST, D(5), D(0)) is None  # unbounded, as before


def test_qualitative_tiers() -> None:
    parameters = Parameters()
    assert score_indicator(make(Comparison.QUALITATIVE, "保持", "达成"), parameters).score == 1
    assert score_indicator(make(Comparison.QUALITATIVE, "保持", "基本达成"), parameters).score == D(
        "0.8"
    )
    wrong = score_indicator(make(Comparison.QUALITATIVE, "保持", "很好"), parameters)
    assert wrong.score == 0
    assert "“很好”不是有效档次" in wrong.explanation


def test_missing_actual_scores_zero_with_reason() -> None:
    result = score_indicator(make(Comparison.AT_LEAST, D(10), None), Parameters())
    assert result.score == 0
    assert result.explanation == "指标：目标 ≥10 个，未填报实际完成值，得 0 分"


def test_thresholds_are_parameters() -> None:
    strict = Parameters(over_achievement_threshold=D("1.2"), over_achievement_penalty=D("0.3"))
    result = score_indicator(make(Comparison.AT_LEAST, D(100), D(130), "2"), strict)
    assert (result.score, result.over_achieved) == (D("1.4"), True)
    assert "超过 120%（目标设置偏低），扣所占分值的 30%：2 × 70% = 1.4 分" in result.explanation
