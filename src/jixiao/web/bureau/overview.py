"""The finance bureau's overview: every department of a year with its stored figures, filtered,
sorted, ranked and paged in SQL (decision 0024).

Everything comes from the stored results (``results.StoredResult``: total, grade, execution
rate, annual average execution rate, year-end warnings; ``results.NodeScore``: the first-level
items) and the workflow's ``Transition`` (date submitted to the bureau). No page decodes a
result's JSON: a list of 2,000 departments costs a fixed number of queries.

The score is the one the bureau ranks by (``reviews.reading.with_review``, the same as
``effective_scores``): the review total where the bureau's review counts, marked 复核, else the
self-evaluation's stored total. Sorting, the score filters, the distribution and the ranks all
use it, and so does the grade (``reviews.reading.effective_grade``: the framework's grade for the
review score where it counts).

Ranks are the published ranking's (``jixiao.core.ranking.rank_published``: on the score rounded
to 2 places, equal scores share a rank, the next skips), over every department of the year that
has a score — first-level units and subordinate units ranked separately —, and within a group
when a group is chosen. Filters narrow the list, never the ranking: a department keeps its rank
whatever else is shown.

Inputs and their ranges (a value outside gives 400 with the field named):

==============  =====================================================================
``year``        a fiscal year loaded (2000–2100); the latest one by default
``q``           a department's name or code contains it; at most 50 characters
``grade``       优 / 良 / 中 / 差, or ``none`` (no score)
``group``       a department group (批次 / 归口)
``status``      a workflow status
``review``      the review's state: ``none`` (未复核), ``reviewing`` (复核中), ``stale``
                (已过期), ``accepted`` (财政局审核通过)
``level``       ``first`` (一级单位) or ``subordinate`` (下属单位)
``min``/``max`` the score from / to, 0–100 with at most 2 decimals, ``min`` ≤ ``max``
``item``        an item of the first two levels of the year's framework(s) …
``below``       … whose score is below this (0–100, at most 2 decimals); both or neither
``sort``        a column (``score``, ``-score``, ``name``, ``item:<id>``, …); ``-`` descending
``size``        rows per page: 20, 50, 100 or 200
==============  =====================================================================
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from jixiao.adapters.xlsx_cells import put
from jixiao.core.money import format_percent, format_score
from jixiao.core.ranking import rank_published
from jixiao.web.audit.services import in_record_language
from jixiao.web.cohorts.models import CohortSnapshot
from jixiao.web.organizations.models import (
    Department,
    DepartmentGroup,
    SelfEvaluation,
    Status,
    Transition,
)
from jixiao.web.results.models import NodeScore, StoredResult, Subject
from jixiao.web.results.store import kept
from jixiao.web.reviews.models import Review
from jixiao.web.reviews.reading import (
    REVIEW_STATES,
    effective_grade,
    with_review,
)
from jixiao.web.together import Part, aggregated_together

GRADES = ("优", "良", "中", "差")
NO_GRADE = "none"
NO_REVIEW = "none"  # the filter's value for department-years the bureau has not reviewed
PAGE_SIZES = (20, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
SEARCH_CHARS = 50
FIRST_YEAR, LAST_YEAR = 2000, 2100
EXPORT_LIMIT = 10_000  # rows in one export: more departments than a province has
ITEM_PREFIX = "item:"
FIRST, SUBORDINATE = "first", "subordinate"


@dataclass(frozen=True)
class Item:
    """An item of the first two levels of the framework(s) scoring the year: its id, paths,
    name, points, depth, position in its framework and the frameworks (stored results'
    references) that have it. The first-level items are the overview's columns; every item may
    be named by the filter "an item below a value" (a cohort item often sits on the second)."""

    node: str
    # its path in each framework (``total/…/<node>``: roots and parents differ), each one row
    # per result in the index (result, path)
    paths: frozenset[str]
    name: str
    points: Decimal
    frameworks: frozenset[str] = frozenset()
    depth: int = 1
    position: int = 0

    @property
    def key(self) -> str:
        return f"{ITEM_PREFIX}{self.node}"


@dataclass(frozen=True)
class Column:
    key: str  # the sort key
    label: str
    number: bool = False


def base_columns() -> list[Column]:
    return [
        Column("code", str(_("部门编码"))),
        Column("name", str(_("部门名称"))),
        Column("rank", str(_("排名")), number=True),
        Column("score", str(_("总分")), number=True),
        Column("grade", str(_("等级"))),
        Column("execution_rate", str(_("预算执行率")), number=True),
        Column("average_rate", str(_("年度平均执行率")), number=True),
    ]


def tail_columns() -> list[Column]:
    return [
        Column("warnings", str(_("预警")), number=True),
        Column("review", str(_("复核状态"))),
        Column("status", str(_("流程状态"))),
        Column("submitted_at", str(_("报送日期"))),
    ]


def first_level(items: Sequence[Item]) -> list[Item]:
    """The first-level items of ``items`` (they come first, so ``item_<n>`` names the same)."""
    return [item for item in items if item.depth == 1]


def columns(items: Sequence[Item]) -> list[Column]:
    """The list's columns in order: each first-level item between the rates and warnings."""
    own = [
        Column(item.key, f"{item.name}（{format_score(item.points)}）", True)
        for item in first_level(items)
    ]
    return [*base_columns(), *own, *tail_columns()]


