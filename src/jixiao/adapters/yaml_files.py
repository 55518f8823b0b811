"""Reading and writing YAML safely.

Numbers with a fraction are read as text, never as floats, so that an amount such as
3924.185582 reaches ``Decimal`` exactly; Decimals are written back as plain numbers.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from jixiao.core.problems import Problem, ProblemsFound, SourceLocation


class _ExactLoader(yaml.SafeLoader):
    """The safe loader, with floats left as their text."""


_ExactLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing Decimals as plain numbers."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = f"{value:f}"
    if value == value.to_integral_value() and "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _represent_decimal)


def read_yaml(path: Path, label: str | None = None) -> Any:
    """Parse ``path``; raise :class:`ProblemsFound` naming the line of a syntax error."""
    name = label or path.name
    return parse_yaml(read_file_bytes(path, name), name)


def read_file_bytes(path: Path, name: str) -> bytes:
    """The bytes of ``path``; raise :class:`ProblemsFound` when it is missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise ProblemsFound(
            [Problem("E-FILE-MISSING", "文件不存在", SourceLocation(name))]
        ) from error
    except OSError as error:
        raise ProblemsFound(
            [Problem("E-FILE-READ", f"无法读取文件：{error}", SourceLocation(name))]
        ) from error


def parse_yaml(content: bytes, name: str) -> Any:
    """Parse UTF-8 ``content`` read from ``name``, naming the line of a syntax error."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemsFound(
            [
                Problem(
                    "E-FILE-READ", f"无法读取文件（须为 UTF-8 编码）：{error}", SourceLocation(name)
                )
            ]
        ) from error
    try:
        return yaml.load(text, Loader=_ExactLoader)
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


def dump_yaml(document: Any) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
