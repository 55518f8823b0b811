"""The rule catalogue: one module per rule kind, listed once in :data:`RULES`.

A framework node's ``rule:`` names a key of :data:`RULES`; that rule's module
(``jixiao.core.rules.<kind>``) holds everything about it — its parameters (a frozen dataclass),
the reading of its keys from the framework file, its scorer, its Chinese label and whether its
node has children. To add a rule kind, write one module ending in ``RULE = Rule(...)`` (see
``base.Rule``) and add it to the list below; the framework parser, evaluation, the terminal
tree, the score table and the report all find it here.

Every scorer returns a :class:`~jixiao.core.result.NodeResult` whose explanation says, in plain
Chinese, what was measured, which rule applied and why points were lost. Scores are rounded
half-up to the framework's ``score_places`` where a rule multiplies; sums are exact.
"""

from __future__ import annotations

from typing import Any

from jixiao.core.result import INDICATOR, KEY_TASK
from jixiao.core.rules import (
    cohort_rank,
    deduction_per_finding,
    indicator_completion,
    manual,
    qualitative_tiers,
    rate_times_points,
    thresholds,
)
from jixiao.core.rules import sum as sum_rule
from jixiao.core.rules.base import Context, Rule

__all__ = ["RULES", "Context", "Rule", "has_children", "rule_label"]

RULES: dict[str, Rule[Any]] = {
    rule.kind: rule
    for rule in (
        sum_rule.RULE,
        indicator_completion.RULE,
        rate_times_points.RULE,
        thresholds.RULE,
        deduction_per_finding.RULE,
        qualitative_tiers.RULE,
        manual.RULE,
        cohort_rank.RULE,
    )
}


def has_children(kind: str) -> bool:
    """Whether a line of this kind of the score tree has framework items under it (a ``sum``);
    an ``indicator_completion`` node's key tasks and indicators are not framework items."""
    rule = RULES.get(kind)
    return rule is not None and rule.has_children


def rule_label(kind: str) -> str:
    """The Chinese name of a rule kind as the score table shows it (比率 × 分值)."""
    rule = RULES.get(kind)
    if rule is not None:
        return rule.label
    return {KEY_TASK: "重点工作任务", INDICATOR: "指标完成率"}.get(kind, kind)
