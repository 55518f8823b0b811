"""The API of what the bureau keeps (issue 12 items 1 and 7): a zip of departments' workbooks
loaded as a background job, accounts created from a workbook, and the reviewer assigned to each
department-year — the pages' use cases with the pages' checks.

Who: a bulk load, the bureau reviewer or the system administrator (``Actor.may_load_departments``);
accounts and assignments, the system administrator. Everyone else is answered 404, as for
anything outside a scope. Refusals answer ``{"code", "detail", "problems"}`` with each problem
at its place (``api/errors.py``); nothing is written when anything is refused.

Inputs: ``file`` (multipart) — a ``.zip`` of at most 200 MB (``bulk.LIMITS``), an accounts
workbook of at most 5 MB; ``replace`` a boolean (default false); ``reviewer`` a username (at most
150 characters; null or "" withdraws the assignment); ``reason`` at most 500 characters, required
for an assignment; ``year`` 2000–2100.

Worked example: ``POST /api/bureau/bulk-load/`` with 部门.zip answers 202 with the job's state
(``kind: bulk_load``, ``state: queued``); ``GET /api/jobs/<id>/`` follows it.
``PUT /api/evaluations/7/assignment/ {"reviewer": "bureau-li", "reason": "按归口分工"}`` answers
200 ``{"evaluation": 7, "reviewer": "bureau-li", …}``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.web.accounts_bulk import create_accounts
from jixiao.web.api.jobs import JobState
from jixiao.web.bulk import receive_zip
from jixiao.web.errors import Invalid, NotFound
from jixiao.web.organizations.manage import REASON_CHARS, assign_reviewer, bureau_reviewers
from jixiao.web.organizations.models import ReviewerAssignment, SelfEvaluation
from jixiao.web.policy import Actor, actor_of, is_system_admin, permitted

YEARS = (2000, 2100)
USERNAME_CHARS = 150


def _system_admin(request: Request) -> Actor:
    return permitted(request, is_system_admin)


def _file(request: Request, what: str) -> Any:
    upload = request.FILES.get("file")
    if upload is None:
        raise Invalid(_("请在 file 字段上传%(what)s") % {"what": what})
    return upload


class BulkLoad(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="部门工作簿的 .zip 压缩包（至多 200 MB）")
    replace = serializers.BooleanField(
        default=False, help_text="替换已有数据（只替换仍在填报中的部门年度）"
    )


@extend_schema(
    request={"multipart/form-data": BulkLoad},
    responses={202: JobState},
    summary="上传多个部门的工作簿（zip），在后台逐个部门载入（财政局审核人、系统管理员）",
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
def bulk_load(request: Request) -> Response:
    actor = actor_of(request)
    if not actor.may_load_departments():
        raise NotFound(_("没有这个页面，或您无权查看"))
    upload = _file(request, _("部门工作簿的 .zip 压缩包"))
    replace = request.POST.get("replace", "false")  # multipart: the form's fields
    asked = BulkLoad(data={"replace": replace, "file": upload})
    asked.is_valid(raise_exception=True)
    job = receive_zip(actor, upload, replace=asked.validated_data["replace"])
    return Response(JobState(job, context={"request": request}).data, status=202)


class CreatedAccount(serializers.Serializer[Any]):
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    division = serializers.CharField(allow_null=True)
    password = serializers.CharField(
        allow_null=True, help_text="生成的初始密码（只在此次答复中给出）；工作簿给定密码时为 null"
    )


@extend_schema(
    request={
        "multipart/form-data": inline_serializer(
            "AccountsUpload", {"file": serializers.FileField()}
        )
    },
    responses={201: CreatedAccount(many=True)},
    summary="从账号工作簿批量新建账号（系统管理员）；生成的密码只在此次答复中给出",
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
def accounts_bulk(request: Request) -> Response:
    actor = _system_admin(request)
    created = create_accounts(actor, _file(request, _("账号工作簿（.xlsx）")))
    accounts = [
        {
            "username": account.username,
            "full_name": account.full_name,
            "role": account.role.value,
            "department": account.department.name if account.department else None,
            "division": account.division.name if account.division else None,
            "password": account.password if account.generated else None,
        }
        for account in created.accounts
    ]
    response = Response(CreatedAccount(accounts, many=True).data, status=status.HTTP_201_CREATED)
    response["Cache-Control"] = "no-store"  # the passwords are shown once, kept nowhere
    return response


class Assignment(serializers.Serializer[Any]):
    evaluation = serializers.IntegerField()
    department_code = serializers.CharField()
    department = serializers.CharField()
    fiscal_year = serializers.IntegerField()
    reviewer = serializers.CharField(allow_null=True)


def _assignment(record: SelfEvaluation, assignment: ReviewerAssignment | None) -> dict[str, Any]:
    return {
        "evaluation": record.pk,
        "department_code": record.department.code,
        "department": record.department.name,
        "fiscal_year": record.fiscal_year,
        "reviewer": assignment.reviewer.username if assignment is not None else None,
    }


@extend_schema(
    parameters=[OpenApiParameter("year", int, description="预算年度（2000–2100）", required=True)],
    responses=Assignment(many=True),
    summary="一个年度各部门的复核人指派（系统管理员）",
)
@api_view(["GET"])
def assignments(request: Request) -> Response:
    _system_admin(request)
    raw = request.query_params.get("year", "")
    if not raw.isdecimal() or not YEARS[0] <= int(raw) <= YEARS[1]:
        raise Invalid(
            _("year：须为 %(low)d–%(high)d 之间的年度") % {"low": YEARS[0], "high": YEARS[1]}
        )
    records: QuerySet[SelfEvaluation] = (
        SelfEvaluation.objects.filter(fiscal_year=int(raw))
        .select_related("department", "assignment__reviewer")
        .order_by("department__code")
    )
    found = [_assignment(r, getattr(r, "assignment", None)) for r in records]
    return Response(Assignment(found, many=True).data)


class AssignmentChange(serializers.Serializer[Any]):
    reviewer = serializers.CharField(
        max_length=USERNAME_CHARS,
        allow_null=True,
        allow_blank=True,
        help_text="财政局审核人的用户名；null 或空：撤销指派",
    )
    reason = serializers.CharField(max_length=REASON_CHARS, help_text="原因（必填，至多 500 字）")


@extend_schema(
    request=AssignmentChange,
    responses=Assignment,
    summary="指派（或撤销）一个部门年度的复核人（系统管理员）；记入审计日志",
)
@api_view(["PUT"])
@parser_classes([JSONParser, FormParser])
def assignment(request: Request, pk: int) -> Response:
    actor = _system_admin(request)
    record = SelfEvaluation.objects.select_related("department").filter(pk=pk).first()
    if record is None:
        raise NotFound(_("没有这个年度绩效自评"))
    asked = AssignmentChange(data=request.data)
    asked.is_valid(raise_exception=True)
    name = asked.validated_data["reviewer"] or ""
    reviewer: User | None = None
    if name:
        reviewer = bureau_reviewers().filter(username=name).first()
        if reviewer is None:
            raise Invalid(_("“%(name)s”不是启用中的财政局审核人") % {"name": name})
    done = assign_reviewer(actor, record, reviewer, asked.validated_data["reason"].strip())
    return Response(Assignment(_assignment(record, done)).data)
