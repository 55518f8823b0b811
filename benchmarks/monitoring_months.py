"""Benchmark: monitor many generated departments month by month.

    python benchmarks/monitoring_months.py [--departments 500] [--repeat 3]

For each department (the same generator as evaluate_departments.py: about 50 projects with
monthly spending, 30 indicators) it builds the December report with the comparison to November
and the department's progress in every month — what `jixiao monitor --month YYYY-12` and the
web page compute. The baseline, measured in the same process on the same data, is the
year-end evaluation (`evaluate()`), so the ratio says how monitoring a year compares with
scoring it.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
from pathlib import Path

from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK, load_framework
from jixiao.core.evaluation import evaluate
from jixiao.core.monitoring import monitor_month

_spec = importlib.util.spec_from_file_location(
    "evaluate_departments", Path(__file__).with_name("evaluate_departments.py")
)
assert _spec is not None and _spec.loader is not None
_generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_generator)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    rng = random.Random(2023)
    datasets = [_generator.generate_department(rng, n) for n in range(arguments.departments)]
    framework = load_framework(DEFAULT_FRAMEWORK)
    monitor_month(datasets[0], framework, 12)  # warm-up
    year = [
        _generator.timed(lambda d: monitor_month(d, framework, 12), datasets)
        for _ in range(arguments.repeat)
    ]
    scored = [
        _generator.timed(lambda d: evaluate(d, framework), datasets)
        for _ in range(arguments.repeat)
    ]
    count = len(datasets)
    year_ms = statistics.median(year) / count * 1000
    scored_ms = statistics.median(scored) / count * 1000
    print(f"departments: {count}")
    print(
        f"monitor_month(12): {year_ms:7.3f} ms per department "
        "(December vs November, progress by month; median)"
    )
    print(f"evaluate():        {scored_ms:7.3f} ms per department (baseline, same data)")
    print(f"ratio to baseline: {year_ms / scored_ms:7.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
