"""The review's API, in the style of ``web/api``: read a department-year's review (its
department's users and the bureau; a division filler without reasons and findings), and for the
bureau reviewer re-score an item, withdraw a re-score, accept and return — the use cases of
``reviews.actions`` with the page's statuses: 404 outside the scope (a department's users who
try to change a review, another department), 409 when the state does not allow it (not
已报送财政局, another reviewer's department), 400 with every problem at its field. Scores are
texts with two decimals (``"1.50"``), exact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from jixiao.web.policy import actor_of
from jixiao.web.reviews import actions
from jixiao.web.reviews.arithmetic import shown
from jixiao.web.reviews.models import ReviewItem
from jixiao.web.reviews.reading import ReviewSheet, review_sheet


def _score(value: Decimal | None) -> str | None:
    """A score as the API gives it: two decimals, rounded half-up (exact here: every score
    and re-score has two places)."""
    return None if value is None else shown(value)


def _item(item: ReviewItem, reasons: bool) -> dict[str, Any]:
    return {
        "score": _score(item.score),
        "self_score": _score(item.self_score),
        "reason": item.reason if reasons else None,
        "findings": list(item.findings) if reasons else None,
        "reviewer": item.reviewer.username,
        "at": item.at.isoformat(),
    }


def _sheet(sheet: ReviewSheet) -> dict[str, Any]:
    stale = sheet.stale
    return {
        "status": sheet.record.status,
        "status_label": sheet.record.get_status_display(),
        "accepted": sheet.accepted,
        "self_total": _score(sheet.self_total),
        "review_total": _score(sheet.review_total),
        "difference": _score(sheet.difference),
        "reasons_shown": sheet.reasons,
        "may_rescore": sheet.may_rescore,
        "items": [
            {
                "node": r.line.node,
                "path": r.line.path,
                "depth": r.line.depth,
                "name": r.line.name,
                "points": _score(r.line.points),
                "self_score": _score(r.line.score),
                "review_score": _score(r.review_score),
                "difference": _score(r.difference),
                "leaf": r.leaf,
                "review": _item(sheet.items[r.line.node], sheet.reasons)
                if r.line.node in sheet.items
                else None,
            }
            for r in sheet.lines
        ],
        "stale_review": None
        if stale is None
        else {
            "created_at": stale.created_at.isoformat(),
            "self_total": _score(stale.self_total),
            "items": [
                {"node": i.node, "name": i.name} | _item(i, sheet.reasons)
                for i in stale.items.all()
            ],
        },
    }


REVIEW = inline_serializer(
    "Review",
    {
        "status": serializers.CharField(),
        "status_label": serializers.CharField(),
        "accepted": serializers.BooleanField(),
        "self_total": serializers.CharField(allow_null=True),
        "review_total": serializers.CharField(allow_null=True),
        "difference": serializers.CharField(allow_null=True),
        "reasons_shown": serializers.BooleanField(),
        "may_rescore": serializers.BooleanField(),
        "items": serializers.ListField(),
        "stale_review": serializers.DictField(allow_null=True),
    },
)


class RescoreIn(serializers.Serializer[Any]):
    score = serializers.CharField(help_text="复核得分：0 至本项分值，最多两位小数")
    reason = serializers.CharField(help_text="复核理由：1–2000 字")
    findings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="发现问题：至多 20 条，每条至多 500 字",
    )


class ReasonIn(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, help_text="至多 2000 字")


def _body(request: Request) -> dict[str, Any]:
    data = request.data
    return dict(data.items()) if hasattr(data, "items") else {}


@extend_schema(
    responses=REVIEW,
    summary="财政局复核：各评价项的自评得分、复核得分与差异（自评 − 复核），复核理由与发现问题"
    "（处室填报人不含理由）",
)
@api_view(["GET"])
def review(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    return Response(_sheet(review_sheet(actor, actor.evaluation_or_404(pk))))


@extend_schema(
    methods=["PUT"],
    request=RescoreIn,
    responses={200: REVIEW},
    summary="复核一个末级评价项（财政局审核人；已报送财政局时）",
)
@extend_schema(
    methods=["DELETE"], request=ReasonIn, responses={200: REVIEW}, summary="撤回一项复核得分"
)
@api_view(["PUT", "DELETE"])
def review_item(request: Request, pk: int, node: str) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    body = _body(request)
    if request.method == "DELETE":
        actions.withdraw(actor, record, node, body.get("reason", ""))
    else:
        given = actions.Rescore(body.get("score"), body.get("reason"), body.get("findings", []))
        actions.rescore(actor, record, node, given)
    return Response(_sheet(review_sheet(actor, record)))


@extend_schema(request=ReasonIn, responses={200: REVIEW}, summary="审核通过（财政局审核人）")
@api_view(["POST"])
def accept(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    actions.accept(actor, record, _body(request).get("reason", ""))
    record.refresh_from_db(fields=["status"])
    return Response(_sheet(review_sheet(actor, record)))


@extend_schema(
    request=ReasonIn, responses={200: REVIEW}, summary="退回单位（财政局审核人；理由必填）"
)
@api_view(["POST"])
def return_to_department(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    actions.return_to_department(actor, record, _body(request).get("reason", ""))
    record.refresh_from_db(fields=["status"])
    return Response(_sheet(review_sheet(actor, record)), status=status.HTTP_200_OK)
