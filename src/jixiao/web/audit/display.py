"""An audit event as a person reads it: each changed field with its value before and after.

Events record their before and after as mappings keyed by the columns' Chinese labels (see
``editing._labelled``); an upload or ``jixiao load --replace`` records its whole plan (the rows
changed, each with its fields). This module lays both out as rows of (field, before, after), and
names in Chinese the few English keys events of earlier versions used.

>>> from types import SimpleNamespace
>>> event = SimpleNamespace(before={"实际完成值": "18"}, after={"实际完成值": "19"})
>>> [(c.field, c.before, c.after) for c in changes_of(event)]
[('实际完成值', '18', '19')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# Keys written by earlier versions, in the words the log uses now.
LEGACY_KEYS = {
    "projects": "项目",
    "indicators": "指标",
    "actual": "实际完成值",
    "status": "状态",
    "reason": "原因",
}
PLAN_ROWS = "变更"  # an upload's or a load's rows, each a mapping (see changes.ChangePlan)


class Recorded(Protocol):
    before: Any
    after: Any


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


def changes_of(event: Recorded) -> list[FieldChange]:
    """The event's fields, in the order recorded, each with its value before and after."""
    before = _mapping(event.before)
    after = _mapping(event.after)
    rows: list[FieldChange] = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key == PLAN_ROWS:
            rows += _plan_rows(after.get(key) or before.get(key) or [])
            continue
        rows.append(FieldChange(_label(key), text_of(before.get(key)), text_of(after.get(key))))
    return rows


def text_of(value: object) -> str:
    """A recorded value as text: nothing for none, a mapping as ``键：值；…``, a list joined."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return "；".join(f"{_label(str(k))}：{text_of(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(text_of(item) for item in value)
    return str(value)


def _mapping(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return {"内容": value}


def _label(key: str) -> str:
    return LEGACY_KEYS.get(key, key)


def _plan_rows(changes: object) -> list[FieldChange]:
    """An upload's rows: one line per row changed, its fields before and after."""
    if not isinstance(changes, list):
        return [FieldChange(PLAN_ROWS, "", text_of(changes))]
    rows = []
    for change in changes:
        if not isinstance(change, Mapping):
            rows.append(FieldChange(PLAN_ROWS, "", text_of(change)))
            continue
        name = f"{change.get('表', '')} {change.get('记录', '')}（{change.get('操作', '')}）"
        fields = change.get("字段") or {}
        before = "；".join(f"{k}：{v[0]}" for k, v in fields.items() if isinstance(v, list))
        after = "；".join(f"{k}：{v[1]}" for k, v in fields.items() if isinstance(v, list))
        refused = change.get("未执行的原因")
        if refused:
            after = f"{after}（未执行：{refused}）" if after else f"未执行：{refused}"
        rows.append(FieldChange(name.strip(), before, after))
    return rows
