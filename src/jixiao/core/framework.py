"""Scoring frameworks (评价体系) as data.

A framework is a tree of nodes. Each node has points (分值) and exactly one rule from a fixed
catalogue; no expression or code from a framework file is ever executed. :func:`parse_framework`
turns a plain mapping (parsed YAML) into a :class:`Framework` and reports every problem at once,
each with its path (``nodes[1].children[3].points``).

This module reads what every node has (``id``, ``name``, ``points``, ``rule``, ``note`` and, for
a rule with children, ``children``), the grades and the framework-wide parameters. The keys of
each rule are read by the rule's own module, found by its name in the catalogue
(``jixiao.core.rules.RULES``); details and worked examples there and in ``docs/frameworks.md``:

``sum``                    score = sum of the children; their points must add up to the node's.
``indicator_completion``   selected indicators scored by completion rate, with the
                           over-achievement penalty; scaled to the node's points.
``rate_times_points``      score = rate × points (e.g. 年度平均执行率 72.52% × 5 = 3.63).
``thresholds``             the first band the metric falls in gives the score.
``deduction_per_finding``  points − deduction × findings, never below the floor.
``qualitative_tiers``      a tier chosen by the evaluator (with reason) gives a share of points.
``manual``                 a score given by a person, with a mandatory reason.
``cohort_rank``            the department's rank or percentile among its cohort on a metric or
                           another item's score gives the score, by bands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Any

from jixiao.core.execution import AverageBase, Checkpoints, TimeProgressBasis
from jixiao.core.fields import FieldReader
from jixiao.core.problems import Problem, ProblemCode, SourceLocation

if TYPE_CHECKING:
    from jixiao.core.rules.base import Rule

ZERO = Decimal(0)
IN_MEMORY = SourceLocation("<内存>")


class ScopeKind(StrEnum):
    """Which projects a metric covers."""

    DEPARTMENT = "department"
    SPECIAL_FUND = "special_fund"
    FUNDING_SOURCE = "funding_source"


ALL_SCOPES = frozenset(ScopeKind)


class FrameworkKind(StrEnum):
    """What a framework evaluates (its top-level ``kind``): a department's spending as a whole
    (部门整体支出), a project's spending (项目支出) or a special fund's (专项资金). A label for
    readers; no rule reads it — what is scored is the nodes' choice."""

    DEPARTMENT_OVERALL = "department_overall"
    PROJECT = "project"
    SPECIAL_FUND = "special_fund"

    @property
    def label(self) -> str:
        return {
            "department_overall": "部门整体支出绩效评价",
            "project": "项目支出绩效评价",
            "special_fund": "专项资金绩效评价",
        }[self.value]


class Metric(Enum):
    """Rates a framework can score; computed by ``jixiao.core.metrics``."""

    EXECUTION_RATE = "execution_rate"
    ANNUAL_AVERAGE_EXECUTION_RATE = "annual_average_execution_rate"
    CARRYOVER_RATE = "carryover_rate"
    THREE_PUBLIC_EXPENSE_CONTROL_RATE = "three_public_expense_control_rate"
    PUBLIC_EXPENSE_CONTROL_RATE = "public_expense_control_rate"

    @property
    def label(self) -> str:
        return METRIC_LABELS[self]

    @property
    def scopes(self) -> frozenset[ScopeKind]:
        """The scopes the metric can be computed for: execution rates for any set of projects;
        carry-over and expense control only for the department as a whole."""
        return METRIC_SCOPES.get(self, frozenset({ScopeKind.DEPARTMENT}))


METRIC_LABELS = {
    Metric.EXECUTION_RATE: "预算执行率",
    Metric.ANNUAL_AVERAGE_EXECUTION_RATE: "年度平均执行率",
    Metric.CARRYOVER_RATE: "结转结余率",
    Metric.THREE_PUBLIC_EXPENSE_CONTROL_RATE: "“三公”经费控制率",
    Metric.PUBLIC_EXPENSE_CONTROL_RATE: "公用经费控制率",
}
METRIC_SCOPES = {
    Metric.EXECUTION_RATE: ALL_SCOPES,
    Metric.ANNUAL_AVERAGE_EXECUTION_RATE: ALL_SCOPES,
}


class FindingSource(Enum):
    """Kinds of findings a ``deduction_per_finding`` node counts; see ``jixiao.core.findings``."""

    AUDIT_FINDINGS = "audit_findings"
    LATE_DISCLOSURES = "late_disclosures"
    LATE_CONTRACT_FILINGS = "late_contract_filings"
    MISSING_EX_ANTE_EVALUATIONS = "missing_ex_ante_evaluations"
    ASSETS_OVER_STANDARD = "assets_over_standard"


