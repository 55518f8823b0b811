"""Putting a data set together from rows of tables, and taking it apart again.

Both file formats — the data-set folder and the workbook — read rows into records through
``jixiao.adapters.tables`` and hand them here; writing goes the other way. The department's own
fields and the published figures, which are not lists of records, are tables of their own here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jixiao.adapters.tables import (
    ALL_TABLES,
    ASSESSMENTS,
    ASSETS,
    AUDIT_FINDINGS,
    BUDGET_LINES,
    CODE_TEXT,
    CONTRACTS,
    DISCLOSURES,
    EX_ANTE,
    EXPENSES,
    FORECASTS,
    INDICATORS,
    KEY_TASKS,
    LONG_TEXT,
    NARRATIVE,
    PROJECT_FUNDS,
    PROJECTS,
    SPENDING_PLANS,
    Choice,
    Column,
    ExpenseItem,
    ExpenseRow,
    Kind,
    NarrativeRow,
    RowReader,
    Table,
    cell_text,
)
from jixiao.core.fields import FieldReader, to_decimal, to_rate
from jixiao.core.model import (
    Carryover,
    Dataset,
    Department,
    ExpenseControl,
    ManagementFacts,
    Origin,
    PublishedFigures,
)
from jixiao.core.problems import Problem, SourceLocation
from jixiao.core.validation import validate_dataset


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name: str
    fiscal_year: int
    special_fund_name: str
    origin: Origin


def _department(row: RowReader) -> DepartmentRow | None:
    code, name, year = row.text("code"), row.text("name"), row.integer("fiscal_year")
    if code is None or name is None or year is None:
        return None
    if not 1949 <= year <= 2200:
        row.read.error("E-RANGE", f"预算年度 {year} 不在合理范围内", row.where("fiscal_year"))
        return None
    return DepartmentRow(code, name, year, row.text("special_fund_name") or "", row.origin())


DEPARTMENT: Table[DepartmentRow] = Table(
    "department",
    "部门",
    "被评价的部门及年度",
    (
        Column("code", "部门编码", required=True, max_length=CODE_TEXT),
        Column("name", "部门名称", required=True, width=30),
        Column("fiscal_year", "预算年度", Kind.INTEGER, required=True),
        Column("special_fund_name", "专项资金名称", width=30),
    ),
    _department,
    lambda d: {
        "code": d.code,
        "name": d.name,
        "fiscal_year": d.fiscal_year,
        "special_fund_name": d.special_fund_name,
    },
    natural_key=("code",),
)


@dataclass(frozen=True)
class PublishedRow:
    kind: str
    subject: str
    value: str
    names: str
    origin: Origin


PUBLISHED_KINDS = (
    ("source", "报告名称"),
    ("project", "项目编码"),
    ("total", "总分"),
    ("grade", "等级"),
    ("execution_rate", "预算执行率"),
    ("annual_average_execution_rate", "年度平均执行率"),
    ("node", "评价项得分"),
    ("task", "重点任务得分"),
    ("over_achieved", "完成率超阈值的指标"),
)


def _published_row(row: RowReader) -> PublishedRow | None:
    kind = row.choice("kind")
    value = row.text("value")
    if kind is None:
        return None
    if kind in ("node", "task", "over_achieved") and row.text("subject") is None:
        row.read.error("E-REQUIRED", "“对象”为必填项：评价项编号或任务编码", row.where("subject"))
        return None
    if kind in ("total", "node", "task", "over_achieved") and (
        value is None or row.number("value", minimum=None) is None
    ):
        if value is None:
            row.read.error("E-NUMBER", "“公布值”应为数字，实际是“”", row.where("value"))
        return None
    if kind in ("execution_rate", "annual_average_execution_rate") and (
        value is None or to_rate(value) is None
    ):
        row.read.error(
            "E-RATE", f"“公布值”应为比率（如 97.1%），实际是“{value or ''}”", row.where("value")
        )
        return None
    return PublishedRow(
        kind, row.text("subject") or "", value or "", row.text("names") or "", row.origin()
    )


PUBLISHED: Table[PublishedRow] = Table(
    "published",
    "公布数",
    "报告公布的得分和比率，用于核对评价结果（可选）",
    (
        Column(
            "kind",
            "类型",
            Kind.CHOICE,
            required=True,
            choices=tuple(Choice(code, label, code) for code, label in PUBLISHED_KINDS),
        ),
        Column("subject", "对象", help="评价项编号或重点任务编码", max_length=100),
        Column("value", "公布值", help="得分、等级或比率（如 97.1%）；超阈值指标填报告所称个数"),
        Column(
            "names",
            "指标名称",
            width=40,
            help="报告列出的超阈值指标，用顿号分隔",
            max_length=LONG_TEXT,
        ),
    ),
    _published_row,
    lambda p: {"kind": p.kind, "subject": p.subject, "value": p.value, "names": p.names},
    natural_key=("kind", "subject"),
)

NAME_SEPARATOR = "、"


@dataclass
class Parts:
    """Records read from one source, by table key, and the problems met reading them."""

    department: DepartmentRow | None = None
    records: dict[str, list[Any]] = field(default_factory=dict)
    published: list[PublishedRow] = field(default_factory=list)
    read: FieldReader = field(default_factory=FieldReader)
    incomplete: set[str] = field(default_factory=set)  # tables with records left out
    unclear: set[str] = field(default_factory=set)  # tables whose columns could not all be read
    unread: dict[str, set[str]] = field(default_factory=dict)  # codes of rows left out
    blind: set[str] = field(default_factory=set)  # tables with rows left out, codes unknown

    def of(self, table: Table[Any]) -> list[Any]:
        return self.records.get(table.key, [])

    def left_out(self, table: Table[Any], cells: Mapping[str, object]) -> None:
        """A row of ``table`` could not be read: keep its code if it has one."""
        self.incomplete.add(table.key)
        key = table.key_of(cells)
        if key is None:
            self.blind.add(table.key)
        else:
            self.unread.setdefault(table.key, set()).add(key[0])

    def unread_codes(self) -> dict[str, frozenset[str]]:
        """The codes of the rows left out, for the tables where every such row gave one and
        no rows can have gone unseen (a missing sheet, unreadable columns)."""
        seen_whole = {
            key
            for key in self.incomplete
            if key not in self.blind and key not in self.unclear and key in self.unread
        }
        return {key: frozenset(self.unread[key]) for key in seen_whole}


def read_rows(
    table: Table[Any],
    rows: Sequence[tuple[Mapping[str, object], SourceLocation]],
    read: FieldReader,
    parts: Parts | None = None,
) -> list[Any]:
    """Build the records of ``table`` from raw rows, recording every problem in ``read``, rows
    sharing a natural key among them. In ``parts``, a table whose rows had to be left out is
    marked incomplete, and the codes those rows give are kept (``unread``), so that references
    to them are not reported as unknown while references to codes no row gives still are."""
    records = []
    for cells, where in rows:
        record = table.build(RowReader(table, cells, where, read))
        if record is not None:
            records.append(record)
        elif parts is not None:
            parts.left_out(table, cells)
    read.problems.extend(table.duplicates(rows))
    return records


def _published(rows: Sequence[PublishedRow]) -> PublishedFigures | None:
    if not rows:
        return None
    values: dict[str, Any] = {
        "source": "",
        "node_scores": {},
        "task_scores": {},
        "over_achieved": {},
    }
    for row in rows:
        if row.kind == "source":
            values["source"] = row.value
        elif row.kind == "project":
            values["project"] = row.value or None
        elif row.kind == "total":
            values["total"] = to_decimal(row.value)
        elif row.kind == "grade":
            values["grade"] = row.value
        elif row.kind in ("execution_rate", "annual_average_execution_rate"):
            values[row.kind] = to_rate(row.value)
        elif row.kind == "node":
            values["node_scores"][row.subject] = to_decimal(row.value)
        elif row.kind == "task":
            values["task_scores"][row.subject] = to_decimal(row.value)
        else:
            count = to_decimal(row.value) or Decimal(0)
            names = tuple(n.strip() for n in row.names.split(NAME_SEPARATOR) if n.strip())
            values["over_achieved"][row.subject] = (int(count), names)
    return PublishedFigures(**values)


def published_rows(published: PublishedFigures | None) -> list[PublishedRow]:
    if published is None:
        return []
    blank = Origin(SourceLocation("<内存>"))
    rows = [PublishedRow("source", "", published.source, "", blank)]
    if published.project is not None:
        rows.append(PublishedRow("project", "", published.project, "", blank))
    if published.total is not None:
        rows.append(PublishedRow("total", "", f"{published.total:f}", "", blank))
    if published.grade is not None:
        rows.append(PublishedRow("grade", "", published.grade, "", blank))
    for kind, rate in (
        ("execution_rate", published.execution_rate),
        ("annual_average_execution_rate", published.annual_average_execution_rate),
    ):
        if rate is not None:
            rows.append(PublishedRow(kind, "", f"{(rate * 100).normalize():f}%", "", blank))
    rows += [PublishedRow("node", k, f"{v:f}", "", blank) for k, v in published.node_scores.items()]
    rows += [PublishedRow("task", k, f"{v:f}", "", blank) for k, v in published.task_scores.items()]
    rows += [
        PublishedRow("over_achieved", k, str(count), NAME_SEPARATOR.join(names), blank)
        for k, (count, names) in published.over_achieved.items()
    ]
    return rows


def _management(parts: Parts) -> ManagementFacts:
    carryover = three = public = None
    for row in parts.of(EXPENSES):
        assert isinstance(row, ExpenseRow)
        if row.item is ExpenseItem.CARRYOVER:
            carryover = carryover or Carryover(row.amount, row.origin)
            continue
        assert row.budget is not None
        control = ExpenseControl(row.budget, row.amount, row.origin)
        if row.item is ExpenseItem.THREE_PUBLIC_EXPENSES:
            three = three or control
        else:
            public = public or control
    return ManagementFacts(
        ex_ante_evaluations=tuple(parts.of(EX_ANTE)),
        carryover=carryover,
        audit_findings=tuple(parts.of(AUDIT_FINDINGS)),
        disclosures=tuple(parts.of(DISCLOSURES)),
        contracts=tuple(parts.of(CONTRACTS)),
        assets=tuple(parts.of(ASSETS)),
        three_public_expenses=three,
        public_expenses=public,
    )


def assemble(parts: Parts) -> tuple[Dataset | None, list[Problem]]:
    """The data set, and every problem found reading it and checking it as a whole."""
    management = _management(parts)
    department = parts.department
    if department is None:
        return None, _sorted(parts.read.problems)
    narrative: dict[str, str] = {}
    for row in parts.of(NARRATIVE):
        assert isinstance(row, NarrativeRow)
        if row.text:
            narrative[row.section] = row.text
    dataset = Dataset(
        department=Department(department.code, department.name),
        fiscal_year=department.fiscal_year,
        budget_lines=tuple(parts.of(BUDGET_LINES)),
        key_tasks=tuple(parts.of(KEY_TASKS)),
        projects=tuple(parts.of(PROJECTS)),
        project_funds=tuple(parts.of(PROJECT_FUNDS)),
        indicators=tuple(parts.of(INDICATORS)),
        management=management,
        assessments=tuple(parts.of(ASSESSMENTS)),
        special_fund_name=department.special_fund_name,
        narrative=narrative,
        published=_published(parts.published),
        spending_plans=tuple(parts.of(SPENDING_PLANS)),
        forecasts=tuple(parts.of(FORECASTS)),
    )
    problems = list(parts.read.problems)
    problems += validate_dataset(
        dataset,
        incomplete=frozenset(parts.incomplete),
        unclear=frozenset(parts.unclear),
        unread_codes=parts.unread_codes(),
    )
    return dataset, _sorted(problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    """File by file, sheet by sheet in the workbook's order, row by row, as a person works
    through them (duplicates are found by key; rows keep the order they were reported in)."""
    order = {table.sheet: index for index, table in enumerate((DEPARTMENT, *ALL_TABLES, PUBLISHED))}

    def place(problem: Problem) -> tuple[str, int, str, int]:
        where = problem.location
        if where.sheet is None:  # the file itself, or a folder's file without sheets
            return (where.file, -1, "", where.row or 0)
        return (where.file, order.get(where.sheet, len(order)), where.sheet, where.row or 0)

    return sorted(problems, key=place)


def disassemble(dataset: Dataset) -> dict[str, list[Any]]:
    """The records of every table, in order, for writers."""
    facts = dataset.management
    expenses: list[ExpenseRow] = []
    if facts.carryover is not None:
        expenses.append(
            ExpenseRow(ExpenseItem.CARRYOVER, None, facts.carryover.amount, facts.carryover.origin)
        )
    for item, control in (
        (ExpenseItem.THREE_PUBLIC_EXPENSES, facts.three_public_expenses),
        (ExpenseItem.PUBLIC_EXPENSES, facts.public_expenses),
    ):
        if control is not None:
            expenses.append(ExpenseRow(item, control.budget, control.spent, control.origin))
    blank = Origin(SourceLocation("<内存>"))
    records: dict[str, list[Any]] = {
        DEPARTMENT.key: [
            DepartmentRow(
                dataset.department.code,
                dataset.department.name,
                dataset.fiscal_year,
                dataset.special_fund_name,
                blank,
            )
        ],
        BUDGET_LINES.key: list(dataset.budget_lines),
        KEY_TASKS.key: list(dataset.key_tasks),
        PROJECTS.key: list(dataset.projects),
        PROJECT_FUNDS.key: list(dataset.project_funds),
        INDICATORS.key: list(dataset.indicators),
        EX_ANTE.key: list(facts.ex_ante_evaluations),
        AUDIT_FINDINGS.key: list(facts.audit_findings),
        DISCLOSURES.key: list(facts.disclosures),
        CONTRACTS.key: list(facts.contracts),
        ASSETS.key: list(facts.assets),
        EXPENSES.key: expenses,
        ASSESSMENTS.key: list(dataset.assessments),
        NARRATIVE.key: [NarrativeRow(k, v, blank) for k, v in dataset.narrative.items()],
        PUBLISHED.key: published_rows(dataset.published),
        SPENDING_PLANS.key: list(dataset.spending_plans),
        FORECASTS.key: list(dataset.forecasts),
    }
    assert set(records) >= {table.key for table in ALL_TABLES}
    return records


def cell_strings(table: Table[Any], record: Any) -> dict[str, str]:
    """A record's cells as the text written in CSV and YAML files."""
    cells = table.cells(record)
    return {
        column.key: format_cell(column, cells.get(column.key), for_workbook=False)
        for column in table.columns
    }


def format_cell(column: Column, value: Any, *, for_workbook: bool) -> Any:
    """A typed cell value as text (files) or as a workbook cell value."""
    if value is None:
        return "" if not for_workbook else None
    if isinstance(value, Choice):
        return value.label if for_workbook else value.code
    if column.kind is Kind.FLAG:
        return "是" if value else "否"
    if column.kind is Kind.RECONSTRUCTED:
        return ";".join(value) if value else ("" if not for_workbook else None)
    if isinstance(value, Decimal):
        return value if for_workbook else f"{value:f}"
    if for_workbook:
        return value if value != "" else None
    return cell_text(value)
