"""The REST API: read the self-evaluations a user may see, their data sets and evaluations, and
change an indicator's actual value — with exactly the checks and scopes of the pages (the
access policy ``web/policy.py``, ``web/editing.py``); outside a scope the answer is 404. A
division filler gets the data set, the evaluation and monitoring cut to their own rows, as on
the pages (``web/visibility.py``). A refusal answers its one status with ``{"code", "detail",
"problems"}`` (``api/errors.py``)."""

from __future__ import annotations

from typing import Any, cast

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.adapters.render_json import evaluation_as_dict
from jixiao.adapters.render_monitoring import monitoring_as_dict
from jixiao.core.problems import Problem
from jixiao.web.editing import (
    Ledger,
    delete_row,
    ledger_or_404,
    may_change_now,
    readable,
    readable_ledgers,
    row_cells,
    row_or_not_found,
    rows_of,
    save_row,
    set_indicator_actual,
)
from jixiao.web.errors import NotFound
from jixiao.web.monitoring import monitored
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.policy import Actor, actor_of
from jixiao.web.problem_places import placed
from jixiao.web.records.mapping import read_stored
from jixiao.web.records.models import Record
from jixiao.web.results.store import kept
from jixiao.web.results.store import stored_assessment as assess
from jixiao.web.visibility import seen_assessed, seen_monitored, seen_problems, seen_tables


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
    rows = actor_of(request).visible_evaluations().order_by("department__name", "-fiscal_year")
    return Response(EvaluationSummary(cast(Any, rows), many=True).data)  # a list serializer


@extend_schema(responses=EvaluationSummary, summary="一个年度绩效自评")
@api_view(["GET"])
def evaluation_detail(request: Request, pk: int) -> Response:
    return Response(EvaluationSummary(actor_of(request).evaluation_or_404(pk)).data)


