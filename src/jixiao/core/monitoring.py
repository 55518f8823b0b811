"""In-year monitoring (绩效运行监控, "双监控"): spending against time progress, indicators against
their targets, at the end of a month.

Spending. For each project, spending group, division and the department, the cumulative
execution rate at the end of the month (spent so far ÷ 年度预算) is set against time progress
(序时进度): the share of the year elapsed by default (June: 6 ÷ 12 = 50%), or — with
``time_progress: plan`` — the share of the spending plan (用款计划) due by then. The gap is
time progress − execution rate, in percentage points. With the default thresholds a gap above
5 points is 黄 and above 15 points 红. Worked example: a project of 1,000 万元 that has spent
300 万元 by the end of June executes 30.00%, is 20.00 points behind 50.00% and is 红.

The annual average execution rate so far averages the cumulative rates at the framework's
checkpoints up to the month (January … June for June with monthly checkpoints); in December it
is the year's rate that the self-evaluation scores (72.52% for the reference department), and
"at this pace" the scoring node gives it rate × points (72.52% × 5 = 3.63).

Indicators. A forecast (全年预计完成值) from the in-year review is scored like an actual value:
its completion rate ≥ 100% is 正常, down to ``forecast_slight_deviation`` (90%) 轻微偏差, below
it 严重偏差. Nothing divides by a zero target: 安全事故 ≤0 forecast at 0 completes 100% (正常),
forecast at 1 completes the framework's ``missed_zero_target`` share (0%: 严重偏差); a "≤5"
indicator forecast at 0 is 正常. A deviating indicator warns, and says whether the division has
given a reason and a corrective action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum

from jixiao.core.execution import TimeProgressBasis, annual_average_execution
from jixiao.core.framework import DEPARTMENT_SCOPE, Framework, Metric, Node, Parameters, ScopeKind
from jixiao.core.indicators import completion_rate
from jixiao.core.metrics import average_base
from jixiao.core.model import Comparison, Dataset, Indicator, IndicatorForecast, Project
from jixiao.core.money import ONE, ZERO, format_percent, round_half_up
from jixiao.core.problems import Problem, ProblemCode, ProblemsFound, SourceLocation
from jixiao.core.rules import rate_times_points

HUNDRED = Decimal(100)


class Level(Enum):
    """The traffic light of a warning."""

    GREEN = "绿"
    YELLOW = "黄"
    RED = "红"

    @property
    def rank(self) -> int:
        return {Level.GREEN: 0, Level.YELLOW: 1, Level.RED: 2}[self]


class Deviation(Enum):
    NORMAL = "正常"
    SLIGHT = "轻微偏差"
    SEVERE = "严重偏差"


@dataclass(frozen=True, slots=True)
class Progress:
    """Cumulative spending of some projects at the end of a month, against time progress."""

    budget: Decimal
    spent: Decimal
    time_progress: Decimal  # a rate: 0.5 for half
    level: Level

    @property
    def rate(self) -> Decimal | None:
        return self.spent / self.budget if self.budget else None

    @property
    def gap_points(self) -> Decimal | None:
        """How far execution is behind time progress, in percentage points (negative: ahead)."""
        rate = self.rate
        return None if rate is None else (self.time_progress - rate) * HUNDRED


@dataclass(frozen=True, slots=True)
class ProjectProgress:
    code: str
    name: str
    division: str | None
    spending_group: str | None
    progress: Progress
    reconstructed: bool  # its monthly spending (or plan) is reconstructed, not reported


@dataclass(frozen=True, slots=True)
class GroupProgress:
    name: str
    progress: Progress
    projects: int


@dataclass(frozen=True, slots=True)
class IndicatorStatus:
    indicator: Indicator
    forecast: IndicatorForecast
    completion_rate: Decimal | None
    deviation: Deviation
    explanation: str

    @property
    def needs_action(self) -> bool:
        """Deviating, and the division has not yet said why or what it will do."""
        return self.deviation is not Deviation.NORMAL and not (
            self.forecast.reason.strip() and self.forecast.action.strip()
        )


@dataclass(frozen=True, slots=True)
class Warning:
    level: Level
    kind: str  # 项目 / 支出分组 / 处室 / 部门 / 指标
    subject: str
    message: str


@dataclass(frozen=True, slots=True)
class AverageSoFar:
    """The annual average execution rate through the month and what it scores at this pace."""

    rate: Decimal
    checkpoints: tuple[tuple[int, Decimal], ...]
    node: str | None  # the scoring node's name (部门预算资金支出率)
    points: Decimal | None
    score: Decimal | None


@dataclass(frozen=True, slots=True)
class MonitoringReport:
    department: str
    fiscal_year: int
    month: int
    basis: TimeProgressBasis
    overall: Progress
    projects: tuple[ProjectProgress, ...]
    groups: tuple[GroupProgress, ...]
    divisions: tuple[GroupProgress, ...]
    average: AverageSoFar | None
    indicators: tuple[IndicatorStatus, ...]
    warnings: tuple[Warning, ...]
    reconstructed: bool  # some monthly figures are reconstructed

    def ranked(self) -> list[ProjectProgress]:
        """Every project, the furthest behind time progress first."""
        return sorted(self.projects, key=lambda p: p.progress.gap_points or ZERO, reverse=True)

    def behind(self) -> list[ProjectProgress]:
        """Projects behind time progress by at least 0.01 percentage point (as shown), the
        furthest behind first."""
        return [p for p in self.ranked() if round_half_up(p.progress.gap_points or ZERO, 2) > 0]


def level_of(gap: Decimal | None, yellow: Decimal, red: Decimal) -> Level:
    """The light for a gap in rate terms (0.2 = 20 points behind).

    >>> level_of(Decimal("0.20"), Decimal("0.05"), Decimal("0.15")).value
    '红'
    >>> level_of(Decimal("0.05"), Decimal("0.05"), Decimal("0.15")).value
    '绿'
    """
    if gap is None or gap <= yellow:
        return Level.GREEN
    return Level.RED if gap > red else Level.YELLOW


def monitor(dataset: Dataset, framework: Framework, month: int) -> MonitoringReport:
    """The monitoring report at the end of ``month``; raise ProblemsFound when monthly spending
    is missing."""
    if not 1 <= month <= 12:
        raise ValueError(month)
    missing = [p.code for p in dataset.projects if p.monthly_spent is None]
    if missing:
        where = SourceLocation("projects")
        raise ProblemsFound(
            [
                Problem(
                    ProblemCode.E_MONTHS_MISSING,
                    f"监控需要各项目的月度支出，缺：{'、'.join(missing)}",
                    where,
                )
            ]
        )
    parameters = framework.parameters
    measure = _Measure(dataset, parameters, month)
    progress = measure.progress

    projects = tuple(
        ProjectProgress(
            p.code,
            p.name,
            p.division,
            p.spending_group,
            progress([p]),
            p.origin.is_reconstructed("monthly_spent"),
        )
        for p in dataset.projects
    )
    groups = _grouped(dataset.projects, lambda p: p.spending_group, progress)
    divisions = _grouped(dataset.projects, lambda p: p.division, progress)
    overall = progress(dataset.projects)
    statuses = tuple(_indicator_statuses(dataset, month, parameters))
    report = MonitoringReport(
        department=dataset.department.name,
        fiscal_year=dataset.fiscal_year,
        month=month,
        basis=parameters.time_progress,
        overall=overall,
        projects=projects,
        groups=groups,
        divisions=divisions,
        average=_average_so_far(dataset, framework, month),
        indicators=statuses,
        warnings=(),
        reconstructed=any(p.reconstructed for p in projects),
    )
    return _with_warnings(report)


class _Measure:
    """Cumulative spending of projects against time progress at the end of one month."""

    def __init__(self, dataset: Dataset, parameters: Parameters, month: int) -> None:
        self.plans = {plan.project: plan for plan in dataset.spending_plans}
        self.parameters = parameters
        self.month = month
        self._measured: dict[int, tuple[Decimal | None, Decimal]] = {}  # by id(project)

    def _measure(self, project: Project) -> tuple[Decimal | None, Decimal]:
        """A project's spending so far (None without monthly figures) and its due part,
        computed once per report: it is summed into its group, its division and the whole."""
        measured = self._measured.get(id(project))
        if measured is None:
            spent = (
                sum(project.monthly_spent[: self.month], ZERO) if project.monthly_spent else None
            )
            measured = self._measured[id(project)] = (spent, self.due(project))
        return measured

    def due(self, project: Project) -> Decimal:
        """The part of the budget that time progress expects spent by the end of the month:
        the share of the year, or the share of the project's plan due by then."""
        plan = self.plans.get(project.code)
        planned = sum(plan.monthly, ZERO) if plan is not None else ZERO
        if self.parameters.time_progress is TimeProgressBasis.PLAN and plan and planned > 0:
            return project.adjusted_budget * sum(plan.monthly[: self.month], ZERO) / planned
        return project.adjusted_budget * self.month / 12

    def progress(self, projects: Sequence[Project]) -> Progress:
        month, parameters = self.month, self.parameters
        budget = sum((p.adjusted_budget for p in projects), ZERO)
        measured = [self._measure(p) for p in projects]
        spent = sum((spent for spent, _due in measured if spent is not None), ZERO)
        expected = sum((due for _spent, due in measured), ZERO)
        time = expected / budget if budget else Decimal(month) / 12
        gap = time - spent / budget if budget else None
        return Progress(
            budget, spent, time, level_of(gap, parameters.yellow_gap, parameters.red_gap)
        )


