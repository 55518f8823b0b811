"""Changing a stored record: checked with the same schema as files and workbooks, within the
user's scope, only while the data are open, recorded in the audit log with before and after."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from jixiao.adapters.assemble import read_rows
from jixiao.adapters.tables import INDICATORS
from jixiao.core.fields import FieldReader
from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.access import membership
from jixiao.web.audit.services import record_event
from jixiao.web.organizations.models import Role, SelfEvaluation
from jixiao.web.records.mapping import cells_of
from jixiao.web.records.models import Indicator
from jixiao.web.workflow import is_editable


class EditRefused(Exception):
    """Not allowed or not valid; ``problems`` (when any) say why at the field."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def editable_indicators(user: User, record: SelfEvaluation) -> list[Indicator]:
    """The indicators ``user`` may change: a division filler's own division's, or all of the
    department's for the finance reviewer."""
    scope = membership(user)
    indicators = Indicator.objects.filter(evaluation=record).select_related("division")
    if scope is None or scope.department_id != record.department_id:
        return []
    if scope.role == Role.FINANCE_REVIEWER:
        return list(indicators)
    if scope.role == Role.DIVISION_FILLER and scope.division_id is not None:
        return list(indicators.filter(division_id=scope.division_id))
    return []


@transaction.atomic
def set_indicator_actual(
    user: User, record: SelfEvaluation, indicator_id: int, actual: str, reason: str
) -> Indicator:
    """Set an indicator's 实际完成值; refused outside scope, when locked, or when invalid."""
    record = SelfEvaluation.objects.select_for_update().get(pk=record.pk)
    indicator = next((i for i in editable_indicators(user, record) if i.pk == indicator_id), None)
    if indicator is None:
        raise EditRefused("没有这个指标，或您无权修改")
    if not is_editable(record):
        raise EditRefused(
            f"年度绩效自评“{record.get_status_display()}”，数据已锁定；退回后才能修改"
        )
    cells = cells_of(indicator, INDICATORS) | {"actual": actual.strip()}
    read = FieldReader()
    where = SourceLocation(
        "表单", sheet="绩效指标", row=indicator.position, cell_map=(("actual", "actual"),)
    )
    if not read_rows(INDICATORS, [(cells, where)], read) or read.problems:
        raise EditRefused("实际完成值无效", read.problems)
    before = indicator.actual
    indicator.actual = actual.strip()
    indicator.save(update_fields=["actual"])
    record_event(
        user,
        "修改指标实际完成值",
        f"{record} 指标 {indicator.code} {indicator.name}",
        evaluation=record,
        before={"actual": before},
        after={"actual": indicator.actual},
        reason=reason,
    )
    return indicator
