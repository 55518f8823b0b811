"""The cohort (同批部门): the departments a ``cohort_rank`` item ranks a department among.

A cohort is explicit input to the core: ``evaluate(dataset, framework, cohort=...)``. It is a
small frozen record — the cohort's name, its fiscal year, the cut-off date at which its figures
were taken, the framework they were computed for and, per department code, the value of each
measure the framework's cohort rules rank on. :func:`jixiao.core.evaluation.cohort_figures`
computes it from the departments' data sets, so the web application and the command line compute
it the same way; the web application stores it at the bureau's cut-off and passes the stored
record afterwards, so one department's later edit never changes the others' scores.

A measure (:class:`CohortMeasure`) is a metric over a scope (预算执行率 of the department,
``execution_rate``; of the special fund, ``execution_rate@special_fund``) or the score of
another framework item (``item:output_indicators``). Values are kept as they are ranked: a rate
rounded half-up to the framework's ``rate_places``, an item's score to its ``score_places``.

Every field is a frozen dataclass, ``Decimal``, ``str``, ``int``, a date, a tuple or a
``dict[str, …]`` of these, so a cohort can be stored and read back by
``jixiao.adapters.stored_json`` as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jixiao.core.framework import DEPARTMENT_SCOPE, Metric, Scope, ScopeKind

ITEM_PREFIX = "item:"


@dataclass(frozen=True, slots=True)
class CohortMeasure:
    """What a cohort rule ranks on: a ``metric`` over a ``scope``, or the score of the framework
    item ``item`` (a node id). Exactly one of ``metric`` and ``item`` is set."""

    metric: Metric | None = None
    scope: Scope = DEPARTMENT_SCOPE
    item: str | None = None

    @property
    def key(self) -> str:
        """The measure's name in a cohort's figures: ``execution_rate``,
        ``execution_rate@special_fund``, ``execution_rate@funding_source:city``,
        ``item:output_indicators``."""
        if self.item is not None:
            return f"{ITEM_PREFIX}{self.item}"
        assert self.metric is not None
        if self.scope.kind is ScopeKind.DEPARTMENT:
            return self.metric.value
        if self.scope.kind is ScopeKind.SPECIAL_FUND:
            return f"{self.metric.value}@{ScopeKind.SPECIAL_FUND.value}"
        return f"{self.metric.value}@{ScopeKind.FUNDING_SOURCE.value}:{self.scope.funding_source}"

    @property
    def is_rate(self) -> bool:
        """A rate (shown as a percentage) rather than an item's score (shown in points)."""
        return self.metric is not None


@dataclass(frozen=True, slots=True)
class CohortFigure:
    """One department's value of one measure as ranked, or ``None`` with the reason."""

    value: Decimal | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CohortMember:
    """One department of the cohort: its code, name and figures by measure key."""

    code: str
    name: str
    figures: dict[str, CohortFigure]


@dataclass(frozen=True, slots=True)
class Cohort:
    """The departments an item is ranked among, as they stood at ``cut_off``.

    ``measures`` are the keys computed for every member (those of the framework ``framework_id``
    that computed them); ``members`` are in code order, each code once.
    """

    name: str
    fiscal_year: int
    cut_off: date
    framework_id: str
    measures: tuple[str, ...]
    members: tuple[CohortMember, ...]

    def member(self, code: str) -> CohortMember | None:
        return next((member for member in self.members if member.code == code), None)

    def values(self, key: str) -> dict[str, Decimal | None]:
        """Each member's value of the measure ``key``, by department code (``None``: none)."""
        values: dict[str, Decimal | None] = {}
        for member in self.members:
            figure = member.figures.get(key)
            values[member.code] = None if figure is None else figure.value
        return values


@dataclass(frozen=True, slots=True)
class CohortStanding:
    """Where a department stands on a ``cohort_rank`` item (``NodeResult.measures.cohort``).

    ``cohort`` and ``cut_off`` name the cohort (``None`` when none was given). ``measure`` is the
    key ranked on; ``value`` the department's own value as ranked. ``rank`` is its standard
    competition rank among the ``ranked`` departments with a value (itself included; equal
    values share a rank and the next skips, 1-2-2-4); ``top_share`` is ``rank ÷ ranked`` (3rd of
    20 → 0.15, "前 15%"); ``band`` the index of the band it fell in (0 is the first). ``pending``
    says why the item could not be ranked (待评), and ``outside`` that the department is not a
    member of the cohort and was ranked with the members.
    """

    measure: str
    cohort: str | None = None
    cut_off: date | None = None
    value: Decimal | None = None
    rank: int | None = None
    ranked: int = 0
    top_share: Decimal | None = None
    band: int | None = None
    pending: str | None = None
    outside: bool = False
