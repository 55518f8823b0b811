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
    """A stored self-evaluation as the core sees it: its data set, its evaluation (None while
    the data has errors) and every problem found."""

    dataset: Dataset | None
    evaluation: Evaluation | None
    problems: list[Problem]


def assess(record: SelfEvaluation) -> Assessed:
    dataset, problems = load_dataset(record)
    if dataset is None or errors_in(problems):
        return Assessed(dataset, None, problems)
    evaluation = evaluate(dataset, load_framework(record.framework))
    return Assessed(dataset, evaluation, problems + list(evaluation.problems))
