"""Checks of a whole data set that no single field can make: references between records,
totals that must agree, and values the scoring rules cannot use.

Every problem names the record's file and row (or path) and the column concerned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal

from jixiao.core.model import Comparison, Dataset, Origin
from jixiao.core.money import ZERO, format_wan, yuan_to_wan
from jixiao.core.problems import Problem, ProblemCode, Severity
from jixiao.core.workdays import FIRST_DAY, LAST_DAY


def _problem(
    code: ProblemCode,
    message: str,
    origin: Origin,
    column: str | None = None,
    severity: Severity = Severity.ERROR,
) -> Problem:
    where = origin.location if column is None else origin.location.at(column)
    return Problem(code, message, where, severity)


def validate_dataset(
    dataset: Dataset,
    *,
    incomplete: frozenset[str] = frozenset(),
    unclear: frozenset[str] = frozenset(),
    unread_codes: Mapping[str, frozenset[str]] | None = None,
) -> list[Problem]:
    """Every whole-data-set problem of ``dataset``; an empty list means it can be evaluated.

    A reader that had to leave records out names their collections (``"projects"``,
    ``"key_tasks"``, ``"budget_lines"``, …) in ``incomplete`` and, where it could read the codes
    of the records it left out, gives them in ``unread_codes``. References are checked against
    the records and those codes, so a reference to a code no row gives is reported in the same
    pass as the unreadable rows. References into a collection whose left-out codes are unknown
    (a missing sheet, an unreadable header) and totals over an incomplete collection are not
    checked, since they would report the missing records again. Collections whose columns could
    not all be read are named in ``unclear``; their records' own checks wait until the columns
    are fixed. Duplicates are the readers' to find, on each table's natural key, row by row as
    given. Everything else is checked, so one pass finds all it can.
    """
    codes = _Codes(dataset, incomplete, unread_codes or {})
    problems: list[Problem] = []
    if "projects" not in unclear:
        problems += _projects(dataset)
    if "indicators" not in unclear:
        problems += _indicators(dataset)
    problems += _management(dataset)
    problems += _project_references(dataset, codes)
    if not {"projects", "budget_lines"} & incomplete:
        problems += _budget_lines(dataset)
    problems += _indicator_references(dataset, codes)
    problems += _project_funds(dataset, codes)
    if not {"projects", "project_funds"} & incomplete:
        problems += _funds_totals(dataset)
    problems += _management_references(dataset, codes)
    problems += _spending_plans(dataset, codes)
    problems += _forecasts(dataset, codes)
    return problems


class _Codes:
    """The codes records may refer to, collection by collection: those of the records and of
    the records a reader left out; unknown for a collection that may hold codes nobody could
    read, and references into it are then not checked."""

    def __init__(
        self,
        dataset: Dataset,
        incomplete: frozenset[str],
        unread: Mapping[str, frozenset[str]],
    ) -> None:
        given = {
            "budget_lines": {line.funding_source for line in dataset.budget_lines},
            "key_tasks": {task.code for task in dataset.key_tasks},
            "projects": {project.code for project in dataset.projects},
            "indicators": {indicator.code for indicator in dataset.indicators},
        }
        self._known: dict[str, set[str] | None] = {}
        for collection, found in given.items():
            if collection not in incomplete:
                self._known[collection] = found
            elif collection in unread:
                self._known[collection] = found | unread[collection]
            else:
                self._known[collection] = None

    def unknown(self, collection: str, code: str | None) -> bool:
        """True when ``code`` is certainly not one of ``collection``'s."""
        known = self._known[collection]
        return code is not None and known is not None and code not in known


