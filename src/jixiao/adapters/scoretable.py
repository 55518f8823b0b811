"""The 部门整体支出绩效自评表: the score table handed in with the report, as a workbook.

Two parts on one sheet, set up to print on A4 landscape with the header row repeated on every
page: the year's indicators (年度指标值, 实际完成值, 分值, 得分, 偏差原因, 扣分说明) grouped by key
task and the special fund, and the framework's items with their scoring method, points, scores
and the reasons for deductions; each part ends with its total.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.adapters.project_form import target_text, value_text
from jixiao.adapters.render_text import display_width
from jixiao.adapters.workbook import save_atomically
from jixiao.adapters.xlsx_cells import put
from jixiao.core.model import Dataset
from jixiao.core.money import format_percent, format_score, format_wan
from jixiao.core.result import Evaluation, NodeResult
from jixiao.core.rules import has_children, indicator_completion, rule_label

COLUMNS = (
    ("重点任务", 16),
    ("一级指标", 8),
    ("二级指标", 12),
    ("三级指标", 26),
    ("年度指标值", 14),
    ("实际完成值", 14),
    ("分值", 7),
    ("得分", 7),
    ("偏差原因", 26),
    ("扣分说明", 30),
)
SIDE = Side(style="thin", color="000000")
BOX = Border(left=SIDE, right=SIDE, top=SIDE, bottom=SIDE)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
LEFT = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LINE_HEIGHT = 15
NUMBER_COLUMNS = (7, 8)


class _Sheet:
    """Rows written one after another, each sized to its longest wrapped text."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 0
        self.widths = {index: width for index, (_, width) in enumerate(COLUMNS, start=1)}

    def write(
        self,
        values: Sequence[Any],
        *,
        merges: Sequence[tuple[int, int]] = (),
        head: bool = False,
        total: bool = False,
    ) -> int:
        self.row += 1
        spans = dict(merges)
        lines = 1
        for column, value in enumerate(values, start=1):
            cell = put(self.sheet, self.row, column, value)
            cell.border = BOX
            centered = head or column in NUMBER_COLUMNS or column in (2, 3, 5, 6)
            cell.alignment = CENTER if centered else LEFT
            if column in NUMBER_COLUMNS and isinstance(value, Decimal):
                cell.number_format = "0.00"
            if head or total:
                cell.font = Font(bold=True)
                cell.fill = HEAD_FILL if head else TOTAL_FILL
            if isinstance(value, str) and value:
                end = spans.get(column, column)
                width = sum(self.widths[c] for c in range(column, end + 1))
                # A CJK character is about 1.6 units of column width when printed.
                lines = max(lines, math.ceil(display_width(value) * 0.8 / max(width - 1, 1)))
        for start, end in merges:
            self.sheet.merge_cells(
                start_row=self.row, start_column=start, end_row=self.row, end_column=end
            )
        self.sheet.row_dimensions[self.row].height = LINE_HEIGHT * lines + 3
        return self.row

    def merge_down(self, column: int, first: int, last: int) -> None:
        if last > first:
            self.sheet.merge_cells(
                start_row=first, start_column=column, end_row=last, end_column=column
            )


def _indicator_part(out: _Sheet, dataset: Dataset, evaluation: Evaluation) -> None:
    nodes = evaluation.indicator_nodes()
    order = [task.code for task in dataset.key_tasks]
    names = {task.code: task.name for task in dataset.key_tasks}
    indicators = sorted(
        dataset.indicators,
        key=lambda i: (
            i.special_fund,
            order.index(i.key_task) if i.key_task in order else 0,
            i.category.value,
        ),
    )
    groups: dict[tuple[str, str], list[int]] = {}
    owners: dict[str, list[int]] = {}
    for indicator in indicators:
        node = nodes.get(indicator.code)
        owner = (
            (dataset.special_fund_name or "专项资金")
            if indicator.special_fund
            else (names.get(indicator.key_task or "", ""))
        )
        reason = node.measures.shortfall if node is not None else None
        row = out.write(
            [
                owner,
                indicator.category.label,
                indicator.subtype.label,
                indicator.name,
                target_text(indicator),
                value_text(indicator, indicator.actual),
                indicator.points,
                node.score if node else None,
                indicator.deviation_reason or None,
                reason or None,
            ]
        )
        owners.setdefault(owner, []).append(row)
        groups.setdefault((owner, indicator.category.label), []).append(row)
    for rows in owners.values():
        out.merge_down(1, rows[0], rows[-1])
    for rows in groups.values():
        out.merge_down(2, rows[0], rows[-1])
    points = sum((i.points for i in dataset.indicators), Decimal(0))
    scored = sum((nodes[i.code].score for i in dataset.indicators if i.code in nodes), Decimal(0))
    out.write(
        ["合计", None, None, None, None, None, points, scored, None, None],
        merges=[(1, 6)],
        total=True,
    )


