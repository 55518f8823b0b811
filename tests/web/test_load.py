"""`jixiao load PATH... [--replace]`: many data sets, each a department-year loaded all or
nothing; an existing one changed only with --replace, as an upload changes it; `jixiao demo`
loads any valid data set (issue 10, item 14)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from jixiao.web.audit.models import AuditEvent
from jixiao.web.loading import Outcome, load
from jixiao.web.organizations.models import Division
from jixiao.web.records.models import Indicator

from ..conftest import REFERENCE
from .test_commands import run

DIVISIONS = {"对外贸易处": "外贸发展处", "消费促进处": "市场促进处", "口岸管理处": "口岸协调处"}


def other_department(target: Path, code: str = "sz-commerce", name: str = "深圳市商务局") -> Path:
    """The reference data set as another department's, with other divisions."""
    shutil.copytree(REFERENCE, target)
    for file in target.iterdir():
        if file.suffix not in (".yaml", ".csv"):
            continue
        text = file.read_text(encoding="utf-8")
        text = text.replace("code: gz-commerce", f"code: {code}").replace("广州市商务局", name)
        for old, new in DIVISIONS.items():
            text = text.replace(old, new)
        file.write_text(text, encoding="utf-8")
    return target


@pytest.mark.own_sqlite
def test_item14_load_a_renamed_copy_beside_the_demo(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "demo", "--no-serve").returncode == 0
    copy = other_department(tmp_path / "shenzhen")
    loaded = run(home, "load", str(copy))
    assert (loaded.returncode, loaded.stdout.strip()) == (
        0,
        f"已新建 深圳市商务局 2023 年度（53 个项目）← {copy}",
    )
    with sqlite3.connect(home / "jixiao.sqlite3") as database:
        departments = database.execute(
            "SELECT code, name FROM organizations_department ORDER BY code"
        ).fetchall()
        divisions = {
            name
            for (name,) in database.execute(
                "SELECT d.name FROM organizations_division d JOIN organizations_department p "
                "ON d.department_id = p.id WHERE p.code = 'sz-commerce'"
            )
        }
    assert departments == [("gz-commerce", "广州市商务局"), ("sz-commerce", "深圳市商务局")]
    assert {"外贸发展处", "市场促进处", "口岸协调处"} <= divisions
    again = run(home, "load", str(copy))
    assert again.returncode == 1
    assert again.stdout.strip() == (
        f"未载入 {copy}：深圳市商务局 2023 年度 已在数据库中；要以此更新它，请加 --replace"
        "（只改变不同之处，已提交处室的数据不动）"
    )
    verified = run(home, "audit", "verify")
    assert verified.returncode == 0, verified.stderr


@pytest.mark.own_sqlite
def test_item14_demo_loads_a_data_set_with_other_divisions(tmp_path: Path) -> None:
    copy = other_department(tmp_path / "shenzhen")
    loaded = run(tmp_path / "home", "demo", "--no-serve", "--dataset", str(copy))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines()[0].startswith("已载入 深圳市商务局 2023 年度")


@pytest.mark.own_sqlite
def test_item14_a_folder_of_data_sets_each_all_or_nothing(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    other_department(batch / "a-shenzhen")
    broken = other_department(batch / "b-zhuhai", code="zh-commerce", name="珠海市商务局")
    projects = broken / "projects.csv"
    projects.write_text(
        projects.read_text(encoding="utf-8").replace(",city,", ",nowhere,", 1), encoding="utf-8"
    )
    result = run(tmp_path / "home", "load", str(batch))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"已新建 深圳市商务局 2023 年度（53 个项目）← {batch / 'a-shenzhen'}"
    assert lines[1] == f"未载入 {batch / 'b-zhuhai'}：2 个错误（见下）"
    assert lines[-1] == "共 2 个：载入 1 个，未载入 1 个。"
    assert "E-UNKNOWN-FUNDING-SOURCE" in result.stderr
    with sqlite3.connect(tmp_path / "home" / "jixiao.sqlite3") as database:
        codes = [c for (c,) in database.execute("SELECT code FROM organizations_department")]
    assert codes == ["sz-commerce"]


@pytest.mark.django_db
def test_item14_replace_is_the_uploads_operation_and_the_department_shows_in_the_app(
    client_for: Any, tmp_path: Path
) -> None:
    copy = other_department(tmp_path / "shenzhen")
    created = load(copy, replace=False)
    assert created.outcome is Outcome.CREATED
    evaluations = client_for("demo-bureau").get("/api/evaluations/").json()
    assert {e["department"] for e in evaluations} == {"广州市商务局", "深圳市商务局"}
    assert set(
        Division.objects.filter(department__code="sz-commerce").values_list("name", flat=True)
    ) >= {"外贸发展处", "市场促进处"}
    evaluation = created.evaluation
    assert evaluation is not None
    ids = set(Indicator.objects.filter(evaluation=evaluation).values_list("pk", flat=True))
    indicators = copy / "indicators.csv"
    indicators.write_text(
        indicators.read_text(encoding="utf-8").replace(",2004.7,", ",1900,"), encoding="utf-8"
    )
    changed = load(copy, replace=True)
    assert changed.outcome is Outcome.CHANGED
    assert changed.summary() == (
        f"已更新 深圳市商务局 2023 年度：新增 0 条、修改 1 条、删除 0 条记录 ← {copy}"
    )
    assert set(Indicator.objects.filter(evaluation=evaluation).values_list("pk", flat=True)) == ids
    event = AuditEvent.objects.filter(action="更新数据集").get()
    assert event.after["变更"][0]["字段"] == {"实际完成值": ["2004.7", "1900"]}
    assert load(copy, replace=True).outcome is Outcome.UNCHANGED


@pytest.mark.django_db
def test_item14_a_second_source_of_one_department_year_is_refused_naming_the_first(
    tmp_path: Path,
) -> None:
    """Two copies of 深圳市商务局 2023 in one `jixiao load --replace` run: the second would
    silently undo the first."""
    first = other_department(tmp_path / "a-shenzhen")
    second = other_department(tmp_path / "b-shenzhen")
    earlier: dict[str, Path] = {}
    assert load(first, replace=True, earlier=earlier).outcome is Outcome.CREATED
    again = load(second, replace=True, earlier=earlier)
    assert (again.outcome, again.summary()) == (
        Outcome.REFUSED,
        f"未载入 {second}：与本次已载入的 {first} 是同一部门年度（深圳市商务局 2023 年度，"
        "部门编码 sz-commerce）；每个部门年度只能载入一次",
    )
    assert earlier == {"sz-commerce/2023": first}
    assert load(second, replace=True).outcome is Outcome.UNCHANGED  # another run: as before
