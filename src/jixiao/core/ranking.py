"""Rankings as the finance bureau publishes them: on the rounded score, ties sharing a rank.

A published ranking (e.g. "在同批接受重点评价部门中评价分数排名第二") orders departments by
the score as published — rounded half-up to the framework's places — from highest to lowest. Equal
published scores share a rank and the next rank skips as many places as shared the one before
("standard competition ranking", 1-2-2-4):

>>> from decimal import Decimal
>>> [(r.key, r.rank) for r in rank_published(
...     {"甲": Decimal("93.13"), "乙": Decimal("95.004"), "丙": Decimal("95"), "丁": Decimal("90")}
... )]
[('丙', 1), ('乙', 1), ('甲', 3), ('丁', 4)]

乙's 95.004 is published as 95.00, so it ties with 丙. Departments with no score (no data set
could be put together) are not ranked. Among equals the order shown is by key, so a listing is
stable from one request to the next.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from jixiao.core.money import round_half_up

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Ranked(Generic[K]):
    """One ranked entry: its key, the published (rounded) score and the rank (1 is best)."""

    key: K
    score: Decimal
    rank: int


def rank_published(scores: Mapping[K, Decimal | None], *, places: int = 2) -> list[Ranked[K]]:
    """Rank ``scores`` from highest to lowest on the score rounded half-up to ``places``;
    equal rounded scores share a rank and the next rank skips (1, 2, 2, 4). ``None`` is not
    ranked. Keys must be mutually orderable (they break ties in the listing only)."""
    published = sorted(
        ((round_half_up(score, places), key) for key, score in scores.items() if score is not None),
        key=lambda pair: (-pair[0], pair[1]),
    )
    ranked: list[Ranked[K]] = []
    for position, (score, key) in enumerate(published, start=1):
        tied = ranked and ranked[-1].score == score
        ranked.append(Ranked(key, score, ranked[-1].rank if tied else position))
    return ranked
