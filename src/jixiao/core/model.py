"""The domain records of one department's fiscal year, as frozen dataclasses.

Money is :class:`~decimal.Decimal` 元 with two places. Every record carries an :class:`Origin`:
where it was read from, and which of its fields are reconstructed rather than published, so that
an explanation can cite its data and label a reconstruction as one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from jixiao.core.problems import SourceLocation


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from, which of its fields were reconstructed, and a note on its source.

    Two records read from different places are equal when their content is: the location does
    not take part in comparisons.
    """

    location: SourceLocation = field(compare=False)
    reconstructed: frozenset[str] = frozenset()
    note: str = ""

    def is_reconstructed(self, field_name: str) -> bool:
        return field_name in self.reconstructed or "*" in self.reconstructed


UNKNOWN_ORIGIN = Origin(SourceLocation("<内存>"))


NARRATIVE_SECTIONS: Mapping[str, str] = {
    "functions": "部门职能",
    "overall_goal": "部门整体绩效目标",
    "budget_increase_reason": "预算调整原因",
    "shortfall_reason": "预算未完成原因",
    "performance_management": "部门整体绩效管理情况",
    "results": "主要工作成效",
    "problems": "存在的主要问题",
    "next_steps": "下一步改进措施",
}
"""The text sections of a self-evaluation report that data cannot supply, by key."""


class IndicatorCategory(Enum):
    OUTPUT = "output"
    EFFECT = "effect"
    SATISFACTION = "satisfaction"

    @property
    def label(self) -> str:
        return {"output": "产出", "effect": "效益", "satisfaction": "满意度"}[self.value]


class IndicatorSubtype(Enum):
    QUANTITY = "quantity"
    QUALITY = "quality"
    TIMELINESS = "timeliness"
    COST = "cost"
    ECONOMIC = "economic"
    SOCIAL = "social"
    ECOLOGICAL = "ecological"
    SUSTAINABILITY = "sustainability"
    SATISFACTION = "satisfaction"

    @property
    def label(self) -> str:
        return SUBTYPE_LABELS[self]

    @property
    def category(self) -> IndicatorCategory:
        if self in {self.QUANTITY, self.QUALITY, self.TIMELINESS, self.COST}:
            return IndicatorCategory.OUTPUT
        if self is self.SATISFACTION:
            return IndicatorCategory.SATISFACTION
        return IndicatorCategory.EFFECT


SUBTYPE_LABELS: Mapping[IndicatorSubtype, str] = {
    IndicatorSubtype.QUANTITY: "数量指标",
    IndicatorSubtype.QUALITY: "质量指标",
    IndicatorSubtype.TIMELINESS: "时效指标",
    IndicatorSubtype.COST: "成本指标",
    IndicatorSubtype.ECONOMIC: "经济效益指标",
    IndicatorSubtype.SOCIAL: "社会效益指标",
    IndicatorSubtype.ECOLOGICAL: "生态效益指标",
    IndicatorSubtype.SUSTAINABILITY: "可持续影响指标",
    IndicatorSubtype.SATISFACTION: "服务对象满意度指标",
}


class Comparison(Enum):
    AT_LEAST = "≥"
    AT_MOST = "≤"
    EQUAL = "="
    QUALITATIVE = "定性"


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """The budget from one funding source (资金来源): initial (年初) and adjusted (年度)."""

    funding_source: str
    name: str
    initial_budget: Decimal
    adjusted_budget: Decimal
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class KeyTask:
    """A key task of the year (重点工作任务, 表 1-3)."""

    code: str
    name: str
    content: str = ""
    completion: str = ""
    division: str | None = None
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class Project:
    """A budget line of spending (项目). ``monthly_spent`` holds January … December.

    A project with targets of its own — a ``goal`` (年度总体目标·预期目标) or indicators whose
    ``project`` is its code — files its own self-evaluation (项目支出绩效自评表):
    ``goal_achieved`` is what it achieved (实际完成情况), ``initial_budget`` its 年初预算
    (``None`` when not stated) and ``implementing_unit`` the unit that carried it out (实施单位).
    """

    code: str
    name: str
    funding_source: str
    adjusted_budget: Decimal
    spent: Decimal
    monthly_spent: tuple[Decimal, ...] | None = None
    spending_group: str | None = None
    key_task: str | None = None
    special_fund: bool = False
    division: str | None = None
    initial_budget: Decimal | None = None
    implementing_unit: str = ""
    goal: str = ""
    goal_achieved: str = ""
    origin: Origin = UNKNOWN_ORIGIN


class FundKind(Enum):
    """The kinds of funds a project's form states apart (项目资金) — not its funding source
    (资金来源: 市本级, 转移支付 …), which a project keeps as well."""

    CURRENT = "current"
    CARRIED_OVER = "carried_over"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "current": "本年财政拨款",
            "carried_over": "上年结转资金",
            "other": "其他资金",
        }[self.value]


@dataclass(frozen=True, slots=True)
class ProjectFunds:
    """One kind of a project's funds: 年初预算数, 全年预算数 and 全年执行数, in 元.

    A project's rows of funds add up to its own 年初预算, 年度预算 and 支出 (its 年度资金总额).
    """

    project: str
    kind: FundKind
    initial_budget: Decimal
    adjusted_budget: Decimal
    spent: Decimal
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class Indicator:
    """A performance indicator (绩效指标) of a key task, of the special fund or of a project
    (``project``: the code of the project whose own self-evaluation it belongs to).

    ``target`` and ``actual`` are numbers for ≥ ≤ = indicators; for a qualitative indicator the
    target is a description and the actual is the name of a tier (e.g. 达成).
    """

    code: str
    name: str
    subtype: IndicatorSubtype
    comparison: Comparison
    target: Decimal | str
    actual: Decimal | str | None
    points: Decimal
    unit: str = ""
    key_task: str | None = None
    special_fund: bool = False
    deviation_reason: str = ""
    division: str | None = None
    project: str | None = None
    origin: Origin = UNKNOWN_ORIGIN

    @property
    def category(self) -> IndicatorCategory:
        return self.subtype.category


