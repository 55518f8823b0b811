"""Finding and loading scoring frameworks: built-in ones by name, or a YAML file by path.

A framework is parsed once per process and file version: :func:`load_framework` keeps each
parsed file under the SHA-256 of its bytes (:func:`framework_version`), so the web application
reads a file of a few kilobytes per request instead of parsing it again (9.6 ms, more than a
whole evaluation), and an edited file is parsed afresh at its next use. Frameworks are frozen
records, safe to share between threads.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jixiao.adapters.yaml_files import parse_yaml, read_file_bytes
from jixiao.core.framework import Framework, FrameworkInvalid, parse_framework
from jixiao.core.problems import Problem, ProblemsFound, SourceLocation

DEFAULT_FRAMEWORK = "guangzhou-department-overall-2023"


@dataclass(frozen=True)
class VersionedFramework:
    framework: Framework
    version: str  # SHA-256 of the file's bytes


_parsed: dict[tuple[str, str], Framework] = {}
_parsing = threading.Lock()


def builtin_framework_names() -> list[str]:
    folder = resources.files("jixiao.frameworks")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_framework(name_or_path: str) -> Framework:
    """Load a built-in framework by name or a framework file; raise :class:`ProblemsFound`."""
    return load_versioned(name_or_path).framework


def framework_version(name_or_path: str) -> str:
    """The SHA-256 of the framework's file: what a stored result records it was scored by."""
    return load_versioned(name_or_path).version


def load_versioned(name_or_path: str) -> VersionedFramework:
    """The framework and its version; parsed only when this file version was not parsed yet."""
    label, content = _read(name_or_path)
    version = hashlib.sha256(content).hexdigest()
    key = (label, version)
    framework = _parsed.get(key)
    if framework is None:
        with _parsing:
            framework = _parsed.get(key) or _parse(content, label)
            _parsed[key] = framework
    return VersionedFramework(framework, version)


def _read(name_or_path: str) -> tuple[str, bytes]:
    path = Path(name_or_path)
    if name_or_path in builtin_framework_names():
        entry = resources.files("jixiao.frameworks") / f"{name_or_path}.yaml"
        return f"内置评价体系 {name_or_path}", entry.read_bytes()
    if path.suffix in (".yaml", ".yml") or path.exists():
        return str(path), read_file_bytes(path, str(path))
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


def _parse(content: bytes, label: str) -> Framework:
    data = parse_yaml(content, label)
    try:
        return parse_framework(data, label)
    except FrameworkInvalid as error:
        raise ProblemsFound(error.problems) from error
