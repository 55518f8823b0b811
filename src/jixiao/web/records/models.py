"""The data set of a self-evaluation, one model per table of ``jixiao.adapters.tables``.

Each model's fields are the table's columns: a column ``x`` is field ``x``, and an amount column
``x_wan`` (万元) or ``x_yuan`` (元) is field ``x`` holding 元 to the 分; a value that is a number
or a text (an indicator's target and actual, a forecast's values, a published value) ``x`` is the
two fields ``x_number`` and ``x_text``, read and written together as ``x`` (``records.numbers``).
``records.mapping`` turns rows into core records through the same schema the files and workbooks
use, and back; a test keeps the models and the schema in step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jixiao.web.organizations.models import Division, SelfEvaluation
from jixiao.web.records.numbers import (
    DECIMAL_PLACES,
    MAX_DIGITS,
    ExactDecimalField,
    NumberOrText,
)


def money(label: str, *, null: bool = False) -> models.DecimalField:  # type: ignore[type-arg]
    """元 to the 分; 16 digits before the point are more than any budget needs."""
    return models.DecimalField(label, max_digits=18, decimal_places=2, null=null, blank=null)


def number(label: str) -> ExactDecimalField:
    """The number of a value that is a number or a text (see ``records.numbers``)."""
    return ExactDecimalField(
        f"{label}（数值）",
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
    )


def text(label: str) -> models.CharField:  # type: ignore[type-arg]
    """The text of a value that is a number or a text: a qualitative target or tier."""
    return models.CharField(f"{label}（文字）", max_length=200, blank=True)


def one_of(model: str, *names: str) -> list[models.BaseConstraint]:
    """Each value is a number or a text, never both."""
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}_number__isnull": True})
            | models.Q(**{f"{name}_text": ""}),
            name=f"{model}_{name}_number_or_text",
        )
        for name in names
    ]


class Record(models.Model):
    evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.CASCADE, related_name="%(class)s_records"
    )
    position = models.PositiveIntegerField("顺序")

    class Meta:
        abstract = True
        ordering = ["position"]


class Sourced(Record):
    reconstructed = models.CharField("重构字段", max_length=500, blank=True)
    note = models.TextField("来源说明", blank=True)

    class Meta(Record.Meta):
        abstract = True


class BudgetLine(Sourced):
    funding_source = models.CharField("资金来源编码", max_length=64)
    name = models.CharField("资金来源", max_length=200)
    initial = money("年初预算（元）")
    adjusted = money("年度预算（元）")


class KeyTask(Sourced):
    code = models.CharField("任务编码", max_length=64)
    name = models.CharField("重点工作任务名称", max_length=300)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)
    content = models.TextField("主要实施内容", blank=True)
    completion = models.TextField("任务完成情况", blank=True)


class Project(Sourced):
    code = models.CharField("项目编码", max_length=64)
    name = models.CharField("项目名称", max_length=300)
    spending_group = models.CharField("支出分组", max_length=200, blank=True)
    funding_source = models.CharField("资金来源编码", max_length=64)
    key_task = models.CharField("重点任务编码", max_length=64, blank=True)
    special_fund = models.BooleanField("专项资金", default=False)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)
    initial_budget = money("年初预算（元）", null=True)
    adjusted_budget = money("年度预算（元）")
    spent = money("支出金额（元）")
    m01 = money("1月支出（元）", null=True)
    m02 = money("2月支出（元）", null=True)
    m03 = money("3月支出（元）", null=True)
    m04 = money("4月支出（元）", null=True)
    m05 = money("5月支出（元）", null=True)
    m06 = money("6月支出（元）", null=True)
    m07 = money("7月支出（元）", null=True)
    m08 = money("8月支出（元）", null=True)
    m09 = money("9月支出（元）", null=True)
    m10 = money("10月支出（元）", null=True)
    m11 = money("11月支出（元）", null=True)
    m12 = money("12月支出（元）", null=True)
    implementing_unit = models.CharField("实施单位", max_length=200, blank=True)
    goal = models.TextField("年度总体目标", blank=True)
    goal_achieved = models.TextField("目标实际完成情况", blank=True)


class ProjectFunds(Sourced):
    project = models.CharField("项目编码", max_length=64)
    kind = models.CharField("资金类型", max_length=32)
    initial = money("年初预算数（元）")
    adjusted = money("全年预算数（元）")
    spent = money("全年执行数（元）")


class Indicator(Sourced):
    code = models.CharField("指标编码", max_length=64)
    key_task = models.CharField("重点任务编码", max_length=64, blank=True)
    special_fund = models.BooleanField("专项资金", default=False)
    project = models.CharField("项目编码", max_length=64, blank=True)
    name = models.CharField("指标名称", max_length=300)
    subtype = models.CharField("指标类型", max_length=32)
    unit = models.CharField("计量单位", max_length=32, blank=True)
    comparison = models.CharField("比较方式", max_length=8)
    target_number = number("年度指标值")
    target_text = text("年度指标值")  # a qualitative target
    target = NumberOrText("target")
    actual_number = number("实际完成值")
    actual_text = text("实际完成值")  # a qualitative tier
    actual = NumberOrText("actual")
    points = models.DecimalField("分值", max_digits=8, decimal_places=2)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)
    deviation_reason = models.TextField("偏差原因", blank=True)

    class Meta(Sourced.Meta):
        constraints = one_of("indicator", "target", "actual")


class ExAnteEvaluation(Sourced):
    project = models.CharField("项目编码", max_length=64)
    completed_on = models.DateField("评估完成日期", null=True, blank=True)


class AuditFinding(Sourced):
    code = models.CharField("问题编码", max_length=64)
    report = models.CharField("审计报告", max_length=300)
    description = models.TextField("问题描述")
    rectified = models.BooleanField("已整改", default=False)


class Disclosure(Sourced):
    kind = models.CharField("公开类型", max_length=32)
    title = models.CharField("公开事项", max_length=300)
    due_on = models.DateField("规定公开日期")
    published_on = models.DateField("实际公开日期", null=True, blank=True)


class Contract(Sourced):
    code = models.CharField("合同编号", max_length=64)
    title = models.CharField("合同名称", max_length=300)
    channel = models.CharField("采购方式", max_length=100, blank=True)
    signed_on = models.DateField("签订日期")
    filed_on = models.DateField("备案公开日期", null=True, blank=True)


class Asset(Sourced):
    category = models.CharField("资产类别", max_length=100)
    standard_count = models.IntegerField("配置标准数量")
    held_count = models.IntegerField("在用数量")
    reason = models.TextField("超配原因", blank=True)


class Expense(Sourced):
    item = models.CharField("事项", max_length=32)
    budget = money("预算（元）", null=True)
    amount = money("金额（元）")


class Assessment(Sourced):
    node = models.CharField("评价项编号", max_length=100)
    project = models.CharField("项目编码", max_length=64, blank=True)
    score = models.DecimalField("人工评分", max_digits=8, decimal_places=2, null=True, blank=True)
    tier = models.CharField("评定档次", max_length=32, blank=True)
    reason = models.TextField("评分理由")


class NarrativeSection(Record):
    section = models.CharField("部分", max_length=64)
    text = models.TextField("内容", blank=True)


class SpendingPlan(Sourced):
    project = models.CharField("项目编码", max_length=64)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)
    p01 = money("1月计划（元）")
    p02 = money("2月计划（元）")
    p03 = money("3月计划（元）")
    p04 = money("4月计划（元）")
    p05 = money("5月计划（元）")
    p06 = money("6月计划（元）")
    p07 = money("7月计划（元）")
    p08 = money("8月计划（元）")
    p09 = money("9月计划（元）")
    p10 = money("10月计划（元）")
    p11 = money("11月计划（元）")
    p12 = money("12月计划（元）")


class IndicatorForecast(Sourced):
    indicator = models.CharField("指标编码", max_length=64)
    month = models.PositiveSmallIntegerField("监控月份")
    to_date_number = number("截至当月完成值")
    to_date_text = text("截至当月完成值")
    to_date = NumberOrText("to_date")
    forecast_number = number("全年预计完成值")
    forecast_text = text("全年预计完成值")
    forecast = NumberOrText("forecast")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, null=True, blank=True)
    reason = models.TextField("偏差原因", blank=True)
    action = models.TextField("纠偏措施", blank=True)

    class Meta(Sourced.Meta):
        constraints = one_of("indicatorforecast", "to_date", "forecast")


class PublishedFigure(Record):
    kind = models.CharField("类型", max_length=64)
    subject = models.CharField("对象", max_length=100, blank=True)
    value_number = number("公布值")
    value_text = text("公布值")  # a grade, a rate (97.1%), the report's name
    value = NumberOrText("value")
    names = models.TextField("指标名称", blank=True)

    class Meta(Record.Meta):
        constraints = one_of("publishedfigure", "value")


class PendingUpload(models.Model):
    """A checked workbook waiting for its uploader to confirm the changes shown.

    Kept in the database, not on one server's disk, so that a deployment of several app servers
    confirms an upload whichever server the confirmation reaches; deleted when confirmed, and
    after an hour unconfirmed (``jixiao.web.uploads.sweep``)."""

    token = models.CharField("凭据", max_length=64, unique=True)
    evaluation = models.ForeignKey(
        "organizations.SelfEvaluation", on_delete=models.CASCADE, verbose_name="年度绩效自评"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name="上传人"
    )
    name = models.CharField("文件名", max_length=255)
    content = models.BinaryField("工作簿")
    plan = models.CharField("核对的变更（摘要）", max_length=64)
    created_at = models.DateTimeField("上传时间", db_index=True)

    class Meta:
        verbose_name = "待确认的上传"
        verbose_name_plural = "待确认的上传"
