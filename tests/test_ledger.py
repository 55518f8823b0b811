"""Spending from a transaction ledger, aggregated into monthly project spending."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.ledger import read_ledger

from .conftest import digest

HEADER = "date,project,amount,voucher\n"


def test_csv_ledger_sets_monthly_spending(reference_copy: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "日期,项目编码,金额（元）,凭证号\n"
        "2023-01-16,P18,20000000.10,V001\n"
        "2023-01-31,P18,9999999.90,V002\n"
        "2023/06/02,P18,30000000,V003\n"
        "\n"
        "2023-12-29,P18,0.5,V004\n"
        "2023-12-30,P46,7000000.00,V005\n",
        encoding="utf-8-sig",
    )
    result = run_cli("ledger", str(ledger), "--into", str(reference_copy))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"已汇总 5 笔支出到 2 个项目的月度支出 → {reference_copy}"
    dataset = load_dataset(reference_copy)
    projects = {p.code: p for p in dataset.projects}
    p18 = projects["P18"]
    assert p18.monthly_spent == (
        Decimal("30000000.00"),
        *[Decimal("0.00")] * 4,
        Decimal("30000000.00"),
        *[Decimal("0.00")] * 5,
        Decimal("0.50"),
    )
    assert p18.spent == Decimal("60000000.50")
    assert projects["P46"].spent == Decimal("7000000.00")
    assert projects["P01"].spent == Decimal("139020000.00")  # no entries: unchanged


def test_ledger_problems_are_all_reported_and_nothing_written(
    reference_copy: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        HEADER
        + "2023-13-05,P18,100.00,V1\n"
        + "2022-12-31,P18,100.00,V2\n"
        + "2023-03-01,P18,12.345,V3\n"
        + "2023-03-01,P18,一百,V4\n"
        + "2023-03-01,P99,100.00,V5\n"
        + "2023-03-02,P18,100.00,V3\n"
        + "2023-03-02,P18,100.00,\n",
        encoding="utf-8",
    )
    before = digest(reference_copy)
    result = run_cli("ledger", str(ledger), "--into", str(reference_copy))
    assert result.code == 1
    assert result.err.splitlines() == [
        "[E-DATE] ledger.csv 第 2 行 日期：日期“2023-13-05”无效（应如 2023-05-06）",
        "[E-LEDGER-YEAR] ledger.csv 第 3 行 日期：日期 2022-12-31 不在 2023 年度内",
        "[E-AMOUNT] ledger.csv 第 4 行 金额（元）：金额“12.345”应为最多两位小数的数字（单位：元）",
        "[E-AMOUNT] ledger.csv 第 5 行 金额（元）：金额“一百”应为最多两位小数的数字（单位：元）",
        "[E-UNKNOWN-PROJECT] ledger.csv 第 6 行 项目编码：项目编码“P99”不在数据集的项目中",
        "[E-DUPLICATE-VOUCHER] ledger.csv 第 7 行 凭证号：凭证号“V3”重复，首次出现在第 4 行",
        "[E-REQUIRED] ledger.csv 第 8 行 凭证号：“凭证号”为必填项，不能为空",
        "共 7 个错误。",
        f"未写入：{reference_copy} 保持不变。",
    ]
    assert digest(reference_copy) == before


def test_ledger_that_overspends_a_budget_is_refused(
    reference_copy: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "2023-05-01,P46,9000000.01,V1\n", encoding="utf-8")
    before = digest(reference_copy)
    result = run_cli("ledger", str(ledger), "--into", str(reference_copy))
    assert result.code == 1
    assert "[E-OVERSPENT] projects.csv 第 47 行 spent_wan" in result.err
    assert digest(reference_copy) == before


def test_xlsx_ledger_names_cells(reference_copy: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "明细账"
    sheet.append(["凭证号", "日期", "项目编码", "金额（元）"])
    sheet.append(["V1", date(2023, 2, 1), "P18", 1234.5])
    sheet.append(["V2", date(2023, 2, 3), "P18", Decimal("0.07")])
    sheet.append(["V3", "二月", "P18", 1])
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    result = run_cli("ledger", str(path), "--into", str(reference_copy), "--format", "json")
    assert result.code == 1
    assert '"location": "明细账!B4"' in result.out
    sheet.delete_rows(4)
    book.save(path)
    assert run_cli("ledger", str(path), "--into", str(reference_copy)).code == 0
    p18 = next(p for p in load_dataset(reference_copy).projects if p.code == "P18")
    assert p18.monthly_spent is not None
    assert p18.monthly_spent[1] == Decimal("1234.57")


def test_missing_columns(reference_copy: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("date,project,money\n2023-01-01,P18,1\n", encoding="utf-8")
    result = run_cli("ledger", str(ledger), "--into", str(reference_copy))
    assert result.code == 1
    assert result.err.splitlines()[:2] == [
        "[E-COLUMN-MISSING] ledger.csv：缺少列“金额（元）”（可用表头：amount、金额（元）、金额、"
        "支出金额（元）、支付金额（元））",
        "[E-COLUMN-MISSING] ledger.csv：缺少列“凭证号”（可用表头：voucher、凭证号、凭证编号）",
    ]


def test_progress_bar_for_long_files(
    reference_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "long.csv"
    rows = (f"2023-{1 + i % 12:02d}-15,P18,1.00,V{i:07d}\n" for i in range(40_000))
    ledger.write_text(HEADER + "".join(rows), encoding="utf-8")
    assert ledger.stat().st_size > 1 << 20
    dataset = load_dataset(reference_copy)
    result = read_ledger(
        ledger, fiscal_year=2023, projects=[p.code for p in dataset.projects], show_progress=True
    )
    assert result.problems == []
    assert result.monthly["P18"] == tuple(
        Decimal("3334.00") if m < 4 else Decimal("3333.00") for m in range(12)
    )
    assert "读取账簿" in capsys.readouterr().err


def test_item4_ledger_keeps_the_files_beside_the_dataset(
    reference_copy: Path,
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    (reference_copy / "notes.txt").write_text("处室的工作笔记", encoding="utf-8")
    (reference_copy / "attachments").mkdir()
    (reference_copy / "attachments" / "凭证.pdf").write_bytes(b"%PDF-1.7 precious")
    readme = (reference_copy / "README.md").read_bytes()
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(HEADER + "2023-01-16,P18,20000000.10,V001\n", encoding="utf-8")
    result = run_cli("ledger", str(ledger), "--into", str(reference_copy))
    assert result.code == 0, result.err
    assert (reference_copy / "README.md").read_bytes() == readme
    assert (reference_copy / "notes.txt").read_text(encoding="utf-8") == "处室的工作笔记"
    assert (reference_copy / "attachments" / "凭证.pdf").read_bytes() == b"%PDF-1.7 precious"
    assert sorted(p.name for p in reference_copy.iterdir()) == [
        "README.md", "attachments", "dataset.yaml", "indicators.csv", "notes.txt", "projects.csv",
    ]  # fmt: skip
    assert load_dataset(reference_copy).projects[17].monthly_spent[0] == Decimal("20000000.10")
