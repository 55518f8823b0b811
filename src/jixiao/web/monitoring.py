"""Monitoring a stored self-evaluation month by month: the core's monitoring report, the
bulletin and review-table downloads, and the line chart the monitoring page draws.

Like the evaluation, the month is computed from the data as they are while some rows have
errors; the page lists them and the downloads are marked as drafts (``draft_mark``)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jixiao.adapters.report.bulletin import build_bulletin, build_review
from jixiao.adapters.report.content import Report
from jixiao.adapters.report.html import write_html
from jixiao.adapters.report.word import write_docx
from jixiao.adapters.review_table import write_review_xlsx
from jixiao.core.monitoring import MonthlyMonitoring, Progress, Warning
from jixiao.core.problems import Problem
from jixiao.web.downloads import drafted
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.results.store import stored_month
from jixiao.web.services import Monitored, draft_mark


def monitored(record: SelfEvaluation, month: int) -> Monitored:
    """The stored monitoring report of ``record`` at the end of ``month`` and its problems."""
    return stored_month(record, month)


def warnings_at(record: SelfEvaluation, month: int) -> tuple[Warning, ...]:
    """The warnings at the end of ``month`` for the dashboard (none without monthly data)."""
    monthly = stored_month(record, month).monthly
    return () if monthly is None else monthly.report.warnings


def default_month(record: SelfEvaluation, today: date | None = None) -> int:
    """The last month that has ended: December for a past year, last month for this one."""
    today = today or date.today()
    if record.fiscal_year < today.year:
        return 12
    if record.fiscal_year > today.year:
        return 1
    return max(today.month - 1, 1)


@dataclass(frozen=True)
class MonitoringDownload:
    label: str | Promise
    suffix: str
    content_type: str
    write: Callable[[MonthlyMonitoring, Path, list[Problem]], None]  # errors: a draft


def _bulletin(monthly: MonthlyMonitoring, errors: list[Problem]) -> Report:
    bulletin = build_bulletin(monthly.report, monthly.changes, monthly.department_by_month)
    return drafted(bulletin, errors)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOWNLOADS = {
    "bulletin-docx": MonitoringDownload(
        _("月通报（Word）"),
        ".docx",
        DOCX,
        lambda m, path, errors: write_docx(_bulletin(m, errors), path),
    ),
    "bulletin-html": MonitoringDownload(
        _("月通报（网页）"),
        ".html",
        "text/html; charset=utf-8",
        lambda m, path, errors: write_html(_bulletin(m, errors), path),
    ),
    "review-xlsx": MonitoringDownload(
        _("绩效监控表（Excel）"),
        ".xlsx",
        XLSX,
        lambda m, path, errors: write_review_xlsx(
            m.report, path, draft=draft_mark(len(errors)) if errors else ""
        ),
    ),
    "review-docx": MonitoringDownload(
        _("绩效监控表（Word）"),
        ".docx",
        DOCX,
        lambda m, path, errors: write_docx(drafted(build_review(m.report), errors), path),
    ),
}


def produce(kind: MonitoringDownload, monthly: MonthlyMonitoring, errors: list[Problem]) -> bytes:
    """The file of ``kind``; a draft when the data have ``errors``."""
    with tempfile.TemporaryDirectory(prefix="jixiao-monitoring-") as folder:
        path = Path(folder) / f"file{kind.suffix}"
        kind.write(monthly, path, errors)
        return path.read_bytes()


@dataclass(frozen=True)
class LineChart:
    """Two lines over the months, in SVG user units (a 600 × 240 box)."""

    width: int
    height: int
    executed: str  # polyline points
    time: str
    marks: list[tuple[float, float, str, str]]  # x, y, month label, rate label
    grid: list[tuple[float, str]]  # y, label


def progress_chart(by_month: Sequence[Progress]) -> LineChart:
    """Cumulative execution against time progress, January to the month shown.

    Drawn here as plain SVG, with no plotting library, so the page needs no fonts on the
    server and stays crisp at any size."""
    width, height, left, right, top, bottom = 600, 240, 44, 12, 12, 28
    span = max(len(by_month) - 1, 1)

    def x(index: int) -> float:
        return left + (width - left - right) * index / span

    def y(rate: Decimal) -> float:
        clipped = min(max(float(rate), 0.0), 1.05)
        return top + (height - top - bottom) * (1 - clipped / 1.05)

    executed = [(x(i), y(p.rate or Decimal(0))) for i, p in enumerate(by_month)]
    time = [(x(i), y(p.time_progress)) for i, p in enumerate(by_month)]
    return LineChart(
        width,
        height,
        " ".join(f"{a:.1f},{b:.1f}" for a, b in executed),
        " ".join(f"{a:.1f},{b:.1f}" for a, b in time),
        [
            (a, b, f"{i + 1}月", f"{float((p.rate or Decimal(0)) * 100):.1f}%")
            for i, ((a, b), p) in enumerate(zip(executed, by_month, strict=True))
        ],
        [(y(Decimal(share) / 4), f"{share * 25}%") for share in range(5)],
    )