@dataclass(frozen=True, slots=True)
class Scope:
    """Which projects a scoped metric covers: the department, the special fund or one source."""

    kind: ScopeKind
    funding_source: str | None = None

    @property
    def label(self) -> str:
        if self.kind is ScopeKind.SPECIAL_FUND:
            return "专项资金"
        if self.kind is ScopeKind.FUNDING_SOURCE:
            return f"资金来源“{self.funding_source}”"
        return "部门整体"


DEPARTMENT_SCOPE = Scope(ScopeKind.DEPARTMENT)


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    share: Decimal


@dataclass(frozen=True, slots=True)
class RuleParameters:
    """What a node's rule reads from its keys; each rule module defines its own subclass
    (``rules.thresholds.ThresholdsParameters``: the metric, its scope and the bands).

    Two questions the framework parser asks of every node's parameters, to refuse a circle: does
    the rule read the cohort (``cohort_rank``), and which other items' scores does it read, each
    with the key it is written under (``(("item", "output_indicators"),)``)?"""

    def reads_cohort(self) -> bool:
        return False

    def items_read(self) -> tuple[tuple[str, str], ...]:
        return ()


NO_PARAMETERS = RuleParameters()


@dataclass(frozen=True, slots=True)
class Node:
    """One item of the framework: its rule (a name in ``jixiao.core.rules.RULES``) and that
    rule's parameters."""

    id: str
    name: str
    points: Decimal
    rule: str
    children: tuple[Node, ...] = ()
    note: str = ""
    parameters: RuleParameters = NO_PARAMETERS
    location: SourceLocation = IN_MEMORY

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    minimum: Decimal


@dataclass(frozen=True, slots=True)
class Parameters:
    """Framework-wide parameters; every default is the practice of the reference framework."""

    over_achievement_threshold: Decimal = Decimal("1.5")
    over_achievement_penalty: Decimal = Decimal("0.5")
    qualitative_tiers: tuple[Tier, ...] = (
        Tier("达成", Decimal(1)),
        Tier("基本达成", Decimal("0.8")),
        Tier("部分达成", Decimal("0.5")),
        Tier("未达成", ZERO),
    )
    # A quantitative indicator whose target is 0 (安全事故 ≤0, 投诉 =0) has no ratio: met, it
    # completes 100%; missed (actual above 0), it completes — and scores — this share of its points.
    missed_zero_target: Decimal = ZERO
    average_checkpoints: Checkpoints = Checkpoints.MONTHLY
    average_base: AverageBase = AverageBase.ADJUSTED_BUDGET
    score_places: int = 2
    rate_places: int = 4
    contract_filing_working_days: int = 2
    # In-year monitoring (双监控): a project, group, division or the department whose cumulative
    # execution is behind time progress by more than the yellow gap is 黄, by more than the red
    # gap 红; an indicator forecast to complete below 100% deviates slightly (轻微偏差) down to
    # ``forecast_slight_deviation``, severely (严重偏差) below it.
    time_progress: TimeProgressBasis = TimeProgressBasis.LINEAR
    yellow_gap: Decimal = Decimal("0.05")
    red_gap: Decimal = Decimal("0.15")
    forecast_slight_deviation: Decimal = Decimal("0.9")

    def tier_share(self, name: str) -> Decimal | None:
        return next((tier.share for tier in self.qualitative_tiers if tier.name == name), None)


GRADES_NATIONAL = (
    Grade("优", Decimal(90)),
    Grade("良", Decimal(80)),
    Grade("中", Decimal(60)),
    Grade("差", ZERO),
)


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    name: str
    version: str
    points: Decimal
    nodes: tuple[Node, ...]
    parameters: Parameters = Parameters()
    grades: tuple[Grade, ...] = GRADES_NATIONAL
    description: str = ""
    kind: FrameworkKind = FrameworkKind.DEPARTMENT_OVERALL

    def walk(self) -> Iterator[Node]:
        for node in self.nodes:
            yield from node.walk()

    def grade_for(self, score: Decimal) -> str:
        for grade in self.grades:
            if score >= grade.minimum:
                return grade.name
        return self.grades[-1].name


class FrameworkInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in problems))


