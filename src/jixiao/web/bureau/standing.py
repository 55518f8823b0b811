"""Which cut-off each department-year of a group-year is scored with: the page the overview's
cut-off section links to (``/bureau/cut-off/departments/``), filtered, sorted and paged in SQL
(``cohorts.freezing.with_standing``: one query for the page's rows, one for the count).

Inputs and their ranges (a value outside gives 400 with the field named):

==========  ==========================================================================
``year``    a fiscal year (2000–2100); the latest loaded by default
``group``   a department group; none: every department
``q``       a department's code or name contains it; at most 50 characters
``status``  a workflow status
``state``   ``waiting`` (待重新计算), ``none`` (无截止：依同批比较的评价项待评),
            ``applied`` (已按截止计算)
``sort``    ``code``, ``cut_off`` or ``status``; ``-`` first for descending
``page``    a page of 50 rows (past the last: the last)
==========  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jixiao.web.bureau.overview import FIRST_YEAR, LAST_YEAR, SEARCH_CHARS
from jixiao.web.cohorts.freezing import in_scope, with_standing
from jixiao.web.organizations.models import DepartmentGroup, SelfEvaluation, Status

PAGE_SIZE = 50
WAITING, NONE, APPLIED = "waiting", "none", "applied"
SORTED_BY = {"code": "department__code", "cut_off": "used_at", "status": "status"}


class StandingFilter(forms.Form):
    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    group = forms.ModelChoiceField(
        label=_("分组"), required=False, queryset=DepartmentGroup.objects.all()
    )
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_CHARS, strip=True)
    status = forms.ChoiceField(label=_("流程状态"), required=False)
    state = forms.ChoiceField(label=_("截止情况"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False)

    def __init__(self, data: Any, *, groups: Iterable[DepartmentGroup] = ()) -> None:
        super().__init__(data, auto_id="%s")
        every = [("", _("全部"))]
        self._set("status", every + list(Status.choices))
        states = [
            (WAITING, _("待重新计算")),
            (NONE, _("无截止（待评）")),
            (APPLIED, _("已按截止计算")),
        ]
        self._set("state", every + states)
        self._set("sort", [(k, k) for key in SORTED_BY for k in (key, f"-{key}")])
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.choices = [("", _("全部部门")), *((g.pk, str(g)) for g in groups)]

    def _set(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def listed(year: int, chosen: dict[str, Any]) -> QuerySet[SelfEvaluation]:
    """The group-year's department-years with their standing, narrowed and ordered as
    ``chosen`` (a valid filter's cleaned data) says; then by code, so a page is stable."""
    rows = with_standing(in_scope(year, chosen.get("group")))
    if chosen.get("q"):
        text = chosen["q"]
        rows = rows.filter(
            Q(department__code__icontains=text) | Q(department__name__icontains=text)
        )
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    state = chosen.get("state")
    if state == WAITING:
        rows = rows.filter(Q(waiting=True))
    elif state == NONE:
        rows = rows.filter(Q(used_at__isnull=True) & Q(waiting=False))
    elif state == APPLIED:
        rows = rows.filter(Q(used_at__isnull=False) & Q(waiting=False))
    sort = chosen.get("sort") or "code"
    column = F(SORTED_BY[sort.removeprefix("-")])
    order = column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)
    return rows.order_by(order, "department__code")
