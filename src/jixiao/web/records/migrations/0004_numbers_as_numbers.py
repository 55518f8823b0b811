"""Numbers as numbers: each value that is a number or a text becomes a number and a text column.

The old text column is renamed ``<name>_text``; a text that writes a number plainly (``2004.7``,
``-3``, ``1300.0``) moves to the new ``<name>_number`` and its text is emptied; qualitative
values (``达到预期``) and blanks stay. Backwards, each number is written again as the text it was
(``records.numbers.joined``), exactly. See docs/decisions/0020-numbers-as-numbers.md.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

import jixiao.web.records.numbers
from jixiao.web.records.numbers import joined, split

VALUES = {
    "indicator": ("target", "actual"),
    "indicatorforecast": ("to_date", "forecast"),
    "publishedfigure": ("value",),
}
LABELS = {
    ("indicator", "target"): "年度指标值",
    ("indicator", "actual"): "实际完成值",
    ("indicatorforecast", "to_date"): "截至当月完成值",
    ("indicatorforecast", "forecast"): "全年预计完成值",
    ("publishedfigure", "value"): "公布值",
}
BATCH = 1000


def _rewrite(apps: Any, change: Any) -> None:
    for model_name, names in VALUES.items():
        model = apps.get_model("records", model_name)
        fields = [f"{name}_{part}" for name in names for part in ("number", "text")]
        changed = []
        for row in model._default_manager.order_by("pk").iterator(chunk_size=BATCH):
            if change(row, names):
                changed.append(row)
        model._default_manager.bulk_update(changed, fields, batch_size=BATCH)


def _split(row: Any, names: tuple[str, ...]) -> bool:
    moved = False
    for name in names:
        number, text = split(getattr(row, f"{name}_text"))
        if number is not None:
            setattr(row, f"{name}_number", number)
            setattr(row, f"{name}_text", text)
            moved = True
    return moved


def _join(row: Any, names: tuple[str, ...]) -> bool:
    moved = False
    for name in names:
        number = getattr(row, f"{name}_number")
        if number is not None:
            setattr(row, f"{name}_text", joined(number, ""))
            setattr(row, f"{name}_number", None)
            moved = True
    return moved


def split_values(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, _split)


def join_values(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, _join)


def _number(label: str) -> models.DecimalField:  # type: ignore[type-arg]
    return jixiao.web.records.numbers.ExactDecimalField(
        blank=True,
        decimal_places=10,
        max_digits=25,
        null=True,
        verbose_name=f"{label}（数值）",
    )


def _renames() -> list[Any]:
    operations: list[Any] = []
    for (model_name, name), label in LABELS.items():
        operations += [
            migrations.RenameField(model_name, name, f"{name}_text"),
            migrations.AlterField(
                model_name,
                f"{name}_text",
                models.CharField(blank=True, max_length=200, verbose_name=f"{label}（文字）"),
            ),
            migrations.AddField(model_name, f"{name}_number", _number(label)),
        ]
    return operations


def _constraints() -> list[Any]:
    return [
        migrations.AddConstraint(
            model_name,
            models.CheckConstraint(
                condition=models.Q(**{f"{name}_number__isnull": True})
                | models.Q(**{f"{name}_text": ""}),
                name=f"{model_name}_{name}_number_or_text",
            ),
        )
        for model_name, name in LABELS
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_pending_upload"),
    ]

    operations = [
        *_renames(),
        migrations.RunPython(split_values, join_values, elidable=False),
        *_constraints(),
    ]
