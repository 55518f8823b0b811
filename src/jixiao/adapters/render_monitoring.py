"""A monitoring report as terminal text or JSON (every number a decimal string; rates in %)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from jixiao.core.money import format_percent, format_score, format_wan, round_half_up
from jixiao.core.monitoring import Change, GroupProgress, MonitoringReport, Progress

from .report.bulletin import gap_text


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{round_half_up(value * 100, 2):f}"


def _progress(progress: Progress) -> dict[str, Any]:
    return {
        "budget_yuan": f"{progress.budget:f}",
        "spent_yuan": f"{progress.spent:f}",
        "execution_rate": _rate(progress.rate),
        "time_progress": _rate(progress.time_progress),
        "gap_points": None if progress.gap_points is None else gap_text(progress.gap_points),
        "level": progress.level.value,
    }


def _group(group: GroupProgress) -> dict[str, Any]:
    return {"name": group.name, "projects": group.projects, **_progress(group.progress)}


def monitoring_as_dict(report: MonitoringReport, changes: Sequence[Change]) -> dict[str, Any]:
    average = report.average
    return {
        "department": report.department,
        "fiscal_year": report.fiscal_year,
        "month": report.month,
        "time_progress_basis": report.basis.value,
        **_progress(report.overall),
        "annual_average_execution_rate": _rate(average.rate) if average else None,
        "annual_average_checkpoints": [
            {"month": month, "cumulative_rate": _rate(rate)}
            for month, rate in (average.checkpoints if average else ())
        ],
        "annual_average_score": None
        if average is None or average.score is None or average.points is None
        else {
            "node": average.node,
            "score": format_score(average.score),
            "max": format_score(average.points),
        },
        "reconstructed": report.reconstructed,
        "warnings": [
            {"level": w.level.value, "kind": w.kind, "subject": w.subject, "message": w.message}
            for w in report.warnings
        ],
        "changes_since_last_month": [
            {"kind": c.kind, "subject": c.subject, "before": c.before.value, "after": c.after.value}
            for c in changes
        ],
        "divisions": [_group(g) for g in report.divisions],
        "spending_groups": [_group(g) for g in report.groups],
        "projects": [
            {"code": p.code, "name": p.name, "division": p.division, **_progress(p.progress)}
            for p in report.projects
        ],
        "indicators": [
            {
                "code": s.indicator.code,
                "name": s.indicator.name,
                "forecast": str(s.forecast.forecast),
                "completion_rate": _rate(s.completion_rate),
                "deviation": s.deviation.value,
                "reason": s.forecast.reason,
                "action": s.forecast.action,
            }
            for s in report.indicators
        ],
    }


def render_monitoring_json(report: MonitoringReport, changes: Sequence[Change]) -> str:
    return json.dumps(monitoring_as_dict(report, changes), ensure_ascii=False, indent=2)


def render_monitoring_text(report: MonitoringReport, changes: Sequence[Change]) -> str:
    overall = report.overall
    lines = [
        f"{report.department} {report.fiscal_year} 年 {report.month} 月 预算执行与绩效监控",
        f"累计执行率 {format_percent(overall.rate) if overall.rate is not None else '—'}"
        f"（支出 {format_wan(overall.spent)} / 年度预算 {format_wan(overall.budget)} 万元），"
        f"序时进度 {format_percent(overall.time_progress)}（{report.basis.label}）",
    ]
    average = report.average
    if average is not None:
        line = f"年度平均执行率（截至 {report.month} 月）{format_percent(average.rate)}"
        if average.score is not None and average.points is not None:
            line += (
                f"，按此进度“{average.node}”得 {format_score(average.score)} / "
                f"{format_score(average.points)} 分"
            )
        lines.append(line)
    if report.reconstructed:
        lines.append("（月度支出含重构值）")
    behind = report.behind()
    lines.append(f"低于序时进度的项目 {len(behind)} 个：")
    lines += [
        f"  [{p.progress.level.value}] {p.code} {p.name}：执行率 "
        f"{format_percent(p.progress.rate) if p.progress.rate is not None else '—'}，"
        f"低于序时进度 {gap_text(p.progress.gap_points)} 个百分点"
        for p in behind
    ]
    lines.append(f"预警 {len(report.warnings)} 条：")
    lines += [f"  [{w.level.value}] {w.message}" for w in report.warnings]
    if changes:
        lines.append("与上月相比：")
        lines += [f"  {c.kind}“{c.subject}”{c.before.value}→{c.after.value}" for c in changes]
    return "\n".join(lines)
