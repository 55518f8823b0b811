"""The API of background jobs: ask for the PDF report, recompute-all or every department's
reports of a year, read a job's state —
with the pages' checks (``jobs.services``): a job outside the user's sight answers 404."""

from __future__ import annotations

from typing import Any, cast

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.web.bulk_reports import YEARS, request_reports_zip
from jixiao.web.errors import NotFound
from jixiao.web.jobs.models import Job, JobItem
from jixiao.web.jobs.services import (
    job_or_404,
    may_take_file,
    request_recompute_all,
    request_report_pdf,
)
from jixiao.web.policy import actor_of


class JobItemState(serializers.Serializer[JobItem]):
    key = serializers.CharField()
    name = serializers.CharField()
    ok = serializers.BooleanField()
    error = serializers.CharField()


class JobState(serializers.Serializer[Job]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    evaluation = serializers.IntegerField(source="evaluation_id", allow_null=True)
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    step = serializers.CharField()
    error = serializers.CharField()
    items = serializers.SerializerMethodField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    file = serializers.SerializerMethodField()

    @extend_schema_field(JobItemState(many=True))
    def get_items(self, job: Job) -> list[dict[str, object]]:
        """Each item done, the parts' included."""
        return list(JobItemState(cast(Any, job.all_items()), many=True).data)  # a list serializer

    def get_file(self, job: Job) -> str | None:
        """The file's download path, for those who get it now; else null."""
        request = self.context["request"]
        if may_take_file(actor_of(request), job):
            return reverse("job_file", args=[job.pk])
        return None


@extend_schema(responses=JobState, summary="后台任务的状态与进度")
@api_view(["GET"])
def job(request: Request, pk: int) -> Response:
    found = job_or_404(actor_of(request), pk)
    return Response(JobState(found, context={"request": request}).data)


@extend_schema(request=None, responses={202: JobState}, summary="在后台生成自评报告（PDF）")
@api_view(["POST"])
def report_pdf(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    queued = request_report_pdf(actor, actor.evaluation_or_404(pk))
    return Response(
        JobState(queued, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
    )


@extend_schema(
    request=None, responses={202: JobState}, summary="在后台重新计算全部部门年度的评价结果"
)
@api_view(["POST"])
def recompute_all(request: Request) -> Response:
    queued = request_recompute_all(actor_of(request))
    return Response(
        JobState(queued, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
    )


class ReportsRequest(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[1])
    group = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    format = serializers.ChoiceField(choices=("docx", "pdf"), default="docx")


@extend_schema(
    request=ReportsRequest,
    responses={202: JobState},
    summary="在后台生成一个年度（或一个分组）各部门的自评报告，打包为 zip（财政局审核人）",
)
@api_view(["POST"])
def reports_zip(request: Request) -> Response:
    actor = actor_of(request)
    if not actor.sees_every_department:
        raise NotFound(_("没有这个页面，或您无权查看"))
    asked = ReportsRequest(data=request.data)
    asked.is_valid(raise_exception=True)
    data = asked.validated_data
    queued = request_reports_zip(
        actor, data["year"], group=data["group"], pdf=data["format"] == "pdf"
    )
    return Response(
        JobState(queued, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
    )
