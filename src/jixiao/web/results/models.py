"""Results computed once per change and stored, read by every page (decision 0021).

A ``StoredResult`` is the evaluation of one subject of a self-evaluation: today the
department-year as a whole (部门整体); a project's own evaluation or the special fund's fit the
same key — ``subject`` and ``subject_code`` — when they come. It keeps what the result came from
(the digest of the data and the framework's name and version), the total and grade for lists,
the whole result as JSON for the pages (``content``, written by ``adapters.stored_json``) and one
``NodeScore`` row per node of the score tree, so that SQL can compare an item across
departments. ``StoredMonth`` is the month-by-month monitoring of the same data.
"""

from __future__ import annotations

from django.db import models

from jixiao.web.organizations.models import SelfEvaluation


class Subject(models.TextChoices):
    DEPARTMENT = "department", "部门整体"


class StoredResult(models.Model):
    evaluation = models.ForeignKey(
        SelfEvaluation,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name="年度绩效自评",
    )
    subject = models.CharField("评价对象", max_length=32, choices=Subject.choices)
    subject_code = models.CharField("对象编码", max_length=64, blank=True)
    data_digest = models.CharField("数据摘要（SHA-256）", max_length=64)
    framework = models.TextField("评价体系")
    framework_version = models.CharField("评价体系版本（SHA-256）", max_length=64)
    codec_version = models.CharField("存储格式（记录结构的 SHA-256）", max_length=64)
    total = models.DecimalField("总分", max_digits=8, decimal_places=2, null=True, blank=True)
    grade = models.TextField("等级", blank=True)
    errors = models.PositiveIntegerField("未解决的错误数")
    # The figures the bureau's overview sorts and filters on, from the same computation (the
    # core's execution report and December's monitoring): ratios to 6 places (0.0001%), None
    # where the core has none (no budget, no monthly spending, no data set).
    execution_rate = models.DecimalField(
        "预算执行率", max_digits=12, decimal_places=6, null=True, blank=True
    )
    average_execution_rate = models.DecimalField(
        "年度平均执行率", max_digits=12, decimal_places=6, null=True, blank=True
    )
    warnings = models.PositiveIntegerField("年末监控预警数", null=True, blank=True)
    content = models.JSONField("评价结果")
    # The cohort its ``cohort_rank`` items ranked the department among (decision 0023): the
    # snapshot computed with and its digest (None: none, the items pending), and the snapshot
    # it is due to be computed with — a new cut-off sets it on the results it moves, so that a
    # result whose two differ is stale and computed again at its next read.
    cohort_snapshot = models.ForeignKey(
        "cohorts.CohortSnapshot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="同批部门截止",
    )
    cohort_digest = models.CharField("同批部门数据摘要（SHA-256）", max_length=64, blank=True)
    cohort_due = models.ForeignKey(
        "cohorts.CohortSnapshot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="应采用的同批部门截止",
    )
    computed_at = models.DateTimeField("计算时间")
    revision = models.BigIntegerField("计算编号")  # a new random number at every computation

    class Meta:
        verbose_name = "评价结果"
        verbose_name_plural = "评价结果"
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "subject", "subject_code"], name="one_result_per_subject"
            )
        ]
        # The key of a year's kept pages (``bureau.overview.results_version``: count, latest
        # ``computed_at``, sum of revisions) read from this index alone: the columns lie after
        # the result's JSON, which SQLite would otherwise walk row by row (38 → 2 ms for 2,000
        # departments).
        indexes = [
            models.Index(
                fields=["evaluation", "computed_at", "revision"], name="result_computed_at"
            )
        ]


class NodeScore(models.Model):
    """One item of the framework in the score tree: ``node`` is its id in the framework, so
    the same item can be summed or ranked across the departments scored by one framework;
    ``path`` the ids from the root (``total/performance/execution``). The lines made from the
    data under an item (its key tasks and indicators) are only in the result's JSON."""

    result = models.ForeignKey(
        StoredResult, on_delete=models.CASCADE, related_name="nodes", verbose_name="评价结果"
    )
    node = models.TextField("评价项编号", db_index=True)
    path = models.TextField("评价项路径")
    position = models.PositiveIntegerField("顺序")
    depth = models.PositiveSmallIntegerField("层级")
    name = models.TextField("评价项")
    rule = models.TextField("评分规则")
    points = models.DecimalField("分值", max_digits=8, decimal_places=2)
    score = models.DecimalField("得分", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "评价项得分"
        verbose_name_plural = "评价项得分"
        ordering = ["result", "position"]
        constraints = [
            models.UniqueConstraint(fields=["result", "path"], name="one_score_per_line")
        ]


class StoredMonth(models.Model):
    """The monitoring report at the end of ``month`` (with its problems) for one result."""

    result = models.ForeignKey(
        StoredResult, on_delete=models.CASCADE, related_name="months", verbose_name="评价结果"
    )
    month = models.PositiveSmallIntegerField("监控月份")
    content = models.JSONField("监控结果")
    digest = models.CharField("监控结果摘要（SHA-256）", max_length=64)

    class Meta:
        verbose_name = "月度监控结果"
        verbose_name_plural = "月度监控结果"
        constraints = [
            models.UniqueConstraint(fields=["result", "month"], name="one_month_per_result")
        ]
