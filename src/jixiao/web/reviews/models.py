"""A review (复核) of one department-year's self-evaluation by the finance bureau.

A :class:`Review` belongs to the submitted version it was made on: the submission
(:class:`Transition` into 已报送财政局) it reviews and the stored result it saw — the digest of
the data, the framework's version and the result's revision — with the self-evaluation's total
then. It is *current* while the department's stored result has the same data digest and
framework version and it is the department-year's latest review; once the department is
returned and edits, the digest differs and the review is stale (已过期) for good: the next
re-score starts a new review of the new version. Each :class:`ReviewItem` is one re-scored
framework item (a leaf, ``NodeScore.node``) with its 自评得分 as reviewed, the 复核得分, the
mandatory reason and the findings. The arithmetic is ``reviews.arithmetic``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jixiao.web.organizations.models import SelfEvaluation, Transition


class Review(models.Model):
    evaluation = models.ForeignKey(
        SelfEvaluation,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name="年度绩效自评",
    )
    submission = models.ForeignKey(
        Transition, on_delete=models.CASCADE, related_name="+", verbose_name="所复核的报送"
    )
    data_digest = models.CharField("数据摘要（SHA-256）", max_length=64)
    framework_version = models.CharField("评价体系版本（SHA-256）", max_length=64)
    result_revision = models.BigIntegerField("计算编号")
    self_total = models.DecimalField("自评总分", max_digits=8, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="复核人"
    )
    created_at = models.DateTimeField("开始复核时间", auto_now_add=True)

    @property
    def is_current(self) -> bool:
        """Whether the department's stored result is still the version this review was made
        on (annotated when read: ``reading.latest_review``)."""
        return bool(getattr(self, "current_version", False))

    class Meta:
        verbose_name = "财政局复核"
        verbose_name_plural = "财政局复核"
        ordering = ["-id"]


class ReviewItem(models.Model):
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="items", verbose_name="复核"
    )
    node = models.TextField("评价项编号")
    path = models.TextField("评价项路径")
    name = models.TextField("评价项")
    points = models.DecimalField("分值", max_digits=8, decimal_places=2)
    self_score = models.DecimalField("自评得分", max_digits=8, decimal_places=2)
    score = models.DecimalField("复核得分", max_digits=8, decimal_places=2)
    reason = models.TextField("复核理由")
    findings = models.JSONField("发现问题", default=list)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="复核人"
    )
    at = models.DateTimeField("复核时间", auto_now=True)

    @property
    def findings_text(self) -> str:
        """The findings one per line, as the page's form takes them."""
        return "\n".join(self.findings)

    class Meta:
        verbose_name = "评价项复核"
        verbose_name_plural = "评价项复核"
        ordering = ["review", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "node"], name="one_review_score_per_item"),
            models.CheckConstraint(
                name="review_score_within_points",
                condition=models.Q(score__gte=0) & models.Q(score__lte=models.F("points")),
            ),
        ]
