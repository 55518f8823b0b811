"""The arithmetic of a review (复核): pure functions over frozen records, no Django.

**What a reviewer re-scores: the leaves.** The finance bureau re-scores the items that are
*scored* — the leaves of the framework's tree as stored (``NodeScore`` rows with no item below
them: 产出指标, 部门预算资金支出率, 结转结余率, 采购管理 …). An item with items below it (履职效能,
预算执行) is the sum of its parts (the ``sum`` rule), and stays so in the review: re-scoring a
leaf changes every ancestor's 复核得分 by the same amount, up to the total. A reviewer who
disagrees with 预算执行 as a whole re-scores 结转结余率 or 财务管理合规性, and the reasons say which
part is wrong. So the review tree adds up exactly like the self-evaluation's, and no re-score
can hide another one.

**The numbers.** Scores are ``Decimal`` with two places (the stored 自评得分 are rounded by the
framework's rules; a 复核得分 is given with at most two decimals), so the arithmetic is exact
and nothing is rounded: an item's 复核得分 is its 自评得分 plus the changes (复核 − 自评) of the
re-scored leaves at or below it; the total 复核得分 is the self-evaluation's total plus all the
changes; the difference shown is 自评 − 复核 (positive: the department scored itself higher than
the bureau does). Display rounds half-up to two places (:func:`shown`), which changes no
value here.

Worked example (the reference department, 93.13 in its self-evaluation). The bureau re-scores
结转结余率 2 → 1.5 and 部门预算资金支出率 3.63 → 3:

>>> from decimal import Decimal as D
>>> lines = [
...     Line("total", "total", 0, D("100"), D("93.13")),
...     Line("performance", "total/performance", 1, D("50"), D("47.13")),
...     Line("rate", "total/performance/rate", 2, D("5"), D("3.63")),
...     Line("management", "total/management", 1, D("50"), D("46")),
...     Line("execution", "total/management/execution", 2, D("4"), D("4")),
...     Line("carryover", "total/management/execution/carryover", 3, D("2"), D("2")),
...     Line("compliance", "total/management/execution/compliance", 3, D("2"), D("2")),
... ]
>>> reviewed = review_lines(lines, {"carryover": D("1.5"), "rate": D("3")})
>>> shown = [(r.line.node, str(r.review_score), str(r.difference)) for r in reviewed]
>>> shown  # doctest: +NORMALIZE_WHITESPACE
[('total', '92.00', '1.13'), ('performance', '46.50', '0.63'), ('rate', '3.00', '0.63'),
 ('management', '45.5', '0.5'), ('execution', '3.5', '0.5'), ('carryover', '1.5', '0.5'),
 ('compliance', '2', '0')]
>>> str(review_total(D("93.13"), [(D("2"), D("1.5")), (D("3.63"), D("3"))]))
'92.00'

结转结余率 loses 0.5: 预算执行 4 → 3.5, 管理效率 46 → 45.5; 支出率 loses 0.63: 履职效能
47.13 → 46.50; the total 93.13 → 92.00, a difference of 1.13 = 0.5 + 0.63.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jixiao.core.money import round_half_up

ZERO = Decimal(0)
SCORE_TEXT = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,2})?")  # what a 复核得分 may be written as
MORE_PLACES = re.compile(r"[0-9]{1,6}\.[0-9]{3,20}")  # a number with too many decimals
REASON_LENGTH = 2000  # characters of a 复核理由 (at least 1)
FINDING_LENGTH = 500  # characters of one finding
FINDINGS = 20  # findings per item at most


@dataclass(frozen=True)
class Line:
    """One framework item of the self-evaluation as stored (a ``NodeScore``)."""

    node: str
    path: str
    depth: int
    points: Decimal
    score: Decimal
    name: str = ""


@dataclass(frozen=True)
class ReviewedLine:
    """An item with its 自评得分 (``line.score``), its 复核得分 and 自评 − 复核; ``leaf``: whether
    it may be re-scored; ``rescored``: whether it is itself re-scored (its ancestors change
    too, but are not re-scored)."""

    line: Line
    review_score: Decimal
    leaf: bool
    rescored: bool

    @property
    def difference(self) -> Decimal:
        return self.line.score - self.review_score


def is_below(path: str, ancestor: str) -> bool:
    """Whether the item at ``path`` is the one at ``ancestor`` or below it."""
    return path == ancestor or path.startswith(ancestor + "/")


def leaves(lines: Sequence[Line]) -> frozenset[str]:
    """The nodes of the items with no item below them: those a reviewer re-scores."""
    parents = {line.path.rsplit("/", 1)[0] for line in lines if "/" in line.path}
    return frozenset(line.node for line in lines if line.path not in parents)


def review_lines(lines: Sequence[Line], rescored: Mapping[str, Decimal]) -> list[ReviewedLine]:
    """Every item with its 复核得分: its 自评得分 plus the changes of the re-scored leaves at or
    below it (``rescored``: node → 复核得分, leaves only)."""
    leaf_nodes = leaves(lines)
    changes = [
        (line.path, rescored[line.node] - line.score)
        for line in lines
        if line.node in rescored and line.node in leaf_nodes
    ]
    return [
        ReviewedLine(
            line,
            line.score + sum((c for path, c in changes if is_below(path, line.path)), ZERO),
            leaf=line.node in leaf_nodes,
            rescored=line.node in rescored and line.node in leaf_nodes,
        )
        for line in lines
    ]


def review_total(self_total: Decimal, items: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The total 复核得分: the self-evaluation's total with each re-scored item's 自评得分
    replaced by its 复核得分 (``items``: (自评得分, 复核得分) of each re-scored leaf)."""
    return self_total + sum((score - self_score for self_score, score in items), ZERO)


def shown(value: Decimal) -> str:
    """A score as the review shows it: two decimals, rounded half-up (``92.00``, ``0.50``), so
    that 自评, 复核 and their difference line up."""
    return f"{round_half_up(value, 2):f}"
