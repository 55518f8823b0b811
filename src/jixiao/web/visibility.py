"""What a user is shown of the department's results: the evaluation, its problems, monitoring,
the data set through the API, and the audit log.

The rule is the access policy's (``policy.Actor.scope_on``, the rows gathered by
``editing.readable``):
the finance reviewer, the unit leader and the bureau read every row and see everything; a
division filler reads their own division's rows, so they see the department's totals — the
total score, the grade, every item's score, the department's execution figures (overall, by
funding source, by spending group, the annual average) — and details only of their own rows:

- their own indicators' nodes, their own key tasks; another division's indicator is left out,
  and an own indicator under another division's task is shown without that task;
- an explanation or deduction that cites a record they do not read (an audit finding, a
  contract, another division's indicator) is withheld; a clause naming another division's key
  task, project or indicator is dropped from an explanation;
- their own projects and indicators in the execution report and in monitoring, their own
  division's progress, and the warnings about the department, the spending groups, their own
  division and their own rows;
- the problems at their own rows, and those at no row that name nothing of another division's.

The cut is made on the core's results after they are computed on the whole data set, so every
score is the department's, never one recomputed from a division's part.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jixiao.adapters.assemble import cell_strings, disassemble
from jixiao.adapters.tables import ALL_TABLES
from jixiao.core.model import Dataset
from jixiao.core.monitoring import MonthlyMonitoring, Warning
from jixiao.core.problems import Problem
from jixiao.core.result import INDICATOR, KEY_TASK, Deduction, Evaluation, NodeResult
from jixiao.web.audit.models import AuditEvent
from jixiao.web.editing import LEDGERS, Readable
from jixiao.web.policy import Who, as_actor
from jixiao.web.services import Assessed, Monitored

TABLE_SHEETS = frozenset(ledger.title for ledger in LEDGERS.values())
WHOLE_DEPARTMENT_KINDS = frozenset({"部门", "支出分组"})  # monitoring warnings of totals


def withheld() -> str:
    return _("本项明细涉及本处室查看范围以外的记录，未列出。")


# --- the evaluation ------------------------------------------------------------------------


def seen_evaluation(evaluation: Evaluation, sight: Readable) -> Evaluation:
    """``evaluation`` as ``sight`` may see it: every framework item with its score, details
    only of readable rows."""
    if sight.whole:
        return evaluation
    root = _seen_node(evaluation.root, sight)
    assert len(root) == 1  # the root is a framework node, never cut away
    execution = evaluation.execution
    return replace(
        evaluation,
        root=root[0],
        key_tasks=tuple(
            replace(
                task,
                over_achieved=tuple(
                    n for n in task.over_achieved if sight.name_of("indicators", n)
                ),
                below_target=tuple(n for n in task.below_target if sight.name_of("indicators", n)),
            )
            for task in evaluation.key_tasks
            if sight.code_of("key_tasks", task.code)
        ),
        execution=replace(
            execution,
            projects=tuple(p for p in execution.projects if sight.code_of("projects", p.code)),
        ),
        problems=tuple(seen_problems(evaluation.problems, sight)),
    )


def _seen_node(node: NodeResult, sight: Readable) -> tuple[NodeResult, ...]:
    """The node as seen (none, when it is another division's indicator; its children, when
    it is another division's key task)."""
    measures = node.measures
    if node.kind == INDICATOR and measures.indicator is not None:
        return (node,) if sight.code_of("indicators", measures.indicator) else ()
    children = tuple(seen for child in node.children for seen in _seen_node(child, sight))
    if (
        node.kind == KEY_TASK
        and measures.key_task is not None
        and not sight.code_of("key_tasks", measures.key_task)
    ):
        return children
    return (
        replace(
            node,
            explanation=_seen_explanation(node, sight),
            deductions=tuple(d for d in node.deductions if _seen_deduction(d, sight)),
            references=tuple(r for r in node.references if sight.reads_all_of((r,))),
            children=children,
        ),
    )


def _seen_explanation(node: NodeResult, sight: Readable) -> str:
    """The explanation, unless it rests on records the user does not read; clauses naming
    another division's rows are dropped (``A；B；C`` → ``A；C``)."""
    if not sight.reads_all_of(node.references):
        return withheld()
    clauses = node.explanation.split("；")
    kept = [clause for clause in clauses if not sight.names_unreadable(clause)]
    if not kept:
        return withheld()
    return "；".join(kept)


def _seen_deduction(deduction: Deduction, sight: Readable) -> bool:
    return sight.reads_all_of(deduction.references) and not sight.names_unreadable(deduction.reason)


def seen_problems(problems: Iterable[Problem], sight: Readable) -> list[Problem]:
    """The problems at rows the user reads, and those at no row (the framework, the published
    report, the department) that name no other division's row."""
    if sight.whole:
        return list(problems)
    return [p for p in problems if _seen_problem(p, sight)]


def _seen_problem(problem: Problem, sight: Readable) -> bool:
    where = problem.location
    if where.sheet in TABLE_SHEETS:
        if where.row is not None and not sight.reads_row(where.sheet, where.row):
            return False
        if where.row is None and where.sheet not in sight.sheets:
            return False
    return not sight.names_unreadable(problem.message)


def withheld_message(count: int) -> str:
    """What a division is told of the problems it is not shown ("" when there are none)."""
    if not count:
        return ""
    return _("另有 %(count)s 条问题在本处室查看范围以外的记录中，由财务审核人处理。") % {
        "count": count
    }


def seen_assessed(assessed: Assessed, sight: Readable) -> Assessed:
    """The evaluation and problems cut for ``sight``. The data set is left whole, for the
    department's totals computed from it: callers never show its rows to a division."""
    if sight.whole:
        return assessed
    evaluation = (
        None if assessed.evaluation is None else seen_evaluation(assessed.evaluation, sight)
    )
    return replace(
        assessed, evaluation=evaluation, problems=seen_problems(assessed.problems, sight)
    )


# --- the data set through the API ----------------------------------------------------------


def seen_tables(dataset: Dataset, sight: Readable) -> dict[str, list[dict[str, str]]]:
    """Each table's records as CSV cells: every table for the whole department; for a
    division, only the tables it reads and in them only its own rows."""
    records = disassemble(dataset)
    return {
        table.key: [
            cell_strings(table, record)
            for record in records[table.key]
            if sight.whole or sight.reads_all_of((str(record.origin.location),))
        ]
        for table in ALL_TABLES
        if sight.whole or table.sheet in sight.sheets
    }


# --- monitoring ----------------------------------------------------------------------------


def seen_monitored(result: Monitored, sight: Readable) -> Monitored:
    if sight.whole:
        return result
    monthly = None if result.monthly is None else seen_monitoring(result.monthly, sight)
    return Monitored(monthly, seen_problems(result.problems, sight), result.version)


def seen_monitoring(monthly: MonthlyMonitoring, sight: Readable) -> MonthlyMonitoring:
    """The department's progress, its spending groups and the annual average; of projects,
    divisions and indicators only the user's own."""
    if sight.whole:
        return monthly
    report = monthly.report
    division = sight.division.name if sight.division is not None else None
    cut = replace(
        report,
        projects=tuple(p for p in report.projects if sight.code_of("projects", p.code)),
        divisions=tuple(g for g in report.divisions if g.name == division),
        indicators=tuple(
            s
            for s in report.indicators
            if sight.code_of("indicators", s.indicator.code)
            and sight.reads_all_of((str(s.forecast.origin.location),))
        ),
        warnings=seen_warnings(report.warnings, sight),
    )
    changes = tuple(c for c in monthly.changes if _seen_subject(c.kind, c.subject, sight))
    return replace(monthly, report=cut, changes=changes)


def seen_warnings(warnings: Sequence[Warning], sight: Readable) -> tuple[Warning, ...]:
    """The warnings about the department, the spending groups, the user's division and the
    user's own projects and indicators."""
    return tuple(w for w in warnings if _seen_subject(w.kind, w.subject, sight))


def _seen_subject(kind: str, subject: str, sight: Readable) -> bool:
    if sight.whole or kind in WHOLE_DEPARTMENT_KINDS:
        return True
    if kind == "处室":
        return sight.division is not None and subject == sight.division.name
    table = {"项目": "projects", "指标": "indicators"}.get(kind)
    return table is not None and sight.name_of(table, subject)


# --- the audit log -------------------------------------------------------------------------


def visible_events(who: Who) -> QuerySet[AuditEvent]:
    """The audit events ``who`` may read (:meth:`Actor.visible_events`)."""
    return as_actor(who).visible_events()