def _project_references(dataset: Dataset, codes: _Codes) -> Iterator[Problem]:
    for project in dataset.projects:
        origin = project.origin
        if codes.unknown("budget_lines", project.funding_source):
            yield _problem(
                ProblemCode.E_UNKNOWN_FUNDING_SOURCE,
                f"项目“{project.name}”的资金来源“{project.funding_source}”不存在",
                origin,
                "funding_source",
            )
        if codes.unknown("key_tasks", project.key_task):
            yield _problem(
                ProblemCode.E_UNKNOWN_TASK,
                f"项目“{project.name}”关联的重点任务“{project.key_task}”不存在",
                origin,
                "key_task",
            )


def _projects(dataset: Dataset) -> Iterator[Problem]:
    for project in dataset.projects:
        origin = project.origin
        if project.spent > project.adjusted_budget:
            yield _problem(
                ProblemCode.E_OVERSPENT,
                f"项目“{project.name}”支出 {format_wan(project.spent)} 万元超过年度预算 "
                f"{format_wan(project.adjusted_budget)} 万元",
                origin,
                "spent_wan",
            )
        if project.monthly_spent is not None:
            negative = [m for m, amount in enumerate(project.monthly_spent, start=1) if amount < 0]
            if negative:
                yield _negative_months(project.name, negative, "支出", origin, "monthly_spent")
            monthly = sum(project.monthly_spent, ZERO)
            if monthly != project.spent:
                yield _problem(
                    ProblemCode.E_MONTHLY_TOTAL,
                    f"项目“{project.name}”月度支出合计 {monthly:f} 元与支出金额 "
                    f"{project.spent:f} 元不一致（相差 {monthly - project.spent:f} 元）",
                    origin,
                )


def _negative_months(
    name: str, months: list[int], what: str, origin: Origin, column: str
) -> Problem:
    listed = "、".join(f"{m}月" for m in months)
    return _problem(ProblemCode.E_NEGATIVE, f"项目“{name}”{listed}的{what}为负数", origin, column)


def _budget_lines(dataset: Dataset) -> Iterator[Problem]:
    for line in dataset.budget_lines:
        total = sum(
            (
                p.adjusted_budget
                for p in dataset.projects
                if p.funding_source == line.funding_source
            ),
            ZERO,
        )
        if total != line.adjusted_budget:
            yield _problem(
                ProblemCode.E_BUDGET_TOTAL,
                f"资金来源“{line.name}”的项目年度预算合计 {yuan_to_wan(total):f} 万元与年度预算 "
                f"{yuan_to_wan(line.adjusted_budget):f} 万元不一致",
                line.origin,
                "adjusted_wan",
            )


def _indicator_references(dataset: Dataset, codes: _Codes) -> Iterator[Problem]:
    for indicator in dataset.indicators:
        origin = indicator.origin
        if codes.unknown("key_tasks", indicator.key_task):
            yield _problem(
                ProblemCode.E_UNKNOWN_TASK,
                f"指标“{indicator.name}”关联的重点任务“{indicator.key_task}”不存在",
                origin,
                "key_task",
            )
        if codes.unknown("projects", indicator.project):
            yield _problem(
                ProblemCode.E_UNKNOWN_PROJECT,
                f"指标“{indicator.name}”所属的项目“{indicator.project}”不存在",
                origin,
                "project",
            )
        if indicator.key_task is None and not indicator.special_fund and indicator.project is None:
            yield _problem(
                ProblemCode.E_INDICATOR_OWNER,
                f"指标“{indicator.name}”既未关联重点任务或项目，也未标记为专项资金指标",
                origin,
                "key_task",
            )


def _project_funds(dataset: Dataset, codes: _Codes) -> Iterator[Problem]:
    for funds in dataset.project_funds:
        if codes.unknown("projects", funds.project):
            yield _problem(
                ProblemCode.E_UNKNOWN_PROJECT,
                f"项目资金（{funds.kind.label}）的项目“{funds.project}”不存在",
                funds.origin,
                "project",
            )
        if funds.spent > funds.adjusted_budget:
            yield _problem(
                ProblemCode.E_OVERSPENT,
                f"项目“{funds.project}”的{funds.kind.label}执行数 {yuan_to_wan(funds.spent):f} 万元"
                f"超过全年预算数 {yuan_to_wan(funds.adjusted_budget):f} 万元",
                funds.origin,
                "spent_wan",
            )