# --- inputs -----------------------------------------------------------------------------------

SCORE_FIELD: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    "required": False,
}


class PageSizeSelect(forms.Select):
    """每页行数 showing the default page size when none is asked for, as the list uses it:
    otherwise the browser shows (and 筛选 then sends) the first option, 20, not 50."""

    def format_value(self, value: Any) -> list[str]:
        return super().format_value(DEFAULT_PAGE_SIZE if value in (None, "") else value)


class OverviewFilter(forms.Form):
    """What the overview shows; ``auto_id`` is the field name (``?grade=…``, ``id="grade"``)."""

    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_CHARS, strip=True)
    grade = forms.ChoiceField(label=_("等级"), required=False)
    group = forms.ModelChoiceField(
        label=_("分组"), required=False, queryset=DepartmentGroup.objects.none()
    )
    status = forms.ChoiceField(label=_("流程状态"), required=False)
    review = forms.ChoiceField(label=_("复核状态"), required=False)
    level = forms.ChoiceField(label=_("单位层级"), required=False)
    min = forms.DecimalField(label=_("总分不低于"), **SCORE_FIELD)
    max = forms.DecimalField(label=_("总分不高于"), **SCORE_FIELD)
    item = forms.ChoiceField(label=_("评价项"), required=False)
    below = forms.DecimalField(label=_("该项得分低于"), **SCORE_FIELD)
    sort = forms.ChoiceField(label=_("排序"), required=False)
    size = forms.TypedChoiceField(
        label=_("每页行数"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=PageSizeSelect,
    )

    def __init__(
        self,
        data: Any,
        *,
        items: Sequence[Item] = (),
        groups: Iterable[DepartmentGroup] = (),
    ) -> None:
        super().__init__(data, auto_id="%s")
        self.items = list(items)
        self.groups = list(groups)
        self._choices("grade", [*((g, g) for g in GRADES), (NO_GRADE, _("无得分"))])
        self._choices("status", Status.choices)
        self._choices("review", [(state or NO_REVIEW, label) for state, label in REVIEW_STATES])
        self._choices("level", [(FIRST, _("一级单位")), (SUBORDINATE, _("下属单位"))])
        in_tree_order = sorted(self.items, key=lambda item: item.position)
        self._choices("item", [(i.node, "　" * (i.depth - 1) + i.name) for i in in_tree_order])
        keys = [column.key for column in columns(self.items)]
        self._choices("sort", [(k, k) for key in keys for k in (key, f"-{key}")], blank=False)
        self._choices("size", [(size, size) for size in PAGE_SIZES], blank=False)
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.queryset = DepartmentGroup.objects.all()
        group.choices = [("", _("全部")), *((g.pk, str(g)) for g in self.groups)]

    def _choices(self, name: str, choices: Iterable[tuple[Any, Any]], blank: bool = True) -> None:
        chosen = self.fields[name]
        assert isinstance(chosen, forms.ChoiceField)
        chosen.choices = [("", _("全部"))] * blank + list(choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low > high:
            self.add_error("max", _("总分上限不能低于下限"))
        if bool(data.get("item")) != (data.get("below") is not None):
            missing = "below" if data.get("item") else "item"
            self.add_error(missing, _("“评价项”与“该项得分低于”须同时填写"))
        return data

    def chosen(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}

    def describe(self) -> str:
        """The filter in words (Chinese, as the audit log is), for the record of an export."""
        with in_record_language():
            parts = [
                f"{self.fields[name].label}：{value}"
                for name, value in self.chosen().items()
                if value not in (None, "")
            ]
        return "；".join(parts) or "全部"


def problems_of(form: forms.Form) -> str:
    """The form's problems in one line, each after its field's Chinese label."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        said = "；".join(str(error) for error in errors)
        lines.append(f"{label}：{said}" if label else said)
    return "；".join(lines)


# --- the year ---------------------------------------------------------------------------------


def years() -> list[int]:
    """The fiscal years loaded, latest first."""
    rows = SelfEvaluation.objects.values_list("fiscal_year", flat=True).distinct()
    return sorted(rows, reverse=True)


FILTER_DEPTH = 2  # the levels of the framework the item filter may name


def items_of(year: int, versions: Versions | None = None) -> list[Item]:
    """The items of the first two levels of the frameworks scoring ``year``: the first-level
    ones first, then the second, each in the frameworks' order; kept until a result of the year
    changes (no query when kept and the year's ``versions`` are given, else one)."""
    results = versions.results if versions is not None else results_version(year)
    return kept(f"jixiao.bureau.items_of:{results}", lambda: _items_of(year))


def _items_of(year: int) -> list[Item]:
    # one stored result per framework version scoring the year: their items are everyone's
    samples = (
        StoredResult.objects.filter(
            subject=Subject.DEPARTMENT, subject_code="", evaluation__fiscal_year=year
        )
        .values("framework", "framework_version")
        .annotate(sample=Min("id"))
        .values("sample")
    )
    rows = (
        NodeScore.objects.filter(depth__range=(1, FILTER_DEPTH), result_id__in=Subquery(samples))
        .values("node", "path", "depth", "result__framework")
        .annotate(name=Min("name"), points=Min("points"), position=Min("position"))
        .order_by("depth", "position", "node", "result__framework")
    )
    items: dict[str, Item] = {}
    for row in rows:  # an item is its node id, whatever the frameworks call the root
        node = row["node"]
        item = items.get(node) or Item(
            node,
            frozenset(),
            row["name"],
            row["points"],
            depth=row["depth"],
            position=row["position"],
        )
        frameworks = item.frameworks | {row["result__framework"]}
        items[node] = replace(item, frameworks=frameworks, paths=item.paths | {row["path"]})
    return list(items.values())


def frameworks_of(items: Iterable[Item]) -> set[str]:
    """The frameworks scoring the year (those that have its items)."""
    return {name for item in items for name in item.frameworks}


def _department_result() -> FilteredRelation:
    return FilteredRelation(
        "results", condition=Q(results__subject=Subject.DEPARTMENT, results__subject_code="")
    )


def listing(year: int, items: Sequence[Item]) -> QuerySet[SelfEvaluation]:
    """Every department-year of ``year`` with its stored figures as annotations: ``score``
    (the effective score: the review's where it counts), ``self_score``, ``is_review``,
    ``review_state``, ``grade`` (the effective score's grade), ``execution_rate``,
    ``average_rate``, ``warnings``, ``errors``, ``submitted_at``, ``is_first`` and
    ``item_<n>`` for each first-level item of ``items``."""
    item_scores = {f"item_{n}": _score_of(item) for n, item in enumerate(first_level(items))}
    submitted = Transition.objects.filter(
        evaluation_id=OuterRef("pk"), to_status=Status.SUBMITTED_TO_BUREAU
    ).order_by("-at", "-id")
    rows = (
        SelfEvaluation.objects.filter(fiscal_year=year)
        .select_related("department", "department__parent")
        .annotate(result=_department_result())
    )
    return with_review(rows, "result__total").annotate(
        grade=effective_grade(frameworks_of(items), "result__framework", "result__grade"),
        execution_rate=F("result__execution_rate"),
        average_rate=F("result__average_execution_rate"),
        warnings=F("result__warnings"),
        errors=F("result__errors"),
        # the day it was last sent to the bureau, while it is there (not after a return)
        submitted_at=Case(
            When(status=Status.SUBMITTED_TO_BUREAU, then=Subquery(submitted.values("at")[:1])),
            default=Value(None),
            output_field=DateTimeField(),
        ),
        **item_scores,
    )


def _score_of(item: Item) -> Subquery:
    """``item``'s score in a listed department-year's stored result, at its path in that
    result's framework (the unique index on (result, path))."""
    found = NodeScore.objects.filter(result_id=OuterRef("result__id"), path__in=sorted(item.paths))
    return Subquery(found.values("score")[:1])


def filtered(
    rows: QuerySet[SelfEvaluation], chosen: dict[str, Any], items: Sequence[Item]
) -> QuerySet[SelfEvaluation]:
    """``rows`` narrowed by the (valid) filter and in its order."""
    if chosen.get("q"):
        text = chosen["q"]
        rows = rows.filter(
            Q(department__name__icontains=text) | Q(department__code__icontains=text)
        )
    if chosen.get("grade") == NO_GRADE:
        rows = rows.filter(Q(score__isnull=True))
    elif chosen.get("grade"):
        rows = rows.filter(Q(grade=chosen["grade"]) & Q(score__isnull=False))
    if chosen.get("group") is not None:
        members = Department.groups.through.objects.filter(
            department_id=OuterRef("department_id"), departmentgroup_id=chosen["group"].pk
        )
        rows = rows.filter(Exists(members))
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    if chosen.get("review"):
        state = "" if chosen["review"] == NO_REVIEW else chosen["review"]
        rows = rows.filter(Q(review_state=state))
    if chosen.get("level"):
        rows = rows.filter(department__parent__isnull=chosen["level"] == FIRST)
    if chosen.get("min") is not None:
        rows = rows.filter(Q(score__gte=chosen["min"]))
    if chosen.get("max") is not None:
        rows = rows.filter(Q(score__lte=chosen["max"]))
    if chosen.get("item"):
        index = next(n for n, item in enumerate(items) if item.node == chosen["item"])
        if items[index].depth > 1:  # not a column: its score read for the filter alone
            rows = rows.annotate(**{f"item_{index}": _score_of(items[index])})
        rows = rows.filter(**{f"item_{index}__lt": chosen["below"]})
    return rows.order_by(*ordering(chosen.get("sort") or "rank", items))


def rows_by_pk(year: int, items: Sequence[Item], pks: Sequence[int]) -> list[SelfEvaluation]:
    """The department-years ``pks`` (a page of the filtered, sorted list) with their figures,
    in that order: the list is paged on its keys alone, so the figures are read for one page
    only."""
    found = {record.pk: record for record in listing(year, items).filter(pk__in=list(pks))}
    return [found[pk] for pk in pks if pk in found]


SORTED_BY = {
    "code": "department__code",
    "name": "department__name",
    "rank": "score",  # the best rank is the highest score
    "score": "score",
    "grade": "score",  # 优 > 良 > 中 > 差 as the scores are
    "execution_rate": "execution_rate",
    "average_rate": "average_rate",
    "warnings": "warnings",
    "status": "status",
    "review": "review_state",
    "submitted_at": "submitted_at",
}
HIGHEST_FIRST = frozenset({"rank", "grade"})  # ascending means best first


def ordering(sort: str, items: Sequence[Item]) -> list[Any]:
    """The ORDER BY of ``sort`` (``-`` for descending): empty values last either way, then by
    department code, so a page is the same from one request to the next."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key.startswith(ITEM_PREFIX):
        node = key.removeprefix(ITEM_PREFIX)
        column = next(f"item_{n}" for n, item in enumerate(items) if item.node == node)
    else:
        column = SORTED_BY[key]
    if key in HIGHEST_FIRST:
        descending = not descending
    expression = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return [expression, "department__code"]


# --- ranks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranks:
    """Each department-year's published rank among the units of its level, and within the
    chosen group when there is one."""

    overall: dict[int, int] = field(default_factory=dict)
    in_group: dict[int, int] = field(default_factory=dict)
    group: DepartmentGroup | None = None


@dataclass(frozen=True)
class Versions:
    """What the overview of a year is made from, as keys that change with it: the stored
    results, the departments (names, parents, groups), the workflow, the bureau's reviews and
    the cohort cut-offs."""

    results: str
    departments: str
    steps: str
    reviews: str
    cut_offs: str

    @classmethod
    def of(cls, year: int) -> Versions:
        """The year's versions in one query (``together.aggregated_together``): how many of
        each there are and the latest stamp — stored results (every computation stamps
        ``computed_at`` and draws a new ``revision``: :func:`_results_of`), departments (an
        addition, a new parent or groups stamp ``changed_at``), workflow steps (every change
        of status records a ``Transition``), reviews (their count, and their re-scores'
        count, latest id and ``at``, stamped at every save: a re-score withdrawn changes the
        count) — and the year's latest cut-off."""
        stamped = ("COUNT(*)", "MAX(stamp)")
        in_year = {"evaluation__fiscal_year": year}
        found = aggregated_together(
            [
                _results_of(year),
                (Department.objects.values(stamp=F("changed_at")), stamped),
                (Transition.objects.filter(**in_year).values(stamp=F("at")), stamped),
                (
                    Review.objects.filter(**in_year).values(
                        review=F("id"), item=F("items__id"), stamp=F("items__at")
                    ),
                    ("COUNT(DISTINCT review)", "COUNT(item)", "MAX(item)", "MAX(stamp)"),
                ),
                (
                    CohortSnapshot.objects.filter(fiscal_year=year).values(cut=F("id")),
                    ("MAX(cut)",),
                ),
            ]
        )
        keys = [_key(values) for values in found]
        return cls(f"{year}:{keys[0]}", *keys[1:])

    def __str__(self) -> str:
        return f"{self.results}|{self.departments}|{self.steps}|{self.reviews}|{self.cut_offs}"


def ranks(year: int, group: DepartmentGroup | None, versions: Versions | None = None) -> Ranks:
    """Ranks over every department-year of ``year`` with a score, first-level units and
    subordinate units ranked separately, and within ``group`` when given, on the effective
    score (the review's where it counts); kept in the cache under the versions of the year's
    results, departments, workflow (an acceptance) and reviews."""
    if versions is None:
        versions = Versions.of(year)
    version = f"{versions}:{group.pk if group else ''}"
    found = kept(f"jixiao.bureau.ranks:{version}", lambda: _ranks(year, group))
    return replace(found, group=group)  # the group as read now (its name may have changed)


def _ranks(year: int, group: DepartmentGroup | None) -> Ranks:
    rows = SelfEvaluation.objects.filter(fiscal_year=year).annotate(result=_department_result())
    fields = ("pk", "department_id", "department__code", "department__parent_id", "score")
    scored = with_review(rows, "result__total").filter(Q(score__isnull=False)).values_list(*fields)
    levels: dict[bool, dict[tuple[str, int], Decimal]] = {True: {}, False: {}}
    department_of: dict[int, int] = {}
    for pk, department, code, parent, total in scored:
        levels[parent is None][(code, pk)] = total
        department_of[pk] = department
    overall = _ranked(levels)
    if group is None:
        return Ranks(overall)
    members = set(group.departments.values_list("pk", flat=True))
    within = {
        level: {key: total for key, total in by.items() if department_of[key[1]] in members}
        for level, by in levels.items()
    }
    return Ranks(overall, _ranked(within), group)


def _ranked(levels: dict[bool, dict[tuple[str, int], Decimal]]) -> dict[int, int]:
    """The rank of each department-year (by its key's pk), each level ranked on its own."""
    ranked: dict[int, int] = {}
    for scores in levels.values():
        for entry in rank_published(scores):
            ranked[entry.key[1]] = entry.rank
    return ranked


class Listing:
    """One page of the overview, computed only when the page's cached fragment is rendered
    (once per version of the year's data and query): the count, the page's rows, the ranks and
    the distribution of the filtered list."""

    def __init__(
        self, year: int, form: OverviewFilter, number: str | None, versions: Versions
    ) -> None:
        self.year, self.form, self.number, self.versions = year, form, number, versions
        self.chosen = form.chosen()
        self.items = form.items

    @cached_property
    def listed(self) -> QuerySet[SelfEvaluation]:
        return filtered(listing(self.year, self.items), self.chosen, self.items)

    @cached_property
    def page(self) -> Page[int]:
        keys = self.listed.values_list("pk", flat=True)
        size = self.chosen.get("size") or DEFAULT_PAGE_SIZE
        return Paginator(keys, size).get_page(self.number)

    @cached_property
    def ranked(self) -> Ranks:
        return ranks(self.year, self.chosen.get("group"), self.versions)

    @cached_property
    def rows(self) -> list[Row]:
        records = rows_by_pk(self.year, self.items, list(self.page.object_list))
        return rows_of(records, self.items, self.ranked)

    @cached_property
    def spread(self) -> Distribution:
        return distribution(self.listed)


# --- what a row shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One department-year as the list shows and exports it, cell by cell in column order."""

    record: SelfEvaluation
    rank: int | None
    group_rank: int | None
    values: tuple[object, ...]  # typed: Decimal, int, str, None — the export's cells
    texts: tuple[str, ...]  # as shown
    is_review: bool = False  # the score is the bureau's review total (marked 复核)
    self_score: Decimal | None = None  # the self-evaluation's total


def score_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _rate_text(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(value)


def rows_of(records: Iterable[SelfEvaluation], items: Sequence[Item], ranked: Ranks) -> list[Row]:
    rows = []
    for record in records:
        extra: Any = record  # the annotations
        rank = ranked.overall.get(record.pk)
        item_values = [getattr(extra, f"item_{n}") for n in range(len(first_level(items)))]
        submitted = extra.submitted_at
        day = timezone.localtime(submitted).date().isoformat() if submitted else ""
        state = str(REVIEW_LABELS.get(extra.review_state, ""))
        values: tuple[object, ...] = (
            record.department.code,
            record.department.name,
            rank,
            extra.score,
            extra.grade or "",
            extra.execution_rate,
            extra.average_rate,
            *item_values,
            extra.warnings,
            state,
            str(record.get_status_display()),
            day,
        )
        texts = (
            record.department.code,
            record.department.name,
            "—" if rank is None else str(rank),
            score_text(extra.score),
            extra.grade or "—",
            _rate_text(extra.execution_rate),
            _rate_text(extra.average_rate),
            *(score_text(v) for v in item_values),
            "—" if extra.warnings is None else str(extra.warnings),
            state if extra.review_state else "—",
            str(record.get_status_display()),
            day or "—",
        )
        in_group = ranked.in_group.get(record.pk)
        rows.append(
            Row(record, rank, in_group, values, texts, bool(extra.is_review), extra.self_score)
        )
    return rows


def ranked_rows(
    year: int, group: DepartmentGroup | None, items: Sequence[Item], level: str = ""
) -> list[Row]:
    """The ranking of ``year`` (within ``group`` when given; of ``level``'s units only when
    given): every ranked department-year in rank order, as the ranking API answers it and a
    publication freezes it (up to ``EXPORT_LIMIT``)."""
    ranked = ranks(year, group)
    by_rank = {"sort": "rank", "grade": "", **({"level": level} if level else {})}
    listed = filtered(listing(year, items), by_rank, items)
    keys = ranked.in_group if group is not None else ranked.overall
    return rows_of(listed.filter(pk__in=list(keys))[:EXPORT_LIMIT], items, ranked)


# --- distribution -----------------------------------------------------------------------------

REVIEW_LABELS = dict(REVIEW_STATES)

BANDS = tuple(range(0, 100, 10))  # 0–10, …, 90–100 (100 in the last)


@dataclass(frozen=True)
class Distribution:
    bands: tuple[tuple[str, int], ...]  # "60–70", count
    grades: tuple[tuple[str, int], ...]  # 优, count … and 无得分
    scored: int


def distribution(rows: QuerySet[SelfEvaluation]) -> Distribution:
    """How the (filtered) department-years' scores and grades are spread: one query reading
    each one's score and grade (two short values a row), counted here — the score is an
    expression over the review's subqueries, which SQL would repeat in each band's count."""
    bands = dict.fromkeys(BANDS, 0)
    grades = dict.fromkeys(GRADES, 0)
    unscored = 0
    shown = ("score", "grade")  # annotations (the listing's)
    for score, grade in rows.order_by().values_list(*shown):
        if score is None:
            unscored += 1
            continue
        if grade in grades:
            grades[grade] += 1
        low = min(int(score // 10) * 10, BANDS[-1])
        if 0 <= score <= 100 and low in bands:
            bands[low] += 1
    return Distribution(
        tuple((f"{low}–{low + 10}", count) for low, count in bands.items()),
        (*grades.items(), (str(_("无得分")), unscored)),
        sum(bands.values()),
    )


# --- the export -------------------------------------------------------------------------------

PERCENT = "0.00%"
SCORE = "0.00"


def export(rows: Sequence[Row], items: Sequence[Item], ranked: Ranks, title: str) -> bytes:
    """The filtered list as a workbook: numbers as numbers (rates as percentages), every text
    a text cell (never a formula)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "部门总览"
    put(sheet, 1, 1, title)
    shown = columns(items)
    headers = [column.label for column in shown]
    headers += ["总分来源", "自评总分"]  # 复核 where the score is the bureau's review total
    if ranked.group is not None:
        headers.append(f"组内排名（{ranked.group.name}）")
    for number, header in enumerate(headers, start=1):
        put(sheet, 2, number, header)
    rate_columns = {n for n, c in enumerate(shown) if c.key in ("execution_rate", "average_rate")}
    score_columns = {n for n, c in enumerate(shown) if c.key == "score" or c.key.startswith("item")}
    score_columns.add(len(shown) + 1)  # 自评总分
    for line, row in enumerate(rows, start=3):
        values = list(row.values)
        values += ["复核" if row.is_review else "自评", row.self_score]
        if ranked.group is not None:
            values.append(row.group_rank)
        for number, value in enumerate(values):
            cell = put(sheet, line, number + 1, value)  # type: ignore[arg-type]
            if value is not None and number in rate_columns:
                cell.number_format = PERCENT
            elif value is not None and number in score_columns:
                cell.number_format = SCORE
    sheet.freeze_panes = "C3"
    sheet.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- item by item -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSummary:
    """One framework item across the year's departments: where points are lost."""

    node: str
    path: str
    depth: int
    name: str
    points: Decimal
    departments: int
    losing: int  # departments scoring below the points
    average: Decimal
    lowest: Decimal
    lost: Decimal  # points lost by all departments together

    @property
    def texts(self) -> dict[str, str]:
        return {
            "points": score_text(self.points),
            "average": score_text(self.average),
            "lowest": score_text(self.lowest),
            "lost": score_text(self.lost),
        }


REVISION_MODULUS = 1_000_003  # a revision is 62 random bits: summed modulo this, no overflow


def _results_of(year: int) -> Part:
    """The stored results of ``year`` as one part of ``aggregated_together``: how many, the
    latest ``computed_at`` and the sum of their revisions (a new random number at every
    computation, so two results recomputed at once by two workers — the later stamp committed
    first — still change the key)."""
    rows = StoredResult.objects.filter(evaluation__fiscal_year=year)
    stamped = rows.values(stamp=F("computed_at"), turn=F("revision"))
    return stamped, ("COUNT(*)", "MAX(stamp)", f"SUM(turn % {REVISION_MODULUS})")


def results_version(year: int) -> str:
    """A key that changes whenever a stored result of ``year`` is added, computed again or
    dropped: one query (the index on (evaluation, computed_at, revision) answers it)."""
    return f"{year}:{_key(aggregated_together([_results_of(year)])[0])}"


def _key(values: tuple[Any, ...]) -> str:
    return ":".join(str(value).replace(" ", "T") for value in values)


def item_summaries(year: int) -> list[ItemSummary]:
    """Every item of the year's frameworks (the root excluded) with how many departments lose
    points on it and how many they lose, in the framework's order: one aggregate query over
    every department's items, kept in the cache until a result of the year changes."""
    key = f"jixiao.bureau.items:{results_version(year)}"
    return kept(key, lambda: _item_summaries(year))


def _item_summaries(year: int) -> list[ItemSummary]:
    from django.db.models import Avg, Sum

    rows = (
        NodeScore.objects.filter(
            depth__gte=1,
            result__subject=Subject.DEPARTMENT,
            result__subject_code="",
            result__evaluation__fiscal_year=year,
        )
        .values("node", "path", "depth", "name", "points")
        .annotate(
            position=Min("position"),
            departments=Count("id"),
            losing=Count("id", filter=Q(score__lt=F("points"))),
            average=Avg("score"),
            lowest=Min("score"),
            total=Sum("score"),
        )
        .order_by("position", "path")
    )
    summaries = []
    for row in rows:
        total = Decimal(str(row["total"] or 0))
        lost = row["points"] * row["departments"] - total
        summaries.append(
            ItemSummary(
                row["node"],
                row["path"],
                row["depth"],
                row["name"],
                row["points"],
                row["departments"],
                row["losing"],
                Decimal(str(row["average"] or 0)).quantize(Decimal("0.01")),
                row["lowest"],
                lost.quantize(Decimal("0.01")),
            )
        )
    return summaries


MATRIX_DEPTH = 2  # the items shown side by side: the first two levels of the framework


def matrix(records: Sequence[SelfEvaluation], paths: Sequence[str]) -> dict[int, dict[str, Any]]:
    """Each of ``records``' scores on each item of ``paths``: one query for a page."""
    found: dict[int, dict[str, Any]] = {record.pk: {} for record in records}
    scores = NodeScore.objects.filter(
        result__evaluation_id__in=list(found),
        result__subject=Subject.DEPARTMENT,
        result__subject_code="",
        path__in=list(paths),
    ).values_list("result__evaluation_id", "path", "score")
    for evaluation, path, score in scores:
        found[evaluation][path] = score
    return found


# --- year over year ---------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    record: SelfEvaluation
    score: Decimal | None
    grade: str
    execution_rate: Decimal | None
    average_rate: Decimal | None
    warnings: int | None

    @property
    def texts(self) -> dict[str, str]:
        return {
            "score": score_text(self.score),
            "execution_rate": _rate_text(self.execution_rate),
            "average_rate": _rate_text(self.average_rate),
        }


@dataclass(frozen=True)
class ItemLine:
    path: str
    depth: int
    name: str
    points: tuple[Decimal | None, ...]
    scores: tuple[Decimal | None, ...]  # one per year, oldest first


def year_over_year(department: Department) -> tuple[list[YearFigures], list[ItemLine]]:
    """Every year of ``department`` loaded, oldest first, and every framework item's score in
    each (an item one year's framework lacks is None there): two queries."""
    records = list(
        SelfEvaluation.objects.filter(department=department)
        .select_related("department")
        .annotate(result=_department_result())
        .annotate(
            score=F("result__total"),
            grade=F("result__grade"),
            execution_rate=F("result__execution_rate"),
            average_rate=F("result__average_execution_rate"),
            warnings=F("result__warnings"),
        )
        .order_by("fiscal_year")
    )
    figures = [
        YearFigures(
            r,
            getattr(r, "score"),  # noqa: B009 — annotations
            getattr(r, "grade") or "",  # noqa: B009
            getattr(r, "execution_rate"),  # noqa: B009
            getattr(r, "average_rate"),  # noqa: B009
            getattr(r, "warnings"),  # noqa: B009
        )
        for r in records
    ]
    column = {r.pk: n for n, r in enumerate(records)}
    lines: dict[str, dict[str, Any]] = {}
    nodes = (
        NodeScore.objects.filter(
            result__evaluation__department=department,
            result__subject=Subject.DEPARTMENT,
            result__subject_code="",
            depth__gte=1,
        )
        .order_by("result__evaluation__fiscal_year", "position")
        .values_list("result__evaluation_id", "path", "depth", "name", "points", "score")
    )
    for evaluation, path, depth, name, points, score in nodes:
        line = lines.setdefault(
            path,
            {
                "depth": depth,
                "name": name,
                "points": [None] * len(records),
                "scores": [None] * len(records),
            },
        )
        line["points"][column[evaluation]] = points
        line["scores"][column[evaluation]] = score
    return figures, [
        ItemLine(path, v["depth"], v["name"], tuple(v["points"]), tuple(v["scores"]))
        for path, v in lines.items()
    ]