def parse_framework(data: object, source: str) -> Framework:
    """Build a :class:`Framework` from a parsed document; raise :class:`FrameworkInvalid` with
    every problem found."""
    # The catalogue's modules build on this module's records, so it is read when it is needed.
    from jixiao.core.rules import RULES

    parser = _FrameworkParser(source, RULES)
    framework = parser.parse(data)
    if parser.reader.problems or framework is None:
        raise FrameworkInvalid(parser.reader.problems)
    return framework


@dataclass(frozen=True, slots=True)
class NodeSource:
    """What a rule's ``parse`` reads: the node's mapping, where it is, the node's name and
    points as read (``None`` when they are wrong) and the reader that records problems."""

    data: Mapping[str, Any]
    where: SourceLocation
    name: str | None
    points: Decimal | None
    read: FieldReader

    def at(self, key: str) -> SourceLocation:
        return self.where.child(key)


TOTAL_ID = "total"  # the root of the score tree: no node of a framework


def _depends_on_cohort(
    node: Node, by_id: Mapping[str, Node], seen: frozenset[str] = frozenset()
) -> bool:
    """Whether ``node``'s score depends on the cohort: its rule reads it, or a child's score or
    an item it reads does."""
    if node.id in seen:
        return True  # a circle of items reading each other
    if node.parameters.reads_cohort():
        return True
    seen = seen | {node.id}
    read = [by_id[item] for _, item in node.parameters.items_read() if item in by_id]
    return any(_depends_on_cohort(other, by_id, seen) for other in (*node.children, *read))


def read_scope(read: FieldReader, value: object, where: SourceLocation) -> Scope | None:
    """``department``, ``special_fund`` or ``funding_source:<资金来源编号>``."""
    if value in (ScopeKind.DEPARTMENT, ScopeKind.SPECIAL_FUND):
        return Scope(ScopeKind(str(value)))
    if isinstance(value, str) and value.startswith("funding_source:") and value[15:].strip():
        return Scope(ScopeKind.FUNDING_SOURCE, value[15:].strip())
    read.error(
        ProblemCode.E_CHOICE,
        f"范围“{value}”无效，可选：department、special_fund、funding_source:<资金来源编号>",
        where,
    )
    return None


def read_tiers(read: FieldReader, value: object, where: SourceLocation) -> tuple[Tier, ...] | None:
    """Tiers as ``{名称: 得分比例}``, each share at most 100%."""
    data = read.mapping(value, where)
    if data is None:
        return None
    tiers = []
    for name in data:
        share = read.rate(data, str(name), where)
        if share is not None and share > 1:
            read.error(
                ProblemCode.E_RANGE,
                f"档次“{name}”的得分比例不能超过 100%",
                where.child(str(name)),
            )
        elif share is not None:
            tiers.append(Tier(str(name), share))
    if not tiers:
        read.error(ProblemCode.E_REQUIRED, "至少需要一个档次", where)
        return None
    return tuple(tiers)


def options(enum: type[Enum]) -> dict[str, Any]:
    return {member.value: member for member in enum}


_TOP_KEYS = (
    "id",
    "name",
    "version",
    "kind",
    "description",
    "points",
    "parameters",
    "grades",
    "nodes",
)
_NODE_KEYS = ("id", "name", "points", "rule", "note")
_CHILDREN = "children"
_PARAMETER_KEYS = (
    "over_achievement_threshold",
    "over_achievement_penalty",
    "missed_zero_target",
    "qualitative_tiers",
    "annual_average_execution",
    "score_places",
    "rate_places",
    "contract_filing_working_days",
    "monitoring",
)


