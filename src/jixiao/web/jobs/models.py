"""A background job as its user sees it: what was asked, by whom, about which self-evaluation
or year, where it stands (state, progress, the step in hand), each item's result, the file it
made and when. The step, the items' errors and the job's error are stored in Chinese, like the
audit log, whatever the user's language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PART_SIZE = 50  # department-years in one part of recompute-all (one worker's share at a time)


class JobKind(models.TextChoices):
    REPORT_PDF = "report_pdf", _("自评报告（PDF）")
    RECOMPUTE_ALL = "recompute_all", _("重新计算全部评价结果")
    RECOMPUTE_PART = "recompute_part", _("重新计算评价结果（一批）")  # a part of RECOMPUTE_ALL
    # named department-years (a cut-off moved them), more than a part: split like RECOMPUTE_ALL
    RECOMPUTE_SOME = "recompute_some", _("重新计算部分评价结果")
    SUMMARY_DOCX = "summary_docx", _("汇总分析报告（Word）")  # the bureau's, of a year
    BULK_LOAD = "bulk_load", _("批量载入部门工作簿")  # a zip of workbooks (web/bulk.py)
    # every department's report of a year, in one zip (jixiao.web.bulk_reports)
    REPORTS_DOCX_ZIP = "reports_docx_zip", _("各部门自评报告（Word，压缩包）")
    REPORTS_PDF_ZIP = "reports_pdf_zip", _("各部门自评报告（PDF，压缩包）")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    INTERRUPTED = "interrupted", _("已中断")


FINISHED = (JobState.DONE, JobState.FAILED, JobState.INTERRUPTED)
STEP_LENGTH = 200
FILE_NAME_LENGTH = 200


class Job(models.Model):
    kind = models.CharField("任务类型", max_length=30, choices=JobKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,  # None: from the command line (jixiao recompute --all --background)
        blank=True,
        related_name="jobs",
        verbose_name="提交人",
    )
    evaluation = models.ForeignKey(  # the self-evaluation it concerns (a report), if any
        "organizations.SelfEvaluation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name="年度绩效自评",
    )
    fiscal_year = models.PositiveIntegerField("预算年度", null=True, blank=True)  # None: all
    # A batch job runs in parts, each a job of its own, queued apart so that several workers
    # share it; a part names its parent and its items' keys.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name="所属任务",
    )
    keys = models.JSONField("本批各项", default=list, blank=True)
    state = models.CharField(
        "状态", max_length=12, choices=JobState.choices, default=JobState.QUEUED
    )
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    step = models.CharField("当前步骤", max_length=STEP_LENGTH, blank=True)
    error = models.TextField("错误", blank=True)
    file = models.CharField(  # a name under settings.JIXIAO_JOBS_FOLDER, never a public path
        "文件", max_length=FILE_NAME_LENGTH, blank=True
    )
    # What a bulk load reads: the zip under settings.JIXIAO_JOBS_FOLDER, its name as uploaded,
    # and whether a department-year already stored (and still 填报中) is replaced.
    upload = models.CharField("上传文件", max_length=FILE_NAME_LENGTH, blank=True)
    upload_name = models.CharField("上传文件名", max_length=FILE_NAME_LENGTH, blank=True)
    replace = models.BooleanField("替换已有数据", default=False)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    worker = models.CharField("工作进程", max_length=200, blank=True)  # host:pid while running
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state"], name="jobs_job_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def all_items(self) -> models.QuerySet[JobItem]:
        """Its items and its parts'."""
        return JobItem.objects.filter(models.Q(job=self) | models.Q(job__parent=self))

    @property
    def failures(self) -> list[JobItem]:
        return list(self.all_items().filter(ok=False))

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


KEY_LENGTH = 100
NAME_LENGTH = 300
SUBJECT_LENGTH = 120  # a department's code (at most 100 characters), a slash and a year


class JobItem(models.Model):
    """One item of a batch job done — a department-year recomputed —, written in the same
    transaction as the item's own work, so a resumed job skips exactly the items whose work
    was committed."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    key = models.CharField("编号", max_length=KEY_LENGTH)  # e.g. the self-evaluation's id
    name = models.CharField("对象", max_length=NAME_LENGTH)  # e.g. 广州市商务局 2023 年度
    ok = models.BooleanField("完成")
    error = models.TextField("原因", blank=True)  # Chinese, when not ok
    # what a loaded item is about, when it names one: a department-year, "gz-commerce/2023"
    subject = models.CharField("部门年度", max_length=SUBJECT_LENGTH, blank=True, default="")

    class Meta:
        verbose_name = "后台任务的一项"
        verbose_name_plural = "后台任务的各项"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["job", "key"], name="jobs_one_result_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.name}：{'完成' if self.ok else self.error}"
