"""``cohort_rank``: the department's rank or percentile among its cohort gives the score, by bands.

The cohort (同批部门, e.g. a review group of a year) is input to the evaluation
(``evaluate(dataset, framework, cohort=...)``, see ``jixiao.core.cohort``). The node ranks on a
``metric`` (with its ``scope``, as ``rate_times_points`` reads them) or on the score of another
framework ``item`` — never the total or an item that itself depends on the cohort (the parser
refuses the circle, ``E-CIRCULAR``).

**Rank.** The department's own value comes from its own data set; every other member's from the
cohort's figures (taken at the cut-off). Departments whose value cannot be computed are not
ranked and not counted. Values are compared as scored — a rate rounded half-up to
``rate_places``, an item's score to ``score_places`` — highest first (``better: lower``: lowest
first), and ranked as published rankings are (``jixiao.core.ranking.rank_published``): equal
values share a rank and the next rank skips (1, 2, 2, 4).

**Percentile.** ``top share = rank ÷ ranked``: the 3rd of 20 is in the top 15%. Equal values
share the best rank of their group, so they share a top share and always fall in the same band
(6 ranked, three tied 3rd: all 3 ÷ 6 = 50%, in a "top 50%" band, though two of them are the 4th
and 5th departments).

**Bands** are data, the first that contains the department gives the score, none 0:

    by: percentile                 # or rank: top counts places (top: 3 = the first three ranks)
    bands:
      - {top: 20%, score: 5}       # top share ≤ 20%
      - {top: 50%, score: 4}       # ≤ 50%
      - {top: 80%, score: 3}
      - {score: 0}                 # the rest (only the last band may leave out top)

With no cohort, a cohort of another year, no figures for the measure, or fewer than
``min_members`` (default 2) ranked departments, the item is pending (待评): it scores 0, a
``W-COHORT-PENDING`` warning says why, and ``measures.cohort.pending`` says so to readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from typing import Any

from jixiao.core.cohort import Cohort, CohortMeasure, CohortStanding
from jixiao.core.framework import Node, NodeSource, RuleParameters, ScopeKind, options
from jixiao.core.metrics import compute_metric
from jixiao.core.money import ZERO, format_percent, format_rate, format_score, round_half_up
from jixiao.core.problems import ProblemCode, Severity, SourceLocation
from jixiao.core.ranking import rank_published
from jixiao.core.result import Deduction, Measures, NodeResult
from jixiao.core.rules.base import Context, Rule, result
from jixiao.core.rules.metric_parameters import METRIC_KEYS, parse_metric, scored_rate

MAX_RANK = 100_000  # a band's top by rank, and min_members: more than any cohort of a province
PENDING = "待评"


class RankBasis(Enum):
    PERCENTILE = "percentile"
    RANK = "rank"


class Better(Enum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True, slots=True)
class RankBand:
    """One band: the department is in it when its top share (``by: percentile``) or its rank
    (``by: rank``) is at most ``top``; a band without ``top`` holds everyone left."""

    score: Decimal
    top: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CohortRankParameters(RuleParameters):
    measure: CohortMeasure
    bands: tuple[RankBand, ...]
    by: RankBasis = RankBasis.PERCENTILE
    better: Better = Better.HIGHER
    min_members: int = 2

    def reads_cohort(self) -> bool:
        return True

    def items_read(self) -> tuple[tuple[str, str], ...]:
        return () if self.measure.item is None else (("item", self.measure.item),)


KEYS = (*METRIC_KEYS, "item", "by", "better", "bands", "min_members")


def parse(source: NodeSource) -> CohortRankParameters | None:
    read, data, where = source.read, source.data, source.where
    measure = _measure(source)
    by = read.choice(data, "by", options(RankBasis), where, default=RankBasis.PERCENTILE)
    better = read.choice(data, "better", options(Better), where, default=Better.HIGHER)
    min_members: int | None = 2
    if "min_members" in data:
        min_members = read.integer(data, "min_members", where, minimum=1)
        if min_members is not None and min_members > MAX_RANK:
            read.error(
                ProblemCode.E_RANGE,
                f"“min_members”不能大于 {MAX_RANK}，实际为 {min_members}",
                where.child("min_members"),
            )
            min_members = None
    bands = _bands(source, by)
    if measure is None or by is None or better is None or bands is None or min_members is None:
        return None
    return CohortRankParameters(measure, bands, by, better, min_members)


def _measure(source: NodeSource) -> CohortMeasure | None:
    """``metric`` (with ``scope``) or ``item``, exactly one."""
    read, data, where = source.read, source.data, source.where
    if "item" in data:
        for key in METRIC_KEYS:
            if key in data:
                read.error(
                    ProblemCode.E_RULE_FIELD,
                    f"按其他节点得分（item）排名时不使用字段“{key}”",
                    where.child(key),
                )
        item = read.text(data, "item", where)
        return None if item is None else CohortMeasure(item=item)
    if "metric" not in data:
        read.error(
            ProblemCode.E_REQUIRED,
            "缺少必填字段“metric”（按哪项比率排名；或以 item 指定按哪个节点的得分排名）",
            where.child("metric"),
        )
        return None
    parsed = parse_metric(source)
    return None if parsed is None else CohortMeasure(metric=parsed[0], scope=parsed[1])


def _bands(source: NodeSource, by: RankBasis | None) -> tuple[RankBand, ...] | None:
    """Each band's ``top`` (a share above 0 and at most 100%, or a rank from 1) and ``score``
    (at most the node's points); tops increase and scores do not, band after band; only the
    last band may leave out ``top``."""
    read, where, points = source.read, source.at("bands"), source.points
    bands: list[RankBand] = []
    found = read.mappings(source.data.get("bands"), where)
    wrong = False
    for index, (data, here) in enumerate(found):
        read.only_keys(data, ("top", "score"), here)
        band_score = read.decimal(data, "score", here, minimum=ZERO)
        if band_score is not None and points is not None and band_score > points:
            read.error(ProblemCode.E_RANGE, f"档位得分 {band_score} 超过节点分值 {points}", here)
            band_score = None
        top = _top(source, data, here, by) if "top" in data else None
        if "top" not in data and index < len(found) - 1:
            read.error(
                ProblemCode.E_REQUIRED,
                "缺少必填字段“top”（只有最后一个档位可以不写，表示其余的部门）",
                here.child("top"),
            )
            wrong = True
        if band_score is None or ("top" in data and top is None):
            wrong = True
            continue
        previous = bands[-1] if bands else None
        if (
            previous is not None
            and previous.top is not None
            and top is not None
            and top <= previous.top
        ):
            read.error(
                ProblemCode.E_THRESHOLDS,
                f"档位的 top 须逐档增大：{_top_text(top, by)} 不大于上一档的 "
                f"{_top_text(previous.top, by)}",
                here.child("top"),
            )
            wrong = True
        if previous is not None and band_score > previous.score:
            read.error(
                ProblemCode.E_THRESHOLDS,
                f"档位得分须逐档不增：{band_score} 大于上一档的 {previous.score}",
                here.child("score"),
            )
            wrong = True
        bands.append(RankBand(band_score, top))
    if not found:
        read.error(ProblemCode.E_REQUIRED, "至少需要一个档位", where)
        return None
    return None if wrong else tuple(bands)


def _top(
    source: NodeSource, data: Mapping[str, Any], here: SourceLocation, by: RankBasis | None
) -> Decimal | None:
    read = source.read
    if by is None:
        return None  # the wrong ``by`` is the problem reported
    if by is RankBasis.RANK:
        rank = read.integer(data, "top", here, minimum=1)
        if rank is not None and rank > MAX_RANK:
            read.error(
                ProblemCode.E_RANGE, f"“top”不能大于 {MAX_RANK}，实际为 {rank}", here.child("top")
            )
            return None
        return None if rank is None else Decimal(rank)
    share = read.rate(data, "top", here)
    if share is not None and not ZERO < share <= 1:
        read.error(
            ProblemCode.E_RANGE,
            f"“top”是排名前百分之几，须大于 0 且不超过 100%，实际为 {format_rate(share)}",
            here.child("top"),
        )
        return None
    return share


def _top_text(top: Decimal, by: RankBasis | None) -> str:
    return f"前 {top} 名" if by is RankBasis.RANK else f"前 {format_rate(top)}"


def score(node: Node, parameters: CohortRankParameters, context: Context) -> NodeResult:
    measure = parameters.measure
    cohort = context.cohort
    standing = CohortStanding(measure=measure.key)
    if cohort is not None:
        standing = replace(standing, cohort=cohort.name, cut_off=cohort.cut_off)
    own = _own_value(node, parameters, context, standing)
    if isinstance(own, NodeResult):
        return own
    label = _label(measure, context)
    standing = replace(standing, value=own)
    why = _pending(cohort, measure, label, context)
    if why is not None:
        return _pending_result(node, parameters, context, standing, why)
    assert cohort is not None
    code = context.dataset.department.code
    values = cohort.values(measure.key)
    outside = code not in values
    at_cut_off = values.get(code)
    values[code] = own
    ranked = sum(1 for value in values.values() if value is not None)
    standing = replace(standing, outside=outside, ranked=ranked)
    if ranked < parameters.min_members:
        why = (
            f"{PENDING}：同批部门“{cohort.name}”中有{label}的只有 {ranked} 个部门，"
            f"少于 {parameters.min_members} 个，不排名"
        )
        return _pending_result(node, parameters, context, standing, why)
    rank = _rank(values, code, parameters, context)
    share = Decimal(rank) / Decimal(ranked)
    band = _band_of(parameters, rank, share)
    points = parameters.bands[band].score if band is not None else ZERO
    standing = replace(standing, rank=rank, top_share=share, band=band)
    references = (f"同批部门“{cohort.name}”（截止 {cohort.cut_off.isoformat()}）",)
    if outside:
        context.problem(
            ProblemCode.W_COHORT_OUTSIDE,
            f"本部门（{code}）不在同批部门“{cohort.name}”中，按同批 {ranked - 1} 个部门"
            "加本部门排名",
            node,
            Severity.WARNING,
        )
    elif at_cut_off != own:
        context.problem(
            ProblemCode.W_COHORT_CHANGED,
            f"本部门{label}现为 {_value_text(measure, own)}，截止 {cohort.cut_off.isoformat()} "
            f"的同批数据中为 {_value_text(measure, at_cut_off)}；本部门按现值排名，"
            "其他部门的得分仍按截止日的数据",
            node,
            Severity.WARNING,
        )
    explanation = (
        f"{label} {_value_text(measure, own)}，在 {ranked} 个部门中排名第 {rank}"
        f"（前 {format_rate(share)}）"
    )
    if parameters.better is Better.LOWER:
        explanation += "，越低排名越前"
    if band is None:
        explanation += "，不在任何得分档位内，得 0 分"
    elif points == node.points:
        explanation += f"，得满分 {format_score(points)} 分"
    else:
        explanation += f"，属{_band_text(parameters, band)}档，得 {format_score(points)} 分"
    deductions: tuple[Deduction, ...] = ()
    if points < node.points:
        deductions = (Deduction(node.points - points, explanation, references),)
    return result(
        node,
        points,
        explanation,
        deductions=deductions,
        references=references,
        measures=_measures(measure, own, standing),
    )


def _own_value(
    node: Node, parameters: CohortRankParameters, context: Context, standing: CohortStanding
) -> Decimal | NodeResult:
    """The department's own value as ranked, from its own data set; a zero result saying why
    there is none (its data lack what the metric needs: an error, as for any metric)."""
    measure = parameters.measure
    if measure.metric is not None:
        value = compute_metric(
            measure.metric, measure.scope, context.dataset, context.framework.parameters
        )
        if value.rate is None:
            context.problem(ProblemCode.E_METRIC, value.account, node, Severity.ERROR)
            return result(
                node,
                ZERO,
                f"{value.account}，得 0 分",
                measures=_measures(measure, None, standing),
            )
        return scored_rate(value.rate, context.framework.parameters)
    item = context.node(measure.item or "")
    assert item is not None  # the parser checked it
    return round_half_up(context.score(item).score, context.places)


def _pending(
    cohort: Cohort | None, measure: CohortMeasure, label: str, context: Context
) -> str | None:
    if cohort is None:
        return f"{PENDING}：缺少同批部门数据，无法按{label}排名"
    if cohort.fiscal_year != context.dataset.fiscal_year:
        return (
            f"{PENDING}：同批部门“{cohort.name}”的数据是 {cohort.fiscal_year} 年度的，"
            f"本部门是 {context.dataset.fiscal_year} 年度，不能比较"
        )
    if measure.key not in cohort.measures:
        return f"{PENDING}：同批部门“{cohort.name}”的数据中没有{label}（{measure.key}）"
    return None


def _pending_result(
    node: Node,
    parameters: CohortRankParameters,
    context: Context,
    standing: CohortStanding,
    why: str,
) -> NodeResult:
    context.problem(ProblemCode.W_COHORT_PENDING, why, node, Severity.WARNING)
    return result(
        node,
        ZERO,
        f"{why}；暂按 0 分计",
        measures=_measures(parameters.measure, standing.value, replace(standing, pending=why)),
    )


def _rank(
    values: dict[str, Decimal | None],
    code: str,
    parameters: CohortRankParameters,
    context: Context,
) -> int:
    """The department's rank: the published rankings' rule (1, 2, 2, 4) on the values as
    ranked, highest first (``better: lower``: the values negated, so lowest first)."""
    if parameters.better is Better.LOWER:
        values = {key: None if value is None else -value for key, value in values.items()}
    places = (
        context.framework.parameters.rate_places if parameters.measure.is_rate else context.places
    )
    ranking = rank_published(values, places=places)
    return next(entry.rank for entry in ranking if entry.key == code)


def _band_of(parameters: CohortRankParameters, rank: int, share: Decimal) -> int | None:
    position = Decimal(rank) if parameters.by is RankBasis.RANK else share
    for index, band in enumerate(parameters.bands):
        if band.top is None or position <= band.top:
            return index
    return None


def _band_text(parameters: CohortRankParameters, index: int) -> str:
    band = parameters.bands[index]
    if band.top is None:
        return "“其余”"
    return f"“{_top_text(band.top, parameters.by)}”"


def _value_text(measure: CohortMeasure, value: Decimal | None) -> str:
    if value is None:
        return "无法计算"
    return format_percent(value) if measure.is_rate else f"{format_score(value)} 分"


def _label(measure: CohortMeasure, context: Context) -> str:
    if measure.metric is not None:
        if measure.scope.kind is ScopeKind.DEPARTMENT:
            return measure.metric.label
        return f"{measure.scope.label}{measure.metric.label}"
    node = context.node(measure.item or "")
    return f"“{node.name if node is not None else measure.item}”得分"


def _measures(measure: CohortMeasure, value: Decimal | None, standing: CohortStanding) -> Measures:
    if measure.metric is not None:
        return Measures(metric=measure.metric, rate=value, cohort=standing)
    return Measures(cohort=standing)


RULE = Rule(
    kind="cohort_rank",
    label="同批排名",
    keys=KEYS,
    parse=parse,
    score=score,
)