def _grouped(
    projects: Iterable[Project],
    key: Callable[[Project], str | None],
    progress: Callable[[Sequence[Project]], Progress],
) -> tuple[GroupProgress, ...]:
    groups: dict[str, list[Project]] = {}
    for project in projects:
        name = key(project)
        if name:
            groups.setdefault(name, []).append(project)
    return tuple(
        GroupProgress(name, progress(members), len(members)) for name, members in groups.items()
    )


def _average_so_far(dataset: Dataset, framework: Framework, month: int) -> AverageSoFar | None:
    """The annual average execution rate over the checkpoints up to ``month``, on the
    framework's base, and what the scoring node would give it."""
    parameters = framework.parameters
    projects = list(dataset.projects)
    base = average_base(dataset, DEPARTMENT_SCOPE, projects, parameters.average_base)
    average = (
        None
        if base is None
        else annual_average_execution(
            projects, base, parameters.average_checkpoints, through_month=month
        )
    )
    if average is None:
        return None
    node = _average_node(framework)
    if node is None:
        return AverageSoFar(average.rate, average.cumulative_rates, None, None, None)
    score = rate_times_points.score_at(average.rate, node.points, parameters)
    return AverageSoFar(average.rate, average.cumulative_rates, node.name, node.points, score)


def _average_node(framework: Framework) -> Node | None:
    """The department-wide node scoring the annual average execution rate, if the framework
    has one."""
    return next(
        (
            node
            for node in framework.walk()
            if node.rule == rate_times_points.RULE.kind
            and isinstance(node.parameters, rate_times_points.RateTimesPointsParameters)
            and node.parameters.metric is Metric.ANNUAL_AVERAGE_EXECUTION_RATE
            and node.parameters.scope.kind is ScopeKind.DEPARTMENT
        ),
        None,
    )