def _funds_totals(dataset: Dataset) -> Iterator[Problem]:
    """A project's rows of funds add up to its 年度资金总额: 年初预算, 年度预算 and 支出 (a
    published form may print 0 in the total while its rows are not; the data state the total)."""
    for project in dataset.projects:
        rows = [funds for funds in dataset.project_funds if funds.project == project.code]
        if not rows:
            continue
        for label, column, stated, total in (
            (
                "年初预算",
                "initial_budget_wan",
                project.initial_budget,
                sum((r.initial_budget for r in rows), ZERO),
            ),
            (
                "年度预算",
                "adjusted_budget_wan",
                project.adjusted_budget,
                sum((r.adjusted_budget for r in rows), ZERO),
            ),
            ("支出金额", "spent_wan", project.spent, sum((r.spent for r in rows), ZERO)),
        ):
            if stated is not None and stated != total:
                yield _problem(
                    ProblemCode.E_FUNDS_TOTAL,
                    f"项目“{project.name}”的{label} {yuan_to_wan(stated):f} 万元与各类项目资金合计 "
                    f"{yuan_to_wan(total):f} 万元不一致（年度资金总额须等于本年财政拨款、"
                    "上年结转资金和其他资金之和）",
                    project.origin,
                    column,
                )


def _indicators(dataset: Dataset) -> Iterator[Problem]:
    for indicator in dataset.indicators:
        origin = indicator.origin
        if indicator.points <= 0:
            yield _problem(
                ProblemCode.E_POINTS, f"指标“{indicator.name}”的分值须大于 0", origin, "points"
            )
        if indicator.comparison is Comparison.QUALITATIVE:
            continue
        target = indicator.target
        if isinstance(target, Decimal) and target < 0:
            yield _problem(
                ProblemCode.E_ZERO_TARGET,
                f"指标“{indicator.name}”的目标值为 {target:f}，定量指标的目标值不能为负数",
                origin,
                "target",
            )
        elif target == 0 and indicator.comparison is Comparison.AT_LEAST:
            # "≤0" and "=0" are zero targets, scored met or missed (``indicators``); "≥0" is
            # met by every actual value and measures nothing.
            yield _problem(
                ProblemCode.E_ZERO_TARGET,
                f"指标“{indicator.name}”的目标为 ≥0，任何实际值都能达成，无法衡量完成情况；"
                "“≥”指标的目标值须大于 0，零目标请写“≤0”或“=0”",
                origin,
                "target",
            )
        if isinstance(indicator.actual, Decimal) and indicator.actual < 0:
            yield _problem(
                ProblemCode.E_NEGATIVE,
                f"指标“{indicator.name}”的实际完成值不能为负数",
                origin,
                "actual",
            )


