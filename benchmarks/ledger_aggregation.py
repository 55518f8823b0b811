"""Benchmark: a 1,000,000-row transaction ledger aggregated into monthly project spending.

    python benchmarks/ledger_aggregation.py [--rows 1000000] [--repeat 3] [--skip-xlsx]

jixiao's reader checks every row (dates, fiscal year, amounts to the 分, known projects,
duplicate vouchers) and sums exactly. The baseline, in the same run on the same file, is DuckDB's
``read_csv`` with typed columns and a ``GROUP BY`` — no checks. Both totals are compared, so the
benchmark also proves the two agree to the 分. Target: CSV within 3× of DuckDB. The XLSX ledger
is read with python-calamine and reported as rows per second (DuckDB has no comparable reader).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
from openpyxl import Workbook

from jixiao.adapters.ledger import read_ledger

TARGET_RATIO = 3.0
PROJECTS = [f"P{i:03d}" for i in range(500)]


def generate(folder: Path, rows: int, with_xlsx: bool) -> tuple[Path, Path | None]:
    rng = random.Random(2023)
    start = date(2023, 1, 1)
    records = [
        (
            (start + timedelta(days=rng.randrange(365))).isoformat(),
            rng.choice(PROJECTS),
            f"{rng.randrange(1, 10**8) / 100:.2f}",
            f"V{i:08d}",
        )
        for i in range(rows)
    ]
    csv_path = folder / "ledger.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "project", "amount", "voucher"])
        writer.writerows(records)
    if not with_xlsx:
        return csv_path, None
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细账")
    sheet.append(["日期", "项目编码", "金额（元）", "凭证号"])
    for day, project, amount, voucher in records:
        sheet.append([date.fromisoformat(day), project, Decimal(amount), voucher])
    xlsx_path = folder / "ledger.xlsx"
    book.save(xlsx_path)
    return csv_path, xlsx_path


def duckdb_totals(path: Path) -> dict[tuple[str, int], Decimal]:
    query = (
        "SELECT project, month(date) AS month, sum(amount) AS total FROM read_csv(?, header=true, "
        "columns={'date': 'DATE', 'project': 'VARCHAR', 'amount': 'DECIMAL(18,2)', "
        "'voucher': 'VARCHAR'}) GROUP BY ALL"
    )
    rows = duckdb.execute(query, [str(path)]).fetchall()
    return {(project, month): Decimal(total) for project, month, total in rows}


def jixiao_totals(path: Path) -> dict[tuple[str, int], Decimal]:
    result = read_ledger(path, fiscal_year=2023, projects=PROJECTS)
    assert not result.problems, result.problems[:3]
    return {
        (project, month): amount
        for project, months in result.monthly.items()
        for month, amount in enumerate(months, start=1)
        if amount
    }


def best_of(repeat: int, function, path: Path):  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-xlsx", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        csv_path, xlsx_path = generate(Path(folder), arguments.rows, not arguments.skip_xlsx)
        print(f"generated {arguments.rows:,} rows in {time.perf_counter() - started:.1f} s")
        duck_time, duck = best_of(arguments.repeat, duckdb_totals, csv_path)
        ours_time, ours = best_of(arguments.repeat, jixiao_totals, csv_path)
        assert ours == duck, "jixiao and DuckDB disagree"
        ratio = ours_time / duck_time
        print(
            f"DuckDB read_csv + GROUP BY: {duck_time:6.3f} s  "
            f"{arguments.rows / duck_time:12,.0f} rows/s  (baseline)"
        )
        print(
            f"jixiao ledger, CSV:         {ours_time:6.3f} s  "
            f"{arguments.rows / ours_time:12,.0f} rows/s  {ratio:.2f}× DuckDB "
            f"({'met' if ratio <= TARGET_RATIO else 'NOT met'}: target ≤ {TARGET_RATIO:g}×)"
        )
        print(f"totals agree to the 分: {len(ours)} project-months, sum {sum(ours.values()):,} 元")
        if xlsx_path is not None:
            xlsx_time, xlsx = best_of(1, jixiao_totals, xlsx_path)
            assert xlsx == duck, "XLSX and CSV totals disagree"
            print(
                f"jixiao ledger, XLSX:        {xlsx_time:6.3f} s  "
                f"{arguments.rows / xlsx_time:12,.0f} rows/s  {xlsx_time / duck_time:.1f}× "
                "DuckDB on the CSV"
            )
    return 0  # the verdict is printed; a benchmark is a measurement, not a test


if __name__ == "__main__":
    sys.exit(main())
