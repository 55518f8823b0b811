"""The bureau's API (issue 12 item 7): the overview of a year, its ranking, item by item, and the
organization's groups and departments — what the bureau's pages show, with their checks.

Who: the bureau reviewer only (``Actor.sees_every_department``); everyone else — a department's
users above all, who never see another department's scores or rank — is answered 404, as for
anything outside a scope.

Inputs: the overview's query parameters (``bureau/overview.py``'s table: ``year``, ``q``,
``grade``, ``group``, ``status``, ``review``, ``level``, ``min``, ``max``, ``item``, ``below``,
``sort``, ``size``) and ``page`` (1 to the number of pages), validated by the page's own form;
a bad value answers 400 ``{"code": "E-INVALID", "detail", "problems"}``, each problem naming the
parameter and its Chinese label (``等级（grade）：…``). Scores and rates are decimal strings
(scores to 2 places, rates as ratios to 6), never floats.

Queries: as the page, a fixed number whatever the number of departments (the list is paged on
its keys; the ranks and item summaries kept under the year's versions).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.bureau import overview
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.organizations.models import Department, DepartmentGroup
from jixiao.web.policy import Actor, permitted, sees_every_department

PARAMETERS = "查询参数"  # where a bad parameter is located
MAX_PAGE = 100_000


def _bureau(request: Request) -> Actor:
    return permitted(request, sees_every_department)


def _invalid(form: overview.OverviewFilter) -> Invalid:
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        said = "；".join(str(error) for error in errors)
        text = f"{label}（{name}）：{said}" if label else said
        problems.append(Problem("E-INVALID", text, SourceLocation(PARAMETERS, column=name)))
    detail = _("查询参数有误：") + "；".join(p.message for p in problems)
    return Invalid(detail, problems)


def _page_problem(text: str) -> Invalid:
    message = _("页码（page）：%(problem)s") % {"problem": text}
    return Invalid(
        message, [Problem("E-INVALID", message, SourceLocation(PARAMETERS, column="page"))]
    )


def _chosen(
    request: Request,
) -> tuple[int | None, overview.OverviewFilter, overview.Versions | None]:
    """The year asked for (the latest loaded by default), the filter (checked: 400 naming its
    problems) and the year's versions."""
    loaded = overview.years()
    query = request.query_params
    raw = query.get("year", "")
    year = (
        int(raw)
        if raw.isdecimal() and overview.FIRST_YEAR <= int(raw) <= overview.LAST_YEAR
        else (loaded[0] if loaded else None)
    )
    versions = overview.Versions.of(year) if year is not None else None
    items = overview.items_of(year, versions) if year is not None else []
    groups = list(DepartmentGroup.objects.all())
    form = overview.OverviewFilter(query or None, items=items, groups=groups)
    if form.is_bound and not form.is_valid():
        raise _invalid(form)
    if year is not None and year not in loaded:
        raise NotFound(_("没有载入 %(year)s 年度") % {"year": year})
    return year, form, versions


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_PAGE:
        raise _page_problem(_("须为 1 至 %(most)s 的整数") % {"most": MAX_PAGE})
    return int(raw)


def _score(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.6f}"


def _row(row: overview.Row, items: list[overview.Item]) -> dict[str, Any]:
    record: Any = row.record  # with the listing's annotations
    parent = record.department.parent
    submitted = record.submitted_at
    return {
        "evaluation": record.pk,
        "department_code": record.department.code,
        "department": record.department.name,
        "parent_code": parent.code if parent is not None else None,
        "rank": row.rank,
        "group_rank": row.group_rank,
        "score": _score(record.score),
        "score_is_review": row.is_review,
        "self_score": _score(row.self_score),
        "grade": record.grade or "",
        "execution_rate": _rate(record.execution_rate),
        "average_execution_rate": _rate(record.average_rate),
        "items": {item.node: _score(getattr(record, f"item_{n}")) for n, item in enumerate(items)},
        "warnings": record.warnings,
        "status": record.status,
        "status_label": str(record.get_status_display()),
        "review_state": record.review_state or "none",
        "review_state_label": str(overview.REVIEW_LABELS.get(record.review_state, "")),
        "submitted_at": timezone.localtime(submitted).date().isoformat() if submitted else None,
        "review_url": f"/evaluations/{record.pk}/review/",
    }


QUERY = [
    OpenApiParameter(name, str, description=description)
    for name, description in (
        ("year", "年度，2000–2100；默认最近载入的年度"),
        ("q", "部门名称或编码包含，至多 50 字"),
        ("grade", "优 / 良 / 中 / 差，或 none（无得分）"),
        ("group", "部门分组 id（批次 / 归口）"),
        ("status", "流程状态"),
        ("review", "复核状态：none / reviewing / stale / accepted"),
        ("level", "first（一级单位）或 subordinate（下属单位）"),
        ("min", "总分不低于，0–100，至多两位小数"),
        ("max", "总分不高于，0–100，至多两位小数，不低于 min"),
        ("item", "一级或二级评价项编号（与 below 同时给出）"),
        ("below", "该项得分低于，0–100，至多两位小数"),
        ("sort", "排序列（score、-score、name、item:<编号>、review……），- 为降序"),
        ("size", "每页行数：20、50、100 或 200"),
        ("page", "页码，1 至总页数"),
    )
]
ITEM = inline_serializer(
    "OverviewItem",
    {
        "node": serializers.CharField(),
        "name": serializers.CharField(),
        "points": serializers.CharField(),
    },
)


