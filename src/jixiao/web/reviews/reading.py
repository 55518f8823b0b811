"""Reading reviews: the review sheet of a department-year (the page and the API), the summary the
dashboard shows, and :func:`effective_scores` for the bureau's ranking.

Every function here runs a fixed number of queries, whatever the number of items, re-scores or
departments (``tests/web/test_reviews.py`` counts them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext_lazy

from jixiao.adapters.frameworks import load_framework
from jixiao.core.framework import Grade
from jixiao.core.problems import ProblemsFound
from jixiao.web.organizations.models import SelfEvaluation, Status
from jixiao.web.policy import Actor, may_review
from jixiao.web.results.models import NodeScore, StoredResult, Subject
from jixiao.web.results.store import stored_assessment
from jixiao.web.reviews.arithmetic import Line, ReviewedLine, review_lines, review_total
from jixiao.web.reviews.models import Review, ReviewItem

REVIEWED_STATUSES = frozenset({Status.SUBMITTED_TO_BUREAU, Status.BUREAU_ACCEPTED})


def _results_of(evaluations: QuerySet[SelfEvaluation] | Iterable[int]) -> QuerySet[StoredResult]:
    return StoredResult.objects.filter(
        evaluation__in=evaluations, subject=Subject.DEPARTMENT, subject_code=""
    )


def _with_currency(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """``reviews`` each with ``current_version`` (``Review.is_current``): whether the
    department's stored result is still the version it was made on (same data digest and
    framework version)."""
    same_version = StoredResult.objects.filter(
        evaluation_id=OuterRef("evaluation_id"),
        subject=Subject.DEPARTMENT,
        subject_code="",
        data_digest=OuterRef("data_digest"),
        framework_version=OuterRef("framework_version"),
    )
    return reviews.annotate(current_version=Exists(same_version))


def latest_review(record: SelfEvaluation) -> Review | None:
    """``record``'s latest review with ``is_current`` and its items (two queries). Only the
    latest can be current; an earlier one was made on a version the department has changed."""
    items = ReviewItem.objects.select_related("reviewer").order_by("id")
    reviews = _with_currency(Review.objects.filter(evaluation=record)).select_related("created_by")
    return reviews.prefetch_related(Prefetch("items", queryset=items)).order_by("-id").first()


def current_review(record: SelfEvaluation) -> Review | None:
    review = latest_review(record)
    return review if review is not None and review.is_current else None


def items_of(review: Review) -> list[ReviewItem]:
    return list(review.items.all())  # prefetched


def total_of(review: Review) -> Decimal:
    """The total 复核得分 of ``review`` from what it recorded (exact)."""
    return review_total(review.self_total, ((i.self_score, i.score) for i in items_of(review)))


@dataclass(frozen=True)
class ReviewSheet:
    """What the review page and the API show of a department-year.

    ``lines``: every framework item with 自评得分, 复核得分 and the difference (the current
    review's re-scores; none yet: 复核得分 = 自评得分); ``items``: node → its re-score in the
    current review; ``stale``: the latest review when it is stale (已过期), shown with the
    numbers it recorded; ``reasons``: whether the reader sees the reasons and findings (not a
    division filler, decision 0014); ``may_rescore``: whether the reader may re-score now."""

    record: SelfEvaluation
    lines: list[ReviewedLine]
    review: Review | None
    items: dict[str, ReviewItem]
    stale: Review | None
    self_total: Decimal | None
    review_total: Decimal | None
    reasons: bool
    may_rescore: bool

    @property
    def difference(self) -> Decimal | None:
        if self.self_total is None or self.review_total is None:
            return None
        return self.self_total - self.review_total

    @property
    def accepted(self) -> bool:
        return self.record.status == Status.BUREAU_ACCEPTED


def stored_lines(record: SelfEvaluation) -> tuple[StoredResult | None, list[Line]]:
    """``record``'s stored result (computed first if it is not current) and its framework items
    in tree order (two queries)."""
    stored_assessment(record)  # computes the result first if its framework or code changed
    result = (
        _results_of([record.pk])
        .only("id", "data_digest", "framework_version", "revision", "total")
        .first()
    )
    if result is None:
        return None, []
    rows = NodeScore.objects.filter(result_id=result.pk).order_by("position")
    fields = ("node", "path", "depth", "points", "score", "name")
    lines = [Line(*row) for row in rows.values_list(*fields)]
    return result, lines


def review_sheet(actor: Actor, record: SelfEvaluation) -> ReviewSheet:
    """The review sheet of ``record`` as ``actor`` sees it (the caller checked that ``actor``
    sees ``record``)."""
    result, lines = stored_lines(record)
    latest = latest_review(record)
    current = latest if latest is not None and latest.is_current else None
    items = {item.node: item for item in items_of(current)} if current is not None else {}
    rescored = {node: item.score for node, item in items.items()}
    self_total = result.total if result is not None else None
    total = None if self_total is None else review_total(self_total, _pairs(items.values()))
    return ReviewSheet(
        record=record,
        lines=review_lines(lines, rescored),
        review=current,
        items=items,
        stale=latest if latest is not None and current is None else None,
        self_total=self_total,
        review_total=total,
        reasons=actor.division is None,
        may_rescore=record.status == Status.SUBMITTED_TO_BUREAU and may_review(actor, record),
    )


def _pairs(items: Iterable[ReviewItem]) -> list[tuple[Decimal, Decimal]]:
    return [(item.self_score, item.score) for item in items]


@dataclass(frozen=True)
class ReviewSummary:
    """The dashboard's line about the bureau's review: the latest review's totals, whether it
    is still current (made on the version the department is at) and how many items it
    re-scored."""

    self_total: Decimal
    review_total: Decimal
    rescored: int
    current: bool

    @property
    def stale(self) -> bool:
        return not self.current

    @property
    def difference(self) -> Decimal:
        return self.self_total - self.review_total


def review_summary(record: SelfEvaluation) -> ReviewSummary | None:
    """The latest review's summary, or None when the bureau has not re-scored (two queries)."""
    review = latest_review(record)
    if review is None:
        return None
    rescored = len(items_of(review))
    return ReviewSummary(review.self_total, total_of(review), rescored, review.is_current)


def effective_scores(year: int) -> dict[int, tuple[Decimal, bool]]:
    """The score the bureau ranks each department-year of ``year`` by: ``{evaluation id:
    (score, is_review)}`` — the total 复核得分 where the bureau's review counts (``is_review``
    true), else the self-evaluation's stored total. The review counts when the latest review is
    current (the department has not changed its data since) and re-scores at least one item, or
    when the year is accepted (审核通过: the bureau confirmed the scores, re-scored or not).
    Department-years without a stored total (data that cannot be scored) are left out.

    Three queries whatever the number of departments: the stored totals, the year's reviews
    (each marked current or not in SQL), and their re-scored items; the sums are exact Decimal
    arithmetic in Python (``reviews.arithmetic.review_total``), so both databases agree to the
    fen. The scores are not rounded: the ranking rounds to the published places
    (``jixiao.core.ranking.rank_published``).

    Worked example: 广州市商务局 2023 scored itself 93.13; the bureau re-scores 结转结余率 2 → 1.5:
    ``{7: (Decimal("92.63"), True)}``; the department is returned and edits: ``{7:
    (Decimal("93.13"), False)}`` (its own new total) until the bureau reviews again."""
    results = _results_of(SelfEvaluation.objects.filter(fiscal_year=year)).exclude(total=None)
    totals: dict[int, tuple[Decimal, str]] = {
        evaluation: (total, status)  # type: ignore[misc]  # not None: excluded above
        for evaluation, total, status in results.values_list(
            "evaluation_id", "total", "evaluation__status"
        )
    }
    reviews = _with_currency(Review.objects.filter(evaluation__fiscal_year=year))
    latest: dict[int, tuple[int, bool, Decimal]] = {}
    rows = reviews.order_by("id").values_list(
        "id",
        "evaluation_id",
        "current_version",  # type: ignore[misc]  # an annotation, unknown to the stubs
        "self_total",
    )
    for review_id, evaluation, is_current, self_total in rows:
        latest[evaluation] = (review_id, is_current, self_total)  # the last one wins
    current = {review_id: evaluation for evaluation, (review_id, ok, _t) in latest.items() if ok}
    changes: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for review_id, self_score, score in ReviewItem.objects.filter(
        review__evaluation__fiscal_year=year
    ).values_list("review_id", "self_score", "score"):
        if review_id in current:
            changes.setdefault(current[review_id], []).append((self_score, score))
    found: dict[int, tuple[Decimal, bool]] = {}
    for evaluation, (total, status) in totals.items():
        review = latest.get(evaluation)
        if review is not None and review[1] and (evaluation in changes or _accepted(status)):
            found[evaluation] = (review_total(review[2], changes.get(evaluation, [])), True)
        else:
            found[evaluation] = (total, _accepted(status))
    return found


def _accepted(status: str) -> bool:
    return status == Status.BUREAU_ACCEPTED


# --- the bureau's overview: the same score and the review's state, in SQL ---------------------

NO_REVIEW, REVIEWING, STALE, ACCEPTED = "", "reviewing", "stale", "accepted"
REVIEW_STATES = (
    (NO_REVIEW, gettext_lazy("未复核")),
    (REVIEWING, gettext_lazy("复核中")),
    (STALE, gettext_lazy("已过期")),
    (ACCEPTED, gettext_lazy("财政局审核通过")),
)
SCORE_OUTPUT = DecimalField(max_digits=8, decimal_places=2)


def with_review(rows: QuerySet[SelfEvaluation], total: str) -> QuerySet[SelfEvaluation]:
    """``rows`` (department-years) annotated, in the same query, with what the overview shows
    and sorts of the bureau's review, given ``total``, the name of the stored self-evaluation
    total (``result__total``):

    - ``score``: the score the bureau ranks by — exactly :func:`effective_scores`' (the review
      total where the latest review is current and re-scores an item, or the year is accepted;
      else the stored total), rounded to 2 places in SQL (every input has 2; the rounding only
      removes SQLite's float noise from the sum);
    - ``self_score``: the stored self-evaluation total;
    - ``is_review``: whether ``score`` is the review's (the page's mark 复核);
    - ``review_state``: ``""`` (no review), ``reviewing`` (复核中: the latest review is
      current), ``stale`` (已过期) or ``accepted`` (财政局审核通过), as :data:`REVIEW_STATES`.

    Correlated subqueries on indexed keys (a review's department-year, an item's review): no
    query more, whatever the number of departments. ``tests/web/test_bureau_join.py`` checks
    that ``score`` and ``is_review`` agree with :func:`effective_scores` on both databases."""
    latest = Review.objects.filter(evaluation_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    same_version = StoredResult.objects.filter(
        evaluation_id=OuterRef("evaluation_id"),
        subject=Subject.DEPARTMENT,
        subject_code="",
        data_digest=OuterRef("data_digest"),
        framework_version=OuterRef("framework_version"),
    )
    the_latest = Review.objects.filter(pk=OuterRef("review_latest"))
    change = (
        ReviewItem.objects.filter(review_id=OuterRef("review_latest"))
        .values("review_id")
        .annotate(change=Sum(F("score") - F("self_score"), output_field=SCORE_OUTPUT))
        .values("change")[:1]
    )
    accepted = Q(status=Status.BUREAU_ACCEPTED)
    counts = Q(review_current=True) & (Q(review_change__isnull=False) | accepted)
    reviewed_total = Round(
        F("review_self")
        + Coalesce(F("review_change"), Value(Decimal(0)), output_field=SCORE_OUTPUT),
        2,
        output_field=SCORE_OUTPUT,
    )
    return (
        rows.annotate(review_latest=Subquery(latest))
        .annotate(
            review_current=Exists(the_latest.filter(Exists(same_version))),
            review_self=Subquery(the_latest.values("self_total")[:1], output_field=SCORE_OUTPUT),
            review_change=Subquery(change, output_field=SCORE_OUTPUT),
            self_score=F(total),
        )
        .annotate(
            score=Case(
                When(counts, then=reviewed_total), default=F(total), output_field=SCORE_OUTPUT
            ),
            is_review=Case(
                When(accepted, then=Value(True)),
                When(counts, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            review_state=Case(
                When(accepted, then=Value(ACCEPTED)),
                When(review_latest__isnull=True, then=Value(NO_REVIEW)),
                When(review_current=True, then=Value(REVIEWING)),
                default=Value(STALE),
                output_field=CharField(),
            ),
        )
    )


def grades_of(framework: str) -> tuple[Grade, ...]:
    """The grade bands of ``framework`` (a stored result's framework reference; parsed once per
    process), highest first; none when it cannot be read (a framework file of the command line
    moved away): its departments keep their stored grades."""
    try:
        return load_framework(framework).grades
    except ProblemsFound:
        return ()


def review_grade(framework: str, score: Decimal) -> str:
    """``framework``'s grade for the review score ``score`` ("" when it cannot be read)."""
    try:
        return load_framework(framework).grade_for(score)
    except ProblemsFound:
        return ""


def effective_grade(frameworks: Iterable[str], framework: str, grade: str) -> Case:
    """The grade of the score the bureau ranks by, in SQL, for rows annotated by
    :func:`with_review` (``score``, ``is_review``): where the review's score counts, the grade
    its framework (the field ``framework`` of the stored result, one of ``frameworks``) gives
    that score — the framework's bands as data, the first whose minimum it reaches —; else, or
    without a score, the stored self-evaluation grade (the field ``grade``). The first test
    settles most rows (no review counts) before any band is looked at.

    Worked example: 广州市商务局 2023 scored itself 93.13 (优 from 90); the bureau re-scores
    items by 3.63 points in all: 复核得分 89.50, grade 良 (from 80) — shown, filtered and
    counted as 良. An accepted year without re-scores keeps 93.13 and 优."""
    whens = [When(Q(is_review=False) | Q(score__isnull=True), then=F(grade))]
    for name in sorted(set(frameworks)):
        grades = grades_of(name)
        if not grades:
            continue
        bands = [When(Q(score__gte=g.minimum), then=Value(g.name)) for g in grades[:-1]]
        lowest = Value(grades[-1].name)
        by_band = Case(*bands, default=lowest, output_field=CharField())
        whens.append(When(Q(**{framework: name}), then=by_band))
    return Case(*whens, default=F(grade), output_field=CharField())
