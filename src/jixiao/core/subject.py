"""What an evaluation evaluates (评价对象): the department's year as a whole, or one project.

A department's year holds its overall evaluation (部门整体支出绩效自评) and the own
self-evaluation of every project with targets of its own (项目支出绩效自评, the 项目支出绩效自评表).
Both are scored by the same rules on a data set: :func:`view_of` narrows the department's data set
to what the subject's evaluation sees, so a framework's ``execution_rate`` at scope
``department`` is the project's own execution rate in a project's evaluation (全年执行数 ÷ 全年
预算数: 215,457.60 ÷ 250,000.00 = 86.18%) and its ``indicator_completion`` nodes score the
project's own indicators.

What each subject sees:

- **the department**: everything but the projects' own indicators, assessments and published
  figures (a project's indicators are its own; the overall framework draws on key tasks' and
  the special fund's);
- **a project**: the project alone with its funds, its own indicators (not grouped by key
  task), assessments, published figures, spending plan and forecasts; one budget line stating
  its 年初预算 (the 全年预算 when none is stated) and 全年预算; no key tasks and none of the
  department's management facts but its own ex-ante evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from jixiao.core.model import BudgetLine, Dataset, ManagementFacts, Project


class SubjectKind(StrEnum):
    DEPARTMENT = "department"
    PROJECT = "project"

    @property
    def label(self) -> str:
        return {"department": "部门整体", "project": "项目"}[self.value]


@dataclass(frozen=True, slots=True)
class Subject:
    """The department (no code) or the project of ``code``, with its name for display."""

    kind: SubjectKind = SubjectKind.DEPARTMENT
    code: str = ""
    name: str = ""

    @property
    def is_project(self) -> bool:
        return self.kind is SubjectKind.PROJECT

    @property
    def key(self) -> str:
        """``department`` or ``project:<code>``: the subject in one text."""
        return self.kind.value if not self.code else f"{self.kind.value}:{self.code}"


DEPARTMENT = Subject()


def project_subject(project: Project) -> Subject:
    return Subject(SubjectKind.PROJECT, project.code, project.name)


def has_own_evaluation(dataset: Dataset, project: Project) -> bool:
    """A project files its own self-evaluation when it has targets of its own: a goal (年度总体
    目标) or indicators of its own."""
    return bool(project.goal) or any(i.project == project.code for i in dataset.indicators)


def evaluated_projects(dataset: Dataset) -> tuple[Project, ...]:
    """The projects with their own self-evaluation, in the data set's order."""
    return tuple(p for p in dataset.projects if has_own_evaluation(dataset, p))


def holds_only_projects(dataset: Dataset) -> bool:
    """True when the data set holds project self-evaluations and nothing of the department's
    overall one: no key tasks and no indicator outside a project."""
    return (
        not dataset.key_tasks
        and bool(evaluated_projects(dataset))
        and all(indicator.project is not None for indicator in dataset.indicators)
    )


def default_subject(dataset: Dataset) -> Subject | None:
    """What the data set evaluates when no subject is named: its one project when it holds a
    single project's self-evaluation and nothing else, the department when it holds no
    project's alone; ``None`` when it holds several projects' and nothing else (name one)."""
    if not holds_only_projects(dataset):
        return DEPARTMENT
    projects = evaluated_projects(dataset)
    return project_subject(projects[0]) if len(projects) == 1 else None


def subjects_of(dataset: Dataset) -> tuple[Subject, ...]:
    """Every evaluation the data set holds: the department's overall one (unless it holds only
    projects'), then each project's own, in the data set's order."""
    department = () if holds_only_projects(dataset) else (DEPARTMENT,)
    return department + tuple(project_subject(p) for p in evaluated_projects(dataset))


def named_subject(dataset: Dataset, project: str | None) -> Subject | str:
    """The subject a command names (``--project CODE``), or its default when none is named;
    a text saying why when there is none."""
    if project is None:
        subject = default_subject(dataset)
        if subject is not None:
            return subject
        listed = "、".join(f"{p.code}（{p.name}）" for p in evaluated_projects(dataset))
        return f"数据集含多个项目的自评，请用 --project 指定其一：{listed}"
    found = dataset.project(project)
    if found is None:
        return f"数据集中没有项目“{project}”"
    if not has_own_evaluation(dataset, found):
        return f"项目“{found.name}”没有年度总体目标，也没有本项目的绩效指标，不单独自评"
    return project_subject(found)


def view_of(dataset: Dataset, subject: Subject) -> Dataset:
    """The data set as ``subject``'s evaluation sees it (see the module's docstring)."""
    if not subject.is_project:
        return replace(
            dataset,
            indicators=tuple(i for i in dataset.indicators if i.project is None),
            assessments=tuple(a for a in dataset.assessments if a.project is None),
            published=(
                dataset.published
                if dataset.published is None or dataset.published.project is None
                else None
            ),
        )
    project = dataset.project(subject.code)
    if project is None:
        raise KeyError(subject.code)
    indicators = tuple(
        replace(i, key_task=None) for i in dataset.indicators if i.project == project.code
    )
    codes = {i.code for i in indicators}
    published = dataset.published
    source = next(
        (
            line.name
            for line in dataset.budget_lines
            if line.funding_source == project.funding_source
        ),
        project.funding_source,
    )
    line = BudgetLine(
        funding_source=project.funding_source,
        name=source,
        initial_budget=(
            project.initial_budget
            if project.initial_budget is not None
            else project.adjusted_budget
        ),
        adjusted_budget=project.adjusted_budget,
        origin=project.origin,
    )
    return replace(
        dataset,
        budget_lines=(line,),
        key_tasks=(),
        projects=(project,),
        indicators=indicators,
        management=ManagementFacts(
            ex_ante_evaluations=tuple(
                e for e in dataset.management.ex_ante_evaluations if e.project == project.code
            )
        ),
        assessments=tuple(a for a in dataset.assessments if a.project == project.code),
        published=published
        if published is not None and published.project == project.code
        else None,
        special_fund_name="",
        narrative={},
        spending_plans=tuple(p for p in dataset.spending_plans if p.project == project.code),
        forecasts=tuple(f for f in dataset.forecasts if f.indicator in codes),
        project_funds=tuple(f for f in dataset.project_funds if f.project == project.code),
    )