class _FrameworkParser:
    def __init__(self, source: str, rules: Mapping[str, Rule[Any]]) -> None:
        self.reader = FieldReader()
        self.root = SourceLocation(source)
        self.seen_ids: set[str] = set()
        self.rules = rules
        self.rule_keys = frozenset(key for rule in rules.values() for key in rule.keys)

    def parse(self, data: object) -> Framework | None:
        read = self.reader
        top = read.mapping(data, self.root)
        if top is None:
            return None
        read.only_keys(top, _TOP_KEYS, self.root)
        framework_id = read.text(top, "id", self.root)
        name = read.text(top, "name", self.root)
        version = read.text(top, "version", self.root)
        kind = read.choice(
            top, "kind", options(FrameworkKind), self.root, default=FrameworkKind.DEPARTMENT_OVERALL
        )
        points = read.decimal(top, "points", self.root, minimum=Decimal("0.01"))
        parameters = self._parameters(top.get("parameters", {}), self.root.child("parameters"))
        grades = self._grades(top.get("grades"), self.root.child("grades"))
        nodes = self._nodes(top.get("nodes"), self.root.child("nodes"))
        if nodes is not None and points is not None:
            self._check_sum(nodes, points, self.root.child("nodes"), "评价体系总分")
        if nodes is not None:
            self._check_items_read(nodes)
        if None in (framework_id, name, version, points, nodes, parameters):
            return None
        assert framework_id and name and version and points is not None and nodes is not None
        assert parameters is not None
        return Framework(
            id=framework_id,
            name=name,
            version=version,
            points=points,
            nodes=nodes,
            parameters=parameters,
            grades=grades or GRADES_NATIONAL,
            description=str(top.get("description") or ""),
            kind=kind or FrameworkKind.DEPARTMENT_OVERALL,
        )

    def _check_sum(
        self, children: tuple[Node, ...], points: Decimal, where: SourceLocation, what: str
    ) -> None:
        total = sum((child.points for child in children), ZERO)
        if total != points:
            self.reader.error(
                ProblemCode.E_POINTS_SUM,
                f"子节点分值合计 {total:f} 不等于{what} {points:f}",
                where,
            )

    def _check_items_read(self, nodes: tuple[Node, ...]) -> None:
        """An item a rule reads must exist, and a rule that reads the cohort may not read the
        total or an item whose score depends on the cohort (itself, a ``cohort_rank`` item, a
        group holding one): its score would depend on itself."""
        by_id = {node.id: node for top in nodes for node in top.walk()}
        for node in by_id.values():
            for key, item in node.parameters.items_read():
                where = node.location.child(key)
                target = by_id.get(item)
                if target is None and item == TOTAL_ID:
                    self.reader.error(
                        ProblemCode.E_CIRCULAR,
                        "不能按总分排名计分：总分包含本项的得分，会循环计算",
                        where,
                    )
                elif target is None:
                    self.reader.error(
                        ProblemCode.E_UNKNOWN_NODE, f"没有编号为“{item}”的节点", where
                    )
                elif node.parameters.reads_cohort() and _depends_on_cohort(target, by_id):
                    what = "就是本项" if target is node else "的得分取决于同批部门排名"
                    self.reader.error(
                        ProblemCode.E_CIRCULAR,
                        f"不能按节点“{item}”（{target.name}）排名计分：它{what}，会循环计算",
                        where,
                    )

    def _nodes(self, value: object, where: SourceLocation) -> tuple[Node, ...] | None:
        items = self.reader.sequence(value, where)
        if items is None:
            return None
        if not items:
            self.reader.error(ProblemCode.E_REQUIRED, "至少需要一个节点", where)
            return None
        nodes = [self._node(item, where.child(f"[{index}]")) for index, item in enumerate(items)]
        if any(node is None for node in nodes):
            return None
        return tuple(node for node in nodes if node is not None)

    def _node(self, value: object, where: SourceLocation) -> Node | None:
        """The keys every node has; the rule's own keys are read by the rule's ``parse``."""
        read = self.reader
        data = read.mapping(value, where)
        if data is None:
            return None
        read.only_keys(data, (*_NODE_KEYS, *self.rule_keys), where)
        node_id = read.text(data, "id", where)
        if node_id is not None:
            if node_id in self.seen_ids:
                read.error(
                    ProblemCode.E_DUPLICATE_ID, f"节点编号“{node_id}”重复", where.child("id")
                )
            self.seen_ids.add(node_id)
        name = read.text(data, "name", where)
        points = read.decimal(data, "points", where, minimum=ZERO)
        rule = read.choice(data, "rule", self.rules, where)
        if rule is None:
            return None
        for key in data:
            if key in self.rule_keys and key not in rule.keys:
                read.error(
                    ProblemCode.E_RULE_FIELD,
                    f"规则“{rule.kind}”不使用字段“{key}”",
                    where.child(str(key)),
                )
        children: tuple[Node, ...] | None = ()
        if rule.has_children:
            children = self._nodes(data.get(_CHILDREN), where.child(_CHILDREN))
            if children is not None and points is not None:
                self._check_sum(children, points, where.child(_CHILDREN), f"“{name}”的分值")
        parameters = rule.parse(NodeSource(data, where, name, points, read))
        if None in (node_id, name, points, children, parameters):
            return None
        assert node_id and name and points is not None and children is not None
        assert parameters is not None
        return Node(
            id=node_id,
            name=name,
            points=points,
            rule=rule.kind,
            children=children,
            note=str(data.get("note") or ""),
            parameters=parameters,
            location=where,
        )

    def _grades(self, value: object, where: SourceLocation) -> tuple[Grade, ...] | None:
        if value is None:
            return None
        grades = []
        for data, here in self.reader.mappings(value, where):
            self.reader.only_keys(data, ("grade", "min"), here)
            name = self.reader.text(data, "grade", here)
            minimum = self.reader.decimal(data, "min", here, minimum=ZERO)
            if name is not None and minimum is not None:
                grades.append(Grade(name, minimum))
        minimums = [grade.minimum for grade in grades]
        if minimums != sorted(minimums, reverse=True) or len(set(minimums)) != len(minimums):
            self.reader.error(
                ProblemCode.E_GRADES, "等级须按最低分从高到低排列，且最低分互不相同", where
            )
        elif grades and grades[-1].minimum != 0:
            self.reader.error(
                ProblemCode.E_GRADES, "最后一个等级的最低分须为 0，使每个得分都有等级", where
            )
        return tuple(grades) or None

    def _parameters(self, value: object, where: SourceLocation) -> Parameters | None:
        read = self.reader
        data = read.mapping(value, where)
        if data is None:
            return None
        read.only_keys(data, _PARAMETER_KEYS, where)
        defaults = Parameters()
        values: dict[str, Any] = {}
        for key in ("over_achievement_threshold", "over_achievement_penalty"):
            if key in data:
                values[key] = read.rate(data, key, where)
        if "missed_zero_target" in data:
            share = values["missed_zero_target"] = read.rate(data, "missed_zero_target", where)
            if share is not None and share > 1:
                read.error(
                    ProblemCode.E_RANGE,
                    "零目标未达成的得分比例不能超过 100%",
                    where.child("missed_zero_target"),
                )
        if "qualitative_tiers" in data:
            values["qualitative_tiers"] = read_tiers(
                read, data["qualitative_tiers"], where.child("qualitative_tiers")
            )
        for key in ("score_places", "rate_places", "contract_filing_working_days"):
            if key in data:
                values[key] = read.integer(data, key, where, minimum=0 if "places" in key else 1)
        if "annual_average_execution" in data:
            here = where.child("annual_average_execution")
            average = read.mapping(data["annual_average_execution"], here)
            if average is not None:
                read.only_keys(average, ("checkpoints", "base"), here)
                values["average_checkpoints"] = read.choice(
                    average,
                    "checkpoints",
                    options(Checkpoints),
                    here,
                    default=defaults.average_checkpoints,
                )
                values["average_base"] = read.choice(
                    average, "base", options(AverageBase), here, default=defaults.average_base
                )
        if "monitoring" in data:
            values.update(self._monitoring(data["monitoring"], where.child("monitoring")))
        if None in values.values():
            return None
        return Parameters(**values)

    def _monitoring(self, value: object, where: SourceLocation) -> dict[str, Any]:
        """``monitoring: {time_progress: linear, warning_gap: {yellow: 5%, red: 15%},
        forecast_slight_deviation: 90%}`` — every key optional."""
        read = self.reader
        data = read.mapping(value, where)
        if data is None:
            return {"time_progress": None}
        read.only_keys(data, ("time_progress", "warning_gap", "forecast_slight_deviation"), where)
        defaults = Parameters()
        values: dict[str, Any] = {
            "time_progress": read.choice(
                data,
                "time_progress",
                options(TimeProgressBasis),
                where,
                default=defaults.time_progress,
            )
        }
        if "forecast_slight_deviation" in data:
            values["forecast_slight_deviation"] = read.rate(
                data, "forecast_slight_deviation", where
            )
        if "warning_gap" in data:
            here = where.child("warning_gap")
            gaps = read.mapping(data["warning_gap"], here)
            if gaps is None:
                return values | {"yellow_gap": None}
            read.only_keys(gaps, ("yellow", "red"), here)
            yellow = read.rate(gaps, "yellow", here)
            red = read.rate(gaps, "red", here)
            if yellow is not None and red is not None and not ZERO <= yellow < red:
                read.error(
                    ProblemCode.E_THRESHOLDS,
                    f"黄色预警差距 {yellow:%} 须不小于 0 且小于红色预警差距 {red:%}",
                    here,
                )
                yellow = None
            values.update(yellow_gap=yellow, red_gap=red)
        return values
