"""Scoring frameworks (评价体系) as data.

A framework is a tree of nodes. Each node has points (分值) and exactly one rule from a fixed
catalogue; no expression or code from a framework file is ever executed. :func:`parse_framework`
turns a plain mapping (parsed YAML) into a :class:`Framework` and reports every problem at once,
each with its path (``nodes[1].children[3].points``).

The catalogue (details and worked examples in ``jixiao.core.rules`` and ``docs/frameworks.md``):

``sum``                    score = sum of the children; their points must add up to the node's.
``indicator_completion``   selected indicators scored by completion rate, with the
                           over-achievement penalty; scaled to the node's points.
``rate_times_points``      score = rate × points (e.g. 年度平均执行率 72.52% × 5 = 3.63).
``thresholds``             the first band the metric falls in gives the score.
``deduction_per_finding``  points − deduction × findings, never below the floor.
``qualitative_tiers``      a tier chosen by the evaluator (with reason) gives a share of points.
``manual``                 a score given by a person, with a mandatory reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from jixiao.core.execution import AverageBase, Checkpoints, TimeProgressBasis
from jixiao.core.fields import FieldReader
from jixiao.core.model import IndicatorCategory
from jixiao.core.problems import Problem, SourceLocation

ZERO = Decimal(0)
IN_MEMORY = SourceLocation("<内存>")


class RuleKind(Enum):
    SUM = "sum"
    INDICATOR_COMPLETION = "indicator_completion"
    RATE_TIMES_POINTS = "rate_times_points"
    THRESHOLDS = "thresholds"
    DEDUCTION_PER_FINDING = "deduction_per_finding"
    QUALITATIVE_TIERS = "qualitative_tiers"
    MANUAL = "manual"


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
    def scoped(self) -> bool:
        return self in {Metric.EXECUTION_RATE, Metric.ANNUAL_AVERAGE_EXECUTION_RATE}


METRIC_LABELS = {
    Metric.EXECUTION_RATE: "预算执行率",
    Metric.ANNUAL_AVERAGE_EXECUTION_RATE: "年度平均执行率",
    Metric.CARRYOVER_RATE: "结转结余率",
    Metric.THREE_PUBLIC_EXPENSE_CONTROL_RATE: "“三公”经费控制率",
    Metric.PUBLIC_EXPENSE_CONTROL_RATE: "公用经费控制率",
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

    kind: str  # "department" | "special_fund" | "funding_source"
    funding_source: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "special_fund":
            return "专项资金"
        if self.kind == "funding_source":
            return f"资金来源“{self.funding_source}”"
        return "部门整体"


DEPARTMENT_SCOPE = Scope("department")


@dataclass(frozen=True, slots=True)
class IndicatorSelection:
    """Which indicators an ``indicator_completion`` node scores."""

    category: IndicatorCategory | None = None
    special_fund: bool | None = None

    def describe(self) -> str:
        parts = []
        if self.special_fund is True:
            parts.append("专项资金")
        elif self.special_fund is False:
            parts.append("重点工作任务")
        if self.category is not None:
            parts.append(self.category.label)
        return "".join(parts) + "指标" if parts else "全部指标"


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a ``thresholds`` rule: the metric is at most / at least a bound."""

    score: Decimal
    at_most: Decimal | None = None
    at_least: Decimal | None = None

    def contains(self, value: Decimal) -> bool:
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    share: Decimal


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    name: str
    points: Decimal
    rule: RuleKind
    children: tuple[Node, ...] = ()
    note: str = ""
    select: IndicatorSelection = IndicatorSelection()
    metric: Metric | None = None
    scope: Scope = DEPARTMENT_SCOPE
    bands: tuple[Band, ...] = ()
    findings: FindingSource | None = None
    deduction: Decimal = ZERO
    floor: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
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
    kind: str = "department_overall"  # or "project": what the framework evaluates

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
    parser = _FrameworkParser(source)
    framework = parser.parse(data)
    if parser.reader.problems or framework is None:
        raise FrameworkInvalid(parser.reader.problems)
    return framework


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
_NODE_KEYS = (
    "id",
    "name",
    "points",
    "rule",
    "note",
    "children",
    "select",
    "metric",
    "scope",
    "bands",
    "findings",
    "deduction",
    "floor",
    "tiers",
)
_RULE_KEYS: Mapping[RuleKind, frozenset[str]] = {
    RuleKind.SUM: frozenset({"children"}),
    RuleKind.INDICATOR_COMPLETION: frozenset({"select"}),
    RuleKind.RATE_TIMES_POINTS: frozenset({"metric", "scope"}),
    RuleKind.THRESHOLDS: frozenset({"metric", "scope", "bands"}),
    RuleKind.DEDUCTION_PER_FINDING: frozenset({"findings", "deduction", "floor"}),
    RuleKind.QUALITATIVE_TIERS: frozenset({"tiers"}),
    RuleKind.MANUAL: frozenset(),
}
_RULE_SPECIFIC = frozenset().union(*_RULE_KEYS.values())
_PARAMETER_KEYS = (
    "over_achievement_threshold",
    "over_achievement_penalty",
    "qualitative_tiers",
    "annual_average_execution",
    "score_places",
    "rate_places",
    "contract_filing_working_days",
    "monitoring",
)


