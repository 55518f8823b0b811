"""Reading the audit log: the events a user may read (``policy.Actor.visible_events``), filtered
by who, when, what and on what, a page at a time, and exported to Excel with each changed field
on its own row. An export is itself recorded in the log."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from jixiao.adapters.xlsx_cells import put
from jixiao.web.audit import events as audit_events
from jixiao.web.audit.display import FieldChange, changes_of
from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit.services import in_record_language
from jixiao.web.policy import Who, as_actor, user_of

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # events in one export; narrow the filter for more
EXPORT_COLUMNS = ("时间", "操作人", "操作", "对象", "字段", "修改前", "修改后", "原因")
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


class AuditFilter(forms.Form):
    """Who, what, on what, and between which days (both included)."""

    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        widget=forms.Select(attrs={"data-submit-on-change": True}),  # app.js submits on change
    )
    target = forms.CharField(label=_("对象"), required=False, max_length=300)
    since = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: Sequence[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # ids are the field names: ?action=… and id="action"
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部")), *((a, a) for a in actions)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        for name, day in (("since", since), ("until", until)):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("日期须在 2000-01-01 至 2099-12-31 之间"))
        if since and until and since > until:
            self.add_error("until", _("截止日期不能早于起始日期"))
        return data

    def describe(self) -> str:
        """The filter in words (Chinese, as the audit log is), for the record of an export."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        with in_record_language():
            parts = [f"{self.fields[name].label}：{value}" for name, value in data.items() if value]
        return "；".join(parts) or "全部"


def readable_actions(who: Who) -> list[str]:
    return sorted(set(as_actor(who).visible_events().values_list("action", flat=True)))


def events_for(who: Who, chosen: AuditFilter) -> QuerySet[AuditEvent]:
    """The events ``who`` may read that the (valid) filter ``chosen`` lets through, newest
    first."""
    events = as_actor(who).visible_events().select_related("evaluation__department", "division")
    data = chosen.cleaned_data if chosen.is_bound and chosen.is_valid() else {}
    if data.get("actor"):
        events = events.filter(actor_name__icontains=data["actor"])
    if data.get("action"):
        events = events.filter(action=data["action"])
    if data.get("target"):
        events = events.filter(target__icontains=data["target"])
    if data.get("since"):
        events = events.filter(at__date__gte=data["since"])
    if data.get("until"):
        events = events.filter(at__date__lte=data["until"])
    return events.order_by("-sequence")


def export(who: Who, chosen: AuditFilter) -> bytes:
    """The filtered events as a workbook, one row per changed field, and the export recorded."""
    events = list(events_for(who, chosen)[:EXPORT_LIMIT])
    content = _workbook(events)
    audit_events.audit_log_exported(user_of(who), len(events), chosen.describe())
    return content


def _workbook(events: Iterable[AuditEvent]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "审计日志"
    for column, title in enumerate(EXPORT_COLUMNS, start=1):
        put(sheet, 1, column, title)
    row = 2
    for event in events:
        at = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S")
        heading = (at, event.actor_name or "系统", event.action, event.target)
        changes = changes_of(event) or [FieldChange("", "", "")]
        for change in changes:
            values = (*heading, change.field, change.before, change.after, event.reason)
            for column, value in enumerate(values, start=1):
                put(sheet, row, column, value)
            row += 1
    for letter, width in zip("ABCDEFGH", (20, 16, 18, 40, 28, 40, 40, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