def _indicator_statuses(
    dataset: Dataset, month: int, parameters: Parameters
) -> Iterable[IndicatorStatus]:
    """The latest forecast of each indicator made by the end of ``month``."""
    indicators = {i.code: i for i in dataset.indicators}
    latest: dict[str, IndicatorForecast] = {}
    for forecast in dataset.forecasts:
        if forecast.month <= month and forecast.indicator in indicators:
            known = latest.get(forecast.indicator)
            if known is None or forecast.month >= known.month:
                latest[forecast.indicator] = forecast
    for code, forecast in latest.items():
        indicator = indicators[code]
        rate = _forecast_rate(indicator, forecast.forecast, parameters)
        if rate is None and _none_at_most(indicator, forecast.forecast):
            deviation = Deviation.NORMAL  # "≤5" forecast at 0: better than any ratio
        elif rate is None:
            deviation = Deviation.SEVERE
        elif rate >= ONE:
            deviation = Deviation.NORMAL
        elif rate >= parameters.forecast_slight_deviation:
            deviation = Deviation.SLIGHT
        else:
            deviation = Deviation.SEVERE
        shown = format_percent(rate) if rate is not None else "无法计算"
        if deviation is Deviation.NORMAL and rate is None:
            shown = "不适用（预计为 0，优于目标）"
        explanation = (
            f"{indicator.name}：目标 {indicator.comparison.value}{_text(indicator.target)}"
            f"{indicator.unit}，全年预计 {_text(forecast.forecast)}{indicator.unit}，"
            f"预计完成率 {shown}，{deviation.value}"
        )
        yield IndicatorStatus(indicator, forecast, rate, deviation, explanation)


