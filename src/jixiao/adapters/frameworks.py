"""Finding and loading scoring frameworks: built-in ones by name, a YAML file by path, or a
reference to a named source (``installed:<name>@<version>``, decision 0030).

A framework is parsed once per process and file version: :func:`load_framework` keeps each
parsed file under the SHA-256 of its bytes (:func:`framework_version`), so the web application
reads a file of a few kilobytes per request instead of parsing it again (9.6 ms, more than a
whole evaluation), and an edited file is parsed afresh at its next use. Frameworks are frozen
records, safe to share between threads.

**Named sources.** A reference whose prefix was registered (:func:`register_source`) is read by
that source: the web application registers ``installed:``, which reads a framework the finance
bureau installed from the database. Such a reference names immutable content (its version is
part of it), so it is resolved once per process and never read again — no query per request.
The adapters know nothing of the database: the source is a function given to them.

Worked example: ``register_source("installed:", read)`` where ``read("installed:sz-2024@ab12…")``
answers ``("已安装评价体系 sz-2024", b"id: sz-2024 …")``; ``load_versioned("installed:sz-2024@
ab12…")`` calls ``read`` the first time only and answers the framework with version
``sha256(bytes)``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jixiao.adapters.yaml_files import parse_yaml, read_file_bytes
from jixiao.core.framework import Framework, FrameworkInvalid, parse_framework
from jixiao.core.problems import Problem, ProblemsFound, SourceLocation

DEFAULT_FRAMEWORK = "guangzhou-department-overall-2023"
DEFAULT_PROJECT_FRAMEWORK = "national-project-2020"  # a project's own self-evaluation


@dataclass(frozen=True)
class VersionedFramework:
    framework: Framework
    version: str  # SHA-256 of the file's bytes


_parsed: dict[tuple[str, str], Framework] = {}
_parsing = threading.Lock()

# A named source reads a reference into (label, bytes); raises ProblemsFound when it has none.
SourceReader = Callable[[str], tuple[str, bytes]]
_sources: dict[str, SourceReader] = {}
# References of named sources resolved: their content never changes, so kept for the process.
_resolved: dict[str, VersionedFramework] = {}


def register_source(prefix: str, read: SourceReader) -> None:
    """Read every framework reference starting with ``prefix`` (``installed:``) by ``read``.
    The content behind one reference must never change: it is read once per process."""
    _sources[prefix] = read
    with _parsing:
        for reference in [r for r in _resolved if r.startswith(prefix)]:
            del _resolved[reference]


def source_of(reference: str) -> str | None:
    """The registered prefix ``reference`` starts with, or None (a built-in name or a file)."""
    return next((prefix for prefix in _sources if reference.startswith(prefix)), None)


def forget_parsed() -> None:
    """Forget every framework parsed and reference resolved (as a new process starts)."""
    with _parsing:
        _parsed.clear()
        _resolved.clear()


def builtin_framework_names() -> list[str]:
    folder = resources.files("jixiao.frameworks")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_framework(name_or_path: str) -> Framework:
    """Load a built-in framework by name or a framework file; raise :class:`ProblemsFound`."""
    return load_versioned(name_or_path).framework


def framework_version(name_or_path: str) -> str:
    """The SHA-256 of the framework's file: what a stored result records it was scored by."""
    return load_versioned(name_or_path).version


def framework_file(name_or_path: str) -> tuple[str, bytes]:
    """The label and bytes of a framework as :func:`load_versioned` reads them (a built-in
    name, a named source's reference or a file); raise :class:`ProblemsFound`."""
    prefix = source_of(name_or_path)
    return _sources[prefix](name_or_path) if prefix else _read(name_or_path)


def load_versioned(name_or_path: str) -> VersionedFramework:
    """The framework and its version; parsed only when this file version was not parsed yet
    (and a named source's reference read only once)."""
    resolved = _resolved.get(name_or_path)
    if resolved is not None:
        return resolved
    prefix = source_of(name_or_path)
    label, content = framework_file(name_or_path)
    version = hashlib.sha256(content).hexdigest()
    key = (label, version)
    framework = _parsed.get(key)
    if framework is None:
        with _parsing:
            framework = _parsed.get(key) or _parse(content, label)
            _parsed[key] = framework
    versioned = VersionedFramework(framework, version)
    if prefix is not None:
        _resolved[name_or_path] = versioned
    return versioned


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


def check_framework(content: bytes, label: str) -> Framework:
    """Parse ``content`` (a framework's YAML) as a framework file is parsed; raise
    :class:`ProblemsFound` with every problem at its line (YAML syntax) or key path."""
    return _parse(content, label)


def _parse(content: bytes, label: str) -> Framework:
    data = parse_yaml(content, label)
    try:
        return parse_framework(data, label)
    except FrameworkInvalid as error:
        raise ProblemsFound(error.problems) from error
