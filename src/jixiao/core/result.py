"""The evaluation result: a tree of scored nodes, each explaining itself."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.execution import AverageExecution, Execution
from jixiao.core.problems import Problem


@dataclass(frozen=True, slots=True)
class Deduction:
    """Points lost, with the reason and the data behind it."""

    points: Decimal
    reason: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeResult:
    id: str
    name: str
    points: Decimal
    score: Decimal
    rule: str
    explanation: str
    deductions: tuple[Deduction, ...] = ()
    references: tuple[str, ...] = ()
    children: tuple[NodeResult, ...] = ()

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

    @property
    def score(self) -> Decimal:
        return self.root.score