@dataclass(frozen=True, slots=True)
class ExAnteEvaluation:
    """Whether a new project had its ex-ante evaluation (事前绩效评估) before budgeting."""

    project: str
    completed_on: date | None
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """A problem named in an audit report (审计问题)."""

    code: str
    report: str
    description: str
    rectified: bool = False
    origin: Origin = UNKNOWN_ORIGIN


class DisclosureKind(Enum):
    BUDGET = "budget"
    FINAL_ACCOUNTS = "final_accounts"
    PERFORMANCE = "performance"

    @property
    def label(self) -> str:
        return {"budget": "预算公开", "final_accounts": "决算公开", "performance": "绩效信息公开"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Disclosure:
    """A required publication (信息公开) with its due and actual dates."""

    kind: DisclosureKind
    title: str
    due_on: date
    published_on: date | None
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class ProcurementContract:
    """A procurement contract; it must be filed and published within N working days."""

    code: str
    title: str
    signed_on: date
    filed_on: date | None
    channel: str = ""
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class AssetHolding:
    """Devices of one kind held, against the configuration standard (配置标准)."""

    category: str
    standard_count: int
    held_count: int
    reason: str = ""
    origin: Origin = UNKNOWN_ORIGIN

    @property
    def excess(self) -> int:
        return max(0, self.held_count - self.standard_count)


@dataclass(frozen=True, slots=True)
class Carryover:
    """Funds carried over to next year (结转结余)."""

    amount: Decimal
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class ExpenseControl:
    """A controlled expense (三公经费, 公用经费): its budget and what was spent."""

    budget: Decimal
    spent: Decimal
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class ManagementFacts:
    ex_ante_evaluations: tuple[ExAnteEvaluation, ...] = ()
    carryover: Carryover | None = None
    audit_findings: tuple[AuditFinding, ...] = ()
    disclosures: tuple[Disclosure, ...] = ()
    contracts: tuple[ProcurementContract, ...] = ()
    assets: tuple[AssetHolding, ...] = ()
    three_public_expenses: ExpenseControl | None = None
    public_expenses: ExpenseControl | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """A person's judgement on a framework node: a ``manual`` score or a ``qualitative_tiers``
    tier, always with the reason for it; ``project`` names the project whose own evaluation the
    node belongs to (``None``: the department's overall evaluation)."""

    node: str
    reason: str
    score: Decimal | None = None
    tier: str | None = None
    project: str | None = None
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class PublishedFigures:
    """What a published report states, kept to check the evaluation against it.

    ``node_scores`` maps framework node ids to published scores; ``task_scores`` maps key-task
    codes to published scores; ``over_achieved`` maps key-task codes to the indicator names the
    report says exceeded the over-achievement threshold, with the count it states. ``project``
    names the project whose own self-evaluation (项目支出绩效自评表) published them (``None``:
    the department's overall evaluation).
    """

    source: str
    project: str | None = None
    total: Decimal | None = None
    grade: str | None = None
    execution_rate: Decimal | None = None
    annual_average_execution_rate: Decimal | None = None
    node_scores: Mapping[str, Decimal] = field(default_factory=dict)
    task_scores: Mapping[str, Decimal] = field(default_factory=dict)
    over_achieved: Mapping[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpendingPlan:
    """A project's spending plan (用款计划): the amounts planned for January … December, in 元."""

    project: str
    monthly: tuple[Decimal, ...]
    division: str | None = None
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class IndicatorForecast:
    """One indicator in an in-year review (年中绩效监控): what is done by the end of ``month``,
    the forecast for the year, and — when it deviates — the division's reason and corrective
    action. Values are numbers for ≥ ≤ = indicators and tier names for qualitative ones."""

    indicator: str
    month: int
    to_date: Decimal | str | None
    forecast: Decimal | str
    reason: str = ""
    action: str = ""
    division: str | None = None
    origin: Origin = UNKNOWN_ORIGIN


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything known about one department's fiscal year."""

    department: Department
    fiscal_year: int
    budget_lines: tuple[BudgetLine, ...] = ()
    key_tasks: tuple[KeyTask, ...] = ()
    projects: tuple[Project, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    management: ManagementFacts = field(default_factory=ManagementFacts)
    assessments: tuple[Assessment, ...] = ()
    published: PublishedFigures | None = None
    special_fund_name: str = ""
    narrative: Mapping[str, str] = field(default_factory=dict)
    spending_plans: tuple[SpendingPlan, ...] = ()
    forecasts: tuple[IndicatorForecast, ...] = ()
    project_funds: tuple[ProjectFunds, ...] = ()

    def key_task(self, code: str) -> KeyTask | None:
        return next((task for task in self.key_tasks if task.code == code), None)

    def assessment(self, node: str) -> Assessment | None:
        return next((entry for entry in self.assessments if entry.node == node), None)

    def project(self, code: str) -> Project | None:
        return next((project for project in self.projects if project.code == code), None)
