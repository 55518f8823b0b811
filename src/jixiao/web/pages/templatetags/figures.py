"""Template filters that show numbers as the reports do: rates with two decimals and a percent
sign, 万元 with two decimals, percentage points with two decimals — all half-up, by the core."""

from __future__ import annotations

from decimal import Decimal

from django import template

from jixiao.adapters.report.bulletin import gap_text
from jixiao.core.money import format_percent, format_wan

register = template.Library()


@register.filter
def percent(rate: Decimal | None) -> str:
    """0.5 → 50.00%."""
    return "—" if rate is None else format_percent(rate)


@register.filter
def wan(amount_yuan: Decimal | None) -> str:
    """12345678.90 元 → 1234.57 (万元)."""
    return "—" if amount_yuan is None else format_wan(amount_yuan)


@register.filter
def points(gap: Decimal | None) -> str:
    """Percentage points: 4.896 → 4.90."""
    return gap_text(gap)
