"""The national project framework (财预〔2020〕10号) evaluates the same data set without code."""

from __future__ import annotations

from decimal import Decimal

from jixiao.adapters.frameworks import load_framework
from jixiao.core.evaluation import evaluate
from jixiao.core.model import Dataset


def test_reference_data_on_the_national_framework(reference_dataset: Dataset) -> None:
    evaluation = evaluate(reference_dataset, load_framework("national-project-2020"))
    scores = {node.id: node.score for node in evaluation.root.children}
    # 97.10% × 10; output 19 of 20 indicator points → 50 × 19 ÷ 20; effect 19.5 of 20 → 30 × …;
    # the reference data has no satisfaction indicators.
    assert scores == {
        "execution_rate": Decimal("9.71"),
        "output": Decimal("47.5"),
        "effect": Decimal("29.25"),
        "satisfaction": Decimal(0),
    }
    assert evaluation.score == Decimal("86.46")
    assert evaluation.grade == "良"
    assert "W-NO-INDICATORS" in [problem.code for problem in evaluation.problems]
