"""The finance bureau's frameworks (issue 12 item 1, decision 0030): installed and versioned in
the web application, checked on upload with every problem at its place, assigned to a year or a
group, and read back through the adapters' registry of named sources."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jixiao.adapters import frameworks as adapters
from jixiao.adapters.dataset_files import load_dataset
from jixiao.core.evaluation import evaluate
from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import PASSWORD
from jixiao.web.errors import Conflict, Invalid, NotFound
from jixiao.web.frameworks import manage
from jixiao.web.frameworks.models import FrameworkAssignment, Immutable, InstalledFramework
from jixiao.web.jobs.models import Job, JobKind
from jixiao.web.loading import store
from jixiao.web.organizations.models import (
    Department,
    DepartmentGroup,
    GroupKind,
    SelfEvaluation,
    Status,
)
from jixiao.web.policy import Actor
from jixiao.web.results.store import stored_assessment

from ..conftest import REFERENCE

BUILTIN = "guangzhou-department-overall-2023"
TEXT = (resources.files("jixiao.frameworks") / f"{BUILTIN}.yaml").read_text(encoding="utf-8")
# The reference framework under another id, its over-achieving indicators losing nothing: the
# reference data score more by it (93.13 → the evaluation's own figure).
LENIENT = (
    TEXT.replace(f"id: {BUILTIN}", "id: sz-2024", 1)
    .replace("name: 广州市部门整体支出绩效评价指标体系", "name: 深圳市部门整体绩效评价体系", 1)
    .replace("  over_achievement_penalty: 50%", "  over_achievement_penalty: 0%", 1)
    .encode("utf-8")
)
BROKEN = (
    LENIENT.decode("utf-8")
    .replace("  over_achievement_penalty: 0%", "  over_achievement_penalty: 0%\n  colour: red", 1)
    .replace("points: 100\n", "points: 90\n", 1)
    .encode("utf-8")
)

BROKEN_PROBLEMS = [
    (
        "sz-2024.yaml parameters.colour",
        "未知字段“colour”（可用字段：annual_average_execution、contract_filing_working_days、"
        "missed_zero_target、monitoring、over_achievement_penalty、over_achievement_threshold、"
        "qualitative_tiers、rate_places、score_places）",
    ),
    ("sz-2024.yaml nodes", "子节点分值合计 100 不等于评价体系总分 90"),
]


def actor(username: str) -> Actor:
    from django.contrib.auth.models import User

    return Actor.of(User.objects.get(username=username))


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def upload(client: Client, content: bytes, name: str = "", file: str = "sz-2024.yaml") -> Any:
    return client.post(
        "/frameworks/install/",
        {"name": name, "file": SimpleUploadedFile(file, content, "application/yaml")},
    )


@pytest.mark.usefixtures("demo")
def test_a_framework_installed_from_the_page_is_listed_and_audited() -> None:
    bureau = signed_in("demo-bureau")
    answer = upload(bureau, LENIENT)
    assert answer.status_code == 302
    installed = InstalledFramework.objects.get()
    assert installed.name == "sz-2024"  # the file's id, the name left blank
    assert installed.title == "深圳市部门整体绩效评价体系"
    assert installed.version == manage.load_version(LENIENT)
    assert installed.content.encode("utf-8") == LENIENT
    assert installed.reference == f"installed:sz-2024@{installed.version}"
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None and event.action == "安装评价体系"
    assert event.target == "评价体系 sz-2024"
    assert event.after["版本"] == installed.version and event.actor_name == "demo-bureau"
    page = bureau.get("/frameworks/").content.decode()
    assert "深圳市部门整体绩效评价体系" in page and installed.version[:12] in page
    assert BUILTIN in page and "national-project-2020" in page
    with pytest.raises(Immutable):
        installed.save()
    with pytest.raises(Immutable):
        installed.delete()
    shown = bureau.get("/frameworks/file/", {"reference": installed.reference})
    assert (shown.status_code, shown.content) == (200, LENIENT)
    assert shown["Content-Type"] == "text/plain; charset=utf-8"
    name = f"sz-2024-{installed.version[:12]}.yaml"
    assert shown["Content-Disposition"] == f"inline; filename*=UTF-8''{name}"
    assert f'href="/frameworks/file/?reference=installed%3Asz-2024%40{installed.version}"' in page
    builtin = bureau.get("/frameworks/file/", {"reference": BUILTIN})
    assert builtin.content.decode("utf-8") == TEXT
    # only what the page lists is read: never a file of the server, whatever the path
    for unknown in ("/etc/passwd", "pyproject.toml", "installed:sz-2024@0", "x" * 300, ""):
        assert bureau.get("/frameworks/file/", {"reference": unknown}).status_code == 404


@pytest.mark.usefixtures("demo")
def test_a_broken_file_is_refused_with_every_problem_at_its_place() -> None:
    bureau = signed_in("demo-bureau")
    answer = upload(bureau, BROKEN)
    assert answer.status_code == 400
    assert not InstalledFramework.objects.exists()
    page = answer.content.decode()
    assert "评价体系文件有 2 个问题，未安装" in page
    assert (
        '<span class="place">sz-2024.yaml parameters.colour</span>：未知字段“colour”'
        "（可用字段：annual_average_execution、contract_filing_working_days、missed_zero_target、"
        "monitoring、over_achievement_penalty、over_achievement_threshold、qualitative_tiers、"
        "rate_places、score_places）"
    ) in page
    assert (
        '<span class="place">sz-2024.yaml nodes</span>：子节点分值合计 100 不等于评价体系总分 90'
        in page
    )
    with pytest.raises(Invalid) as syntax:
        manage.install(actor("demo-admin"), b"id: x\nnodes: [\n", "x.yaml")
    assert [(str(p.location), p.message) for p in syntax.value.problems] == [
        ("x.yaml 第 3 行", "YAML 格式错误：expected the node content, but found '<stream end>'")
    ]
    assert not AuditEvent.objects.filter(action="安装评价体系").exists()


@pytest.mark.usefixtures("demo")
def test_names_sizes_and_duplicates_are_refused() -> None:
    bureau = actor("demo-bureau")
    with pytest.raises(Invalid) as builtin:
        manage.install(bureau, LENIENT, "a.yaml", BUILTIN)
    assert builtin.value.message == f"名称“{BUILTIN}”是内置评价体系的名称，请换一个"
    with pytest.raises(Invalid) as bad_name:
        manage.install(bureau, LENIENT, "a.yaml", "深圳 2024")
    assert "只能由字母、数字、- 和 _ 组成" in bad_name.value.message
    with pytest.raises(Invalid) as big:
        manage.install(bureau, LENIENT + b"#" * (1024 * 1024), "a.yaml")
    assert big.value.message == "文件超过 1 MB"
    manage.install(bureau, LENIENT, "a.yaml")
    with pytest.raises(Conflict) as again:
        manage.install(bureau, LENIENT, "copy.yaml", "another-name")
    assert again.value.message.startswith("该文件与已安装的评价体系 sz-2024（版本 ")
    answer = upload(signed_in("demo-bureau"), LENIENT)
    assert answer.status_code == 409 and "完全相同，无需再次安装" in answer.content.decode()
    edited = LENIENT + b"\n# 2024-03 revised\n"
    second = manage.install(bureau, edited, "a.yaml")
    assert second.name == "sz-2024" and InstalledFramework.objects.count() == 2


@pytest.mark.parametrize(
    "username", ["demo-division", "demo-finance", "demo-leader", "demo-accounts"]
)
@pytest.mark.usefixtures("demo")
def test_everyone_but_the_bureau_and_the_administrator_gets_404(username: str) -> None:
    client = signed_in(username)
    assert client.get("/frameworks/").status_code == 404
    assert upload(client, LENIENT).status_code == 404
    answer = client.post(
        "/frameworks/assign/", {"fiscal_year": 2023, "framework": BUILTIN, "reason": "x"}
    )
    assert answer.status_code == 404
    assert client.get("/api/frameworks/").status_code == 404
    assert client.get("/frameworks/file/", {"reference": BUILTIN}).status_code == 404
    with pytest.raises(NotFound):
        manage.install(actor(username), LENIENT, "a.yaml")
    assert not InstalledFramework.objects.exists()
    assert signed_in("demo-admin").get("/frameworks/").status_code == 200
    assert Client().get("/frameworks/").status_code == 302  # to sign in


def _accepted_year(demo: SelfEvaluation) -> SelfEvaluation:
    """Another department's 2023, accepted by the bureau, scored by the built-in framework."""
    other = Department.objects.create(code="sz-other", name="另一局")
    record = SelfEvaluation.objects.create(
        department=other, fiscal_year=demo.fiscal_year, framework=BUILTIN
    )
    SelfEvaluation.objects.filter(pk=record.pk).update(status=Status.BUREAU_ACCEPTED)
    return record


