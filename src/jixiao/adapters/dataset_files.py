"""The data-set folder: ``dataset.yaml`` for the department, budget lines, key tasks, management
facts, assessments and narrative; CSV tables for projects, monthly spending and indicators.

Amounts in files carry their unit in the field name: ``_wan`` for 万元 (up to six decimals, so
whole 分), ``_yuan`` for 元. Each record may list its ``reconstructed`` fields (separated by
``;`` in CSV, a list in YAML); everything else is published fact. See ``docs/dataset-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.adapters.csv_tables import (
    Row,
    amount_from_wan,
    amount_in_yuan,
    cell_decimal,
    cell_flag,
    cell_text,
    read_table,
)
from jixiao.adapters.yaml_files import read_yaml
from jixiao.core.fields import FieldReader, to_rate
from jixiao.core.model import (
    Assessment,
    AssetHolding,
    AuditFinding,
    BudgetLine,
    Comparison,
    Dataset,
    Department,
    Disclosure,
    DisclosureKind,
    ExAnteEvaluation,
    ExpenseControl,
    Indicator,
    IndicatorSubtype,
    KeyTask,
    ManagementFacts,
    Origin,
    ProcurementContract,
    Project,
    PublishedFigures,
)
from jixiao.core.problems import Problem, ProblemsFound, SourceLocation, errors_in
from jixiao.core.validation import validate_dataset

MANIFEST = "dataset.yaml"
PROJECTS = "projects.csv"
MONTHLY = "monthly_spending.csv"
INDICATORS = "indicators.csv"

PROJECT_COLUMNS = ("code", "name", "funding_source", "adjusted_budget_wan", "spent_wan")
PROJECT_OPTIONAL = (
    "spending_group",
    "key_task",
    "special_fund",
    "division",
    "reconstructed",
    "note",
)
MONTH_COLUMNS = tuple(f"m{month:02d}_yuan" for month in range(1, 13))
INDICATOR_COLUMNS = ("code", "name", "subtype", "comparison", "target", "points")
INDICATOR_OPTIONAL = (
    "key_task",
    "special_fund",
    "unit",
    "actual",
    "deviation_reason",
    "division",
    "reconstructed",
    "note",
)
COMPARISONS = {member.value: member for member in Comparison} | {
    ">=": Comparison.AT_LEAST,
    "<=": Comparison.AT_MOST,
}
SUBTYPES = {member.value: member for member in IndicatorSubtype}


def load_dataset(folder: Path) -> Dataset:
    """Read a data-set folder; raise :class:`ProblemsFound` with every error in it."""
    loader = _DatasetLoader(folder)
    dataset = loader.load()
    problems = loader.read.problems
    if dataset is not None:
        problems = problems + validate_dataset(dataset, complete=not errors_in(problems))
    if errors_in(problems) or dataset is None:
        raise ProblemsFound(sorted(problems, key=_reading_order))
    return dataset


def _reading_order(problem: Problem) -> tuple[str, int]:
    """Problems sorted file by file, row by row, as a person works through them."""
    return (problem.location.file, problem.location.row or 0)


def _reconstructed(value: object) -> frozenset[str]:
    if isinstance(value, list):
        return frozenset(str(item).strip() for item in value)
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(";") if part.strip())
    return frozenset()


def _row_origin(row: Row) -> Origin:
    return Origin(row.where(), _reconstructed(row.get("reconstructed")))


class _DatasetLoader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.read = FieldReader()
        self.manifest = SourceLocation(MANIFEST)

    def _origin(self, data: Mapping[str, Any], where: SourceLocation) -> Origin:
        return Origin(where, _reconstructed(data.get("reconstructed")))

    def _list(
        self, data: Mapping[str, Any], key: str, where: SourceLocation
    ) -> list[tuple[Mapping[str, Any], SourceLocation]]:
        value = data.get(key)
        return [] if value is None else self.read.mappings(value, where.child(key))

    def load(self) -> Dataset | None:
        if not self.folder.is_dir():
            self.read.error("E-FILE-MISSING", "数据集目录不存在", SourceLocation(str(self.folder)))
            return None
        try:
            document = read_yaml(self.folder / MANIFEST, MANIFEST)
        except ProblemsFound as error:
            self.read.problems.extend(error.problems)
            return None
        top = self.read.mapping(document, self.manifest)
        if top is None:
            return None
        self.read.only_keys(
            top,
            (
                "department",
                "fiscal_year",
                "special_fund_name",
                "budget_lines",
                "key_tasks",
                "management",
                "assessments",
                "narrative",
                "published",
                "provenance",
            ),
            self.manifest,
        )
        department = self._department(top)
        year = self.read.integer(top, "fiscal_year", self.manifest, minimum=1949)
        monthly = self._monthly()
        projects = self._projects(monthly)
        if not errors_in(self.read.problems):
            self._check_monthly_projects(monthly, {project.code for project in projects})
        indicators = self._indicators()
        budget_lines = self._budget_lines(top)
        key_tasks = self._key_tasks(top)
        management = self._management(top.get("management") or {})
        assessments = self._assessments(top)
        published = self._published(top.get("published"))
        narrative = self._narrative(top.get("narrative") or {})
        if department is None or year is None or management is None:
            return None
        return Dataset(
            department=department,
            fiscal_year=year,
            budget_lines=budget_lines,
            key_tasks=key_tasks,
            projects=projects,
            indicators=indicators,
            management=management,
            assessments=assessments,
            special_fund_name=str(top.get("special_fund_name") or ""),
            narrative=narrative,
            published=published,
        )

    def _department(self, top: Mapping[str, Any]) -> Department | None:
        where = self.manifest.child("department")
        data = self.read.mapping(top.get("department"), where)
        if data is None:
            return None
        code = self.read.text(data, "code", where)
        name = self.read.text(data, "name", where)
        return Department(code, name) if code and name else None

    def _wan(
        self, data: Mapping[str, Any], key: str, where: SourceLocation, required: bool = True
    ) -> Decimal | None:
        value = self.read.decimal(data, key, where, required=required, minimum=Decimal(0))
        return None if value is None else amount_from_wan(value, where.child(key), self.read)

    def _budget_lines(self, top: Mapping[str, Any]) -> tuple[BudgetLine, ...]:
        lines = []
        for data, where in self._list(top, "budget_lines", self.manifest):
            self.read.only_keys(
                data,
                ("funding_source", "name", "initial_wan", "adjusted_wan", "reconstructed", "note"),
                where,
            )
            code = self.read.text(data, "funding_source", where)
            name = self.read.text(data, "name", where)
            initial = self._wan(data, "initial_wan", where)
            adjusted = self._wan(data, "adjusted_wan", where)
            if code and name and initial is not None and adjusted is not None:
                lines.append(BudgetLine(code, name, initial, adjusted, self._origin(data, where)))
        return tuple(lines)

    def _key_tasks(self, top: Mapping[str, Any]) -> tuple[KeyTask, ...]:
        tasks = []
        for data, where in self._list(top, "key_tasks", self.manifest):
            self.read.only_keys(
                data,
                ("code", "name", "content", "completion", "division", "reconstructed", "note"),
                where,
            )
            code = self.read.text(data, "code", where)
            name = self.read.text(data, "name", where)
            if code and name:
                tasks.append(
                    KeyTask(
                        code,
                        name,
                        str(data.get("content") or "").strip(),
                        str(data.get("completion") or "").strip(),
                        self.read.text(data, "division", where, required=False),
                        self._origin(data, where),
                    )
                )
        return tuple(tasks)

    def _monthly(self) -> dict[str, tuple[tuple[Decimal, ...] | None, Row]]:
        """Monthly spending by project code; ``None`` where a cell of the row is unusable."""
        path = self.folder / MONTHLY
        if not path.exists():
            return {}
        monthly: dict[str, tuple[tuple[Decimal, ...] | None, Row]] = {}
        columns = ("project", *MONTH_COLUMNS)
        for row in read_table(path, MONTHLY, columns, ("reconstructed",), self.read):
            code = cell_text(row, "project", self.read)
            amounts = [self._yuan_cell(row, column) for column in MONTH_COLUMNS]
            if code is None:
                continue
            if code in monthly:
                self.read.error(
                    "E-DUPLICATE-CODE", f"项目“{code}”的月度支出重复", row.where("project")
                )
            complete = tuple(a for a in amounts if a is not None)
            monthly[code] = (complete if len(complete) == 12 else None, row)
        return monthly

    def _yuan_cell(self, row: Row, column: str) -> Decimal | None:
        value = cell_decimal(row, column, self.read, minimum=Decimal(0))
        return None if value is None else amount_in_yuan(value, row.where(column), self.read)

    def _wan_cell(self, row: Row, column: str, *, required: bool = True) -> Decimal | None:
        value = cell_decimal(row, column, self.read, required=required, minimum=Decimal(0))
        return None if value is None else amount_from_wan(value, row.where(column), self.read)

    def _projects(
        self, monthly: dict[str, tuple[tuple[Decimal, ...] | None, Row]]
    ) -> tuple[Project, ...]:
        projects = []
        for row in read_table(
            self.folder / PROJECTS, PROJECTS, PROJECT_COLUMNS, PROJECT_OPTIONAL, self.read
        ):
            code = cell_text(row, "code", self.read)
            name = cell_text(row, "name", self.read)
            source = cell_text(row, "funding_source", self.read)
            budget = self._wan_cell(row, "adjusted_budget_wan")
            spent = self._wan_cell(row, "spent_wan", required=False)
            if spent is None and not row.get("spent_wan"):
                spent = Decimal("0.00")  # an empty cell: nothing spent, as in 表 2-1
            special = cell_flag(row, "special_fund", self.read)
            if None in (code, name, source, budget, spent, special):
                continue
            assert code and name and source and budget is not None and spent is not None
            projects.append(
                Project(
                    code=code,
                    name=name,
                    funding_source=source,
                    adjusted_budget=budget,
                    spent=spent,
                    monthly_spent=monthly[code][0] if code in monthly else None,
                    spending_group=row.get("spending_group") or None,
                    key_task=row.get("key_task") or None,
                    special_fund=bool(special),
                    division=row.get("division") or None,
                    origin=_row_origin(row),
                )
            )
        return tuple(projects)

    def _check_monthly_projects(
        self, monthly: dict[str, tuple[tuple[Decimal, ...] | None, Row]], codes: set[str]
    ) -> None:
        for code, (_, row) in monthly.items():
            if code not in codes:
                self.read.error(
                    "E-UNKNOWN-PROJECT",
                    f"月度支出中的项目“{code}”不在 {PROJECTS} 中",
                    row.where("project"),
                )

    def _indicators(self) -> tuple[Indicator, ...]:
        indicators = []
        for row in read_table(
            self.folder / INDICATORS, INDICATORS, INDICATOR_COLUMNS, INDICATOR_OPTIONAL, self.read
        ):
            code = cell_text(row, "code", self.read)
            name = cell_text(row, "name", self.read)
            subtype = self._cell_choice(row, "subtype", SUBTYPES)
            comparison = self._cell_choice(row, "comparison", COMPARISONS)
            points = cell_decimal(row, "points", self.read, minimum=Decimal(0))
            special = cell_flag(row, "special_fund", self.read)
            target: Decimal | str | None
            actual: Decimal | str | None
            if comparison is Comparison.QUALITATIVE:
                target = cell_text(row, "target", self.read)
                actual = row.get("actual") or None
            else:
                target = cell_decimal(row, "target", self.read)
                actual = cell_decimal(row, "actual", self.read, required=False)
            if None in (code, name, subtype, comparison, target, points, special):
                continue
            assert code and name and subtype and comparison and target is not None
            assert points is not None
            indicators.append(
                Indicator(
                    code=code,
                    name=name,
                    subtype=subtype,
                    comparison=comparison,
                    target=target,
                    actual=actual,
                    points=points,
                    unit=row.get("unit"),
                    key_task=row.get("key_task") or None,
                    special_fund=bool(special),
                    deviation_reason=row.get("deviation_reason"),
                    division=row.get("division") or None,
                    origin=_row_origin(row),
                )
            )
        return tuple(indicators)

    def _cell_choice(self, row: Row, column: str, options: Mapping[str, Any]) -> Any:
        value = cell_text(row, column, self.read)
        if value is None:
            return None
        if value not in options:
            self.read.error(
                "E-CHOICE", f"“{value}”无效，可选：{'、'.join(options)}", row.where(column)
            )
            return None
        return options[value]

    def _date(
        self, data: Mapping[str, Any], key: str, where: SourceLocation, required: bool = True
    ) -> date | None:
        value = data.get(key)
        if value is None:
            if required:
                self.read.error("E-REQUIRED", f"缺少必填字段“{key}”", where.child(key))
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.read.error(
                "E-DATE", f"“{key}”应为日期（如 2023-05-06），实际是“{value}”", where.child(key)
            )
            return None

    def _management(self, value: object) -> ManagementFacts | None:
        where = self.manifest.child("management")
        data = self.read.mapping(value, where)
        if data is None:
            return None
        self.read.only_keys(
            data,
            (
                "ex_ante_evaluations",
                "carryover",
                "audit_findings",
                "disclosures",
                "contracts",
                "assets",
                "three_public_expenses",
                "public_expenses",
            ),
            where,
        )
        ex_ante = []
        for item, here in self._list(data, "ex_ante_evaluations", where):
            project = self.read.text(item, "project", here)
            completed = self._date(item, "completed_on", here, required=False)
            if project:
                ex_ante.append(ExAnteEvaluation(project, completed, self._origin(item, here)))
        findings = []
        for item, here in self._list(data, "audit_findings", where):
            code = self.read.text(item, "code", here)
            report = self.read.text(item, "report", here)
            description = self.read.text(item, "description", here)
            if code and report and description:
                findings.append(
                    AuditFinding(
                        code,
                        report,
                        description,
                        bool(item.get("rectified")),
                        self._origin(item, here),
                    )
                )
        disclosures = []
        kinds = {member.value: member for member in DisclosureKind}
        for item, here in self._list(data, "disclosures", where):
            kind = self.read.choice(item, "kind", kinds, here)
            title = self.read.text(item, "title", here)
            due = self._date(item, "due_on", here)
            published = self._date(item, "published_on", here, required=False)
            if kind and title and due:
                disclosures.append(
                    Disclosure(kind, title, due, published, self._origin(item, here))
                )
        contracts = []
        for item, here in self._list(data, "contracts", where):
            code = self.read.text(item, "code", here)
            title = self.read.text(item, "title", here)
            signed = self._date(item, "signed_on", here)
            filed = self._date(item, "filed_on", here, required=False)
            if code and title and signed:
                contracts.append(
                    ProcurementContract(
                        code,
                        title,
                        signed,
                        filed,
                        str(item.get("channel") or ""),
                        self._origin(item, here),
                    )
                )
        assets = []
        for item, here in self._list(data, "assets", where):
            category = self.read.text(item, "category", here)
            standard = self.read.integer(item, "standard_count", here)
            held = self.read.integer(item, "held_count", here)
            if category and standard is not None and held is not None:
                assets.append(
                    AssetHolding(
                        category,
                        standard,
                        held,
                        str(item.get("note") or ""),
                        self._origin(item, here),
                    )
                )
        carryover = None
        carryover_origin = Origin(where.child("carryover"))
        if data.get("carryover") is not None:
            here = where.child("carryover")
            entry = self.read.mapping(data["carryover"], here)
            if entry is not None:
                carryover = self._wan(entry, "amount_wan", here)
                carryover_origin = self._origin(entry, here)
        return ManagementFacts(
            ex_ante_evaluations=tuple(ex_ante),
            carryover=carryover,
            carryover_origin=carryover_origin,
            audit_findings=tuple(findings),
            disclosures=tuple(disclosures),
            contracts=tuple(contracts),
            assets=tuple(assets),
            three_public_expenses=self._expense(data, "three_public_expenses", where),
            public_expenses=self._expense(data, "public_expenses", where),
        )

    def _expense(
        self, data: Mapping[str, Any], key: str, where: SourceLocation
    ) -> ExpenseControl | None:
        if data.get(key) is None:
            return None
        here = where.child(key)
        item = self.read.mapping(data[key], here)
        if item is None:
            return None
        budget = self._wan(item, "budget_wan", here)
        spent = self._wan(item, "spent_wan", here)
        if budget is None or spent is None:
            return None
        return ExpenseControl(budget, spent, self._origin(item, here))

    def _assessments(self, top: Mapping[str, Any]) -> tuple[Assessment, ...]:
        result = []
        for item, here in self._list(top, "assessments", self.manifest):
            self.read.only_keys(item, ("node", "score", "tier", "reason", "reconstructed"), here)
            node = self.read.text(item, "node", here)
            reason = self.read.text(item, "reason", here)
            score = self.read.decimal(item, "score", here, required=False, minimum=Decimal(0))
            tier = self.read.text(item, "tier", here, required=False)
            if score is None and tier is None:
                self.read.error("E-REQUIRED", "须填写 score（人工评分）或 tier（评定档次）", here)
            elif node and reason:
                result.append(Assessment(node, reason, score, tier, self._origin(item, here)))
        return tuple(result)

    def _narrative(self, value: object) -> dict[str, str]:
        data = self.read.mapping(value, self.manifest.child("narrative"))
        return {str(k): str(v).strip() for k, v in (data or {}).items() if v is not None}

    def _published(self, value: object) -> PublishedFigures | None:
        if value is None:
            return None
        where = self.manifest.child("published")
        data = self.read.mapping(value, where)
        if data is None:
            return None
        self.read.only_keys(
            data,
            (
                "source",
                "total",
                "grade",
                "execution_rate",
                "annual_average_execution_rate",
                "node_scores",
                "task_scores",
                "over_achieved",
            ),
            where,
        )

        def scores(key: str) -> dict[str, Decimal]:
            here = where.child(key)
            mapping = self.read.mapping(data.get(key) or {}, here) or {}
            parsed = {
                str(k): self.read.number(v, here.child(str(k)), label=str(k))
                for k, v in mapping.items()
            }
            return {k: v for k, v in parsed.items() if v is not None}

        over: dict[str, tuple[int, tuple[str, ...]]] = {}
        for item, here in self._list(data, "over_achieved", where):
            task = self.read.text(item, "key_task", here)
            count = self.read.integer(item, "stated_count", here)
            names = self.read.sequence(item.get("named"), here.child("named")) or []
            if task and count is not None:
                over[task] = (count, tuple(str(name) for name in names))
        return PublishedFigures(
            source=str(data.get("source") or MANIFEST),
            total=self.read.decimal(data, "total", where, required=False),
            grade=self.read.text(data, "grade", where, required=False),
            execution_rate=to_rate(data["execution_rate"]) if "execution_rate" in data else None,
            annual_average_execution_rate=(
                to_rate(data["annual_average_execution_rate"])
                if "annual_average_execution_rate" in data
                else None
            ),
            node_scores=scores("node_scores"),
            task_scores=scores("task_scores"),
            over_achieved=over,
        )
