"""The report that fits its subject: the department's overall report, or a project's own."""

from __future__ import annotations

from jixiao.adapters.report.content import Report, department_report
from jixiao.adapters.report.project_content import project_report
from jixiao.core.model import Dataset
from jixiao.core.result import Evaluation


def build_report(dataset: Dataset, evaluation: Evaluation) -> Report:
    """The report of ``evaluation`` on ``dataset``, titled, sectioned and tabled by its subject
    (部门整体支出绩效自评报告 or 项目支出绩效自评报告)."""
    if evaluation.subject.is_project:
        return project_report(dataset, evaluation)
    return department_report(dataset, evaluation)
