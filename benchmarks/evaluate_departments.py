"""Benchmark: evaluate many generated departments on the reference framework.

    python benchmarks/evaluate_departments.py [--departments 2000] [--repeat 3]

Each department has about 50 projects with monthly spending, 30 indicators and a handful of
management facts. The baseline, measured in the same process on the same data, computes only the
bare numbers (execution rates, the annual average, indicator completion) with no explanation,
tree or rounding — so the ratio shows what explaining every point costs. Target: under 5 ms per
department.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK, load_framework
from jixiao.core.evaluation import evaluate
from jixiao.core.model import (
    Assessment,
    AssetHolding,
    AuditFinding,
    BudgetLine,
    Carryover,
    Comparison,
    Dataset,
    Department,
    Disclosure,
    DisclosureKind,
    ExAnteEvaluation,
    ExpenseControl,
    Indicator,
    IndicatorSubtype,
    KeyTask,
    ManagementFacts,
    ProcurementContract,
    Project,
)

TARGET_MS = 5.0
CENT = Decimal("0.01")
OUTPUT_SUBTYPES = [
    IndicatorSubtype.QUANTITY,
    IndicatorSubtype.QUALITY,
    IndicatorSubtype.TIMELINESS,
    IndicatorSubtype.COST,
]
EFFECT_SUBTYPES = [
    IndicatorSubtype.ECONOMIC,
    IndicatorSubtype.SOCIAL,
    IndicatorSubtype.SUSTAINABILITY,
]


def generate_department(rng: random.Random, number: int) -> Dataset:
    tasks = tuple(KeyTask(f"T{i}", f"重点任务{i}") for i in range(1, 6))
    projects = []
    for i in range(rng.randint(45, 55)):
        budget = Decimal(rng.randint(100_000, 300_000_000)).quantize(CENT)
        spent_share = Decimal(rng.choice([100, 100, 100, 95, 80, 0])) / 100
        spent = (budget * spent_share).quantize(CENT)
        weights = [rng.random() for _ in range(12)]
        total = sum(weights)
        monthly = [(spent * Decimal(w / total)).quantize(CENT) for w in weights]
        monthly[-1] += spent - sum(monthly)
        projects.append(
            Project(
                code=f"P{i}",
                name=f"项目{i}",
                funding_source=rng.choice(["city", "transfer"]),
                adjusted_budget=budget,
                spent=spent,
                monthly_spent=tuple(monthly),
                key_task=rng.choice(tasks).code,
                special_fund=rng.random() < 0.25,
            )
        )
    indicators = []
    for i in range(rng.randint(27, 33)):
        special = i % 6 == 0
        output = rng.random() < 0.5
        comparison = rng.choice(
            [Comparison.AT_LEAST] * 6 + [Comparison.AT_MOST, Comparison.QUALITATIVE]
        )
        target = Decimal(rng.randint(1, 1000))
        actual: Decimal | str = (target * Decimal(rng.uniform(0.6, 1.8))).quantize(CENT)
        if comparison is Comparison.QUALITATIVE:
            actual = rng.choice(["达成", "基本达成"])
        indicators.append(
            Indicator(
                code=f"I{i}",
                name=f"指标{i}",
                subtype=rng.choice(OUTPUT_SUBTYPES if output else EFFECT_SUBTYPES),
                comparison=comparison,
                target="达成" if comparison is Comparison.QUALITATIVE else target,
                actual=actual,
                points=Decimal(rng.choice(["0.5", "0.75", "1", "1.5"])),
                key_task=None if special else rng.choice(tasks).code,
                special_fund=special,
            )
        )
    start = date(2023, 1, 3)
    facts = ManagementFacts(
        ex_ante_evaluations=tuple(
            ExAnteEvaluation(p.code, start if rng.random() < 0.9 else None) for p in projects[:3]
        ),
        carryover=Carryover(Decimal(rng.randint(0, 50_000_000))),
        audit_findings=tuple(
            AuditFinding(f"A{i}", "审计报告", "问题") for i in range(rng.randint(0, 4))
        ),
        disclosures=(
            Disclosure(
                DisclosureKind.BUDGET, "预算", date(2023, 2, 17), date(2023, 2, rng.randint(10, 20))
            ),
        ),
        contracts=tuple(
            ProcurementContract(f"C{i}", "合同", signed, signed + timedelta(days=rng.randint(0, 6)))
            for i in range(rng.randint(2, 8))
            for signed in [start + timedelta(days=rng.randint(0, 340))]
        ),
        assets=(AssetHolding("计算机", 100, rng.randint(90, 110)),),
        three_public_expenses=ExpenseControl(
            Decimal(1_000_000), Decimal(rng.randint(800_000, 1_050_000))
        ),
        public_expenses=ExpenseControl(
            Decimal(20_000_000), Decimal(rng.randint(18_000_000, 20_500_000))
        ),
    )
    budget = {"city": Decimal(0), "transfer": Decimal(0)}
    for p in projects:
        budget[p.funding_source] += p.adjusted_budget
    return Dataset(
        department=Department(f"d{number}", f"部门{number}"),
        fiscal_year=2023,
        budget_lines=tuple(BudgetLine(k, k, v, v) for k, v in budget.items()),
        key_tasks=tasks,
        projects=tuple(projects),
        indicators=tuple(indicators),
        management=facts,
        assessments=(
            Assessment("performance_management", "按要求开展", Decimal(rng.randint(10, 15))),
        ),
    )


def bare_numbers(dataset: Dataset) -> Decimal:
    """The arithmetic alone: what a spreadsheet would compute, with no explanation."""
    budget = sum((p.adjusted_budget for p in dataset.projects), Decimal(0))
    spent = sum((p.spent for p in dataset.projects), Decimal(0))
    cumulative = Decimal(0)
    average = Decimal(0)
    for month in range(12):
        cumulative += sum(
            (
                p.monthly_spent[month]
                for p in dataset.projects  # type: ignore[index]
            ),
            Decimal(0),
        )
        average += cumulative / budget
    completion = Decimal(0)
    for indicator in dataset.indicators:
        if isinstance(indicator.target, Decimal) and isinstance(indicator.actual, Decimal):
            completion += min(indicator.actual / indicator.target, Decimal(1)) * indicator.points
    return spent / budget + average / 12 + completion


def timed(function, datasets):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for dataset in datasets:
        function(dataset)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    rng = random.Random(2023)
    started = time.perf_counter()
    datasets = [generate_department(rng, n) for n in range(arguments.departments)]
    generated = time.perf_counter() - started
    framework = load_framework(DEFAULT_FRAMEWORK)
    evaluate(datasets[0], framework)  # warm-up
    full = [timed(lambda d: evaluate(d, framework), datasets) for _ in range(arguments.repeat)]
    bare = [timed(bare_numbers, datasets) for _ in range(arguments.repeat)]
    count = len(datasets)
    full_ms = statistics.median(full) / count * 1000
    bare_ms = statistics.median(bare) / count * 1000
    projects = statistics.mean(len(d.projects) for d in datasets)
    indicators = statistics.mean(len(d.indicators) for d in datasets)
    print(
        f"departments: {count} (mean {projects:.1f} projects, {indicators:.1f} indicators; "
        f"generated in {generated:.1f} s)"
    )
    print(f"evaluate():         {full_ms:7.3f} ms per department (median of {arguments.repeat})")
    print(f"bare numbers:       {bare_ms:7.3f} ms per department (baseline, same data)")
    print(f"ratio to baseline:  {full_ms / bare_ms:7.2f}×")
    print(
        f"ratio to target:    {full_ms / TARGET_MS:7.2f} of the {TARGET_MS:g} ms target "
        f"({'met' if full_ms < TARGET_MS else 'NOT met'})"
    )
    return 0  # the verdict is printed; a benchmark is a measurement, not a test


if __name__ == "__main__":
    sys.exit(main())
