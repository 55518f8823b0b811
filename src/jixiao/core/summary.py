"""The finance bureau's summary of a year (汇总分析) from every department's figures.

Input: one :class:`DepartmentFigures` per department-year (frozen, built by the caller from the
stored results — ``jixiao.web.summary`` — or by a test). Output: a :class:`Summary` of exact
Decimal figures; nothing is rounded here except where a published rule says so (the ranking and
the score buckets use the published score, rounded half-up to 2 places, as
:func:`jixiao.core.ranking.rank_published` does). Display rounding is the writers' business.

Choices (decision 0027):

- The **effective score** of a department is the bureau's review score where the review counts
  (``review_total``), else its self-evaluation total; the ranking and the score histogram use
  it, and the ranking marks reviewed scores.
- **Deductions** are counted on the framework's *leaf* items (items with no sub-item; a parent's
  loss is the sum of its leaves'), on the effective item score (a re-scored leaf's review
  score): ``points − score`` summed over the departments, averaged over the departments scored
  on the item, and the departments that lost anything there. Items are compared by their node
  id (decision 0021); the top :data:`TOP_DEDUCTIONS` by sum, ties by node id.
- **Execution**: mean, median, min and max of the execution rate and of the annual average
  execution rate over the departments that have one; departments below
  :data:`EXECUTION_THRESHOLDS` (90 % and 60 %: below 90 % the usual frameworks start deducting,
  below 60 % is the bureau's "serious" band).
- Departments without a total (their data cannot be scored) are counted and named, never
  ranked or averaged.

Worked example: 甲 scored 95 (grade 优), 乙 scored 90 and was reviewed to 88.5 (良), 丙 scored
88.50 (良): the ranking is 甲 1, 乙 2 (复核), 丙 2 (equal published scores, listed by code);
grades 优 1, 良 2; 乙's self − review is 1.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.money import round_half_up
from jixiao.core.ranking import rank_published

TOP_DEDUCTIONS = 10
EXECUTION_THRESHOLDS = (Decimal("0.9"), Decimal("0.6"))
GRADE_ORDER = ("优", "良", "中", "差")
# Score buckets on the published score: [lower, upper) with the last one closed (100 included).
SCORE_BUCKETS: tuple[tuple[Decimal, Decimal | None, str], ...] = (
    (Decimal(0), Decimal(60), "60分以下"),
    (Decimal(60), Decimal(70), "60–70分"),
    (Decimal(70), Decimal(80), "70–80分"),
    (Decimal(80), Decimal(90), "80–90分"),
    (Decimal(90), None, "90分及以上"),
)
RATE_BUCKETS: tuple[tuple[Decimal, Decimal | None, str], ...] = (
    (Decimal(0), Decimal("0.6"), "60%以下"),
    (Decimal("0.6"), Decimal("0.8"), "60%–80%"),
    (Decimal("0.8"), Decimal("0.9"), "80%–90%"),
    (Decimal("0.9"), Decimal("0.95"), "90%–95%"),
    (Decimal("0.95"), None, "95%及以上"),
)
ZERO = Decimal(0)


@dataclass(frozen=True)
class ItemScore:
    """One framework item of one department: its self-evaluation score and, where the bureau
    re-scored it in a review that counts, the review score."""

    node: str
    name: str
    path: str
    depth: int
    points: Decimal
    score: Decimal
    review: Decimal | None = None

    @property
    def effective(self) -> Decimal:
        return self.score if self.review is None else self.review


@dataclass(frozen=True)
class DepartmentFigures:
    code: str
    name: str
    total: Decimal | None  # the self-evaluation total; None: the data cannot be scored
    grade: str  # the grade of the effective score
    errors: int = 0  # unresolved errors in its data
    execution_rate: Decimal | None = None
    average_execution_rate: Decimal | None = None
    items: tuple[ItemScore, ...] = ()
    review_total: Decimal | None = None  # the review score, where the bureau's review counts
    groups: tuple[str, ...] = ()

    @property
    def reviewed(self) -> bool:
        return self.review_total is not None

    @property
    def effective(self) -> Decimal | None:
        return self.total if self.review_total is None else self.review_total


@dataclass(frozen=True)
class RankedDepartment:
    rank: int
    published: Decimal  # the effective score rounded half-up to 2 places
    department: DepartmentFigures


@dataclass(frozen=True)
class Deduction:
    node: str
    name: str
    points: Decimal  # the item's points (the first department's, for the table)
    lost: Decimal  # sum of points − score over the departments
    departments: int  # departments scored on the item
    losing: int  # departments that lost points on it

    @property
    def average(self) -> Decimal:
        return self.lost / self.departments if self.departments else ZERO


@dataclass(frozen=True)
class RateStatistics:
    count: int
    mean: Decimal | None
    median: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    below: tuple[tuple[Decimal, tuple[str, ...]], ...]  # threshold → names below it


@dataclass(frozen=True)
class ReviewDifference:
    name: str
    self_total: Decimal
    review_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.self_total - self.review_total


@dataclass(frozen=True)
class ItemDifference:
    node: str
    name: str
    departments: int  # departments whose review re-scored the item
    difference: Decimal  # sum of self − review


@dataclass(frozen=True)
class Summary:
    fiscal_year: int
    departments: int
    scored: int
    unscored: tuple[str, ...]
    with_errors: tuple[str, ...]
    reviewed: int
    grades: tuple[tuple[str, int], ...]
    ranking: tuple[RankedDepartment, ...]
    score_buckets: tuple[tuple[str, int], ...]
    mean_score: Decimal | None
    deductions: tuple[Deduction, ...]
    execution: RateStatistics
    average_execution: RateStatistics
    execution_buckets: tuple[tuple[str, int], ...]
    review_differences: tuple[ReviewDifference, ...]
    item_differences: tuple[ItemDifference, ...]

    @property
    def is_draft(self) -> bool:
        return bool(self.with_errors or self.unscored)


def _median(values: Sequence[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    low, high = ordered[middle - 1], ordered[middle]
    return low + (high - low) / 2  # exactly ``low`` when the two are equal


def rate_statistics(rates: Sequence[tuple[str, Decimal]]) -> RateStatistics:
    """Mean, median, min, max and the names below each of :data:`EXECUTION_THRESHOLDS`.

    >>> rates = [("甲", Decimal("0.95")), ("乙", Decimal("0.5")), ("丙", Decimal("0.8"))]
    >>> s = rate_statistics(rates)
    >>> (s.mean, s.median, s.minimum, s.maximum)
    (Decimal('0.75'), Decimal('0.8'), Decimal('0.5'), Decimal('0.95'))
    >>> s.below
    ((Decimal('0.9'), ('乙', '丙')), (Decimal('0.6'), ('乙',)))
    """
    values = [rate for _name, rate in rates]
    below = tuple(
        (threshold, tuple(name for name, rate in rates if rate < threshold))
        for threshold in EXECUTION_THRESHOLDS
    )
    if not values:
        return RateStatistics(0, None, None, None, None, below)
    return RateStatistics(
        len(values),
        sum(values, ZERO) / len(values),
        _median(values),
        min(values),
        max(values),
        below,
    )


def _bucketed(
    values: Sequence[Decimal], buckets: tuple[tuple[Decimal, Decimal | None, str], ...]
) -> tuple[tuple[str, int], ...]:
    counts = []
    for lower, upper, label in buckets:
        first = lower == buckets[0][0]
        inside = [v for v in values if (first or v >= lower) and (upper is None or v < upper)]
        counts.append((label, len(inside)))
    return tuple(counts)


def _leaves(items: Sequence[ItemScore]) -> list[ItemScore]:
    parents = {item.path.rsplit("/", 1)[0] for item in items if "/" in item.path}
    return [item for item in items if item.path not in parents and item.depth > 0]


def _deductions(departments: Sequence[DepartmentFigures]) -> tuple[Deduction, ...]:
    found: dict[str, Deduction] = {}
    for department in departments:
        for item in _leaves(department.items):
            lost = item.points - item.effective
            entry = found.get(item.node) or Deduction(item.node, item.name, item.points, ZERO, 0, 0)
            found[item.node] = Deduction(
                entry.node,
                entry.name,
                entry.points,
                entry.lost + lost,
                entry.departments + 1,
                entry.losing + (1 if lost > 0 else 0),
            )
    losing = [d for d in found.values() if d.lost > 0]
    losing.sort(key=lambda d: (-d.lost, d.node))
    return tuple(losing[:TOP_DEDUCTIONS])


def _item_differences(departments: Sequence[DepartmentFigures]) -> tuple[ItemDifference, ...]:
    found: dict[str, tuple[str, int, Decimal]] = {}
    for department in departments:
        for item in department.items:
            if item.review is None:
                continue
            name, count, total = found.get(item.node, (item.name, 0, ZERO))
            found[item.node] = (name, count + 1, total + item.score - item.review)
    differences = [ItemDifference(n, name, c, d) for n, (name, c, d) in found.items()]
    differences.sort(key=lambda d: (-abs(d.difference), d.node))
    return tuple(differences)


def _review_differences(departments: Sequence[DepartmentFigures]) -> tuple[ReviewDifference, ...]:
    found = []
    for department in sorted(departments, key=lambda d: d.code):
        if department.total is not None and department.review_total is not None:
            found.append(
                ReviewDifference(department.name, department.total, department.review_total)
            )
    return tuple(found)


def summarize(fiscal_year: int, departments: Sequence[DepartmentFigures]) -> Summary:
    """The summary of ``departments`` (one per department-year of ``fiscal_year``).

    >>> d = DepartmentFigures
    >>> s = summarize(2023, [
    ...     d("1", "甲", Decimal("95"), "优"),
    ...     d("2", "乙", Decimal("90"), "良", review_total=Decimal("88.5")),
    ...     d("3", "丙", Decimal("88.50"), "良"),
    ... ])
    >>> [(r.department.name, r.rank, r.published) for r in s.ranking]
    [('甲', 1, Decimal('95.00')), ('乙', 2, Decimal('88.50')), ('丙', 2, Decimal('88.50'))]
    >>> s.grades
    (('优', 1), ('良', 2), ('中', 0), ('差', 0))
    >>> s.review_differences[0].difference
    Decimal('1.5')
    """
    scored = [d for d in departments if d.effective is not None]
    by_code = {d.code: d for d in scored}
    ranked = rank_published({d.code: d.effective for d in scored})
    ranking = tuple(RankedDepartment(r.rank, r.score, by_code[r.key]) for r in ranked)
    grade_counts: dict[str, int] = dict.fromkeys(GRADE_ORDER, 0)
    for department in scored:
        grade_counts[department.grade] = grade_counts.get(department.grade, 0) + 1
    published = [r.published for r in ranking]
    execution: list[tuple[str, Decimal]] = []
    average: list[tuple[str, Decimal]] = []
    effective: list[Decimal] = []
    for department in scored:
        if department.execution_rate is not None:
            execution.append((department.name, department.execution_rate))
        if department.average_execution_rate is not None:
            average.append((department.name, department.average_execution_rate))
        if department.effective is not None:
            effective.append(department.effective)
    return Summary(
        fiscal_year=fiscal_year,
        departments=len(departments),
        scored=len(scored),
        unscored=tuple(d.name for d in departments if d.effective is None),
        with_errors=tuple(d.name for d in departments if d.errors),
        reviewed=sum(1 for d in scored if d.reviewed),
        grades=tuple(grade_counts.items()),
        ranking=ranking,
        score_buckets=_bucketed(published, SCORE_BUCKETS),
        mean_score=sum(effective, ZERO) / len(effective) if effective else None,
        deductions=_deductions(scored),
        execution=rate_statistics(execution),
        average_execution=rate_statistics(average),
        execution_buckets=_bucketed([rate for _n, rate in execution], RATE_BUCKETS),
        review_differences=_review_differences(scored),
        item_differences=_item_differences(scored),
    )


def published(value: Decimal) -> Decimal:
    """A score as published: half-up to 2 places."""
    return round_half_up(value, 2)
