"""Benchmark: generating self-evaluation reports.

    python benchmarks/report_generation.py [--departments 100] [--skip-pdf]

1. The reference data set: evaluation (the baseline, same process), report content, Word, HTML
   and PDF, each timed and shown as a ratio to the evaluation.
2. A batch of generated departments (default 100), with a progress bar: Word for each, then all
   PDFs in one LibreOffice run (one start-up for the batch).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK, load_framework
from jixiao.adapters.report.build import build_report
from jixiao.adapters.report.html import write_html
from jixiao.adapters.report.pdf import convert_docx_to_pdf, soffice, write_pdf
from jixiao.adapters.report.word import write_docx
from jixiao.core.evaluation import evaluate

sys.path.insert(0, str(Path(__file__).parent))
from evaluate_departments import generate_department

REFERENCE = Path(__file__).resolve().parent.parent / "examples" / "guangzhou-commerce-2023"


def timed(function: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--skip-pdf", action="store_true")
    arguments = parser.parse_args()
    with_pdf = not arguments.skip_pdf and soffice() is not None
    framework = load_framework(DEFAULT_FRAMEWORK)
    dataset = load_dataset(REFERENCE)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        evaluation_time = timed(lambda: evaluate(dataset, framework), repeat=20)
        evaluation = evaluate(dataset, framework)
        report = build_report(dataset, evaluation)
        rows = [
            ("evaluate() (baseline)", evaluation_time),
            ("report content", timed(lambda: build_report(dataset, evaluation))),
            ("Word (.docx)", timed(lambda: write_docx(report, folder / "r.docx"))),
            ("HTML", timed(lambda: write_html(report, folder / "r.html"))),
        ]
        if with_pdf:
            rows.append(
                ("PDF (LibreOffice)", timed(lambda: write_pdf(report, folder / "r.pdf"), repeat=2))
            )
        print("reference data set (广州市商务局 2023):")
        for name, seconds in rows:
            print(
                f"  {name:24s} {seconds * 1000:9.1f} ms  {seconds / evaluation_time:8.1f}× "
                "evaluate()"
            )
        rng = random.Random(2023)
        batch = [generate_department(rng, number) for number in range(arguments.departments)]
        started = time.perf_counter()
        documents = []
        for number, department in enumerate(
            tqdm(batch, desc="Word 报告", unit="份", file=sys.stderr)
        ):
            path = folder / f"d{number:03d}.docx"
            write_docx(build_report(department, evaluate(department, framework)), path)
            documents.append(path)
        word_time = time.perf_counter() - started
        print(f"batch of {len(batch)} generated departments:")
        print(f"  Word: {word_time:6.1f} s in all, {word_time / len(batch) * 1000:7.1f} ms each")
        if with_pdf:
            started = time.perf_counter()
            convert_docx_to_pdf(documents, folder)
            pdf_time = time.perf_counter() - started
            print(
                f"  PDF:  {pdf_time:6.1f} s in all, {pdf_time / len(batch) * 1000:7.1f} ms "
                "each (one LibreOffice run)"
            )
        elif not arguments.skip_pdf:
            print("  PDF: skipped — LibreOffice is not installed (make system-deps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
