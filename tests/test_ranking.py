"""Published rankings: rounded scores, ties share a rank, the next rank skips."""

from __future__ import annotations

from decimal import Decimal

from jixiao.core.ranking import Ranked, rank_published


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    ranked = rank_published(
        {"A": Decimal("90"), "B": Decimal("93.13"), "C": Decimal("93.13"), "D": Decimal("80")}
    )
    assert ranked == [
        Ranked("B", Decimal("93.13"), 1),
        Ranked("C", Decimal("93.13"), 1),
        Ranked("A", Decimal("90.00"), 3),
        Ranked("D", Decimal("80.00"), 4),
    ]


def test_ranked_on_the_published_score_rounded_half_up() -> None:
    ranked = rank_published({"A": Decimal("88.125"), "B": Decimal("88.13"), "C": Decimal("88.124")})
    assert [(r.key, r.score, r.rank) for r in ranked] == [
        ("A", Decimal("88.13"), 1),
        ("B", Decimal("88.13"), 1),
        ("C", Decimal("88.12"), 3),
    ]
    one_place = rank_published({"A": Decimal("88.15"), "B": Decimal("88.2")}, places=1)
    assert [r.rank for r in one_place] == [1, 1]


def test_no_score_is_not_ranked_and_empty_is_empty() -> None:
    assert rank_published({1: None, 2: Decimal("70")}) == [Ranked(2, Decimal("70.00"), 1)]
    assert rank_published({}) == []


def test_three_way_tie_then_skip_by_three() -> None:
    scores = {n: Decimal("85") for n in range(3)} | {9: Decimal("99"), 7: Decimal("60")}
    assert [(r.key, r.rank) for r in rank_published(scores)] == [
        (9, 1),
        (0, 2),
        (1, 2),
        (2, 2),
        (7, 5),
    ]
