"""The ``installed:`` source of frameworks: a reference ``installed:<name>@<version>`` read from
:class:`~jixiao.web.frameworks.models.InstalledFramework` (one query, once per process: the
adapters keep what it answers, decision 0030)."""

from __future__ import annotations

from jixiao.core.problems import Problem, ProblemsFound, SourceLocation
from jixiao.web.frameworks.models import PREFIX, InstalledFramework


def split(reference: str) -> tuple[str, str] | None:
    """``installed:sz-2024@ab12…`` → ``("sz-2024", "ab12…")``; None when not of that shape."""
    if not reference.startswith(PREFIX):
        return None
    name, at, version = reference[len(PREFIX) :].rpartition("@")
    if not at or not name or not version:
        return None
    return name, version


def read_installed(reference: str) -> tuple[str, bytes]:
    """The label and bytes of the installed version ``reference`` names."""
    parts = split(reference)
    found = (
        InstalledFramework.objects.filter(name=parts[0], version=parts[1])
        .values_list("content", flat=True)
        .first()
        if parts is not None
        else None
    )
    if parts is None or found is None:
        raise ProblemsFound(
            [
                Problem(
                    "E-FRAMEWORK-UNKNOWN",
                    f"找不到已安装的评价体系“{reference}”",
                    SourceLocation(reference),
                )
            ]
        )
    return f"已安装评价体系 {parts[0]}", found.encode("utf-8")
