"""The cut-offs in the API (decision 0023): a year's snapshots, one snapshot with its figures, and
setting a cut-off — what the bureau's overview shows and does, with its checks.

Who: the bureau reviewer only (``Actor.may_set_cut_off``); everyone else is answered 404, as
for anything outside a scope. Inputs: ``year`` (2000–2100) and ``group`` (a department group's
id; absent or null: every department of the year); a bad value answers 400
``{"code": "E-INVALID", "detail", "problems"}``; no department sent yet, or departments scored
by different frameworks, 409 ``E-CONFLICT``. Figures are decimal strings, never floats.

Queries: the list, two (the snapshots with their groups and who set them; the session's aside),
whatever the number of departments; the detail, one more for its figures.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.cohorts import freezing
from jixiao.web.cohorts.models import CohortSnapshot
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.policy import Actor, permitted


def _bureau(request: Request) -> Actor:
    return permitted(request, Actor.may_set_cut_off)


class CutOffRequest(serializers.Serializer[Any]):
    year = serializers.IntegerField(
        min_value=freezing.YEARS.start, max_value=freezing.YEARS.stop - 1
    )
    group = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


SNAPSHOT: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "id": serializers.IntegerField(),
    "fiscal_year": serializers.IntegerField(),
    "group": serializers.IntegerField(allow_null=True),
    "group_name": serializers.CharField(allow_null=True),
    "framework": serializers.CharField(),
    "framework_version": serializers.CharField(),
    "cut_off": serializers.DateTimeField(),
    "set_by": serializers.CharField(),
    "members": serializers.IntegerField(),
    "digest": serializers.CharField(),
    "current": serializers.BooleanField(),
}


LABELS = {"year": "预算年度", "group": "部门分组"}


def _invalid(errors: Any) -> Invalid:
    """The request's bad fields as a refusal, each problem naming its field."""
    problems = []
    for name, said in errors.items():
        text = f"{LABELS.get(name, name)}（{name}）：{'；'.join(str(e) for e in said)}"
        problems.append(Problem("E-INVALID", text, SourceLocation("请求", column=name)))
    return Invalid(_("请求有误：") + "；".join(p.message for p in problems), problems)


def _snapshot(snapshot: CohortSnapshot, *, current: bool) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "fiscal_year": snapshot.fiscal_year,
        "group": snapshot.group_id,
        "group_name": snapshot.group.name if snapshot.group is not None else None,
        "framework": snapshot.framework,
        "framework_version": snapshot.framework_version,
        "cut_off": snapshot.cut_off.isoformat(),
        "set_by": snapshot.set_by.username,
        "members": snapshot.members,
        "digest": snapshot.digest,
        "current": current,
    }


def _listed(year: int) -> list[dict[str, Any]]:
    """``year``'s snapshots, latest first; the first of each group is its current one."""
    seen: set[int | None] = set()
    listed = []
    for snapshot in freezing.snapshots(year):
        listed.append(_snapshot(snapshot, current=snapshot.group_id not in seen))
        seen.add(snapshot.group_id)
    return listed


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "")
    if not (raw.isdecimal() and int(raw) in freezing.YEARS):
        raise Invalid(_("预算年度（year）应为 %(low)s–%(high)s 之间的整数") % freezing.year_range())
    return int(raw)


@extend_schema(
    parameters=[OpenApiParameter("year", int, required=True, description="预算年度")],
    responses=inline_serializer("CohortSnapshot", SNAPSHOT, many=True),
    summary="同批部门截止：一个年度的各次截止（最新在前；每个分组的第一个为当前截止）",
    methods=["GET"],
)
@extend_schema(
    request=CutOffRequest,
    responses={
        201: inline_serializer(
            "CutOffSet", {**SNAPSHOT, "job": serializers.IntegerField(allow_null=True)}
        )
    },
    summary="设定同批部门截止：冻结已报送财政局部门的排名数据（财政局审核人）",
    methods=["POST"],
)
@api_view(["GET", "POST"])
def cut_offs(request: Request) -> Response:
    actor = _bureau(request)
    if request.method == "GET":
        return Response(_listed(_year(request)))
    asked = CutOffRequest(data=request.data)
    if not asked.is_valid():
        raise _invalid(asked.errors)
    data = asked.validated_data
    group = freezing.group_or_404(data["group"])
    frozen = freezing.freeze_cohort(actor, data["year"], group)
    answer = {
        **_snapshot(frozen.snapshot, current=True),
        "departments": frozen.members,
        "left_out": frozen.left_out,
        "moved": frozen.moved,
        "job": frozen.job.pk if frozen.job is not None else None,
    }
    return Response(answer, status=status.HTTP_201_CREATED)


@extend_schema(
    responses=inline_serializer(
        "CohortSnapshotFigures",
        {**SNAPSHOT, "measures": serializers.ListField(), "figures": serializers.ListField()},
    ),
    summary="一次截止的同批部门数据：各部门各排名口径的数值（无数值时给出原因）",
)
@api_view(["GET"])
def cut_off(request: Request, pk: int) -> Response:
    _bureau(request)
    snapshot = (
        CohortSnapshot.objects.defer("content").select_related("group", "set_by").filter(pk=pk)
    ).first()
    if snapshot is None:
        raise NotFound(_("没有这次截止"))
    latest = freezing.current_of(snapshot.fiscal_year, snapshot.group)
    cohort = freezing.cohort_of(snapshot)
    figures = [
        {
            "code": member.code,
            "name": member.name,
            "values": {
                key: {
                    "value": None if figure.value is None else str(figure.value),
                    "reason": figure.reason,
                }
                for key, figure in member.figures.items()
            },
        }
        for member in cohort.members
    ]
    return Response(
        {
            **_snapshot(snapshot, current=latest is not None and latest.pk == snapshot.pk),
            "measures": list(cohort.measures),
            "figures": figures,
        }
    )
