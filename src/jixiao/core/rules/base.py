"""What a rule of the catalogue is, and what it may read while it scores.

A :class:`Rule` is one kind of scoring: its name (the ``rule:`` of a framework node), its
Chinese label, the framework keys it reads, whether its node has children, the ``parse`` that
reads those keys into its parameters (a frozen dataclass) and the ``score`` that scores a node
with them. Each kind is one module of this package ending in ``RULE = Rule(...)``, listed once
in ``jixiao.core.rules.RULES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from jixiao.core.cohort import Cohort
from jixiao.core.framework import Framework, Node, NodeSource, RuleParameters
from jixiao.core.indicators import IndicatorScore
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, ProblemCode, Severity, SourceLocation
from jixiao.core.result import Deduction, Measures, NodeResult
from jixiao.core.subject import DEPARTMENT, Subject

P = TypeVar("P", bound=RuleParameters)


@dataclass
class Context:
    """What every rule may read; collects problems met while scoring. ``rules`` is the
    catalogue, by which :meth:`score` scores a node (a ``sum`` its children). ``cohort`` is the
    cohort's figures a ``cohort_rank`` node ranks the department among (``None``: not given).
    ``subject`` is what is evaluated: the department, or a project on its own data set's view.

    A node is scored once: a rule that reads another item's score (``cohort_rank`` with
    ``item``) gets the same result the tree shows, and its problems are reported once."""

    dataset: Dataset
    framework: Framework
    indicator_scores: dict[str, IndicatorScore]
    rules: Mapping[str, Rule[Any]]
    cohort: Cohort | None = None
    subject: Subject = DEPARTMENT
    problems: list[Problem] = field(default_factory=list)
    scored: dict[str, NodeResult] = field(default_factory=dict)

    def score(self, node: Node) -> NodeResult:
        done = self.scored.get(node.id)
        if done is None:
            rule = self.rules[node.rule]
            done = self.scored[node.id] = rule.score(node, node.parameters, self)
        return done

    def node(self, node_id: str) -> Node | None:
        """The framework's node ``node_id``."""
        return next((node for node in self.framework.walk() if node.id == node_id), None)

    @property
    def places(self) -> int:
        return self.framework.parameters.score_places

    def problem(self, code: ProblemCode, message: str, node: Node, severity: Severity) -> None:
        where = SourceLocation(f"评价体系 {self.framework.id}", path=f"节点 {node.id}")
        self.problems.append(Problem(code, message, where, severity))


@dataclass(frozen=True, slots=True)
class Rule(Generic[P]):
    """One kind of rule.

    ``keys`` are the framework keys the rule reads besides every node's ``id``, ``name``,
    ``points``, ``rule`` and ``note``; a node of another rule may not use them. A rule with
    ``has_children`` has a ``children`` list in the framework, whose points add up to the
    node's (list ``children`` among its ``keys``); the framework parser reads it before
    ``parse``. ``parse`` returns the parameters, or ``None`` after recording each problem at
    its path; ``score`` never raises on data it can read: what it cannot compute scores 0, with
    a problem in the context.
    """

    kind: str
    label: str
    keys: tuple[str, ...]
    parse: Callable[[NodeSource], P | None]
    score: Callable[[Node, P, Context], NodeResult]
    has_children: bool = False


def result(
    node: Node,
    score: Decimal,
    explanation: str,
    *,
    deductions: tuple[Deduction, ...] = (),
    references: tuple[str, ...] = (),
    children: tuple[NodeResult, ...] = (),
    measures: Measures | None = None,
) -> NodeResult:
    """The result of a framework node, of the kind of its rule."""
    return NodeResult(
        id=node.id,
        name=node.name,
        points=node.points,
        score=score,
        kind=node.rule,
        explanation=explanation,
        deductions=deductions,
        references=references,
        children=children,
        measures=measures or Measures(),
    )
