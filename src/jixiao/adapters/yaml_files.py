"""Reading YAML safely, turning syntax errors into located problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from jixiao.core.problems import Problem, ProblemsFound, SourceLocation


def read_yaml(path: Path, label: str | None = None) -> Any:
    """Parse ``path`` with the safe loader; raise :class:`ProblemsFound` naming the line."""
    name = label or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ProblemsFound(
            [Problem("E-FILE-MISSING", "文件不存在", SourceLocation(name))]
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemsFound(
            [
                Problem(
                    "E-FILE-READ", f"无法读取文件（须为 UTF-8 编码）：{error}", SourceLocation(name)
                )
            ]
        ) from error
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        row = mark.line + 1 if mark is not None else None
        raise ProblemsFound(
            [Problem("E-YAML", f"YAML 格式错误：{error.problem}", SourceLocation(name, row=row))]
        ) from error
    except yaml.YAMLError as error:
        raise ProblemsFound(
            [Problem("E-YAML", f"YAML 格式错误：{error}", SourceLocation(name))]
        ) from error
