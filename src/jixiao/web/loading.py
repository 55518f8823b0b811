"""Loading data sets into the database: ``jixiao load PATH... [--replace]`` and the demo.

Each source — a data-set folder or a workbook — is one department's year, loaded all or
nothing with every problem listed. A department-year not yet in the database is created with
its department and divisions. One already there is changed only with ``replace``, and then by the
same operation as a workbook upload (:func:`jixiao.web.changes.apply_changes`): rows keep their
identity, a submitted division's rows stay locked, and the difference is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from jixiao.adapters.dataset_files import MANIFEST, read_dataset_folder
from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK
from jixiao.adapters.workbook import read_workbook
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, SourceLocation, errors_in
from jixiao.web.audit import events
from jixiao.web.audit.events import AuditAction
from jixiao.web.changes import ChangePlan, apply_changes
from jixiao.web.frameworks.assigned import assigned_framework
from jixiao.web.organizations.models import SelfEvaluation, Status
from jixiao.web.records.mapping import save_dataset
from jixiao.web.results.store import refresh


class Outcome(Enum):
    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass
class Loaded:
    """What became of one source."""

    source: Path
    outcome: Outcome
    dataset: Dataset | None = None
    evaluation: SelfEvaluation | None = None
    problems: list[Problem] = field(default_factory=list)
    plan: ChangePlan | None = None
    reason: str = ""  # why a source was refused, when not for its problems

    def summary(self) -> str:
        """One line for the person who ran the command."""
        if self.outcome is Outcome.REFUSED:
            if self.reason:
                return f"未载入 {self.source}：{self.reason}"
            return f"未载入 {self.source}：{len(errors_in(self.problems))} 个错误（见下）"
        assert self.dataset is not None
        name = f"{self.dataset.department.name} {self.dataset.fiscal_year} 年度"
        if self.outcome is Outcome.CREATED:
            return f"已新建 {name}（{len(self.dataset.projects)} 个项目）← {self.source}"
        if self.outcome is Outcome.UNCHANGED:
            return f"无变化 {name} ← {self.source}"
        assert self.plan is not None
        counts = self.plan.as_record()
        line = (
            f"已更新 {name}：新增 {counts['新增']} 条、修改 {counts['修改']} 条、"
            f"删除 {counts['删除']} 条记录 ← {self.source}"
        )
        if counts["未执行"]:
            line += f"；{counts['未执行']} 项变更未执行（处室已提交，数据锁定）"
        return line


def sources(paths: Iterable[Path]) -> Iterator[Path]:
    """The data sets named by ``paths``: a data-set folder or workbook as given; a folder of
    them, each of its data-set subfolders and workbooks, in name order."""
    for path in paths:
        if path.is_dir() and not (path / MANIFEST).exists():
            children = sorted(path.iterdir())
            found = [c for c in children if (c / MANIFEST).exists() or c.suffix == ".xlsx"]
            yield from found or [path]
        else:
            yield path


def read_source(path: Path) -> tuple[Dataset | None, list[Problem]]:
    if path.suffix.lower() == ".xlsx" and not path.is_dir():
        return read_workbook(path)
    if not path.exists():
        return None, [Problem("E-FILE-MISSING", "文件或目录不存在", SourceLocation(str(path)))]
    return read_dataset_folder(path)


def load(
    path: Path,
    *,
    replace: bool,
    framework: str | None = None,
    earlier: dict[str, Path] | None = None,
) -> Loaded:
    """Load one source, all or nothing (a new department-year scored by ``framework``, else by
    the one assigned to its year, else the default: see :func:`store`). ``earlier``: the
    department-years loaded so far in the same run (``code/year`` → source), kept up to date
    here — a second source of one of them is refused naming the first (with ``replace`` it would
    silently undo the first)."""
    dataset, problems = read_source(path)
    if dataset is None or errors_in(problems):
        return Loaded(path, Outcome.REFUSED, dataset, problems=problems)
    subject = f"{dataset.department.code}/{dataset.fiscal_year}"
    first = None if earlier is None else earlier.get(subject)
    if first is not None:
        name = f"{dataset.department.name} {dataset.fiscal_year} 年度"
        reason = (
            f"与本次已载入的 {first} 是同一部门年度（{name}，部门编码 "
            f"{dataset.department.code}）；每个部门年度只能载入一次"
        )
        return Loaded(path, Outcome.REFUSED, dataset, problems=problems, reason=reason)
    loaded = store(dataset, str(path), replace=replace, framework=framework)
    loaded.source = path
    loaded.problems = problems + loaded.problems
    if earlier is not None and loaded.outcome is not Outcome.REFUSED:
        earlier[subject] = path
    return loaded


def store(
    dataset: Dataset,
    source: str,
    *,
    replace: bool,
    framework: str | None = None,
    audit_creation: bool = True,
    actor: User | None = None,
    reason: str = "",
    not_replaced: str = "",
    drafting_only: bool = False,
) -> Loaded:
    """Store a data set read without errors from ``source``: a new department-year, or, with
    ``replace``, the changes to the one already stored. (``audit_creation`` false: the caller
    records the creation in its own words, as the demo does.)

    The web's bulk load (``web/bulk.py``) names its ``actor`` and ``reason``, says why a year
    already stored is not replaced (``not_replaced``) and replaces only a year still 填报中
    (``drafting_only``), checked under the year's lock.

    A new department-year is scored by ``framework``; without one, by the framework assigned
    to its year (and its department's groups, ``frameworks.assigned``), else the default."""
    with transaction.atomic():
        existing = (
            SelfEvaluation.objects.select_for_update(no_key=True, of=("self",))
            .filter(department__code=dataset.department.code, fiscal_year=dataset.fiscal_year)
            .first()
        )
        if existing is None:
            chosen = framework or (
                assigned_framework(dataset.fiscal_year, dataset.department.code)
                or DEFAULT_FRAMEWORK
            )
            evaluation = save_dataset(dataset, chosen)
            refresh(evaluation)
            if not audit_creation:
                return Loaded(Path(source), Outcome.CREATED, dataset, evaluation)
            counts = {"项目": len(dataset.projects), "指标": len(dataset.indicators)}
            events.dataset_loaded(
                evaluation, counts, reason or f"jixiao load {source}", actor=actor
            )
            return Loaded(Path(source), Outcome.CREATED, dataset, evaluation)
        if not replace:
            refusal = not_replaced or (
                f"{existing} 已在数据库中；要以此更新它，请加 --replace"
                "（只改变不同之处，已提交处室的数据不动）"
            )
            return Loaded(Path(source), Outcome.REFUSED, dataset, existing, reason=refusal)
        if drafting_only and existing.status != Status.DRAFTING:
            refusal = (
                f"{existing} 已在数据库中，状态为“{existing.get_status_display()}”，"
                "不在填报中，不能替换"
            )
            return Loaded(Path(source), Outcome.REFUSED, dataset, existing, reason=refusal)
        applied = apply_changes(
            actor,
            existing,
            dataset,
            expected=None,
            reason=reason or f"jixiao load --replace {source}",
            action=AuditAction.DATASET_UPDATED,
        )
    outcome = Outcome.UNCHANGED if applied.plan.is_empty() else Outcome.CHANGED
    return Loaded(Path(source), outcome, dataset, existing, applied.problems, applied.plan)
