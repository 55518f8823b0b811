"""The form of one row of a ledger, built from the table's columns.

Django's form renders the fields, their labels, help and errors; the checking is the table's
``RowReader`` (in ``web/editing.py``), so a cell means the same in a form as in a workbook and a
refusal reads the same. Every field is text as typed (amounts in the column's unit, 万元 or
元); choices, 是/否 and the division are select boxes; the reconstructed fields — stored as
``division;funding_source`` — are boxes to tick, one per field, named by its column's label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jixiao.adapters.tables import Column, Kind
from jixiao.core.problems import Problem
from jixiao.web.editing import Ledger, field_labels
from jixiao.web.records.mapping import field_of

LONG_TEXT_WIDTH = 30  # columns at least this wide in the workbook are multi-line here
NUMERIC_KINDS = (Kind.WAN, Kind.YUAN, Kind.NUMBER, Kind.INTEGER)


def _field(column: Column, divisions: Sequence[str], ledger: Ledger) -> forms.Field:
    label = f"{column.label} *" if column.required else column.label
    common: dict[str, Any] = {"label": label, "required": False, "help_text": column.help}
    if column.kind is Kind.RECONSTRUCTED:
        return _reconstructed_field(ledger, label)
    if column.key == "division":
        choices = [("", "—"), *((name, name) for name in divisions)]
        return forms.ChoiceField(choices=choices, **common)
    if column.kind is Kind.FLAG:
        return forms.ChoiceField(choices=[("否", "否"), ("是", "是")], **common)
    if column.kind is Kind.CHOICE:
        choices = [("", "—"), *((c.code, c.label) for c in column.choices)]
        return forms.ChoiceField(choices=choices, **common)
    if column.kind is Kind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if column.kind in NUMERIC_KINDS:
        attrs = {"inputmode": "decimal", "class": "number"}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if column.width >= LONG_TEXT_WIDTH:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(**common)


class TickedFields(forms.MultipleChoiceField):
    """The names of the ticked fields. They are checked by the table's reader, not here, so
    that a name that is not the table's is refused at the field in the workbook's words; a
    blank value (how a script posting the form ticks none) is no name."""

    def to_python(self, value: Any) -> list[str]:
        return [name for name in super().to_python(value) if name]

    def valid_value(self, value: Any) -> bool:  # noqa: ARG002 — the reader checks
        return True


def _reconstructed_field(ledger: Ledger, label: str) -> forms.Field:
    """The reconstructed fields as a box per field (and one for the whole row, ``*``)."""
    choices = [("*", _("整行（所有字段）")), *field_labels(ledger).items()]
    return TickedFields(
        label=label,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        help_text=_("勾选未公布、为与公布数一致而推算的字段；都不勾选表示均为公布值。"),
    )


class RowForm(forms.Form):
    """A ledger row's cells, plus the reason recorded in the audit log."""

    def __init__(
        self,
        ledger: Ledger,
        divisions: Sequence[str],
        *args: Any,
        fixed_division: str | None = None,
        read_only: bool = False,
        owned: frozenset[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ledger = ledger
        for column in ledger.columns:
            self.fields[column.key] = _field(column, divisions, ledger)
            stored = self.initial.get(column.key)
            if column.kind is Kind.RECONSTRUCTED and isinstance(stored, str):
                self.initial[column.key] = [name for name in stored.split(";") if name]
        if fixed_division is not None and "division" in self.fields:
            self.fields["division"].disabled = True
            self.fields["division"].initial = fixed_division
        self.fields["reason"] = forms.CharField(
            label=_("修改原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        if owned is not None:  # a division fills only its own fields; the rest is shown
            for column in ledger.columns:
                if field_of(column) not in owned:
                    self.fields[column.key].disabled = True

    def cells(self) -> dict[str, str]:
        """The cells as given (only after ``is_valid``); disabled fields are left out; the
        ticked reconstructed fields as the table writes them, ``a;b``."""
        return {
            column.key: _text(self.cleaned_data.get(column.key))
            for column in self.ledger.columns
            if not self.fields[column.key].disabled
        }

    def show_problems(self, problems: Sequence[Problem], fallback: str) -> None:
        """Put each problem at its field (a problem of no field goes above the form)."""
        for problem in problems:
            column = problem.location.column
            self.add_error(column if column in self.fields else None, problem.message)
        if not problems:
            self.add_error(None, fallback)


def _text(value: str | list[str] | None) -> str:
    if isinstance(value, list):
        return ";".join(value)
    return value or ""
