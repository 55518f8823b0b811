"""The overview's distribution charts as SVG written on the server: no script, no style
attribute (the content security policy allows neither); the stylesheet colours them by class.
The geometry is computed here and drawn by a template (``bureau/chart.svg``), so every label is
escaped by the template engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string

WIDTH, HEIGHT, BASE, TOP = 480, 180, 150, 16


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    middle: str
    above: str
    below: str
    count: int
    label: str


def bars_of(counts: Sequence[tuple[str, int]]) -> list[Bar]:
    """Each ``(label, count)`` as a bar scaled to the highest count."""
    highest = max((count for _label, count in counts), default=0) or 1
    slot = WIDTH / max(len(counts), 1)
    bars = []
    for n, (label, count) in enumerate(counts):
        height = (BASE - TOP) * count / highest
        x = n * slot
        bars.append(
            Bar(
                x=f"{x + slot * 0.15:.1f}",
                y=f"{BASE - height:.1f}",
                width=f"{slot * 0.7:.1f}",
                height=f"{height:.1f}",
                middle=f"{x + slot / 2:.1f}",
                above=f"{BASE - height - 4:.1f}",
                below=f"{BASE + 16:.1f}",
                count=count,
                label=label,
            )
        )
    return bars


def bar_chart(counts: Sequence[tuple[str, int]], title: str) -> str:
    """Bars of ``(label, count)``, each count above its bar and its label below (a safe
    string: the template escaped every text)."""
    return render_to_string(
        "bureau/chart.svg",
        {"bars": bars_of(counts), "title": title, "width": WIDTH, "height": HEIGHT, "base": BASE},
    )
