"""The bureau reviewer's pages: the overview of every department, item by item, year over year.
Thin: check access, read the query module (``overview``), render."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from jixiao.web.audit import events
from jixiao.web.bureau import overview
from jixiao.web.bureau.chart import bar_chart
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.organizations.models import Department, DepartmentGroup
from jixiao.web.policy import Actor, actor_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bureau(request: HttpRequest) -> Actor:
    """The actor, if they see every department; anyone else is answered 404."""
    actor = actor_of(request)
    if not actor.sees_every_department:
        raise NotFound(_("没有这个页面"))
    return actor


def _year(request: HttpRequest, loaded: list[int]) -> int | None:
    """The year asked for (validated by the filter too), or the latest loaded."""
    raw = request.GET.get("year", "")
    if raw.isdecimal() and overview.FIRST_YEAR <= int(raw) <= overview.LAST_YEAR:
        return int(raw)
    return loaded[0] if loaded else None


def _chosen(request: HttpRequest) -> tuple[int | None, list[int], overview.OverviewFilter]:
    loaded = overview.years()
    year = _year(request, loaded)
    items = overview.items_of(year) if year is not None else []
    groups = list(DepartmentGroup.objects.all())
    form = overview.OverviewFilter(request.GET or None, items=items, groups=groups)
    if form.is_bound and not form.is_valid():
        raise Invalid(_("查询条件有误：") + overview.problems_of(form))
    return year, loaded, form


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The overview: every department of a year, filtered, sorted, ranked, a page at a time."""
    actor = _bureau(request)
    year, loaded, form = _chosen(request)
    context: dict[str, Any] = {"membership": actor.member, "form": form, "years": loaded}
    if year is None:
        return render(request, "bureau/overview.html", context)
    chosen = form.chosen()
    versions = overview.Versions.of(year)
    listed = overview.Listing(year, form, request.GET.get("page"), versions)
    query = request.GET.copy()
    query.pop("page", None)
    sort = chosen.get("sort") or "rank"
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context.update(
        year=year,
        listing=listed,
        headers=[
            (column, f"-{column.key}" if sort == column.key else column.key, _arrow(column, sort))
            for column in overview.columns(form.items)
        ],
        sort=sort,
        query=query.urlencode(),
        unsorted=unsorted.urlencode(),
        charts=Charts(listed),
        version=_fragment_key(versions, form, request),
    )
    return render(request, "bureau/overview.html", context)


class Charts:
    """The distribution charts, drawn only when the cached fragment is rendered."""

    def __init__(self, listed: overview.Listing) -> None:
        self.listed = listed

    @cached_property
    def scores(self) -> str:
        return bar_chart(self.listed.spread.bands, _("总分分布"))

    @cached_property
    def grades(self) -> str:
        return bar_chart(self.listed.spread.grades, _("等级分布"))


def _arrow(column: overview.Column, sort: str) -> str:
    if sort == column.key:
        return "▲"
    return "▼" if sort == f"-{column.key}" else ""


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The filtered list, every page of it, as an Excel workbook (the export recorded)."""
    actor = _bureau(request)
    year, _loaded, form = _chosen(request)
    if year is None:
        raise NotFound(_("还没有载入任何年度"))
    chosen, items = form.chosen(), form.items
    listed = overview.filtered(overview.listing(year, items), chosen, items)
    ranked = overview.ranks(year, chosen.get("group"))
    with translation.override("zh-hans"):  # a document: Chinese whatever the interface
        rows = overview.rows_of(listed[: overview.EXPORT_LIMIT], items, ranked)
        title = f"{year} 年度部门整体绩效自评总览（导出于 {timezone.localdate():%Y-%m-%d}）"
        content = overview.export(rows, items, ranked, title)
    events.overview_exported(actor.signed_in, len(rows), form.describe())
    response = HttpResponse(content, content_type=XLSX)
    name = f"{year}年度部门总览.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _fragment_key(
    versions: overview.Versions, form: overview.OverviewFilter, request: HttpRequest
) -> str:
    """What a page's cached fragment is kept under: the versions of the data, the groups as
    the filter names them (read for the form anyway) and the whole query."""
    groups = [(g.pk, g.kind, g.name) for g in form.groups]
    return f"{versions}|{groups}|{sorted(request.GET.lists())}"


class ItemsPage:
    """The item-by-item page's figures, read only when its cached fragment is rendered."""

    def __init__(self, year: int, form: overview.OverviewFilter, number: str | None) -> None:
        self.year, self.form, self.number = year, form, number

    @cached_property
    def summaries(self) -> list[overview.ItemSummary]:
        return overview.item_summaries(self.year)

    @cached_property
    def by_loss(self) -> list[overview.ItemSummary]:
        return sorted(self.summaries, key=lambda s: -s.lost)

    @cached_property
    def shown(self) -> list[overview.ItemSummary]:
        return [s for s in self.summaries if s.depth <= overview.MATRIX_DEPTH]

    @cached_property
    def page(self) -> Page[int]:
        chosen, items = self.form.chosen(), self.form.items
        listed = overview.filtered(overview.listing(self.year, items), chosen, items)
        keys = listed.values_list("pk", flat=True)
        size = chosen.get("size") or overview.DEFAULT_PAGE_SIZE
        return Paginator(keys, size).get_page(self.number)

    @cached_property
    def lines(self) -> list[tuple[Any, list[str]]]:
        records = overview.rows_by_pk(self.year, self.form.items, list(self.page.object_list))
        scores = overview.matrix(records, [s.path for s in self.shown])
        return [
            (record, [overview.score_text(scores[record.pk].get(s.path)) for s in self.shown])
            for record in records
        ]


@login_required
def items(request: HttpRequest) -> HttpResponse:
    """Where everyone is losing points: every framework item with the departments losing on
    it, and the first two levels side by side for a page of departments."""
    actor = _bureau(request)
    year, loaded, form = _chosen(request)
    context: dict[str, Any] = {"membership": actor.member, "form": form, "years": loaded}
    if year is None:
        return render(request, "bureau/items.html", context)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        year=year,
        figures=ItemsPage(year, form, request.GET.get("page")),
        query=query.urlencode(),
        version=_fragment_key(overview.Versions.of(year), form, request),
    )
    return render(request, "bureau/items.html", context)


@login_required
def department(request: HttpRequest, code: str) -> HttpResponse:
    """One department year over year: its figures and every item's score in each year."""
    actor = _bureau(request)
    found = Department.objects.select_related("parent").filter(code=code[:64]).first()
    if found is None:
        raise NotFound(_("没有这个部门"))
    figures, lines = overview.year_over_year(found)
    return render(
        request,
        "bureau/department.html",
        {
            "membership": actor.member,
            "department": found,
            "figures": figures,
            "lines": [(line, [overview.score_text(s) for s in line.scores]) for line in lines],
        },
    )
