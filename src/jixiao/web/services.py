"""Evaluating a stored self-evaluation with the core: its data set read back once, evaluated
once and monitored month by month. ``results.store`` keeps what this computes; pages read that."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jixiao.adapters.frameworks import VersionedFramework, load_versioned
from jixiao.core.cohort import Cohort
from jixiao.core.evaluation import evaluate
from jixiao.core.model import Dataset
from jixiao.core.monitoring import MonthlyMonitoring, monitor_year, monitored_part
from jixiao.core.problems import Problem, errors_in
from jixiao.core.result import Evaluation
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.mapping import TableRead, read_stored

MONTHS = range(1, 13)


@dataclass(frozen=True)
class Assessed:
    """A self-evaluation's result as the pages show it: the evaluation and every problem found.

    The evaluation is computed from the data as they are, errors and all: the core scores what
    it can read and reports the rest (docs/architecture.md, "Evaluation"), so one budget line
    that no longer adds up does not blank the department's score — the pages show the score
    with the problems to fix, and documents made meanwhile are drafts
    (docs/decisions/0015-evaluation-with-problems.md). ``evaluation`` is None, and
    ``assembled`` false, only when no data set can be put together at all."""

    evaluation: Evaluation | None
    problems: list[Problem]
    version: str = field(default="", compare=False)  # of the stored result it was read from

    @property
    def assembled(self) -> bool:
        return self.evaluation is not None

    @property
    def errors(self) -> list[Problem]:
        """The problems that must be fixed before the year may be reviewed and sent."""
        return errors_in(self.problems)


@dataclass(frozen=True)
class Monitored:
    """A month's monitoring report (None without a data set or monthly spending) and the
    problems found computing it."""

    monthly: MonthlyMonitoring | None
    problems: list[Problem]
    version: str = field(default="", compare=False)  # of the stored result it was read from

    @property
    def errors(self) -> list[Problem]:
        return errors_in(self.problems)


@dataclass(frozen=True)
class YearMonitored:
    """A year's monitoring (``monitor_year``) and what it was computed from: the data set's
    monitored part and the framework's version."""

    part: Dataset
    framework_version: str
    months: Mapping[int, MonthlyMonitoring | tuple[Problem, ...]]


@dataclass(frozen=True)
class Computed:
    """A fresh computation from the stored rows (what :func:`refresh` stores)."""

    dataset: Dataset | None
    data_problems: list[Problem]  # found reading the data, before evaluating
    assessed: Assessed
    months: dict[int, Monitored]
    digest: str
    framework_version: str
    tables: Mapping[str, TableRead] = field(default_factory=dict, compare=False)
    monitored: YearMonitored | None = field(default=None, compare=False)


def compute(
    record: SelfEvaluation,
    *,
    monitor: bool = True,
    earlier: Mapping[str, TableRead] | None = None,
    changed: frozenset[str] = frozenset(),
    monitored: YearMonitored | None = None,
    cohort: Cohort | None = None,
) -> Computed:
    """Read ``record``'s data set once, evaluate it and (unless ``monitor`` is false) monitor
    each month; with ``earlier``, only the ``changed`` tables are read again
    (:func:`~jixiao.web.records.mapping.read_stored`); with ``monitored``, the year's monitoring
    computed before is reused when it was computed from the same monitored part of the data
    and the same framework (an indicator's actual value changed, say). ``cohort`` is what the
    framework's ``cohort_rank`` items rank the department among (the snapshot frozen at the
    bureau's cut-off, ``cohorts.freezing``); without one they are pending (待评)."""
    stored = read_stored(record, earlier=earlier, changed=changed)
    versioned = load_versioned(record.framework)
    year = None
    if stored.dataset is None:
        assessed = Assessed(None, stored.problems)
        months = {month: Monitored(None, stored.problems) for month in (MONTHS if monitor else ())}
    else:
        evaluation = evaluate(stored.dataset, versioned.framework, cohort)
        assessed = Assessed(evaluation, [*stored.problems, *evaluation.problems])
        year = _year(stored.dataset, versioned, monitored) if monitor else None
        found = year.months if year is not None else {}
        months = {month: _monitored(each, stored.problems) for month, each in found.items()}
    return Computed(
        stored.dataset,
        stored.problems,
        assessed,
        months,
        stored.digest,
        versioned.version,
        stored.tables,
        year,
    )


def _year(
    dataset: Dataset, versioned: VersionedFramework, before: YearMonitored | None
) -> YearMonitored:
    """The year's monitoring of ``dataset``: ``before`` when it was computed from the same
    monitored part and framework version, else computed now."""
    part = monitored_part(dataset)
    if before is not None and before.framework_version == versioned.version and before.part == part:
        return before
    return YearMonitored(part, versioned.version, monitor_year(part, versioned.framework))


def _monitored(
    found: MonthlyMonitoring | tuple[Problem, ...], problems: list[Problem]
) -> Monitored:
    if isinstance(found, MonthlyMonitoring):
        return Monitored(found, problems)
    return Monitored(None, [*problems, *found])


def draft_mark(errors: int) -> str:
    """The mark a document made from data with errors carries on its title. Always Chinese,
    like the documents themselves, whatever the interface language."""
    return f"草稿：数据尚有 {errors} 个问题未解决"
