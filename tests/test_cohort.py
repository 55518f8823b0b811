"""Framework rules that see the cohort: ``cohort_rank`` in the core.

The cohort of the fixture is seven departments (A–G) built in memory. Their execution rates:
A 100%, B 98%, C 95%, D 95.004% (95.00% as scored), E 95%, F 90%, G none (no budget). Their
output indicators' scores (5 points): A 5, B 4.5, C 4.5, D 4, E 5, F 3, G 3.5.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.adapters.frameworks import load_framework
from jixiao.adapters.stored_json import decode, encode
from jixiao.core.cohort import Cohort, CohortFigure, CohortMember, CohortStanding
from jixiao.core.evaluation import cohort_figures, cohort_measures, evaluate
from jixiao.core.framework import Framework, FrameworkInvalid, Metric, parse_framework
from jixiao.core.model import Dataset, Department
from jixiao.core.problems import ProblemCode, ProblemsFound
from jixiao.core.result import Evaluation, NodeResult

from .builders import dataset, framework, indicator, project
from .conftest import DATA

D = Decimal
CUT_OFF = date(2024, 3, 31)
BANDS = [{"top": "20%", "score": 5}, {"top": "50%", "score": 4}, {"top": "80%", "score": 3}]
COHORT_SPENT = {
    "A": ("100000", "100"),
    "B": ("98000", "90"),
    "C": ("95000", "90"),
    "D": ("95004", "80"),
    "E": ("95000", "100"),
    "F": ("90000", "60"),
    "G": (None, "70"),
}


def department(code: str, spent: str | None, output: str, *, year: int = 2023) -> Dataset:
    """A department spending ``spent`` of a 100,000 元 budget (none: no budget at all) whose one
    output indicator (5 points, target 100) reached ``output``."""
    projects = [project("P1", "100000", [spent] + ["0"] * 11)] if spent is not None else []
    built = dataset([indicator("I1", output, points="5")], projects)
    return replace(built, department=Department(code, f"部门{code}"), fiscal_year=year)


@pytest.fixture(scope="module")
def cohort_framework() -> Framework:
    return load_framework(str(DATA / "cohort-framework.yaml"))


@pytest.fixture(scope="module")
def members() -> dict[str, Dataset]:
    return {code: department(code, *figures) for code, figures in COHORT_SPENT.items()}


@pytest.fixture(scope="module")
def cohort(members: dict[str, Dataset], cohort_framework: Framework) -> Cohort:
    return cohort_figures(
        list(members.values()), cohort_framework, name="2023 年重点评价第一批", cut_off=CUT_OFF
    )


def node(evaluation: Evaluation, node_id: str) -> NodeResult:
    found = evaluation.root.find(node_id)
    assert found is not None
    return found


def problems(evaluation: Evaluation) -> list[tuple[str, str]]:
    return [(problem.code, problem.message) for problem in evaluation.problems]


# --- the cohort's figures --------------------------------------------------------------------


def test_the_cohorts_figures_are_the_rules_values(cohort: Cohort) -> None:
    assert (cohort.name, cohort.fiscal_year, cohort.cut_off) == (
        "2023 年重点评价第一批",
        2023,
        CUT_OFF,
    )
    assert cohort.framework_id == "test-cohort-2023"
    assert cohort.measures == ("execution_rate", "item:output")
    assert [member.code for member in cohort.members] == list("ABCDEFG")
    assert cohort.values("execution_rate") == {
        "A": D("1.0000"),
        "B": D("0.9800"),
        "C": D("0.9500"),
        "D": D("0.9500"),  # 95.004% as scored: rounded to rate_places
        "E": D("0.9500"),
        "F": D("0.9000"),
        "G": None,
    }
    assert cohort.member("G") == CohortMember(
        "G",
        "部门G",
        {
            "execution_rate": CohortFigure(
                None, "部门整体没有预算（年度预算为 0），无法计算执行率"
            ),
            "item:output": CohortFigure(D("3.50")),
        },
    )
    assert cohort.values("item:output") == {
        "A": D("5.00"),
        "B": D("4.50"),
        "C": D("4.50"),
        "D": D("4.00"),
        "E": D("5.00"),
        "F": D("3.00"),
        "G": D("3.50"),
    }


def test_a_cohort_is_stored_and_read_back_as_it_is(cohort: Cohort) -> None:
    assert decode(Cohort, encode(cohort, Cohort)) == cohort


def test_the_cohort_measures_of_a_framework(cohort_framework: Framework) -> None:
    assert [m.key for m in cohort_measures(cohort_framework)] == ["execution_rate", "item:output"]
    assert cohort_measures(framework({"id": "m", "name": "m", "points": 1, "rule": "manual"})) == ()


def test_a_cohort_of_mixed_years_or_repeated_codes_is_refused(
    members: dict[str, Dataset], cohort_framework: Framework
) -> None:
    datasets = [
        members["A"],
        department("B", "1", "1", year=2022),
        members["C"],
        replace(members["D"], department=Department("C", "另一个部门")),
    ]
    with pytest.raises(ProblemsFound) as caught:
        cohort_figures(datasets, cohort_framework, name="一批", cut_off=CUT_OFF)
    assert [(p.code, str(p)) for p in caught.value.problems] == [
        ("E-COHORT", "同批部门 一批 部门 B（部门B）：是 2022 年度的数据，同批部门是 2023 年度"),
        ("E-DUPLICATE-CODE", "同批部门 一批 部门 C（部门C）：部门编码“C”在同批部门中出现 2 次"),
        (
            "E-DUPLICATE-CODE",
            "同批部门 一批 部门 C（另一个部门）：部门编码“C”在同批部门中出现 2 次",
        ),
    ]
    with pytest.raises(ProblemsFound) as caught:
        cohort_figures([], cohort_framework, name="一批", cut_off=CUT_OFF)
    assert [str(p) for p in caught.value.problems] == ["同批部门 一批：同批部门没有数据集"]
    empty = cohort_figures([], cohort_framework, name="一批", cut_off=CUT_OFF, fiscal_year=2023)
    assert (empty.members, empty.fiscal_year) == ((), 2023)


# --- exact scores ----------------------------------------------------------------------------

EXPECTED = {
    #     execution_rate, execution_rank, output, output_rank, total
    "A": ("5", "5", "5", "5", "20"),
    "B": ("4.9", "4", "4.5", "3", "16.4"),
    "C": ("4.75", "4", "4.5", "3", "16.25"),
    "D": ("4.75", "4", "4", "1", "13.75"),
    "E": ("4.75", "4", "5", "5", "18.75"),
    "F": ("4.5", "0", "3", "1", "8.5"),
    "G": ("0", "0", "3.5", "1", "4.5"),
}


@pytest.mark.parametrize("code", EXPECTED)
def test_exact_scores_of_every_member(
    code: str, members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    evaluation = evaluate(members[code], cohort_framework, cohort)
    ids = ("execution_rate", "execution_rank", "output", "output_rank")
    scores = tuple(f"{node(evaluation, i).score.normalize():f}" for i in ids)
    assert (*scores, f"{evaluation.score.normalize():f}") == EXPECTED[code]


def test_where_each_member_stands(
    members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    lines = {
        code: node(evaluate(members[code], cohort_framework, cohort), "execution_rank").explanation
        for code in "ABCF"
    }
    assert lines == {
        "A": "预算执行率 100.00%，在 6 个部门中排名第 1（前 16.67%），得满分 5 分",
        "B": "预算执行率 98.00%，在 6 个部门中排名第 2（前 33.33%），属“前 50%”档，得 4 分",
        "C": "预算执行率 95.00%，在 6 个部门中排名第 3（前 50%），属“前 50%”档，得 4 分",
        "F": "预算执行率 90.00%，在 6 个部门中排名第 6（前 100%），属“其余”档，得 0 分",
    }
    output = node(evaluate(members["D"], cohort_framework, cohort), "output_rank")
    assert output.explanation == (
        "“产出指标”得分 4 分，在 7 个部门中排名第 5（前 71.43%），属“其余”档，得 1 分"
    )
    assert [d.points for d in output.deductions] == [D(4)]
    assert output.references == ("同批部门“2023 年重点评价第一批”（截止 2024-03-31）",)


def test_ties_at_a_band_edge_share_the_band(
    members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    """C, D and E tie at 95.00% (D's 95.004% as scored): all three are 3rd, 3 ÷ 6 = 50%, in
    the "top 50%" band — though D and E are the 4th and 5th departments (66.67%, 83.33%)."""
    standings = {
        code: node(evaluate(members[code], cohort_framework, cohort), "execution_rank").measures
        for code in "CDE"
    }
    expected = CohortStanding(
        measure="execution_rate",
        cohort="2023 年重点评价第一批",
        cut_off=CUT_OFF,
        value=D("0.9500"),
        rank=3,
        ranked=6,
        top_share=D("0.5"),
        band=1,
    )
    assert {code: m.cohort for code, m in standings.items()} == dict.fromkeys("CDE", expected)
    assert {m.metric for m in standings.values()} == {Metric.EXECUTION_RATE}
    assert {m.rate for m in standings.values()} == {D("0.9500")}


def test_a_department_without_the_metric_is_not_ranked_and_scores_zero(
    members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    evaluation = evaluate(members["G"], cohort_framework, cohort)
    rank = node(evaluation, "execution_rank")
    assert rank.explanation == "部门整体没有预算（年度预算为 0），无法计算执行率，得 0 分"
    assert rank.measures.cohort == CohortStanding(
        measure="execution_rate", cohort="2023 年重点评价第一批", cut_off=CUT_OFF
    )
    assert [p.code for p in evaluation.problems] == ["E-METRIC", "E-METRIC"]
    # …and the others are ranked among six, not seven (A's "在 6 个部门中" above).


def test_a_department_outside_the_cohort_is_ranked_with_its_members(
    cohort: Cohort, cohort_framework: Framework
) -> None:
    outsider = department("X", "97000", "95")
    evaluation = evaluate(outsider, cohort_framework, cohort)
    rank, output = node(evaluation, "execution_rank"), node(evaluation, "output_rank")
    assert rank.explanation == (
        "预算执行率 97.00%，在 7 个部门中排名第 3（前 42.86%），属“前 50%”档，得 4 分"
    )
    assert (output.score, output.measures.cohort and output.measures.cohort.rank) == (D(3), 3)
    assert rank.measures.cohort is not None and rank.measures.cohort.outside
    assert problems(evaluation) == [
        (
            "W-COHORT-OUTSIDE",
            "本部门（X）不在同批部门“2023 年重点评价第一批”中，按同批 6 个部门加本部门排名",
        ),
        (
            "W-COHORT-OUTSIDE",
            "本部门（X）不在同批部门“2023 年重点评价第一批”中，按同批 7 个部门加本部门排名",
        ),
    ]


def test_an_edit_after_the_cut_off_moves_only_the_department_itself(
    members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    """F raises its execution to 99% after the cut-off. Against the frozen cohort F ranks 2nd
    with its own new figure (and is told its figure differs from the cohort's); C keeps its 4
    points. Only a new cohort — a new cut-off — would move C to 4th (66.67%, 3 points)."""
    edited = department("F", "99000", "60")
    again = evaluate(edited, cohort_framework, cohort)
    assert node(again, "execution_rank").explanation == (
        "预算执行率 99.00%，在 6 个部门中排名第 2（前 33.33%），属“前 50%”档，得 4 分"
    )
    assert problems(again) == [
        (
            "W-COHORT-CHANGED",
            "本部门预算执行率现为 99.00%，截止 2024-03-31 的同批数据中为 90.00%；"
            "本部门按现值排名，其他部门的得分仍按截止日的数据",
        )
    ]
    assert node(evaluate(members["C"], cohort_framework, cohort), "execution_rank").score == D(4)
    later = cohort_figures(
        [*(m for code, m in members.items() if code != "F"), edited],
        cohort_framework,
        name="2023 年重点评价第一批",
        cut_off=date(2024, 4, 30),
    )
    assert node(evaluate(members["C"], cohort_framework, later), "execution_rank").score == D(3)


# --- pending: no cohort to rank among --------------------------------------------------------


def test_without_a_cohort_a_cohort_item_is_pending_not_silent(
    members: dict[str, Dataset], cohort_framework: Framework
) -> None:
    evaluation = evaluate(members["A"], cohort_framework)
    rank = node(evaluation, "execution_rank")
    assert (rank.score, rank.deductions) == (D(0), ())
    assert rank.explanation == "待评：缺少同批部门数据，无法按预算执行率排名；暂按 0 分计"
    assert rank.measures.cohort == CohortStanding(
        measure="execution_rate",
        value=D("1.0000"),
        pending="待评：缺少同批部门数据，无法按预算执行率排名",
    )
    assert problems(evaluation) == [
        ("W-COHORT-PENDING", "待评：缺少同批部门数据，无法按预算执行率排名"),
        ("W-COHORT-PENDING", "待评：缺少同批部门数据，无法按“产出指标”得分排名"),
    ]
    assert evaluation.score == D(10)
    assert evaluation.root.explanation == (
        "总分 10 分，等级“差”（预算执行率排名、产出指标得分排名待评，暂按 0 分计）"
    )


def test_a_cohort_of_another_year_or_without_the_measure_leaves_the_item_pending(
    members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    next_year = replace(members["A"], fiscal_year=2024)
    pending = evaluate(next_year, cohort_framework, cohort).problems[0]
    assert pending.message == (
        "待评：同批部门“2023 年重点评价第一批”的数据是 2023 年度的，本部门是 2024 年度，不能比较"
    )
    special = framework(
        {
            "id": "r",
            "name": "市本级排名",
            "points": 5,
            "rule": "cohort_rank",
            "metric": "execution_rate",
            "scope": "funding_source:city",
            "bands": BANDS,
        }
    )
    result = evaluate(members["A"], special, cohort)
    assert problems(result) == [
        (
            "W-COHORT-PENDING",
            "待评：同批部门“2023 年重点评价第一批”的数据中没有资金来源“city”预算执行率"
            "（execution_rate@funding_source:city）",
        )
    ]


def test_too_few_ranked_departments_leave_the_item_pending(members: dict[str, Dataset]) -> None:
    small = framework(
        {
            "id": "r",
            "name": "排名",
            "points": 5,
            "rule": "cohort_rank",
            "metric": "execution_rate",
            "min_members": 3,
            "bands": BANDS,
        }
    )
    two = cohort_figures(
        [members["A"], members["B"], members["G"]], small, name="小批", cut_off=CUT_OFF
    )
    result = evaluate(members["A"], small, two)
    assert problems(result) == [
        (
            "W-COHORT-PENDING",
            "待评：同批部门“小批”中有预算执行率的只有 2 个部门，少于 3 个，不排名",
        )
    ]
    standing = node(result, "r").measures.cohort
    assert standing is not None and (standing.ranked, standing.rank) == (2, None)


# --- rank positions, lower is better ---------------------------------------------------------


def test_by_rank_and_lower_is_better(members: dict[str, Dataset]) -> None:
    lowest_first = framework(
        {
            "id": "r",
            "name": "排名",
            "points": 3,
            "rule": "cohort_rank",
            "metric": "execution_rate",
            "by": "rank",
            "better": "lower",
            "bands": [{"top": 1, "score": 3}, {"top": 4, "score": 2}],
        }
    )
    datasets = [members[code] for code in "ABCDEF"]
    cohort = cohort_figures(datasets, lowest_first, name="批", cut_off=CUT_OFF)
    scored = {d.department.code: node(evaluate(d, lowest_first, cohort), "r") for d in datasets}
    assert {code: n.score for code, n in scored.items()} == {
        "F": D(3),
        "C": D(2),
        "D": D(2),
        "E": D(2),
        "B": D(0),
        "A": D(0),
    }
    assert scored["C"].explanation == (
        "预算执行率 95.00%，在 6 个部门中排名第 2（前 33.33%），越低排名越前，"
        "属“前 4 名”档，得 2 分"
    )
    assert scored["A"].explanation == (
        "预算执行率 100.00%，在 6 个部门中排名第 6（前 100%），越低排名越前，"
        "不在任何得分档位内，得 0 分"
    )


# --- the parser ------------------------------------------------------------------------------


def parse(*nodes: dict[str, Any]) -> list[tuple[str, str, str]]:
    document = {"id": "x", "name": "x", "version": "1", "points": 100, "nodes": list(nodes)}
    with pytest.raises(FrameworkInvalid) as caught:
        parse_framework(document, "x.yaml")
    return [(p.code, str(p.location), p.message) for p in caught.value.problems]


def rank_node(index: int, **keys: Any) -> dict[str, Any]:
    return {"id": f"r{index}", "name": f"排名{index}", "points": 5, "rule": "cohort_rank", **keys}


def test_every_parameter_problem_is_located() -> None:
    found = parse(
        rank_node(0, metric="execution_rate", item="output", bands=BANDS),
        rank_node(1, bands=BANDS, by="median", better="bigger", min_members=0),
        rank_node(
            2,
            metric="execution_rate",
            bands=[
                {"top": "50%", "score": 5},
                {"top": "20%", "score": 4},
                {"score": 3},
                {"top": "120%", "score": 6},
            ],
        ),
        rank_node(
            3,
            metric="execution_rate",
            by="rank",
            bands=[{"top": 0, "score": 5}, {"top": 3, "score": 2}, {"top": 5, "score": 4}],
        ),
        rank_node(4, metric="carryover_rate", scope="special_fund", bands=[]),
        {"id": "output", "name": "产出", "points": 75, "rule": "indicator_completion"},
    )
    assert found == [
        (
            "E-RULE-FIELD",
            "x.yaml nodes[0].metric",
            "按其他节点得分（item）排名时不使用字段“metric”",
        ),
        (
            "E-REQUIRED",
            "x.yaml nodes[1].metric",
            "缺少必填字段“metric”（按哪项比率排名；或以 item 指定按哪个节点的得分排名）",
        ),
        ("E-CHOICE", "x.yaml nodes[1].by", "“by”的取值“median”无效，可选：percentile、rank"),
        ("E-CHOICE", "x.yaml nodes[1].better", "“better”的取值“bigger”无效，可选：higher、lower"),
        (
            "E-INTEGER",
            "x.yaml nodes[1].min_members",
            "“min_members”应为不小于 1 的整数，实际是 int 0",
        ),
        (
            "E-THRESHOLDS",
            "x.yaml nodes[2].bands[1].top",
            "档位的 top 须逐档增大：前 20% 不大于上一档的 前 50%",
        ),
        (
            "E-REQUIRED",
            "x.yaml nodes[2].bands[2].top",
            "缺少必填字段“top”（只有最后一个档位可以不写，表示其余的部门）",
        ),
        ("E-RANGE", "x.yaml nodes[2].bands[3]", "档位得分 6 超过节点分值 5"),
        (
            "E-RANGE",
            "x.yaml nodes[2].bands[3].top",
            "“top”是排名前百分之几，须大于 0 且不超过 100%，实际为 120%",
        ),
        ("E-INTEGER", "x.yaml nodes[3].bands[0].top", "“top”应为不小于 1 的整数，实际是 int 0"),
        (
            "E-THRESHOLDS",
            "x.yaml nodes[3].bands[2].score",
            "档位得分须逐档不增：4 大于上一档的 2",
        ),
        (
            "E-SCOPE",
            "x.yaml nodes[4].scope",
            "“结转结余率”只按部门整体计算，不接受范围“special_fund”",
        ),
        ("E-REQUIRED", "x.yaml nodes[4].bands", "至少需要一个档位"),
    ]


def circle(item: str) -> list[tuple[str, str, str]]:
    """A framework whose rank item ranks on ``item``."""
    return parse(
        {
            "id": "group",
            "name": "履职",
            "points": 15,
            "rule": "sum",
            "children": [
                rank_node(0, item=item, bands=BANDS),
                {"id": "output", "name": "产出", "points": 10, "rule": "indicator_completion"},
            ],
        },
        rank_node(1, metric="execution_rate", bands=BANDS),
        {
            "id": "both",
            "name": "合计",
            "points": 80,
            "rule": "sum",
            "children": [
                rank_node(2, metric="carryover_rate", bands=BANDS),
                {"id": "m", "name": "人工", "points": 75, "rule": "manual"},
            ],
        },
    )


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("total", "不能按总分排名计分：总分包含本项的得分，会循环计算"),
        ("r0", "不能按节点“r0”（排名0）排名计分：它就是本项，会循环计算"),
        ("group", "不能按节点“group”（履职）排名计分：它的得分取决于同批部门排名，会循环计算"),
        ("r1", "不能按节点“r1”（排名1）排名计分：它的得分取决于同批部门排名，会循环计算"),
        ("both", "不能按节点“both”（合计）排名计分：它的得分取决于同批部门排名，会循环计算"),
    ],
)
def test_a_circular_measure_is_refused_where_it_is_written(item: str, message: str) -> None:
    assert circle(item) == [("E-CIRCULAR", "x.yaml nodes[0].children[0].item", message)]


def test_an_unknown_item_is_refused_and_a_plain_one_accepted() -> None:
    assert circle("nothing") == [
        ("E-UNKNOWN-NODE", "x.yaml nodes[0].children[0].item", "没有编号为“nothing”的节点")
    ]
    # An item beside a rank item under one group does not depend on the cohort: it may be
    # ranked on (the group may not).
    parsed = framework(
        rank_node(0, item="m", bands=BANDS),
        {
            "id": "both",
            "name": "合计",
            "points": 10,
            "rule": "sum",
            "children": [
                rank_node(1, metric="carryover_rate", bands=BANDS),
                {"id": "m", "name": "人工", "points": 5, "rule": "manual"},
            ],
        },
    )
    assert [n.id for n in parsed.walk()] == ["r0", "both", "r1", "m"]


def test_a_framework_without_cohort_items_needs_no_cohort(
    reference_evaluation: Evaluation,
) -> None:
    assert reference_evaluation.score == D("93.13")
    assert all(n.measures.cohort is None for n in reference_evaluation.root.walk())
    assert not [p for p in reference_evaluation.problems if p.code.startswith("W-COHORT")]
    assert ProblemCode.W_COHORT_PENDING == "W-COHORT-PENDING"


def test_the_briefs_example_twenty_departments() -> None:
    """ "预算执行率 98.50%，在 20 个部门中排名第 3（前 15%），得满分 5 分"."""
    ranked = framework(rank_node(0, metric="execution_rate", bands=[*BANDS, {"score": 0}]))
    spent = ["100000", "99000", "98500", *(str(90000 + step * 100) for step in range(17))]
    datasets = [department(f"D{index:02}", amount, "100") for index, amount in enumerate(spent)]
    cohort = cohort_figures(datasets, ranked, name="二十个部门", cut_off=CUT_OFF)
    third = node(evaluate(datasets[2], ranked, cohort), "r0")
    assert third.explanation == "预算执行率 98.50%，在 20 个部门中排名第 3（前 15%），得满分 5 分"
    assert (third.score, third.deductions) == (D(5), ())


def test_an_evaluation_with_standings_is_stored_and_read_back(
    members: dict[str, Dataset], cohort: Cohort, cohort_framework: Framework
) -> None:
    evaluation = evaluate(members["B"], cohort_framework, cohort)
    assert decode(Evaluation, encode(evaluation, Evaluation)) == evaluation


PERCENTILE = framework(rank_node(0, metric="execution_rate", bands=[*BANDS, {"score": 1}]))
BY_RANK = framework(
    rank_node(
        0,
        metric="execution_rate",
        by="rank",
        bands=[{"top": 1, "score": 5}, {"top": 2, "score": 4}, {"top": 4, "score": 2}],
    )
)


@settings(max_examples=40, deadline=None)
@given(
    spent=st.lists(
        st.sampled_from(["100000", "99000", "95000", "95004", "80000"]), min_size=2, max_size=9
    ),
    by_rank=st.booleans(),
)
def test_equal_values_score_alike_and_a_better_one_never_less(
    spent: list[str], by_rank: bool
) -> None:
    ranked = BY_RANK if by_rank else PERCENTILE
    datasets = [department(f"D{index}", amount, "100") for index, amount in enumerate(spent)]
    cohort = cohort_figures(datasets, ranked, name="批", cut_off=CUT_OFF)
    found = []
    for member in datasets:
        result = node(evaluate(member, ranked, cohort), "r0")
        standing = result.measures.cohort
        assert standing is not None and standing.value is not None and standing.rank is not None
        found.append((standing.value, standing.rank, result.score))
    for value, rank, score in found:
        assert rank == 1 + sum(1 for other, _, _ in found if other > value)
        assert D(0) <= score <= D(5)
        for other, _, other_score in found:
            if other == value:
                assert other_score == score
            elif other > value:
                assert other_score >= score
