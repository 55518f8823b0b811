"""The evaluation result: a tree of scored nodes, each explaining itself.

Every line of the score tree is a :class:`NodeResult`. Its ``kind`` says what it is: a framework
node scored by the rule of that name (``rate_times_points``; the rule lives in
``jixiao.core.rules.<kind>``), or a line the ``indicator_completion`` rule adds under its node —
a key task (``key_task``) or one indicator (``indicator``). Its ``measures`` carry what was
measured (a rate, a completion rate, an indicator's code), so that a reader looks a node up by
them rather than by its id or its explanation.

Every field of these records is a frozen dataclass, ``Decimal``, ``str``, ``int``, ``bool``,
a date, a str-valued ``Enum``, a tuple or ``dict[str, …]`` of these, or ``None``: the results
can be stored and read back as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.cohort import CohortStanding
from jixiao.core.execution import AverageExecution, Execution
from jixiao.core.framework import TOTAL_ID as TOTAL_ID  # the root's id, "total"
from jixiao.core.framework import Metric
from jixiao.core.problems import Problem
from jixiao.core.subject import DEPARTMENT, Subject

INDICATOR = "indicator"  # the kind of an indicator's line under an indicator_completion node
KEY_TASK = "key_task"  # the kind of a key task's line grouping its indicators there


@dataclass(frozen=True, slots=True)
class Deduction:
    """Points lost, with the reason and the data behind it."""

    points: Decimal
    reason: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Measures:
    """What a node measured, each field only where its kind measures it.

    ``metric`` and ``rate``: the metric a ``rate_times_points`` or ``thresholds`` node scores
    and its value as scored (rounded to the framework's ``rate_places``; 年度平均执行率 0.7252).
    ``indicator``, ``completion``, ``over_achieved`` and ``shortfall``: an indicator's code,
    its completion rate (a qualitative indicator's tier share), whether it completed above the
    over-achievement threshold, and why it lost points with how many ("完成率 87.50%，未达
    100%，扣 0.06 分"). ``key_task``: the code of a key task's line and of an indicator's task.
    ``findings``: how many findings a ``deduction_per_finding`` node counted. ``tier``: the
    tier an evaluator chose for a ``qualitative_tiers`` node. ``cohort``: where the department
    stands on a ``cohort_rank`` node — its value, rank, how many were ranked, its share, the
    band, the cohort's name and cut-off, or why the item is pending (待评).
    """

    metric: Metric | None = None
    rate: Decimal | None = None
    indicator: str | None = None
    completion: Decimal | None = None
    over_achieved: bool = False
    shortfall: str | None = None
    key_task: str | None = None
    findings: int | None = None
    tier: str | None = None
    cohort: CohortStanding | None = None


NO_MEASURES = Measures()


@dataclass(frozen=True, slots=True)
class NodeResult:
    id: str  # the framework node's id; "indicator:<code>", "task:<code>"; "total" for the root
    name: str
    points: Decimal
    score: Decimal
    kind: str  # a rule kind (a key of jixiao.core.rules.RULES), INDICATOR or KEY_TASK
    explanation: str
    deductions: tuple[Deduction, ...] = ()
    references: tuple[str, ...] = ()
    children: tuple[NodeResult, ...] = ()
    measures: Measures = NO_MEASURES

    @property
    def rule(self) -> str:
        """The kind, under the name the JSON output and older readers use."""
        return self.kind

    def walk(self) -> Iterator[NodeResult]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, node_id: str) -> NodeResult | None:
        return next((node for node in self.walk() if node.id == node_id), None)


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A key task's indicators across the framework: 创新推动贸易高质量发展 5.75 of 6.5."""

    code: str
    name: str
    points: Decimal
    score: Decimal
    indicator_count: int
    over_achieved: tuple[str, ...]
    below_target: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProjectExecution:
    code: str
    name: str
    spending_group: str | None
    funding_source: str
    execution: Execution


@dataclass(frozen=True, slots=True)
class ExecutionReport:
    overall: Execution
    by_funding_source: dict[str, Execution]
    by_spending_group: dict[str, Execution]
    special_fund: Execution
    projects: tuple[ProjectExecution, ...]
    annual_average: AverageExecution | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    framework_id: str
    framework_name: str
    department: str
    fiscal_year: int
    root: NodeResult
    grade: str
    execution: ExecutionReport
    key_tasks: tuple[TaskResult, ...]
    problems: tuple[Problem, ...]
    over_achievement_threshold: Decimal
    subject: Subject = DEPARTMENT

    @property
    def score(self) -> Decimal:
        return self.root.score

    def indicator_nodes(self) -> dict[str, NodeResult]:
        """Each scored indicator's line, by the indicator's code."""
        return {
            node.measures.indicator: node
            for node in self.root.walk()
            if node.kind == INDICATOR and node.measures.indicator is not None
        }

    def indicator_node(self, code: str) -> NodeResult | None:
        """The line scoring the indicator ``code``, if a node of the framework selects it."""
        return self.indicator_nodes().get(code)