def _in_calendar(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def _management_references(dataset: Dataset, codes: _Codes) -> Iterator[Problem]:
    for item in dataset.management.ex_ante_evaluations:
        if codes.unknown("projects", item.project):
            yield _problem(
                ProblemCode.E_UNKNOWN_PROJECT,
                f"事前绩效评估记录的项目“{item.project}”不存在",
                item.origin,
                "project",
            )
    for assessment in dataset.assessments:
        if codes.unknown("projects", assessment.project):
            yield _problem(
                ProblemCode.E_UNKNOWN_PROJECT,
                f"评分项“{assessment.node}”所属的项目“{assessment.project}”不存在",
                assessment.origin,
                "project",
            )


def _management(dataset: Dataset) -> Iterator[Problem]:
    facts = dataset.management
    for contract in facts.contracts:
        for column, day in (("signed_on", contract.signed_on), ("filed_on", contract.filed_on)):
            if day is not None and not _in_calendar(day):
                yield _problem(
                    ProblemCode.E_CALENDAR,
                    f"合同“{contract.title}”的日期 {day} 超出节假日日历范围"
                    f"（{FIRST_DAY.year}–{LAST_DAY.year} 年），无法计算工作日",
                    contract.origin,
                    column,
                )
        if contract.filed_on is not None and contract.filed_on < contract.signed_on:
            yield _problem(
                ProblemCode.E_DATE_ORDER,
                f"合同“{contract.title}”的备案日期早于签订日期",
                contract.origin,
                "filed_on",
            )
    for asset in facts.assets:
        if asset.standard_count < 0 or asset.held_count < 0:
            yield _problem(
                ProblemCode.E_NEGATIVE, f"资产“{asset.category}”的数量不能为负数", asset.origin
            )
    if facts.carryover is not None and facts.carryover.amount < 0:
        yield _problem(ProblemCode.E_NEGATIVE, "结转结余金额不能为负数", facts.carryover.origin)
    for assessment in dataset.assessments:
        if not assessment.reason.strip():
            yield _problem(
                ProblemCode.E_REASON_REQUIRED,
                f"评分项“{assessment.node}”必须填写理由",
                assessment.origin,
                "reason",
            )


def _owned_by(
    subject: str, owner: str | None, given: str | None, origin: Origin
) -> Iterator[Problem]:
    """A plan or forecast names the division of the project or indicator it is for."""
    if given and owner and given != owner:
        yield _problem(
            ProblemCode.E_DIVISION, f"{subject}属于{owner}，不是{given}", origin, "division"
        )


def _spending_plans(dataset: Dataset, codes: _Codes) -> Iterator[Problem]:
    projects = {project.code: project for project in dataset.projects}
    for plan in dataset.spending_plans:
        project = projects.get(plan.project)
        if project is None:
            if not codes.unknown("projects", plan.project):
                continue  # a project left out unread: its plan is checked once it reads
            yield _problem(
                ProblemCode.E_UNKNOWN_PROJECT,
                f"用款计划的项目“{plan.project}”不存在",
                plan.origin,
                "project",
            )
            continue
        yield from _owned_by(f"项目“{project.name}”", project.division, plan.division, plan.origin)
        negative = [m for m, amount in enumerate(plan.monthly, start=1) if amount < 0]
        if negative:
            yield _negative_months(project.name, negative, "计划用款", plan.origin, "monthly")
        total = sum(plan.monthly, ZERO)
        if total != project.adjusted_budget:
            yield _problem(
                ProblemCode.W_PLAN_TOTAL,
                f"项目“{project.name}”用款计划合计 {format_wan(total)} 万元与年度预算 "
                f"{format_wan(project.adjusted_budget)} 万元不一致；按计划计算的序时进度以计划合计"
                "为准",
                plan.origin,
                "monthly",
                Severity.WARNING,
            )


def _forecasts(dataset: Dataset, codes: _Codes) -> Iterator[Problem]:
    indicators = {indicator.code: indicator for indicator in dataset.indicators}
    for forecast in dataset.forecasts:
        indicator = indicators.get(forecast.indicator)
        if indicator is None:
            if not codes.unknown("indicators", forecast.indicator):
                continue  # an indicator left out unread
            yield _problem(
                ProblemCode.E_UNKNOWN_INDICATOR,
                f"监控记录的指标“{forecast.indicator}”不存在",
                forecast.origin,
                "indicator",
            )
            continue
        yield from _owned_by(
            f"指标“{indicator.name}”", indicator.division, forecast.division, forecast.origin
        )
        if indicator.comparison is Comparison.QUALITATIVE:
            continue
        for column, value in (("to_date", forecast.to_date), ("forecast", forecast.forecast)):
            if isinstance(value, str):
                yield _problem(
                    ProblemCode.E_NUMBER,
                    f"指标“{indicator.name}”是定量指标，监控值应为数字，实际是“{value}”",
                    forecast.origin,
                    column,
                )