@pytest.mark.django_db(transaction=True)
def test_an_assignment_moves_a_drafting_year_and_keeps_an_accepted_one(
    demo: SelfEvaluation,
) -> None:
    accepted = _accepted_year(demo)
    before = stored_assessment(demo).evaluation
    assert before is not None and before.score == Decimal("93.13")
    installed = manage.install(actor("demo-bureau"), LENIENT, "sz-2024.yaml")
    answer = signed_in("demo-bureau").post(
        "/frameworks/assign/",
        {"fiscal_year": demo.fiscal_year, "framework": installed.reference, "reason": "2024 新规"},
    )
    assert answer.status_code == 302
    demo.refresh_from_db()
    accepted.refresh_from_db()
    assert demo.framework == installed.reference
    assert accepted.framework == BUILTIN  # pinned: the bureau accepted it
    expected = evaluate(load_dataset(REFERENCE), adapters.load_framework(installed.reference))
    after = stored_assessment(demo).evaluation
    assert after is not None and after.score == expected.score and after.score > before.score
    assignment = FrameworkAssignment.objects.get()
    assert (assignment.fiscal_year, assignment.group, assignment.framework) == (
        demo.fiscal_year,
        None,
        installed.reference,
    )
    event = AuditEvent.objects.filter(action="设置评价体系适用范围").get()
    assert event.target == f"{demo.fiscal_year} 年度 全部部门" and event.reason == "2024 新规"
    assert event.after["改用的部门年度"] == [demo.department.code]
    assert event.after["保持原评价体系（财政局已审核通过）"] == ["sz-other"]
    changed = AuditEvent.objects.filter(action="更换评价体系").get()
    assert (changed.evaluation_id, changed.before, changed.after) == (
        demo.pk,
        {"评价体系": BUILTIN},
        {"评价体系": installed.reference},
    )
    job = Job.objects.get(kind=JobKind.RECOMPUTE_ALL)
    assert job.fiscal_year == demo.fiscal_year
    page = signed_in("demo-bureau").get("/frameworks/").content.decode()
    assert f"{demo.fiscal_year} 全部部门" in page