@extend_schema(
    responses=inline_serializer(
        "Evaluation",
        {
            "total": serializers.DictField(),
            "grade": serializers.CharField(),
            "nodes": serializers.ListField(),
            "draft": serializers.BooleanField(),
            "problems": serializers.ListField(),
        },
    ),
    summary="评价结果：得分树、每项扣分的说明与依据；数据尚有错误时按现有数据计算（draft），"
    "problems 逐条给出要修改的表、记录和字段",
)
@api_view(["GET"])
def evaluation_result(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    whole = assess(record)
    sight = readable(actor, record)
    assessed = seen_assessed(whole, sight)
    problems = [p.as_dict() for p in placed(actor, record, assessed.problems)]
    if assessed.evaluation is None:
        return Response(
            {"detail": _("数据无法汇总成数据集，暂不能评分"), "problems": problems},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    key = f"api-evaluation:{whole.version}:{sight.key}:{translation.get_language()}"
    evaluation = assessed.evaluation  # the tree as JSON data, once per version and sight
    result = kept(key, lambda: evaluation_as_dict(evaluation))
    return Response(result | {"draft": bool(whole.errors), "problems": problems})


@extend_schema(
    responses=inline_serializer("Dataset", {"tables": serializers.DictField()}),
    summary="数据集：各表的记录（字段与 CSV 相同；处室填报人只得到本处室的表和记录）",
)
@api_view(["GET"])
def dataset(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    sight = readable(actor, record)
    stored = read_stored(record)
    if stored.dataset is None:
        return Response(
            {"problems": [p.as_dict() for p in seen_problems(stored.problems, sight)]},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response({"tables": seen_tables(stored.dataset, sight)})


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
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    change = ActualChange(data=request.data)
    change.is_valid(raise_exception=True)
    changed = set_indicator_actual(
        actor,
        record,
        indicator,
        change.validated_data["actual"],
        change.validated_data["reason"],
    )
    return Response({"code": changed.code, "actual": changed.actual})


@extend_schema(
    responses=inline_serializer(
        "Monitoring",
        {
            "month": serializers.IntegerField(),
            "execution_rate": serializers.CharField(),
            "time_progress": serializers.CharField(),
            "annual_average_execution_rate": serializers.CharField(allow_null=True),
            "warnings": serializers.ListField(),
            "projects": serializers.ListField(),
            "draft": serializers.BooleanField(),
            "problems": serializers.ListField(),
        },
    ),
    summary="某月末的执行监控：序时进度、预警、年度平均执行率及其得分",
)
@api_view(["GET"])
def monitoring(request: Request, pk: int, month: int) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    if not 1 <= month <= 12:
        raise NotFound(_("没有这个月份"))
    whole_result = monitored(record, month)
    result = seen_monitored(whole_result, readable(actor, record))
    problems = [p.as_dict() for p in placed(actor, record, result.problems)]
    if result.monthly is None:
        return Response(
            {"detail": _("本月暂不能监控"), "problems": problems},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    report = monitoring_as_dict(result.monthly.report, result.monthly.changes)
    return Response(report | {"draft": bool(whole_result.errors), "problems": problems})


# --- the tables of the data set, row by row ------------------------------------------------


COLUMN_INFO = inline_serializer(
    "Column",
    {
        "key": serializers.CharField(),
        "label": serializers.CharField(),
        "kind": serializers.CharField(),
        "required": serializers.BooleanField(),
        "help": serializers.CharField(),
    },
    many=True,
)


class TableInfo(serializers.Serializer[Any]):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    writable = serializers.BooleanField()
    division = serializers.CharField(allow_null=True)
    columns = COLUMN_INFO


class RowOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    cells = serializers.DictField(child=serializers.CharField(allow_blank=True))


class RowIn(serializers.Serializer[Any]):
    cells = serializers.DictField(child=serializers.CharField(allow_blank=True))
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class Reason(serializers.Serializer[Any]):
    reason = serializers.CharField()


def _row(row: Record, ledger: Ledger) -> dict[str, Any]:
    return {"id": row.pk, "position": row.position, "cells": row_cells(row, ledger)}


def _seen(actor: Actor, record: SelfEvaluation, problems: list[Problem]) -> list[dict[str, str]]:
    """The errors a change left elsewhere, as far as the user reads those rows."""
    return [p.as_dict() for p in seen_problems(problems, readable(actor, record))]


@extend_schema(
    responses=TableInfo(many=True),
    summary="可查看的数据表及其字段",
    operation_id="evaluations_tables_index",  # not …_list, which is a table's rows
)
@api_view(["GET"])
def tables(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    found = [
        {
            "key": ledger.key,
            "title": ledger.title,
            "description": ledger.table.description,
            "writable": may_change_now(actor, record, ledger),
            "division": scope.division.name if scope.division is not None else None,
            "columns": [
                {
                    "key": c.key,
                    "label": c.label,
                    "kind": c.kind.value,
                    "required": c.required,
                    "help": c.help,
                }
                for c in ledger.columns
            ],
        }
        for ledger, scope in readable_ledgers(actor, record)
    ]
    return Response(found)


@extend_schema(
    methods=["GET"], responses=RowOut(many=True), summary="一个数据表的记录（字段与 CSV 相同）"
)
@extend_schema(
    methods=["POST"],
    request=RowIn,
    responses={201: RowOut},
    summary="新增一条记录（检查与工作簿相同；有误时 400 并逐字段说明）",
)
@api_view(["GET", "POST"])
def table_rows(request: Request, pk: int, table: str) -> Response:
    actor = actor_of(request)
    record, ledger, _ = ledger_or_404(actor, pk, table)
    if request.method == "GET":
        return Response([_row(row, ledger) for row in rows_of(actor, record, ledger)])
    given = RowIn(data=request.data)
    given.is_valid(raise_exception=True)
    saved = save_row(
        actor,
        record,
        ledger,
        None,
        given.validated_data["cells"],
        given.validated_data["reason"],
    )
    body = _row(saved.row, ledger) | {"warnings": _seen(actor, record, saved.warnings)}
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=RowOut, summary="一条记录")
@extend_schema(
    methods=["PATCH"],
    request=RowIn,
    responses=RowOut,
    summary="修改一条记录（只改给出的字段；有误时 400 并逐字段说明）",
)
@extend_schema(methods=["DELETE"], request=Reason, responses={204: None}, summary="删除一条记录")
@api_view(["GET", "PATCH", "DELETE"])
def table_row(request: Request, pk: int, table: str, row: int) -> Response:
    actor = actor_of(request)
    record, ledger, _ = ledger_or_404(actor, pk, table)
    if request.method == "GET":
        return Response(_row(row_or_not_found(actor, record, ledger, row), ledger))
    if request.method == "DELETE":
        reason = str(request.data.get("reason", "")) if hasattr(request.data, "get") else ""
        left = _seen(actor, record, delete_row(actor, record, ledger, row, reason))
        if left:
            return Response({"warnings": left})
        return Response(status=status.HTTP_204_NO_CONTENT)
    given = RowIn(data=request.data)
    given.is_valid(raise_exception=True)
    saved = save_row(
        actor, record, ledger, row, given.validated_data["cells"], given.validated_data["reason"]
    )
    return Response(_row(saved.row, ledger) | {"warnings": _seen(actor, record, saved.warnings)})
