"""The overview's distribution charts as SVG written on the server: no script, no style
attribute (the content security policy allows neither); the stylesheet colours them by class."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, BASE, TOP = 480, 180, 150, 16


def bar_chart(bars: Sequence[tuple[str, int]], title: str) -> SafeString:
    """Bars of ``(label, count)`` with each count above its bar and label below."""
    highest = max((count for _label, count in bars), default=0) or 1
    slot = WIDTH / max(len(bars), 1)
    parts = []
    for n, (label, count) in enumerate(bars):
        height = (BASE - TOP) * count / highest
        x = n * slot
        parts.append(
            (
                f"{x + slot * 0.15:.1f}",
                f"{BASE - height:.1f}",
                f"{slot * 0.7:.1f}",
                f"{height:.1f}",
                f"{x + slot / 2:.1f}",
                f"{BASE - height - 4:.1f}",
                count,
                f"{BASE + 16:.1f}",
                label,
            )
        )
    bars_markup = format_html_join(
        "",
        '<rect class="bar" x="{0}" y="{1}" width="{2}" height="{3}"></rect>'
        '<text class="count" x="{4}" y="{5}">{6}</text>'
        '<text class="label" x="{4}" y="{7}">{8}</text>',
        parts,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">'
        '<title>{2}</title><line class="axis" x1="0" y1="{3}" x2="{0}" y2="{3}"></line>{4}</svg>',
        WIDTH,
        HEIGHT,
        title,
        BASE,
        bars_markup,
    )