@pytest.mark.django_db(transaction=True)
def test_an_assignment_that_fails_changes_nothing(
    demo: SelfEvaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("审计日志写入失败")

    monkeypatch.setattr(manage.events, "framework_assigned", failing)
    with pytest.raises(RuntimeError):
        manage.assign(actor("demo-bureau"), demo.fiscal_year, None, "national-project-2020", "x")
    demo.refresh_from_db()
    assert demo.framework == BUILTIN
    assert not FrameworkAssignment.objects.exists()
    assert not Job.objects.exists()


@pytest.mark.usefixtures("demo")
def test_a_group_assignment_covers_only_its_departments_and_new_years_take_it(
    demo: SelfEvaluation,
) -> None:
    group = DepartmentGroup.objects.create(kind=GroupKind.REVIEW_GROUP, name="第一批")
    done = manage.assign(
        actor("demo-admin"), demo.fiscal_year, group, "national-project-2020", "试"
    )
    assert (done.changed, done.pinned, done.job) == (0, 0, None)
    demo.refresh_from_db()
    assert demo.framework == BUILTIN  # its department is in no group
    demo.department.groups.add(group)
    manage.assign(actor("demo-admin"), demo.fiscal_year, group, "national-project-2020", "再试")
    demo.refresh_from_db()
    assert demo.framework == "national-project-2020"
    from jixiao.web.frameworks.assigned import assigned_framework

    assert assigned_framework(demo.fiscal_year, demo.department.code) == "national-project-2020"
    assert assigned_framework(demo.fiscal_year, "no-such-department") is None
    manage.assign(actor("demo-admin"), demo.fiscal_year, None, BUILTIN, "全部")
    assert assigned_framework(demo.fiscal_year, demo.department.code) == BUILTIN  # latest wins
    manage.assign(actor("demo-admin"), demo.fiscal_year, None, "national-project-2020", "全部")
    dataset = load_dataset(REFERENCE)
    new = replace(dataset, department=replace(dataset.department, code="sz-new", name="新局"))
    loaded = store(new, "新局.xlsx", replace=False)  # as the bulk load stores each workbook
    assert loaded.evaluation is not None
    assert loaded.evaluation.framework == "national-project-2020"
    assert store(new, "again.xlsx", replace=False, framework=BUILTIN).outcome.value == "refused"
    with pytest.raises(Invalid) as unknown:
        manage.assign(actor("demo-admin"), demo.fiscal_year, None, "installed:x@00", "x")
    assert unknown.value.message == "找不到评价体系“installed:x@00”"


@pytest.mark.usefixtures("demo")
def test_an_installed_reference_is_read_once_and_again_after_the_cache_is_cleared(
    django_assert_num_queries: Any,
) -> None:
    installed = manage.install(actor("demo-bureau"), LENIENT, "sz-2024.yaml")
    adapters.forget_parsed()
    with django_assert_num_queries(1):
        first = adapters.load_versioned(installed.reference)
    with django_assert_num_queries(0):
        assert adapters.load_versioned(installed.reference) is first
    assert first.version == installed.version
    assert first.framework.parameters.over_achievement_penalty == Decimal("0")
    adapters.forget_parsed()
    with django_assert_num_queries(1):
        assert adapters.load_versioned(installed.reference).framework == first.framework
    with pytest.raises(adapters.ProblemsFound) as missing:
        adapters.load_versioned("installed:sz-2024@" + "0" * 64)
    assert missing.value.problems[0].message == (
        f"找不到已安装的评价体系“installed:sz-2024@{'0' * 64}”"
    )


@pytest.mark.usefixtures("demo")
def test_the_api_lists_installs_and_assigns_with_the_pages_checks(demo: SelfEvaluation) -> None:
    bureau = signed_in("demo-bureau")
    listed = bureau.get("/api/frameworks/").json()
    assert [row["reference"] for row in listed] == [BUILTIN, "national-project-2020"]
    assert listed[0]["department_years"] == 1 and listed[0]["builtin"] is True
    refused = bureau.post("/api/frameworks/", {"file": SimpleUploadedFile("sz-2024.yaml", BROKEN)})
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "E-INVALID" and body["detail"] == "评价体系文件有 2 个问题，未安装"
    assert [(p["location"], p["message"]) for p in body["problems"]] == BROKEN_PROBLEMS
    created = bureau.post(
        "/api/frameworks/",
        {"content": LENIENT.decode("utf-8"), "file_name": "sz.yaml"},
        content_type="application/json",
    )
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert reference == f"installed:sz-2024@{manage.load_version(LENIENT)}"
    again = bureau.post("/api/frameworks/", {"file": SimpleUploadedFile("sz.yaml", LENIENT)})
    assert again.status_code == 409
    empty = bureau.post("/api/frameworks/", {}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["problems"][0]["location"] == "请求字段 file"
    bad = bureau.post(
        "/api/frameworks/assignments/",
        {"fiscal_year": 1999, "framework": reference, "reason": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "fiscal_year" in bad.json()["detail"]
    done = bureau.post(
        "/api/frameworks/assignments/",
        {"fiscal_year": demo.fiscal_year, "framework": reference, "reason": "新规"},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert (done.json()["changed"], done.json()["pinned"]) == (1, 0)
    assert done.json()["assignment"]["group_label"] == "全部部门"
    demo.refresh_from_db()
    assert demo.framework == reference
    schema = bureau.get("/api/schema/").content.decode()
    assert "/api/frameworks/assignments/" in schema
    for username in ("demo-finance", "demo-division", "demo-accounts"):
        client = signed_in(username)
        assert client.get("/api/frameworks/").status_code == 404
        assert client.post("/api/frameworks/", {}).status_code == 404
        assert client.post("/api/frameworks/assignments/", {}).status_code == 404


@pytest.mark.usefixtures("demo")
def test_the_page_runs_as_many_queries_whatever_the_number_of_versions() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bureau = signed_in("demo-bureau")

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert bureau.get("/frameworks/").status_code == 200
        return len(queries)

    manage.install(actor("demo-bureau"), LENIENT, "a.yaml")
    one = counted()
    for number in range(3):
        manage.install(actor("demo-bureau"), LENIENT + f"\n# {number}\n".encode(), "a.yaml")
    group = DepartmentGroup.objects.create(kind=GroupKind.PORTFOLIO, name="商贸")
    manage.assign(actor("demo-bureau"), 2024, group, BUILTIN, "x")
    manage.assign(actor("demo-bureau"), 2024, None, BUILTIN, "x")
    assert counted() == one


@pytest.mark.usefixtures("demo")
def test_the_command_line_lists_installed_versions_and_prints_a_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from jixiao.cli import main

    assert main(["frameworks"]) == 0
    assert "sz-2024" not in capsys.readouterr().out  # the built-ins only
    assert main(["frameworks", "--installed"]) == 0
    assert capsys.readouterr().out.endswith("（数据库中没有安装的评价体系）\n")
    installed = manage.install(actor("demo-bureau"), LENIENT, "sz-2024.yaml")
    manage.assign(actor("demo-bureau"), 2024, None, installed.reference, "2024 年起采用")
    assert main(["frameworks", "--installed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{BUILTIN}\t广州市部门整体支出绩效评价指标体系")
    assert lines[-1].startswith(
        f"{installed.reference}\t深圳市部门整体绩效评价体系（demo-bureau 于 "
    )
    assert lines[-1].endswith("安装；2024 全部部门）")
    assert main(["frameworks", "--show", installed.reference]) == 0
    assert capsys.readouterr().out == LENIENT.decode("utf-8")
    assert main(["frameworks", "--show", "installed:nothing@0"]) == 1
    assert "找不到已安装的评价体系“installed:nothing@0”" in capsys.readouterr().err
