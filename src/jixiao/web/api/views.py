"""The REST API: read the self-evaluations a user may see, their data sets and evaluations, and
change an indicator's actual value — with exactly the checks and scopes of the pages
(``web/access.py``, ``web/editing.py``); outside a scope the answer is 404."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.adapters.assemble import cell_strings, disassemble
from jixiao.adapters.render_json import evaluation_as_dict
from jixiao.adapters.tables import ALL_TABLES
from jixiao.web.access import evaluation_or_404, signed_in, visible_evaluations
from jixiao.web.editing import EditRefused, NotFound, set_indicator_actual
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.services import assess


class EvaluationSummary(serializers.Serializer[SelfEvaluation]):
    id = serializers.IntegerField()
    department = serializers.CharField(source="department.name")
    department_code = serializers.CharField(source="department.code")
    fiscal_year = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    framework = serializers.CharField()


@extend_schema(responses=EvaluationSummary(many=True), summary="可查看的年度绩效自评")
@api_view(["GET"])
def evaluations(request: Request) -> Response:
    rows = visible_evaluations(request.user).order_by("department__name", "-fiscal_year")
    return Response(EvaluationSummary(cast(Any, rows), many=True).data)  # a list serializer


@extend_schema(responses=EvaluationSummary, summary="一个年度绩效自评")
@api_view(["GET"])
def evaluation_detail(request: Request, pk: int) -> Response:
    return Response(EvaluationSummary(evaluation_or_404(request.user, pk)).data)


@extend_schema(
    responses=inline_serializer(
        "Evaluation",
        {
            "total": serializers.DictField(),
            "grade": serializers.CharField(),
            "nodes": serializers.ListField(),
            "problems": serializers.ListField(),
        },
    ),
    summary="评价结果：得分树、每项扣分的说明与依据",
)
@api_view(["GET"])
def evaluation_result(request: Request, pk: int) -> Response:
    assessed = assess(evaluation_or_404(request.user, pk))
    if assessed.evaluation is None:
        return Response(
            {"problems": [p.as_dict() for p in assessed.problems]},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(evaluation_as_dict(assessed.evaluation))


@extend_schema(
    responses=inline_serializer("Dataset", {"tables": serializers.DictField()}),
    summary="数据集：各表的记录（字段与 CSV 相同）",
)
@api_view(["GET"])
def dataset(request: Request, pk: int) -> Response:
    assessed = assess(evaluation_or_404(request.user, pk))
    if assessed.dataset is None:
        return Response(
            {"problems": [p.as_dict() for p in assessed.problems]},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    records = disassemble(assessed.dataset)
    tables: dict[str, Any] = {
        table.key: [cell_strings(table, record) for record in records[table.key]]
        for table in ALL_TABLES
    }
    return Response({"tables": tables})


class ActualChange(serializers.Serializer[Any]):
    actual = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


@extend_schema(
    request=ActualChange,
    responses={
        200: inline_serializer(
            "Changed", {"code": serializers.CharField(), "actual": serializers.CharField()}
        )
    },
    summary="修改指标的实际完成值（权限与页面相同）",
)
@api_view(["PATCH"])
def indicator_actual(request: Request, pk: int, indicator: int) -> Response:
    record = evaluation_or_404(request.user, pk)
    change = ActualChange(data=request.data)
    change.is_valid(raise_exception=True)
    try:
        changed = set_indicator_actual(
            signed_in(request.user),
            record,
            indicator,
            change.validated_data["actual"],
            change.validated_data["reason"],
        )
    except EditRefused as refusal:
        if isinstance(refusal, NotFound):
            return Response({"detail": str(refusal)}, status=status.HTTP_404_NOT_FOUND)
        return Response(
            {"detail": str(refusal), "problems": [p.as_dict() for p in refusal.problems]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return Response({"code": changed.code, "actual": changed.actual})
