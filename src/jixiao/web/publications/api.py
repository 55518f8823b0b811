"""The API of published rankings (公布排名): the same use cases and checks as the pages
(``actions``). ``GET /api/rankings/`` the publications the caller reads; ``GET
/api/rankings/<n>/`` one with its lines; ``POST /api/rankings/`` publishes (the bureau reviewer:
``year`` 2000–2100, ``group`` a group's id or null, ``note`` at most 500 characters);
``POST /api/rankings/<n>/withdraw/`` withdraws (``reason`` required, at most 500). Outside the
scope 404; a refusal ``{"code", "detail", "problems"}`` (``api/errors.py``)."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.web.errors import NotFound
from jixiao.web.organizations.models import DepartmentGroup
from jixiao.web.policy import actor_of
from jixiao.web.publications import actions
from jixiao.web.publications.models import PublishedRanking


class Line(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    department_code = serializers.CharField()
    department = serializers.CharField()
    level = serializers.ChoiceField(choices=("first", "subordinate"))
    score = serializers.CharField(help_text="两位小数的得分（字符串）")
    score_is_review = serializers.BooleanField()
    grade = serializers.CharField()


class Publication(serializers.Serializer[PublishedRanking]):
    id = serializers.IntegerField()
    fiscal_year = serializers.IntegerField()
    group = serializers.CharField(source="group.name", allow_null=True, default=None)
    note = serializers.CharField()
    published_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawal_reason = serializers.CharField()
    digest = serializers.CharField()
    lines = Line(many=True)


class PublishRequest(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    group = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=actions.NOTE_CHARS, required=False, default="")


class WithdrawRequest(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=actions.REASON_CHARS)


@extend_schema(methods=["GET"], responses=Publication(many=True), summary="可查看的公布排名")
@extend_schema(
    methods=["POST"],
    request=PublishRequest,
    responses={201: Publication},
    summary="公布一个年度（或一个分组）的排名（财政局审核人）",
)
@api_view(["GET", "POST"])
def rankings(request: Request) -> Response:
    actor = actor_of(request)
    if request.method == "GET":
        found = actions.readable_rankings(actor)[:200]
        return Response(Publication(cast(Any, found), many=True).data)  # a list serializer
    if not actor.sees_every_department:
        raise NotFound(_("没有这个页面，或您无权查看"))
    asked = PublishRequest(data=request.data)
    asked.is_valid(raise_exception=True)
    data = asked.validated_data
    group = None
    if data["group"] is not None:
        group = DepartmentGroup.objects.filter(pk=data["group"]).first()
        if group is None:
            raise NotFound(_("没有这个部门分组"))
    published = actions.publish_ranking(actor, data["year"], group, data["note"])
    return Response(Publication(published).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=Publication, summary="一份公布的排名")
@api_view(["GET"])
def ranking(request: Request, pk: int) -> Response:
    return Response(Publication(actions.ranking_or_404(actor_of(request), pk)).data)


@extend_schema(
    request=WithdrawRequest, responses=Publication, summary="撤回公布的排名（财政局审核人）"
)
@api_view(["POST"])
def withdraw(request: Request, pk: int) -> Response:
    asked = WithdrawRequest(data=request.data)
    actor = actor_of(request)
    if not actor.sees_every_department:
        raise NotFound(_("没有这个页面，或您无权查看"))
    asked.is_valid(raise_exception=True)
    found = actions.withdraw_ranking(actor, pk, asked.validated_data["reason"])
    return Response(Publication(found).data)