@extend_schema(
    parameters=QUERY,
    responses=inline_serializer(
        "Overview",
        {
            "year": serializers.IntegerField(allow_null=True),
            "count": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "pages": serializers.IntegerField(),
            "size": serializers.IntegerField(),
            "items": ITEM,
            "rows": serializers.ListField(child=serializers.DictField()),
        },
    ),
    summary="财政局部门总览：一个年度的全部部门（筛选、排序、分页，与页面相同）",
)
@api_view(["GET"])
def overview_list(request: Request) -> Response:
    _bureau(request)
    number = _page_number(request)
    year, form, versions = _chosen(request)
    size = form.chosen().get("size") or overview.DEFAULT_PAGE_SIZE
    if year is None or versions is None:
        return Response({"year": None, "count": 0, "page": 1, "pages": 1, "size": size,
                         "items": [], "rows": []})  # fmt: skip
    listed = overview.Listing(year, form, str(number), versions)
    pages = listed.page.paginator.num_pages
    if number > pages:
        raise _page_problem(_("共 %(pages)s 页") % {"pages": pages})
    items = overview.first_level(form.items)
    return Response(
        {
            "year": year,
            "count": listed.page.paginator.count,
            "page": number,
            "pages": pages,
            "size": size,
            "items": [{"node": i.node, "name": i.name, "points": _score(i.points)} for i in items],
            "rows": [_row(row, items) for row in listed.rows],
        }
    )


@extend_schema(
    parameters=[p for p in QUERY if p.name in ("year", "group", "level")],
    responses=inline_serializer(
        "Ranking",
        {
            "year": serializers.IntegerField(allow_null=True),
            "group": serializers.IntegerField(allow_null=True),
            "rows": serializers.ListField(child=serializers.DictField()),
        },
    ),
    summary="排名：有得分的部门（给出 group 时为该组），按公布口径，复核得分计入处以复核得分排名",
)
@api_view(["GET"])
def ranking(request: Request) -> Response:
    _bureau(request)
    year, form, _versions = _chosen(request)
    chosen = form.chosen()
    group = chosen.get("group")
    if year is None:
        return Response({"year": None, "group": None, "rows": []})
    rows = overview.ranked_rows(year, group, form.items, chosen.get("level") or "")
    return Response(
        {
            "year": year,
            "group": group.pk if group is not None else None,
            "rows": [
                {
                    "evaluation": row.record.pk,
                    "department_code": row.record.department.code,
                    "department": row.record.department.name,
                    "level": "subordinate" if row.record.department.parent_id else "first",
                    "rank": row.rank,
                    "group_rank": row.group_rank,
                    "score": _score(getattr(row.record, "score")),  # noqa: B009 — annotation
                    "score_is_review": row.is_review,
                }
                for row in rows
            ],
        }
    )


@extend_schema(
    parameters=[p for p in QUERY if p.name == "year"],
    responses=inline_serializer(
        "ItemComparison",
        {
            "year": serializers.IntegerField(allow_null=True),
            "items": serializers.ListField(child=serializers.DictField()),
        },
    ),
    summary="逐项比较：每个评价项各部门的失分情况",
)
@api_view(["GET"])
def item_comparison(request: Request) -> Response:
    _bureau(request)
    year, _form, _versions = _chosen(request)
    if year is None:
        return Response({"year": None, "items": []})
    return Response(
        {
            "year": year,
            "items": [
                {
                    "node": s.node,
                    "path": s.path,
                    "depth": s.depth,
                    "name": s.name,
                    "points": _score(s.points),
                    "departments": s.departments,
                    "losing": s.losing,
                    "average": _score(s.average),
                    "lowest": _score(s.lowest),
                    "lost": _score(s.lost),
                }
                for s in overview.item_summaries(year)
            ],
        }
    )


@extend_schema(
    responses=inline_serializer(
        "DepartmentGroupInfo",
        {
            "id": serializers.IntegerField(),
            "kind": serializers.CharField(),
            "kind_label": serializers.CharField(),
            "name": serializers.CharField(),
            "departments": serializers.ListField(child=serializers.CharField()),
        },
        many=True,
    ),
    summary="部门分组（批次 / 归口）及其部门编码",
)
@api_view(["GET"])
def groups(request: Request) -> Response:
    _bureau(request)
    found = DepartmentGroup.objects.prefetch_related(
        Prefetch("departments", queryset=Department.objects.order_by("code").only("id", "code"))
    )
    return Response(
        [
            {
                "id": g.pk,
                "kind": g.kind,
                "kind_label": str(g.get_kind_display()),
                "name": g.name,
                "departments": [d.code for d in g.departments.all()],
            }
            for g in found
        ]
    )


@extend_schema(
    responses=inline_serializer(
        "DepartmentInfo",
        {
            "code": serializers.CharField(),
            "name": serializers.CharField(),
            "parent_code": serializers.CharField(allow_null=True),
            "groups": serializers.ListField(child=serializers.IntegerField()),
        },
        many=True,
    ),
    summary="部门（一级单位与下属单位）及其所属分组",
)
@api_view(["GET"])
def departments(request: Request) -> Response:
    _bureau(request)
    found = (
        Department.objects.select_related("parent")
        .prefetch_related(Prefetch("groups", queryset=DepartmentGroup.objects.only("id")))
        .order_by("code")
    )
    return Response(
        [
            {
                "code": d.code,
                "name": d.name,
                "parent_code": d.parent.code if d.parent is not None else None,
                "groups": sorted(g.pk for g in d.groups.all()),
            }
            for d in found
        ]
    )
