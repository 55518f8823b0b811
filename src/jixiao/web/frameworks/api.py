"""The frameworks' API (decision 0030): list the built-in and installed frameworks, install a
framework file, set the framework of a year or group — with the page's checks (``manage``).

Who: the bureau reviewer and the system administrator (``Actor.may_manage_frameworks``);
everyone else 404.

Installing takes ``multipart/form-data`` (``file``: the YAML file, ``name``: optional) or JSON
(``content``: the YAML text, ``file_name`` and ``name`` optional). A file with problems answers
400 ``{"code": "E-INVALID", "detail": "评价体系文件有 2 个问题，未安装", "problems": [{"location":
"sz-2024.yaml nodes", "message": "子节点分值合计 100 不等于评价体系总分 90", …}]}``; one already
installed 409. A bad field answers 400 with each problem naming the field.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.errors import Invalid
from jixiao.web.frameworks import manage
from jixiao.web.frameworks.models import (
    MAX_BYTES,
    NAME_CHARS,
    FrameworkAssignment,
)
from jixiao.web.organizations.models import DepartmentGroup
from jixiao.web.policy import Actor, permitted

FIELDS = "请求字段"  # where a bad field is located


def _manager(request: Request) -> Actor:
    return permitted(request, Actor.may_manage_frameworks)


def _invalid(errors: dict[str, Any]) -> Invalid:
    problems = []
    for name, said in errors.items():
        text = f"{name}：" + "；".join(str(error) for error in said)
        problems.append(Problem("E-INVALID", text, SourceLocation(FIELDS, column=name)))
    return Invalid(_("请求有误：") + "；".join(p.message for p in problems), problems)


class AssignmentState(serializers.Serializer[FrameworkAssignment]):
    fiscal_year = serializers.IntegerField()
    group = serializers.IntegerField(source="group_id", allow_null=True)
    group_label = serializers.SerializerMethodField()
    framework = serializers.CharField()
    set_by = serializers.CharField(source="set_by.username")
    set_at = serializers.DateTimeField()

    def get_group_label(self, assignment: FrameworkAssignment) -> str:
        """The group as shown (``批次：第一批``), or 全部部门."""
        return str(assignment.group) if assignment.group is not None else "全部部门"


class FrameworkState(serializers.Serializer[manage.Listed]):
    reference = serializers.CharField(help_text="年度绩效自评引用它的写法")
    name = serializers.CharField()
    version = serializers.CharField(help_text="文件内容的 SHA-256")
    title = serializers.CharField()
    builtin = serializers.BooleanField()
    installed_by = serializers.SerializerMethodField()
    installed_at = serializers.SerializerMethodField()
    assignments = AssignmentState(many=True)
    department_years = serializers.IntegerField(help_text="采用它的部门年度数")

    def get_installed_by(self, row: manage.Listed) -> str | None:
        return row.installed.installed_by.username if row.installed is not None else None

    def get_installed_at(self, row: manage.Listed) -> str | None:
        return row.installed.installed_at.isoformat() if row.installed is not None else None


class InstallRequest(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=NAME_CHARS, required=False, allow_blank=True)
    file = serializers.FileField(required=False, help_text="评价体系 YAML 文件（至多 1 MB）")
    content = serializers.CharField(
        required=False, trim_whitespace=False, help_text="或：YAML 文本（JSON 请求）"
    )
    file_name = serializers.CharField(max_length=manage.FILE_NAME_CHARS, required=False)


def _listed(actor: Actor, reference: str) -> dict[str, Any]:
    row = next(row for row in manage.listed(actor) if row.reference == reference)
    return dict(FrameworkState(row).data)


@extend_schema(
    methods=["GET"],
    responses=FrameworkState(many=True),
    summary="内置与已安装的评价体系：版本、标题、适用范围、采用的部门年度数",
)
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": InstallRequest, "application/json": InstallRequest},
    responses={201: FrameworkState},
    summary="安装评价体系文件（检查不通过则逐条列出问题及位置，不写入）",
)
@api_view(["GET", "POST"])
def frameworks(request: Request) -> Response:
    actor = _manager(request)
    if request.method == "GET":
        rows = manage.listed(actor)
        return Response(FrameworkState(cast(Any, rows), many=True).data)  # a list serializer
    asked = InstallRequest(data=request.data)
    if not asked.is_valid():
        raise _invalid(asked.errors)
    data = asked.validated_data
    upload = data.get("file")
    if upload is not None:
        if upload.size is not None and upload.size > MAX_BYTES:
            message = _("文件超过 1 MB")
            raise Invalid(
                message, [Problem("E-INVALID", message, SourceLocation(FIELDS, column="file"))]
            )
        content, file_name = upload.read(MAX_BYTES + 1), upload.name or ""
    elif "content" in data:
        content, file_name = data["content"].encode("utf-8"), data.get("file_name", "")
    else:
        message = _("请上传评价体系文件（file）或给出其 YAML 文本（content）")
        raise Invalid(
            message, [Problem("E-INVALID", message, SourceLocation(FIELDS, column="file"))]
        )
    installed = manage.install(actor, content, file_name, data.get("name", ""))
    return Response(_listed(actor, installed.reference), status=status.HTTP_201_CREATED)


class AssignRequest(serializers.Serializer[Any]):
    fiscal_year = serializers.IntegerField(min_value=manage.FIRST_YEAR, max_value=manage.LAST_YEAR)
    group = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="空：该年度全部部门"
    )
    framework = serializers.CharField(max_length=200, help_text="内置名称或 installed:名称@版本")
    reason = serializers.CharField(max_length=manage.REASON_CHARS)


@extend_schema(
    request=AssignRequest,
    responses=inline_serializer(
        "FrameworkAssigned",
        {
            "assignment": AssignmentState(),
            "changed": serializers.IntegerField(help_text="改用的部门年度数"),
            "pinned": serializers.IntegerField(help_text="财政局已审核通过、保持原评价体系的数"),
            "job": serializers.IntegerField(allow_null=True, help_text="重新计算的后台任务"),
        },
    ),
    summary="设置一个年度（或一个分组）适用的评价体系",
)
@api_view(["POST"])
def assign(request: Request) -> Response:
    actor = _manager(request)
    asked = AssignRequest(data=request.data)
    if not asked.is_valid():
        raise _invalid(asked.errors)
    data = asked.validated_data
    group = None
    if data["group"] is not None:
        group = DepartmentGroup.objects.filter(pk=data["group"]).first()
        if group is None:
            message = _("没有这个部门分组")
            raise Invalid(
                message, [Problem("E-INVALID", message, SourceLocation(FIELDS, column="group"))]
            )
    done = manage.assign(actor, data["fiscal_year"], group, data["framework"], data["reason"])
    return Response(
        {
            "assignment": AssignmentState(done.assignment).data,
            "changed": done.changed,
            "pinned": done.pinned,
            "job": done.job,
        }
    )
