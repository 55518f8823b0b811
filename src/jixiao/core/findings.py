"""Findings drawn from management facts, counted by ``deduction_per_finding`` rules.

Each finding says in plain Chinese what is wrong and cites the record behind it.

Worked example — contract filing (合同备案): with the default of 2 working days, a contract signed
on Thursday 27 April 2023 must be filed by Thursday 4 May 2023 (28 April is a working day, the
Labour Day holiday runs 29 April – 3 May). Filed on Saturday 6 May — itself a make-up working
day — it is late, and that is one finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jixiao.core.framework import FindingSource, Parameters
from jixiao.core.model import Dataset
from jixiao.core.workdays import OutsideCalendar, nth_working_day_after


@dataclass(frozen=True, slots=True)
class Finding:
    description: str
    reference: str


def _audit_findings(dataset: Dataset, _: Parameters) -> list[Finding]:
    return [
        Finding(f"{finding.report}指出：{finding.description}", str(finding.origin.location))
        for finding in dataset.management.audit_findings
    ]


def _late_disclosures(dataset: Dataset, _: Parameters) -> list[Finding]:
    found = []
    for item in dataset.management.disclosures:
        where = str(item.origin.location)
        if item.published_on is None:
            found.append(
                Finding(f"{item.kind.label}“{item.title}”未公开（应于 {item.due_on} 前）", where)
            )
        elif item.published_on > item.due_on:
            found.append(
                Finding(
                    f"{item.kind.label}“{item.title}”于 {item.published_on} 公开，"
                    f"晚于规定时限 {item.due_on}",
                    where,
                )
            )
    return found


def _late_contract_filings(dataset: Dataset, parameters: Parameters) -> list[Finding]:
    days = parameters.contract_filing_working_days
    found = []
    for contract in dataset.management.contracts:
        where = str(contract.origin.location)
        try:
            deadline = nth_working_day_after(contract.signed_on, days)
        except OutsideCalendar as error:
            found.append(Finding(f"合同“{contract.title}”无法判断备案时限：{error}", where))
            continue
        if contract.filed_on is None:
            found.append(
                Finding(f"合同“{contract.title}”（{contract.signed_on} 签订）未备案公开", where)
            )
        elif contract.filed_on > deadline:
            found.append(
                Finding(
                    f"合同“{contract.title}”于 {contract.signed_on} 签订、"
                    f"{contract.filed_on} 备案，"
                    f"超过签订之日起 {days} 个工作日的时限（{deadline}）",
                    where,
                )
            )
    return found


def _missing_ex_ante(dataset: Dataset, _: Parameters) -> list[Finding]:
    names = {project.code: project.name for project in dataset.projects}
    return [
        Finding(
            f"新增项目“{names.get(item.project, item.project)}”未开展事前绩效评估",
            str(item.origin.location),
        )
        for item in dataset.management.ex_ante_evaluations
        if item.completed_on is None
    ]


def _assets_over_standard(dataset: Dataset, _: Parameters) -> list[Finding]:
    return [
        Finding(
            f"{asset.category}在用 {asset.held_count} 台，超出配置标准 {asset.standard_count} 台"
            f"（超配 {asset.excess} 台）" + (f"：{asset.reason}" if asset.reason else ""),
            str(asset.origin.location),
        )
        for asset in dataset.management.assets
        if asset.excess
    ]


FINDERS: dict[FindingSource, Callable[[Dataset, Parameters], list[Finding]]] = {
    FindingSource.AUDIT_FINDINGS: _audit_findings,
    FindingSource.LATE_DISCLOSURES: _late_disclosures,
    FindingSource.LATE_CONTRACT_FILINGS: _late_contract_filings,
    FindingSource.MISSING_EX_ANTE_EVALUATIONS: _missing_ex_ante,
    FindingSource.ASSETS_OVER_STANDARD: _assets_over_standard,
}

FINDING_LABELS = {
    FindingSource.AUDIT_FINDINGS: "审计发现问题",
    FindingSource.LATE_DISCLOSURES: "未按时公开事项",
    FindingSource.LATE_CONTRACT_FILINGS: "未按时备案合同",
    FindingSource.MISSING_EX_ANTE_EVALUATIONS: "未开展事前绩效评估的新增项目",
    FindingSource.ASSETS_OVER_STANDARD: "超配置标准资产类别",
}


def findings_for(source: FindingSource, dataset: Dataset, parameters: Parameters) -> list[Finding]:
    return FINDERS[source](dataset, parameters)