def _framework_part(out: _Sheet, node: NodeResult, depth: int) -> None:
    reasons = "；".join(d.reason for d in node.deductions) if node.score < node.points else ""
    if node.kind == indicator_completion.RULE.kind and node.score < node.points:
        lost = [d.reason for d in node.deductions]
        reasons = f"{len(lost)} 个指标扣分：" + "；".join(lost)
    label = "　" * depth + node.name
    out.write(
        [
            label,
            None,
            None,
            None,
            rule_label(node.kind),
            None,
            node.points,
            node.score,
            reasons or None,
            None,
        ],
        merges=[(1, 4), (5, 6), (9, 10)],
    )
    if has_children(node.kind):
        for child in node.children:
            _framework_part(out, child, depth + 1)


def _title(out: _Sheet, dataset: Dataset, evaluation: Evaluation, part: str, draft: str) -> None:
    sheet = out.sheet
    last = get_column_letter(len(COLUMNS))
    sheet.merge_cells(f"A1:{last}1")
    title = f"{dataset.department.name} {dataset.fiscal_year} 年度部门整体支出绩效自评表"
    if draft:
        title = f"【{draft}】{title}"
    heading = put(sheet, 1, 1, title)
    heading.font = Font(bold=True, size=16)
    heading.alignment = CENTER
    sheet.row_dimensions[1].height = 30
    overall = evaluation.execution.overall
    sheet.merge_cells(f"A2:{last}2")
    summary = (
        f"单位：万元　年度预算 {format_wan(overall.budget)}，执行数 {format_wan(overall.spent)}，"
        f"执行率 {format_percent(overall.rate) if overall.rate is not None else '—'}；"
        f"自评得分 {format_score(evaluation.score)} 分，等级：{evaluation.grade}"
    )
    put(sheet, 2, 1, summary)
    put(sheet, 3, 1, part).font = Font(bold=True)
    out.row = 3


def _print_setup(sheet: Worksheet, header_row: int) -> None:
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    footer = sheet.oddFooter
    assert footer is not None
    footer.center.text = "第 &P 页，共 &N 页"


def write_scoretable(
    dataset: Dataset, evaluation: Evaluation, path: Path, *, draft: str = ""
) -> None:
    """Write the score table: sheet 指标完成情况, then sheet 评价体系得分. ``draft`` (the
    web application's 草稿 mark, while the data still have errors) goes before each sheet's
    title, so no printed page can pass for the final table."""
    book = Workbook()
    indicators = book.active
    assert indicators is not None
    indicators.title = "指标完成情况"
    out = _Sheet(indicators)
    _title(out, dataset, evaluation, "一、年度绩效指标完成情况", draft)
    header = out.write([name for name, _ in COLUMNS], head=True)
    _indicator_part(out, dataset, evaluation)
    _print_setup(indicators, header)
    framework = book.create_sheet("评价体系得分")
    out = _Sheet(framework)
    _title(out, dataset, evaluation, f"二、评价体系得分（{evaluation.framework_name}）", draft)
    header = out.write(
        ["评价项", None, None, None, "评分方法", None, "分值", "得分", "扣分原因", None],
        merges=[(1, 4), (5, 6), (9, 10)],
        head=True,
    )
    for node in evaluation.root.children:
        _framework_part(out, node, 0)
    out.write(
        [
            "总分",
            None,
            None,
            None,
            None,
            None,
            evaluation.root.points,
            evaluation.score,
            f"等级：{evaluation.grade}",
            None,
        ],
        merges=[(1, 6), (9, 10)],
        total=True,
    )
    _print_setup(framework, header)
    save_atomically(book, path)
