"""Results are computed once per change and stored; the pages read them (issue 11, item 1).

Never stale: after a change through every path — a form's row saved or deleted, an indicator's
actual value saved from its page or the API, a row through the API, a workbook uploaded, a data
set loaded or replaced by ``jixiao load``, a workflow step — the stored result equals a fresh
evaluation of the data as they are, month by month too; a refused change leaves it as it was;
a result scored by another framework, another version of the framework's file or stored in
another shape is computed again before it is read."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jixiao.adapters.workbook import write_workbook
from jixiao.cli import main
from jixiao.web.editing import LEDGERS, delete_row, save_row
from jixiao.web.errors import Invalid
from jixiao.web.loading import Outcome, load
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Contract, Indicator, Project
from jixiao.web.results import store
from jixiao.web.results.models import NodeScore, StoredMonth, StoredResult
from jixiao.web.results.store import DATA_LINES, needs_refresh, stored_assessment, stored_month
from jixiao.web.services import compute
from jixiao.web.workflow import take_step

from ..conftest import REFERENCE

pytestmark = pytest.mark.django_db


def assert_current(record: SelfEvaluation) -> None:
    """The stored result is what a fresh evaluation of the stored data gives, to the last node,
    problem and month."""
    record.refresh_from_db()
    store._cache.clear()  # decode what is stored, not what this process computed and kept
    fresh = compute(record)
    assert stored_assessment(record) == fresh.assessed
    for month in range(1, 13):
        assert stored_month(record, month) == fresh.months[month], month
    row = StoredResult.objects.get(evaluation=record)
    assert row.data_digest == fresh.digest
    evaluation = fresh.assessed.evaluation
    assert evaluation is not None
    assert (row.total, row.grade, row.errors) == (
        evaluation.score,
        evaluation.grade,
        len(fresh.assessed.errors),
    )
    assert list(NodeScore.objects.filter(result=row).values_list("node", "score")) == [
        (node.id, node.score) for node in evaluation.root.walk() if node.kind not in DATA_LINES
    ]


def test_item1_the_demo_is_stored_with_its_93_13_and_one_row_per_node(demo: Any) -> None:
    row = StoredResult.objects.get(evaluation=demo)
    assert (row.subject, row.subject_code, row.total, row.grade) == (
        "department",
        "",
        Decimal("93.13"),
        "优",
    )
    assert StoredMonth.objects.filter(result=row).count() == 12
    root = NodeScore.objects.get(result=row, depth=0)
    assert (root.node, root.points, root.score) == ("total", Decimal(100), Decimal("93.13"))
    # the framework's items, not the key tasks and indicators under them
    assert NodeScore.objects.filter(result=row).count() == 19  # the root and its 18 items
    assert not NodeScore.objects.filter(result=row, rule__in=["indicator", "key_task"]).exists()
    execution = NodeScore.objects.get(result=row, node="budget_execution_rate")
    path = "total/performance_effectiveness/budget_execution_rate"
    assert (execution.path, execution.depth) == (path, 2)
    assert (execution.points, execution.score) == (Decimal(5), Decimal("3.63"))
    assert_current(demo)


def test_item1_an_indicator_saved_from_its_page_and_the_api(client_for: Any, demo: Any) -> None:
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    finance = client_for("demo-finance")
    page = finance.post(
        f"/evaluations/{demo.pk}/indicators/{indicator.pk}/", {"actual": "1900"}, follow=True
    )
    assert "当前总分 93.63" in page.content.decode()
    assert StoredResult.objects.get(evaluation=demo).total == Decimal("93.63")
    assert_current(demo)
    answer = finance.patch(
        f"/api/evaluations/{demo.pk}/indicators/{indicator.pk}/actual/",
        {"actual": "2004.7", "reason": "改回"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert finance.get(f"/api/evaluations/{demo.pk}/evaluation/").json()["total"]["score"] == (
        "93.13"
    )
    assert_current(demo)


def test_item1_rows_saved_and_deleted_by_forms_and_the_api(client_for: Any, demo: Any) -> None:
    finance = client_for("demo-finance")
    user = finance.session["_auth_user_id"]
    from django.contrib.auth.models import User

    person = User.objects.get(pk=user)
    project = Project.objects.get(evaluation=demo, code="P01")
    save_row(person, demo, LEDGERS["projects"], project.pk, {"name": "改名的项目"}, "核对")
    assert_current(demo)
    i101 = Indicator.objects.get(evaluation=demo, code="I101")
    save_row(person, demo, LEDGERS["indicators"], i101.pk, {"target": "1"}, "核对")
    assert StoredResult.objects.get(evaluation=demo).total != Decimal("93.13")
    assert_current(demo)
    contract = Contract.objects.filter(evaluation=demo).first()
    assert contract is not None
    delete_row(person, demo, LEDGERS["contracts"], contract.pk, "重复登记")
    assert_current(demo)
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    answer = finance.patch(
        f"/api/evaluations/{demo.pk}/tables/indicators/{indicator.pk}/",
        {"cells": {"target": "2000"}, "reason": "目标调整"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert_current(demo)
    gone = finance.delete(
        f"/api/evaluations/{demo.pk}/tables/indicators/{indicator.pk}/",
        {"reason": "录错了"},
        content_type="application/json",
    )
    assert gone.status_code == 204
    assert_current(demo)


def test_item1_a_change_of_one_table_reuses_the_others_and_stays_exact(
    client_for: Any, demo: Any
) -> None:
    """A row saved re-reads only its own table when this process has read the others in the
    versions the stored result records — whether it computed that result or another worker
    did —; a change of spending rewrites the months it moves; a process that never read the
    data (just started) reads every table."""
    finance = client_for("demo-finance")
    from django.contrib.auth.models import User

    person = User.objects.get(pk=finance.session["_auth_user_id"])
    project = Project.objects.get(evaluation=demo, code="P01")
    moved_to_june = {"m03_yuan": "0", "m06_yuan": "139020000.00"}
    back_to_march = {"m03_yuan": "139020000.00", "m06_yuan": "0"}
    months_before = dict(
        StoredMonth.objects.filter(result__evaluation=demo).values_list("month", "digest")
    )

    def tables_read(change: dict[str, str]) -> set[str]:
        with CaptureQueriesContext(connection) as queries:
            save_row(person, demo, LEDGERS["projects"], project.pk, change, "核对")
        assert_current(demo)
        return {
            q["sql"].split('FROM "')[1].split('"')[0]
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and 'FROM "records_' in q["sql"]
        }

    assert tables_read(moved_to_june) == {"records_project"}
    months_after = dict(
        StoredMonth.objects.filter(result__evaluation=demo).values_list("month", "digest")
    )
    # every month: the monthly figures are no longer marked reconstructed
    assert [m for m in range(1, 13) if months_before[m] != months_after[m]] == list(range(1, 13))
    store._previous.clear()  # as in a worker that did not compute the stored result
    assert tables_read(back_to_march) == {"records_project"}
    store._previous.clear()
    store._tables_read.clear()  # as in a worker just started
    assert len(tables_read(moved_to_june)) == 16  # every table of the schema


def test_item1_an_actual_value_saved_leaves_the_year_monitored_as_it_was(
    demo: Any, monkeypatch: Any
) -> None:
    """Monitoring does not read the indicators' actual values (``monitored_part``): a change of
    one reuses the year's monitoring computed before; a change of its targets or of spending is
    monitored again; either way the stored months equal a fresh computation."""
    from django.contrib.auth.models import User

    from jixiao.web import services
    from jixiao.web.editing import set_indicator_actual

    monitored: list[int] = []
    monitor_year = services.monitor_year
    monkeypatch.setattr(
        services,
        "monitor_year",
        lambda dataset, framework: monitored.append(1) or monitor_year(dataset, framework),
    )
    finance = User.objects.get(username="demo-finance")
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    store.refresh_now(demo)  # this process computes the stored result: it knows the year
    assert len(monitored) == 1
    set_indicator_actual(finance, demo, indicator.pk, "1900", "以海关年报为准")
    assert len(monitored) == 1
    assert_current(demo)  # (computes afresh once)
    assert len(monitored) == 2
    set_indicator_actual(finance, demo, indicator.pk, "2004.7", "改回")
    assert len(monitored) == 2
    save_row(finance, demo, LEDGERS["indicators"], indicator.pk, {"target": "1900"}, "调整目标")
    assert len(monitored) == 3
    project = Project.objects.get(evaluation=demo, code="P01")
    change = {"m03_yuan": "0", "m06_yuan": "139020000.00"}
    save_row(finance, demo, LEDGERS["projects"], project.pk, change, "核对")
    assert len(monitored) == 4
    assert_current(demo)


def test_item1_a_refused_change_leaves_the_stored_result(client_for: Any, demo: Any) -> None:
    before = StoredResult.objects.get(evaluation=demo)
    finance = client_for("demo-finance")
    project = Project.objects.get(evaluation=demo, code="P01")
    from django.contrib.auth.models import User

    person = User.objects.get(pk=finance.session["_auth_user_id"])
    overspent = str(project.adjusted_budget / 10_000 + 1)
    with pytest.raises(Invalid):
        save_row(person, demo, LEDGERS["projects"], project.pk, {"spent_wan": overspent}, "试")
    after = StoredResult.objects.get(evaluation=demo)
    assert (after.computed_at, after.data_digest) == (before.computed_at, before.data_digest)
    assert_current(demo)


def test_item1_a_workbook_upload_and_a_workflow_step(
    client_for: Any, demo: Any, reference_dataset: Any, tmp_path: Path
) -> None:
    path = tmp_path / "filled.xlsx"
    write_workbook(reference_dataset, path)
    book = openpyxl.load_workbook(path)
    sheet = book["绩效指标"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "I102")
    row[8].value = 1900
    buffer = io.BytesIO()
    book.save(buffer)
    finance = client_for("demo-finance")
    page = finance.post(
        f"/evaluations/{demo.pk}/upload/",
        {"workbook": SimpleUploadedFile("filled.xlsx", buffer.getvalue())},
    ).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    confirmed = finance.post(
        f"/evaluations/{demo.pk}/upload/confirm/", {"token": token, "reason": "核对后上传"}
    )
    assert confirmed.status_code == 302
    assert StoredResult.objects.get(evaluation=demo).total == Decimal("93.63")
    assert_current(demo)
    from django.contrib.auth.models import User

    division = User.objects.get(username="demo-division")
    take_step(division, demo, "submit", "")
    assert_current(demo)


def test_item1_jixiao_load_creates_and_replaces(tmp_path: Path) -> None:
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    created = load(copy, replace=False)
    assert created.outcome is Outcome.CREATED and created.evaluation is not None
    assert_current(created.evaluation)
    indicators = copy / "indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace(",2004.7,", ",1900,"), encoding="utf-8"
    )
    assert load(copy, replace=True).outcome is Outcome.CHANGED
    assert StoredResult.objects.get(evaluation=created.evaluation).total == Decimal("93.63")
    assert_current(created.evaluation)


def test_item1_another_framework_or_file_version_is_computed_again(
    demo: Any, tmp_path: Path
) -> None:
    framework = tmp_path / "framework.yaml"
    builtin = resources.files("jixiao.frameworks") / f"{demo.framework}.yaml"
    framework.write_bytes(builtin.read_bytes())
    SelfEvaluation.objects.filter(pk=demo.pk).update(framework=str(framework))
    demo.refresh_from_db()
    assert needs_refresh(demo)
    assert stored_assessment(demo).evaluation is not None
    assert StoredResult.objects.get(evaluation=demo).framework == str(framework)
    assert not needs_refresh(demo)
    text = framework.read_text(encoding="utf-8")
    assert "name: 广州市部门整体支出绩效评价指标体系" in text
    framework.write_text(
        text.replace("name: 广州市部门整体支出绩效评价指标体系", "name: 改过的体系", 1)
    )
    assert needs_refresh(demo)
    evaluation = stored_assessment(demo).evaluation
    assert evaluation is not None and evaluation.root.name == "改过的体系"
    assert_current(demo)


def test_item1_a_result_stored_in_another_shape_is_computed_again(
    demo: Any, monkeypatch: Any
) -> None:
    StoredResult.objects.filter(evaluation=demo).update(
        codec_version="an older version", content={"evaluation": "not what is read now"}
    )
    assert needs_refresh(demo)
    assert stored_assessment(demo).evaluation is not None
    assert_current(demo)
    monkeypatch.setattr(store, "CODEC_VERSION", "the next version")
    assert needs_refresh(demo)


def test_item1_jixiao_recompute(demo: Any, capsys: Any) -> None:
    StoredResult.objects.filter(evaluation=demo).delete()
    assert main(["recompute"]) == 0
    assert "已重新计算 1 个部门年度的评价结果（共 1 个）。" in capsys.readouterr().out
    assert_current(demo)
    assert main(["recompute"]) == 0
    assert "已重新计算 0 个部门年度的评价结果（共 1 个）。" in capsys.readouterr().out
    assert main(["recompute", "--all"]) == 0
    assert "已重新计算 1 个部门年度的评价结果（共 1 个）。" in capsys.readouterr().out


def test_item1_a_page_reads_the_stored_result_without_reading_the_data(
    client_for: Any, demo: Any
) -> None:
    finance = client_for("demo-finance")
    finance.get(f"/evaluations/{demo.pk}/")  # decoded once in this process
    with CaptureQueriesContext(connection) as queries:
        assert finance.get(f"/evaluations/{demo.pk}/tree/").status_code == 200
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "records_indicator" not in read and "records_project" not in read


def test_item1_renderings_kept_in_the_cache_change_with_the_data(
    client_for: Any, demo: Any
) -> None:
    finance = client_for("demo-finance")
    division = client_for("demo-division")
    tree, ledger = f"/evaluations/{demo.pk}/tree/", f"/evaluations/{demo.pk}/data/indicators/"
    dashboard = f"/evaluations/{demo.pk}/"

    def items(client: Any) -> str:
        page = client.get(dashboard).content.decode()
        return page.split("各评价项得分")[1].split("</section>")[0]

    for client in (finance, division):
        assert "跨境电商进出口金额" in client.get(tree).content.decode()
        assert "2004.7" in client.get(ledger).content.decode()
    before = {client: items(client) for client in (finance, division)}
    api = f"/api/evaluations/{demo.pk}/evaluation/"
    assert finance.get(api).json()["total"]["score"] == "93.13"
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    finance.post(f"/evaluations/{demo.pk}/indicators/{indicator.pk}/", {"actual": "1900"})
    for client in (finance, division):
        assert items(client) != before[client]
    for client in (finance, division):
        page = client.get(tree).content.decode()
        assert "实际 1900" in page and "实际 2004.7" not in page
        rows = client.get(ledger).content.decode()
        assert ">1900<" in rows and ">2004.7<" not in rows
    assert "93.63" in finance.get(tree).content.decode()
    assert finance.get(api).json()["total"]["score"] == "93.63"


def test_item1_a_cached_rendering_carries_each_users_own_csrf_token(demo: Any) -> None:
    """The indicators page keeps its rows in the cache for every user of one kind; each form in
    them carries the token of the user it is shown to, so it saves under the CSRF check."""
    from django.test import Client

    from jixiao.web.demo import PASSWORD

    url = f"/evaluations/{demo.pk}/indicators/"
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (first, second):
        assert client.login(username="demo-finance", password=PASSWORD)
    first_page = first.get(url).content.decode()
    second_page = second.get(url).content.decode()  # the rows come from the cache now
    token = second_page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token not in first_page and "csrf-" not in second_page
    indicator = Indicator.objects.get(evaluation=demo, code="I102")
    saved = second.post(
        f"/evaluations/{demo.pk}/indicators/{indicator.pk}/",
        {"actual": "1900", "csrfmiddlewaretoken": token},
    )
    assert saved.status_code == 302
    assert Indicator.objects.get(pk=indicator.pk).actual == "1900"


def test_item1_a_renamed_department_is_stored_under_its_new_name(tmp_path: Path) -> None:
    """The department's name is part of every result (reports, bulletins, the API): a change
    that renames it stores the result under the new name, and its other years are computed
    again at their next read."""
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE, copy)
    created = load(copy, replace=False)
    assert created.evaluation is not None
    other_year = SelfEvaluation.objects.create(
        department=created.evaluation.department,
        fiscal_year=2022,
        framework=created.evaluation.framework,
    )
    assert stored_assessment(other_year).evaluation is not None  # stored, with the old name
    folder = copy / "dataset.yaml"
    folder.write_text(
        folder.read_text(encoding="utf-8").replace(
            "name: 广州市商务局", "name: 广州市商务局（更名）"
        ),
        encoding="utf-8",
    )
    assert load(copy, replace=True).outcome is Outcome.CHANGED
    evaluation = stored_assessment(created.evaluation).evaluation
    assert evaluation is not None and evaluation.department == "广州市商务局（更名）"
    assert_current(created.evaluation)
    assert needs_refresh(other_year)
    renamed = stored_assessment(other_year).evaluation
    assert renamed is not None and renamed.department == "广州市商务局（更名）"
