"""Reading a self-evaluation's data set from the database and evaluating it with the core."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.adapters.frameworks import load_framework
from jixiao.core.evaluation import evaluate
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, errors_in
from jixiao.core.result import Evaluation
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.mapping import load_dataset


@dataclass(frozen=True)
class Assessed:
    """A stored self-evaluation as the core sees it: its data set, its evaluation and every
    problem found.

    The evaluation is computed from the data as they are, errors and all: the core scores what
    it can read and reports the rest (docs/architecture.md, "Evaluation"), so one budget line
    that no longer adds up does not blank the department's score — the pages show the score
    with the problems to fix, and documents made meanwhile are drafts
    (docs/decisions/0015-evaluation-with-problems.md). Both are None only when no data set
    can be assembled at all."""

    dataset: Dataset | None
    evaluation: Evaluation | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that must be fixed before the year may be reviewed and sent."""
        return errors_in(self.problems)


def assess(record: SelfEvaluation) -> Assessed:
    dataset, problems = load_dataset(record)
    if dataset is None:
        return Assessed(None, None, problems)
    evaluation = evaluate(dataset, load_framework(record.framework))
    return Assessed(dataset, evaluation, problems + list(evaluation.problems))


def draft_mark(errors: int) -> str:
    """The mark a document made from data with errors carries on its title. Always Chinese,
    like the documents themselves, whatever the interface language."""
    return f"草稿：数据尚有 {errors} 个问题未解决"
