"""A framework file is parsed once per process and version of the file (issue 11, item 3)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from jixiao.adapters import frameworks
from jixiao.adapters.frameworks import framework_version, load_framework

BUILTIN = "guangzhou-department-overall-2023"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels of the framework files parsed while the test runs."""
    parsed: list[str] = []
    real = frameworks.parse_framework

    def counting(data: Any, label: str) -> Any:
        parsed.append(label)
        return real(data, label)

    monkeypatch.setattr(frameworks, "parse_framework", counting)
    monkeypatch.setattr(frameworks, "_parsed", {})
    return parsed


def test_a_builtin_framework_is_parsed_once(parses: list[str]) -> None:
    first = load_framework(BUILTIN)
    assert load_framework(BUILTIN) is first
    assert parses == [f"内置评价体系 {BUILTIN}"]


def test_an_edited_file_is_parsed_again_and_has_another_version(
    parses: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "framework.yaml"
    path.write_bytes((resources.files("jixiao.frameworks") / f"{BUILTIN}.yaml").read_bytes())
    version = framework_version(str(path))
    load_framework(str(path))
    assert len(parses) == 1
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 广州市部门整体支出绩效评价指标体系", "name: 改过的", 1))
    assert load_framework(str(path)).name == "改过的"
    assert framework_version(str(path)) != version
    assert len(parses) == 2