def _none_at_most(indicator: Indicator, forecast: Decimal | str) -> bool:
    """A "≤" indicator of a target above 0 forecast at 0: no ratio, and better than the target."""
    return indicator.comparison is Comparison.AT_MOST and forecast == 0


def _forecast_rate(
    indicator: Indicator, forecast: Decimal | str, parameters: Parameters
) -> Decimal | None:
    """The completion rate the forecast would give: as for an actual value, or the share of a
    qualitative tier (基本达成 80%)."""
    if indicator.comparison is Comparison.QUALITATIVE:
        return parameters.tier_share(str(forecast).strip())
    if not isinstance(forecast, Decimal) or not isinstance(indicator.target, Decimal):
        return None
    return completion_rate(
        indicator.comparison, indicator.target, forecast, parameters.missed_zero_target
    )


def _text(value: Decimal | str | None) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value or ""


def _with_warnings(report: MonitoringReport) -> MonitoringReport:
    warnings: list[Warning] = []

    def spending(kind: str, subject: str, progress: Progress) -> None:
        if progress.level is Level.GREEN or progress.rate is None:
            return
        warnings.append(
            Warning(
                progress.level,
                kind,
                subject,
                f"{kind}“{subject}”累计执行率 {format_percent(progress.rate)}，"
                f"低于序时进度（{format_percent(progress.time_progress)}）"
                f"{_points(progress.gap_points)} 个百分点",
            )
        )

    spending("部门", report.department, report.overall)
    for group in report.divisions:
        spending("处室", group.name, group.progress)
    for group in report.groups:
        spending("支出分组", group.name, group.progress)
    for project in report.projects:
        spending("项目", project.name, project.progress)
    for status in report.indicators:
        if status.deviation is Deviation.NORMAL:
            continue
        level = Level.RED if status.deviation is Deviation.SEVERE else Level.YELLOW
        missing = "；尚未填写偏差原因和纠偏措施" if status.needs_action else ""
        warnings.append(Warning(level, "指标", status.indicator.name, status.explanation + missing))
    ordered = sorted(warnings, key=lambda w: -w.level.rank)
    return replace(report, warnings=tuple(ordered))


def _points(gap: Decimal | None) -> str:
    return "—" if gap is None else f"{round_half_up(gap, 2):.2f}"


@dataclass(frozen=True, slots=True)
class Change:
    subject: str
    kind: str
    before: Level
    after: Level


def changes_since(previous: MonitoringReport, current: MonitoringReport) -> list[Change]:
    """Warnings that appeared, worsened, eased or cleared since the previous month (projects
    are told apart by code, since two may share a name)."""

    def lights(report: MonitoringReport) -> dict[tuple[str, str], tuple[str, Level]]:
        found = {("部门", report.department): (report.department, report.overall.level)}
        found |= {("处室", g.name): (g.name, g.progress.level) for g in report.divisions}
        found |= {("支出分组", g.name): (g.name, g.progress.level) for g in report.groups}
        found |= {("项目", p.code): (p.name, p.progress.level) for p in report.projects}
        for status in report.indicators:
            level = {Deviation.NORMAL: Level.GREEN, Deviation.SLIGHT: Level.YELLOW}.get(
                status.deviation, Level.RED
            )
            found[("指标", status.indicator.code)] = (status.indicator.name, level)
        return found

    before, after = lights(previous), lights(current)
    changes = []
    for key in dict.fromkeys([*after, *before]):
        name, old = before.get(key, ("", Level.GREEN))
        name, new = after.get(key, (name, Level.GREEN))
        if old is not new:
            changes.append(Change(name, key[0], old, new))
    return changes


