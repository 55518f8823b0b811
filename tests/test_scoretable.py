"""The score table (部门整体支出绩效自评表) for the reference data set."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from .conftest import REFERENCE


def test_score_table(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "score.xlsx"
    result = run_cli("scoretable", str(REFERENCE), "--out", str(path))
    assert result.code == 0
    assert result.out.strip() == f"已生成自评表：{path}（总分 93.13，等级 优）"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["指标完成情况", "评价体系得分"]
    indicators = book["指标完成情况"]
    assert indicators["A1"].value == "广州市商务局 2023 年度部门整体支出绩效自评表"
    assert [c.value for c in indicators[4]] == [
        "重点任务",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因",
        "扣分说明",
    ]
    rows = [[c.value for c in row] for row in indicators.iter_rows(min_row=5)]
    assert len(rows) == 33 + 1
    by_name = {row[3]: row for row in rows}
    assert by_name["跨境电商进出口金额"][4:10] == [
        "≥1300 亿元",
        "2004.7 亿元",
        1,
        0.5,
        "目标设置偏保守，跨境电商增长快于预期",
        "完成率 154.21%，超过 150%（目标设置偏低），扣 0.5 分",
    ]
    assert by_name["广州港全球集装箱港口效率指数排名"][4:8] == ["≤10 名", "9 名", 1.25, 1.25]
    assert by_name["口岸收费目录清单公示情况"][4:6] == ["常态化公示", "达成"]
    assert rows[-1][0] == "合计"
    assert rows[-1][6:8] == [40, 38.5]
    framework = book["评价体系得分"]
    items = [[c.value for c in row] for row in framework.iter_rows(min_row=5)]
    labels = {row[0].strip("　"): (row[4], row[6], row[7], row[8]) for row in items}
    assert labels["采购管理"] == (
        "按问题扣分",
        10,
        9,
        "合同“电子卖场办公设备采购合同”于 2023-04-27 签订、2023-05-06 备案，"
        "超过签订之日起 2 个工作日的时限（2023-05-04）",
    )
    assert labels["部门预算资金支出率"][1:3] == (5, 3.63)
    assert items[-1][0] == "总分"
    assert items[-1][6:9] == [100, 93.13, "等级：优"]
    for sheet in (indicators, framework):
        assert sheet.page_setup.orientation == "landscape"
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # "9" is A4
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == "$4:$4"  # the header repeats on every page
    assert Decimal(str(items[-1][7])) == Decimal("93.13")
