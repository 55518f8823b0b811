"""The evaluation as an indented score tree for the terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from jixiao.core.cohort import Cohort
from jixiao.core.money import (
    amount_unit,
    format_amount,
    format_percent,
    format_rate,
    format_score,
    format_wan,
    format_wan_as_source,
)
from jixiao.core.result import INDICATOR, Evaluation, NodeResult

NAME_WIDTH = 52


def display_width(text: str) -> int:
    # Ambiguous-width characters such as “ ” are wide in Chinese terminals.
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _score_line(indent: int, name: str, score: str, points: str) -> str:
    label = "  " * indent + name
    if display_width(label) > NAME_WIDTH:
        return f"{label}\n{' ' * NAME_WIDTH} {score:>6} / {points}"
    return f"{pad(label, NAME_WIDTH)} {score:>6} / {points}"


def _tree(node: NodeResult, depth: int, detail: bool) -> Iterator[str]:
    """A line per node; a node without lines under it explains itself (only when it lost
    points, unless ``detail``); an indicator at full points is left out unless ``detail``."""
    yield _score_line(depth, node.name, format_score(node.score), format_score(node.points))
    if not node.children:
        if detail or node.score < node.points:
            yield "  " * (depth + 1) + "· " + node.explanation
        return
    for child in node.children:
        if child.kind == INDICATOR and not detail and child.score >= child.points:
            continue
        yield from _tree(child, depth + 1, detail)


def _cohort_lines(evaluation: Evaluation, cohort: Cohort | None) -> list[str]:
    """Where the department stands on each ``cohort_rank`` item, and among which cohort."""
    ranked = [node for node in evaluation.root.walk() if node.measures.cohort is not None]
    if not ranked and cohort is None:
        return []
    if cohort is None:
        lines = ["", "同批排名（未提供同批部门数据）"]
    else:
        lines = [
            "",
            f"同批排名（同批部门“{cohort.name}”，{cohort.fiscal_year} 年度，"
            f"截止 {cohort.cut_off.isoformat()}，{len(cohort.members)} 个部门）",
        ]
    if not ranked:
        lines.append("  评价体系中没有同批排名项（cohort_rank），未使用同批部门数据")
    for node in ranked:
        lines.append(_score_line(1, node.name, format_score(node.score), format_score(node.points)))
        lines.append("    · " + node.explanation)
    return lines


def render_text(
    evaluation: Evaluation, *, detail: bool = False, cohort: Cohort | None = None
) -> str:
    subject = evaluation.subject
    title = (
        f"{subject.name} {evaluation.fiscal_year} 年度项目支出绩效自评（{evaluation.department}）"
        if subject.is_project
        else f"{evaluation.department} {evaluation.fiscal_year} 年度绩效自评"
    )
    lines = [
        title,
        f"评价体系：{evaluation.framework_name}（{evaluation.framework_id}）",
        f"总分 {format_score(evaluation.score)} / {format_score(evaluation.root.points)}　"
        f"等级：{evaluation.grade}",
        "",
    ]
    for child in evaluation.root.children:
        lines.extend(_tree(child, 0, detail))
    if evaluation.key_tasks:
        lines += ["", "重点工作任务（指标得分）"]
    for task in evaluation.key_tasks:
        note = f"{task.indicator_count} 个指标"
        if task.over_achieved:
            threshold = format_rate(evaluation.over_achievement_threshold)
            note += f"，{len(task.over_achieved)} 个完成率超过 {threshold}"
        if task.below_target:
            note += f"，{len(task.below_target)} 个未完成"
        score_line = _score_line(1, task.name, format_score(task.score), format_score(task.points))
        lines.append(f"{score_line}　{note}")
    execution = evaluation.execution
    lines += ["", "预算执行"]
    overall = execution.overall
    unit = amount_unit((overall.budget, overall.spent))
    if overall.rate is not None:
        lines.append(
            f"  {subject.kind.label}：年度预算 {format_amount(overall.budget, unit)} {unit.value}，"
            f"执行 {format_amount(overall.spent, unit)} {unit.value}，"
            f"执行率 {format_percent(overall.rate)}"
        )
    if subject.is_project:  # one project: its sources and its lag are the lines above
        return "\n".join(lines + _cohort_lines(evaluation, cohort) + _problem_lines(evaluation))
    for source, item in execution.by_funding_source.items():
        if item.rate is not None:
            lines.append(
                f"  {source}：年度预算 {format_amount(item.budget, unit)} {unit.value}，执行率 "
                f"{format_percent(item.rate)}"
            )
    if execution.annual_average is not None:
        lines.append(f"  年度平均执行率：{format_percent(execution.annual_average.rate)}")
    lagging = [
        p for p in execution.projects if p.execution.rate is not None and p.execution.rate < 1
    ]
    if detail:
        lines += ["", "表 2-1 各重点任务项目支出完成情况（单位：万元）"]
        for project in execution.projects:
            if project.spending_group and project.execution.rate is not None:
                lines.append(
                    f"  {project.spending_group}｜{project.name}｜"
                    f"{format_wan_as_source(project.execution.budget)}"
                    f"｜{format_wan_as_source(project.execution.spent)}｜{format_percent(project.execution.rate)}"
                )
    elif lagging:
        lines.append("  未足额执行的项目：")
        for project in lagging:
            assert project.execution.rate is not None
            lines.append(
                f"    {project.name}：{format_wan(project.execution.spent)} / "
                f"{format_wan(project.execution.budget)} 万元，"
                f"{format_percent(project.execution.rate)}"
            )
    lines += _cohort_lines(evaluation, cohort)
    return "\n".join(lines + _problem_lines(evaluation))


def _problem_lines(evaluation: Evaluation) -> list[str]:
    if not evaluation.problems:
        return []
    return ["", "提示", *(f"  [{p.code}] {p}" for p in evaluation.problems)]
