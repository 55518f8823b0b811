"""A cohort from a folder: ``jixiao evaluate DATASET --cohort FOLDER``.

``FOLDER`` holds one data set per department of the cohort, each a data-set subfolder
(``dataset.yaml`` with its tables) or a workbook (``.xlsx``), read by the same readers as
``jixiao load`` (``dataset_files.read_dataset_folder``, ``workbook.read_workbook``). Every
subfolder and every workbook is a member — a subfolder that is not a data set is an unreadable
member, never silently passed over; other files (a README) and hidden entries are ignored.

A member is *unreadable* when no data set can be put together from it or its data have errors;
each is reported with its file and every problem in it. Whether the evaluation goes on without
the unreadable members is the caller's choice (``--skip-unreadable``; see
``docs/decisions/0023-cohort-rules.md``): by default it does not, since every department's rank
depends on every member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.adapters.dataset_files import MANIFEST, read_dataset_folder
from jixiao.adapters.workbook import read_workbook
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, ProblemCode, SourceLocation, errors_in

WORKBOOK_SUFFIX = ".xlsx"


@dataclass(frozen=True)
class Unreadable:
    """A member that could not be read: its file and the errors in it."""

    path: Path
    problems: tuple[Problem, ...]


@dataclass
class CohortFolder:
    """What a cohort folder held: the data sets read, by file, and the members that were not."""

    folder: Path
    datasets: list[tuple[Path, Dataset]] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # about the folder itself


def member_paths(folder: Path) -> list[Path]:
    """Every subfolder and workbook of ``folder``, in name order; hidden entries left out."""
    return [
        child
        for child in sorted(folder.iterdir())
        if not child.name.startswith(".")
        and (child.is_dir() or child.suffix.lower() == WORKBOOK_SUFFIX)
    ]


def read_member(path: Path) -> tuple[Dataset | None, list[Problem]]:
    """One member: a workbook or a data-set folder."""
    if path.suffix.lower() == WORKBOOK_SUFFIX and not path.is_dir():
        return read_workbook(path)
    if not (path / MANIFEST).is_file():
        message = f"子目录中没有 {MANIFEST}，不是数据集目录"
        return None, [Problem(ProblemCode.E_NOT_DATASET, message, SourceLocation(str(path)))]
    return read_dataset_folder(path)


def read_cohort_folder(folder: Path) -> CohortFolder:
    """Read every member of ``folder``; a missing or empty folder is a problem of its own."""
    found = CohortFolder(folder)
    where = SourceLocation(str(folder))
    if not folder.is_dir():
        found.problems.append(Problem(ProblemCode.E_FILE_MISSING, "同批部门数据目录不存在", where))
        return found
    paths = member_paths(folder)
    if not paths:
        found.problems.append(
            Problem(
                ProblemCode.E_COHORT,
                "同批部门数据目录中没有数据集（子目录）或工作簿（.xlsx）",
                where,
            )
        )
    for path in paths:
        dataset, problems = read_member(path)
        if dataset is None or errors_in(problems):
            found.unreadable.append(Unreadable(path, tuple(errors_in(problems))))
        else:
            found.datasets.append((path, dataset))
    return found