@dataclass(frozen=True, slots=True)
class MonthlyMonitoring:
    """A month's report, what changed since the month before, and the department's progress
    at the end of each month so far (for charts)."""

    report: MonitoringReport
    changes: tuple[Change, ...]
    department_by_month: tuple[Progress, ...]


def monitor_month(dataset: Dataset, framework: Framework, month: int) -> MonthlyMonitoring:
    """The month's report, compared with the month before (the only other full report needed),
    and the department's progress at the end of each month so far."""
    report = monitor(dataset, framework, month)
    changes = (
        tuple(changes_since(monitor(dataset, framework, month - 1), report)) if month > 1 else ()
    )
    by_month = tuple(
        _Measure(dataset, framework.parameters, m).progress(dataset.projects)
        for m in range(1, month + 1)
    )
    return MonthlyMonitoring(report, changes, by_month)


def monitored_part(dataset: Dataset) -> Dataset:
    """``dataset`` as monitoring reads it: without the indicators' actual values (实际完成值,
    the year's outcome — monitoring compares forecasts with targets). Two data sets with equal
    monitored parts are monitored alike: a change of an actual value, the most frequent edit,
    leaves the year's monitoring as it was (``web.services.compute`` reuses it).

    >>> from jixiao.core.model import Department
    >>> year = Dataset(Department("445001", "广州市商务局"), 2023)
    >>> monitored_part(year) == year
    True"""
    blank = tuple(replace(indicator, actual=None) for indicator in dataset.indicators)
    return replace(dataset, indicators=blank)


def monitor_year(
    dataset: Dataset, framework: Framework
) -> dict[int, MonthlyMonitoring | tuple[Problem, ...]]:
    """:func:`monitor_month` for each month of the year — what a stored result keeps —, each
    month's report computed once (it is also the next month's "month before"), so the year
    costs twelve reports, not twenty-three. A month that cannot be monitored is given as the
    problems ``monitor_month`` would raise (no monthly spending, say)."""
    reports: dict[int, MonitoringReport | ProblemsFound] = {}
    for month in range(1, 13):
        try:
            reports[month] = monitor(dataset, framework, month)
        except ProblemsFound as error:
            reports[month] = error
    by_month: list[Progress] = []
    unmeasured: ProblemsFound | None = None  # a month's progress failed: so do all after it
    months: dict[int, MonthlyMonitoring | tuple[Problem, ...]] = {}
    for month in range(1, 13):
        report, previous = reports[month], reports.get(month - 1)
        if unmeasured is None:
            try:
                by_month.append(_department_progress(dataset, framework, month, report))
            except ProblemsFound as error:
                unmeasured = error
        if isinstance(report, ProblemsFound):
            months[month] = tuple(report.problems)
        elif isinstance(previous, ProblemsFound):
            months[month] = tuple(previous.problems)
        elif unmeasured is not None:
            months[month] = tuple(unmeasured.problems)
        else:
            changes = () if previous is None else tuple(changes_since(previous, report))
            months[month] = MonthlyMonitoring(report, changes, tuple(by_month))
    return months


def _department_progress(
    dataset: Dataset, framework: Framework, month: int, report: MonitoringReport | ProblemsFound
) -> Progress:
    """The department's progress at the end of ``month``: its report's own line when the month
    could be reported (the same sums), else measured alone."""
    if isinstance(report, MonitoringReport):
        return report.overall
    return _Measure(dataset, framework.parameters, month).progress(dataset.projects)
