"""The bureau reviewer's pages: the overview of every department, item by item, year over year.
Thin: check access, read the query module (``overview``), render."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.web.audit import events
from jixiao.web.bureau import overview, standing
from jixiao.web.bureau.chart import bar_chart
from jixiao.web.cohorts import freezing
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.organizations.models import Department, DepartmentGroup, SelfEvaluation
from jixiao.web.policy import Actor, permitted, sees_every_department
from jixiao.web.results.store import kept

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bureau(request: HttpRequest) -> Actor:
    """The actor, if they see every department; anyone else is answered 404."""
    return permitted(request, sees_every_department)


def _year(request: HttpRequest, loaded: list[int]) -> int | None:
    """The year asked for (validated by the filter too), or the latest loaded."""
    raw = request.GET.get("year", "")
    if raw.isdecimal() and overview.FIRST_YEAR <= int(raw) <= overview.LAST_YEAR:
        return int(raw)
    return loaded[0] if loaded else None


Chosen = tuple[int | None, list[int], overview.OverviewFilter, overview.Versions | None]


def _chosen(request: HttpRequest) -> Chosen:
    """The year asked for, the years loaded, the filter (checked: 400 naming its problems) and
    the year's versions (what its kept pages are kept under)."""
    loaded = overview.years()
    year = _year(request, loaded)
    versions = overview.Versions.of(year) if year is not None else None
    items = overview.items_of(year, versions) if year is not None else []
    groups = list(DepartmentGroup.objects.all())
    form = overview.OverviewFilter(request.GET or None, items=items, groups=groups)
    if form.is_bound and not form.is_valid():
        raise Invalid(_("查询条件有误：") + overview.problems_of(form))
    return year, loaded, form, versions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The overview: every department of a year, filtered, sorted, ranked, a page at a time."""
    actor = _bureau(request)
    year, loaded, form, versions = _chosen(request)
    context: dict[str, Any] = {"membership": actor.member, "form": form, "years": loaded}
    if year is None or versions is None:
        return render(request, "bureau/overview.html", context)
    chosen = form.chosen()
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
            (
                column,
                f"-{column.key}" if sort == column.key else column.key,
                _arrow(column.key, sort),
            )
            for column in overview.columns(form.items)
        ],
        sort=sort,
        query=query.urlencode(),
        unsorted=unsorted.urlencode(),
        charts=Charts(listed),
        version=_fragment_key(versions, form, request),
        cohort=_cut_off(year, chosen.get("group"), versions),
    )
    return render(request, "bureau/overview.html", context)


def _cut_off(
    year: int, group: DepartmentGroup | None, versions: overview.Versions
) -> freezing.CutOff:
    """The cut-off of the chosen group-year, kept until a result, a department, a workflow step
    or a cut-off of the year changes (``versions`` names them all): no query when kept."""
    key = f"jixiao.bureau.cut_off:{versions}:{group.pk if group else ''}"
    found = kept(key, lambda: freezing.cut_off_of(year, group))
    return replace(found, group=group)  # the group as read now (its name may have changed)


@login_required
@require_POST
def cut_off(request: HttpRequest) -> HttpResponse:
    """Set the cut-off of the year and group chosen on the overview (``cohorts.freezing``),
    once the bureau reviewer has ticked the confirmation naming how many departments are in."""
    actor = _bureau(request)
    raw_year, raw_group = request.POST.get("year", ""), request.POST.get("group", "")
    if not (raw_year.isdecimal() and int(raw_year) in freezing.YEARS):
        raise Invalid(_("预算年度应为 %(low)s–%(high)s 之间的整数") % freezing.year_range())
    if raw_group and not raw_group.isdecimal():
        raise Invalid(_("部门分组有误"))
    group = freezing.group_or_404(int(raw_group) if raw_group else None)
    if request.POST.get("confirm") != "yes":
        raise Invalid(_("请勾选确认后再设定截止"))
    frozen = freezing.freeze_cohort(actor, int(raw_year), group)
    done = {"members": len(frozen.members), "left_out": len(frozen.left_out)}
    messages.success(
        request,
        _("已设定同批部门截止：%(members)s 个部门纳入，%(left_out)s 个未纳入；") % done
        + _("相关评价结果正在重新计算。"),
    )
    query = urlencode({"year": raw_year, **({"group": raw_group} if raw_group else {})})
    return redirect(f"{reverse('bureau')}?{query}")


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


def _arrow(key: str, sort: str) -> str:
    if sort == key:
        return "▲"
    return "▼" if sort == f"-{key}" else ""


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The filtered list, every page of it, as an Excel workbook (the export recorded)."""
    actor = _bureau(request)
    year, _loaded, form, _versions = _chosen(request)
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
    year, loaded, form, versions = _chosen(request)
    context: dict[str, Any] = {"membership": actor.member, "form": form, "years": loaded}
    if year is None or versions is None:
        return render(request, "bureau/items.html", context)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        year=year,
        figures=ItemsPage(year, form, request.GET.get("page")),
        query=query.urlencode(),
        version=_fragment_key(versions, form, request),
    )
    return render(request, "bureau/items.html", context)


@login_required
def cut_off_departments(request: HttpRequest) -> HttpResponse:
    """Each department-year of a group-year with the cut-off its stored result was computed
    with (``bureau.standing``): filtered, sorted, 50 a page."""
    actor = _bureau(request)
    loaded = overview.years()
    groups = list(DepartmentGroup.objects.all())
    form = standing.StandingFilter(request.GET or None, groups=groups)
    if form.is_bound and not form.is_valid():
        raise Invalid(_("查询条件有误：") + overview.problems_of(form))
    chosen = form.cleaned_data if form.is_bound else {}
    year = _year(request, loaded)
    query = request.GET.copy()
    query.pop("page", None)
    sort = chosen.get("sort") or "code"
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context: dict[str, Any] = {
        "membership": actor.member,
        "form": form,
        "years": loaded,
        "year": year,
        "sort": sort,
        "query": query.urlencode(),
        "unsorted": unsorted.urlencode(),
    }
    if year is not None:
        rows = standing.listed(year, chosen)
        context["page"] = Paginator(rows, standing.PAGE_SIZE).get_page(request.GET.get("page"))
        context["cut"] = _cut_off(year, chosen.get("group"), overview.Versions.of(year))
        context["headers"] = [
            (key, label, f"-{key}" if sort == key else key, _arrow(key, sort))
            for key, label in (
                ("code", _("部门")),
                ("status", _("状态")),
                ("cut_off", _("采用的截止")),
            )
        ]
    return render(request, "bureau/cut_off_departments.html", context)


@login_required
def department(request: HttpRequest, code: str) -> HttpResponse:
    """One department year over year: its figures and every item's score in each year."""
    actor = _bureau(request)
    found = Department.objects.select_related("parent").filter(code=code[:64]).first()
    if found is None:
        raise NotFound(_("没有这个部门"))
    figures, lines = overview.year_over_year(found)
    used = {
        each.record.pk: each
        for each in freezing.standings(SelfEvaluation.objects.filter(department=found))
    }
    return render(
        request,
        "bureau/department.html",
        {
            "membership": actor.member,
            "department": found,
            "figures": figures,
            "years": [(f, used.get(f.record.pk)) for f in figures],
            "lines": [(line, [overview.score_text(s) for s in line.scores]) for line in lines],
        },
    )