def _options(enum: type[Enum]) -> dict[str, Any]:
    return {member.value: member for member in enum}


class _FrameworkParser:
    def __init__(self, source: str) -> None:
        self.reader = FieldReader()
        self.root = SourceLocation(source)
        self.seen_ids: set[str] = set()

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
            top,
            "kind",
            {"department_overall": "department_overall", "project": "project"},
            self.root,
            default="department_overall",
        )
        points = read.decimal(top, "points", self.root, minimum=Decimal("0.01"))
        parameters = self._parameters(top.get("parameters", {}), self.root.child("parameters"))
        grades = self._grades(top.get("grades"), self.root.child("grades"))
        nodes = self._nodes(top.get("nodes"), self.root.child("nodes"))
        if nodes is not None and points is not None:
            self._check_sum(nodes, points, self.root.child("nodes"), "评价体系总分")
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
            kind=kind or "department_overall",
        )

    def _check_sum(
        self, children: tuple[Node, ...], points: Decimal, where: SourceLocation, what: str
    ) -> None:
        total = sum((child.points for child in children), ZERO)
        if total != points:
            self.reader.error(
                "E-POINTS-SUM",
                f"子节点分值合计 {total:f} 不等于{what} {points:f}",
                where,
            )

    def _nodes(self, value: object, where: SourceLocation) -> tuple[Node, ...] | None:
        items = self.reader.sequence(value, where)
        if items is None:
            return None
        if not items:
            self.reader.error("E-REQUIRED", "至少需要一个节点", where)
            return None
        nodes = [self._node(item, where.child(f"[{index}]")) for index, item in enumerate(items)]
        if any(node is None for node in nodes):
            return None
        return tuple(node for node in nodes if node is not None)

    def _node(self, value: object, where: SourceLocation) -> Node | None:
        read = self.reader
        data = read.mapping(value, where)
        if data is None:
            return None
        read.only_keys(data, _NODE_KEYS, where)
        node_id = read.text(data, "id", where)
        if node_id is not None:
            if node_id in self.seen_ids:
                read.error("E-DUPLICATE-ID", f"节点编号“{node_id}”重复", where.child("id"))
            self.seen_ids.add(node_id)
        name = read.text(data, "name", where)
        points = read.decimal(data, "points", where, minimum=ZERO)
        rule = read.choice(data, "rule", _options(RuleKind), where)
        if rule is None:
            return None
        for key in _RULE_SPECIFIC - _RULE_KEYS[rule]:
            if key in data:
                read.error("E-RULE-FIELD", f"规则“{rule.value}”不使用字段“{key}”", where.child(key))
        fields: dict[str, Any] = {}
        children: tuple[Node, ...] | None = ()
        if rule is RuleKind.SUM:
            children = self._nodes(data.get("children"), where.child("children"))
            if children is not None and points is not None:
                self._check_sum(children, points, where.child("children"), f"“{name}”的分值")
        elif rule is RuleKind.INDICATOR_COMPLETION:
            fields["select"] = self._selection(data.get("select", {}), where.child("select"))
        elif rule in (RuleKind.RATE_TIMES_POINTS, RuleKind.THRESHOLDS):
            fields["metric"] = read.choice(data, "metric", _options(Metric), where)
            fields["scope"] = self._scope(data.get("scope", "department"), where.child("scope"))
            if rule is RuleKind.THRESHOLDS:
                fields["bands"] = self._bands(data.get("bands"), where.child("bands"), points)
        elif rule is RuleKind.DEDUCTION_PER_FINDING:
            fields["findings"] = read.choice(data, "findings", _options(FindingSource), where)
            fields["deduction"] = read.decimal(data, "deduction", where, minimum=Decimal("0.01"))
            fields["floor"] = read.decimal(data, "floor", where, required=False, minimum=ZERO)
            if fields["floor"] is None:
                fields["floor"] = ZERO
            elif points is not None and fields["floor"] > points:
                read.error("E-RANGE", "扣分下限不能高于节点分值", where.child("floor"))
        elif rule is RuleKind.QUALITATIVE_TIERS:
            fields["tiers"] = self._tiers(data.get("tiers"), where.child("tiers"))
        if None in (node_id, name, points, children) or None in fields.values():
            return None
        assert node_id and name and points is not None and children is not None
        return Node(
            id=node_id,
            name=name,
            points=points,
            rule=rule,
            children=children,
            note=str(data.get("note") or ""),
            location=where,
            **fields,
        )

    def _selection(self, value: object, where: SourceLocation) -> IndicatorSelection | None:
        data = self.reader.mapping(value, where)
        if data is None:
            return None
        self.reader.only_keys(data, ("category", "special_fund"), where)
        category = None
        if "category" in data:
            category = self.reader.choice(data, "category", _options(IndicatorCategory), where)
            if category is None:
                return None
        special = data.get("special_fund")
        if special is not None and not isinstance(special, bool):
            self.reader.error(
                "E-TYPE", "“special_fund”应为 true 或 false", where.child("special_fund")
            )
            return None
        return IndicatorSelection(category, special)

    def _scope(self, value: object, where: SourceLocation) -> Scope | None:
        if value in ("department", "special_fund"):
            return Scope(str(value))
        if isinstance(value, str) and value.startswith("funding_source:") and value[15:].strip():
            return Scope("funding_source", value[15:].strip())
        self.reader.error(
            "E-CHOICE",
            f"范围“{value}”无效，可选：department、special_fund、funding_source:<资金来源编号>",
            where,
        )
        return None

    def _bands(
        self, value: object, where: SourceLocation, points: Decimal | None
    ) -> tuple[Band, ...] | None:
        bands = []
        for data, here in self.reader.mappings(value, where):
            self.reader.only_keys(data, ("at_most", "at_least", "score"), here)
            score = self.reader.decimal(data, "score", here, minimum=ZERO)
            at_most = self.reader.rate(data, "at_most", here, required=False)
            at_least = self.reader.rate(data, "at_least", here, required=False)
            if score is not None and points is not None and score > points:
                self.reader.error("E-RANGE", f"档位得分 {score} 超过节点分值 {points}", here)
            if score is not None:
                bands.append(Band(score, at_most, at_least))
        if not bands:
            self.reader.error("E-REQUIRED", "至少需要一个档位", where)
            return None
        return tuple(bands)

    def _tiers(self, value: object, where: SourceLocation) -> tuple[Tier, ...] | None:
        data = self.reader.mapping(value, where)
        if data is None:
            return None
        tiers = []
        for name in data:
            share = self.reader.rate(data, str(name), where)
            if share is not None and share > 1:
                self.reader.error(
                    "E-RANGE", f"档次“{name}”的得分比例不能超过 100%", where.child(str(name))
                )
            elif share is not None:
                tiers.append(Tier(str(name), share))
        if not tiers:
            self.reader.error("E-REQUIRED", "至少需要一个档次", where)
            return None
        return tuple(tiers)

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
            self.reader.error("E-GRADES", "等级须按最低分从高到低排列，且最低分互不相同", where)
        elif grades and grades[-1].minimum != 0:
            self.reader.error("E-GRADES", "最后一个等级的最低分须为 0，使每个得分都有等级", where)
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
        if "qualitative_tiers" in data:
            values["qualitative_tiers"] = self._tiers(
                data["qualitative_tiers"], where.child("qualitative_tiers")
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
                    _options(Checkpoints),
                    here,
                    default=defaults.average_checkpoints,
                )
                values["average_base"] = read.choice(
                    average, "base", _options(AverageBase), here, default=defaults.average_base
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
                _options(TimeProgressBasis),
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
                    "E-THRESHOLDS",
                    f"黄色预警差距 {yellow:%} 须不小于 0 且小于红色预警差距 {red:%}",
                    here,
                )
                yellow = None
            values.update(yellow_gap=yellow, red_gap=red)
        return values
