"""Finding and loading scoring frameworks: built-in ones by name, or a YAML file by path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from jixiao.adapters.yaml_files import read_yaml
from jixiao.core.framework import Framework, FrameworkInvalid, parse_framework
from jixiao.core.problems import Problem, ProblemsFound, SourceLocation

DEFAULT_FRAMEWORK = "guangzhou-department-overall-2023"


def builtin_framework_names() -> list[str]:
    folder = resources.files("jixiao.frameworks")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_framework(name_or_path: str) -> Framework:
    """Load a built-in framework by name or a framework file; raise :class:`ProblemsFound`."""
    path = Path(name_or_path)
    if name_or_path in builtin_framework_names():
        with resources.as_file(resources.files("jixiao.frameworks") / f"{name_or_path}.yaml") as p:
            return _parse(p, f"内置评价体系 {name_or_path}")
    if path.suffix in (".yaml", ".yml") or path.exists():
        return _parse(path, str(path))
    names = "、".join(builtin_framework_names())
    raise ProblemsFound(
        [
            Problem(
                "E-FRAMEWORK-UNKNOWN",
                f"找不到评价体系“{name_or_path}”：既不是内置评价体系（{names}），也不是文件",
                SourceLocation(name_or_path),
            )
        ]
    )


def _parse(path: Path, label: str) -> Framework:
    data = read_yaml(path, label)
    try:
        return parse_framework(data, label)
    except FrameworkInvalid as error:
        raise ProblemsFound(error.problems) from error
