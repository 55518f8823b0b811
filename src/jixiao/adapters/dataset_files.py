"""The data-set folder: ``dataset.yaml`` plus ``projects.csv`` and ``indicators.csv``.

``dataset.yaml`` holds the department, budget lines, key tasks, management facts, assessments,
narrative and published figures; the two CSV tables hold projects (with monthly spending) and
indicators. Columns and keys are those of ``jixiao.adapters.tables``; see
``docs/dataset-format.md``. Writing replaces these three files, each in one step, and never
touches anything else a user keeps in the folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jixiao.adapters.assemble import (
    DEPARTMENT,
    PUBLISHED,
    Parts,
    assemble,
    cell_strings,
    disassemble,
    read_rows,
)
from jixiao.adapters.csv_tables import read_table, table_text
from jixiao.adapters.files import replace_files
from jixiao.adapters.tables import (
    ASSESSMENTS,
    BUDGET_LINES,
    INDICATORS,
    KEY_TASKS,
    MANAGEMENT_TABLES,
    MONITORING_TABLES,
    NARRATIVE,
    PROJECT_FUNDS,
    PROJECTS,
    Choice,
    Kind,
    Table,
)
from jixiao.adapters.yaml_files import dump_yaml, read_yaml
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, ProblemsFound, SourceLocation, errors_in

MANIFEST = "dataset.yaml"
CSV_TABLES: tuple[Table[Any], ...] = (PROJECTS, INDICATORS)
YAML_LISTS: tuple[Table[Any], ...] = (BUDGET_LINES, KEY_TASKS)
TOP_KEYS = (
    "department",
    "budget_lines",
    "key_tasks",
    "management",
    "assessments",
    "narrative",
    "published",
    "monitoring",
    "project_funds",
)
HEADER = (
    "# jixiao 数据集：部门、预算、重点任务、管理事实、评分、文字说明和公布数。\n"
    "# 项目见 projects.csv，绩效指标见 indicators.csv。格式说明见 docs/dataset-format.md。\n"
)


def load_dataset(folder: Path) -> Dataset:
    """Read a data-set folder; raise :class:`ProblemsFound` with every error in it."""
    dataset, problems = read_dataset_folder(folder)
    if dataset is None or errors_in(problems):
        raise ProblemsFound(problems)
    return dataset


def read_dataset_folder(folder: Path) -> tuple[Dataset | None, list[Problem]]:
    parts = Parts()
    read = parts.read
    if not folder.is_dir():
        read.error("E-FILE-MISSING", "数据集目录不存在", SourceLocation(str(folder)))
        return None, read.problems
    manifest = SourceLocation(MANIFEST)
    try:
        document = read_yaml(folder / MANIFEST, MANIFEST)
    except ProblemsFound as error:
        read.problems.extend(error.problems)
        document = None
    top = read.mapping(document, manifest) if document is not None else None
    if top is not None:
        _read_manifest(top, manifest, parts)
    for table in CSV_TABLES:
        file = f"{table.key}.csv"
        rows, header_ok = read_table(folder / file, file, table.columns, read)
        if not header_ok:
            parts.incomplete.add(table.key)
            parts.unclear.add(table.key)
        parts.records[table.key] = read_rows(table, rows, read, parts)
    return assemble(parts)


def _rows(
    value: object, where: SourceLocation, table: Table[Any], parts: Parts
) -> list[tuple[Mapping[str, object], SourceLocation]]:
    if value is None:
        return []
    rows = parts.read.mappings(value, where)
    for cells, here in rows:
        parts.read.only_keys(cells, [column.key for column in table.columns], here)
    return rows


def _read_group(
    top: Mapping[str, Any],
    key: str,
    tables: tuple[Table[Any], ...],
    where: SourceLocation,
    parts: Parts,
) -> None:
    """A mapping of tables in the manifest (``management:``, ``monitoring:``), each optional."""
    here = where.child(key)
    group = parts.read.mapping(top.get(key) or {}, here) or {}
    parts.read.only_keys(group, [table.key for table in tables], here)
    for table in tables:
        rows = _rows(group.get(table.key), here.child(table.key), table, parts)
        parts.records[table.key] = read_rows(table, rows, parts.read, parts)


def _read_manifest(top: Mapping[str, Any], where: SourceLocation, parts: Parts) -> None:
    read = parts.read
    read.only_keys(top, TOP_KEYS, where)
    department = _rows([top.get("department")], where.child("department"), DEPARTMENT, parts)
    if top.get("department") is None:
        read.error("E-REQUIRED", "缺少必填字段“department”", where.child("department"))
    else:
        # A one-element list was wrapped around the mapping; its location is the mapping's own.
        department = [(cells, where.child("department")) for cells, _ in department]
        found = read_rows(DEPARTMENT, department, read, parts)
        parts.department = found[0] if found else None
    for table in (*YAML_LISTS, PROJECT_FUNDS, ASSESSMENTS):
        rows = _rows(top.get(table.key), where.child(table.key), table, parts)
        parts.records[table.key] = read_rows(table, rows, read, parts)
    _read_group(top, "management", MANAGEMENT_TABLES, where, parts)
    _read_group(top, "monitoring", MONITORING_TABLES, where, parts)
    narrative = read.mapping(top.get("narrative") or {}, where.child("narrative")) or {}
    parts.records[NARRATIVE.key] = read_rows(
        NARRATIVE,
        [
            ({"section": key, "text": text}, where.child("narrative").child(str(key)))
            for key, text in narrative.items()
        ],
        read,
    )
    if top.get("published") is not None:
        published = _published_rows(top["published"], where.child("published"), parts)
        parts.published = read_rows(PUBLISHED, published, read)


def _published_rows(
    value: object, where: SourceLocation, parts: Parts
) -> list[tuple[dict[str, object], SourceLocation]]:
    """The ``published`` mapping as rows of the 公布数 table."""
    read = parts.read
    data = read.mapping(value, where)
    if data is None:
        return []
    read.only_keys(
        data,
        (
            "source",
            "project",
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
    rows: list[tuple[dict[str, object], SourceLocation]] = []
    for kind in (
        "source",
        "project",
        "total",
        "grade",
        "execution_rate",
        "annual_average_execution_rate",
    ):
        if data.get(kind) is not None:
            rows.append(({"kind": kind, "value": data[kind]}, where.child(kind)))
    for key, kind in (("node_scores", "node"), ("task_scores", "task")):
        scores = read.mapping(data.get(key) or {}, where.child(key)) or {}
        rows += [
            (
                {"kind": kind, "subject": subject, "value": score},
                where.child(key).child(str(subject)),
            )
            for subject, score in scores.items()
        ]
    for cells, here in read.mappings(data.get("over_achieved") or [], where.child("over_achieved")):
        read.only_keys(cells, ("key_task", "stated_count", "named"), here)
        named = cells.get("named") or []
        names = "、".join(str(n) for n in named) if isinstance(named, list) else str(named)
        rows.append(
            (
                {
                    "kind": "over_achieved",
                    "subject": cells.get("key_task"),
                    "value": cells.get("stated_count"),
                    "names": names,
                },
                here,
            )
        )
    return rows


# --- writing --------------------------------------------------------------------------------


def manifest_document(dataset: Dataset) -> dict[str, Any]:
    records = disassemble(dataset)

    def listed(table: Table[Any]) -> list[dict[str, Any]]:
        return [_typed(table, record) for record in records[table.key]]

    document: dict[str, Any] = {"department": _typed(DEPARTMENT, records[DEPARTMENT.key][0])}
    for table in YAML_LISTS:
        document[table.key] = listed(table)
    if dataset.project_funds:
        document[PROJECT_FUNDS.key] = listed(PROJECT_FUNDS)
    document["management"] = {table.key: listed(table) for table in MANAGEMENT_TABLES}
    document["assessments"] = listed(ASSESSMENTS)
    document["narrative"] = dict(dataset.narrative)
    if dataset.spending_plans or dataset.forecasts:
        document["monitoring"] = {table.key: listed(table) for table in MONITORING_TABLES}
    if dataset.published is not None:
        published = dataset.published
        entry: dict[str, Any] = {"source": published.source}
        if published.project is not None:
            entry["project"] = published.project
        if published.total is not None:
            entry["total"] = published.total
        if published.grade is not None:
            entry["grade"] = published.grade
        for name, rate in (
            ("execution_rate", published.execution_rate),
            ("annual_average_execution_rate", published.annual_average_execution_rate),
        ):
            if rate is not None:
                entry[name] = f"{(rate * 100).normalize():f}%"
        entry["node_scores"] = dict(published.node_scores)
        entry["task_scores"] = dict(published.task_scores)
        entry["over_achieved"] = [
            {"key_task": task, "stated_count": count, "named": list(names)}
            for task, (count, names) in published.over_achieved.items()
        ]
        document["published"] = entry
    return document


def _typed(table: Table[Any], record: Any) -> dict[str, Any]:
    """A record as a YAML mapping: typed values (Decimal, date, bool), empty fields left out."""
    cells = table.cells(record)
    result: dict[str, Any] = {}
    for column in table.columns:
        value = cells.get(column.key)
        if value is None or value == "" or value == [] or (column.kind is Kind.FLAG and not value):
            continue
        result[column.key] = value.code if isinstance(value, Choice) else value
    return result


class FolderRefused(Exception):
    """The target folder holds something a write would overwrite; nothing was written."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class NotADatasetFolder(FolderRefused):
    """The target exists, is not empty and holds no ``dataset.yaml``: it is not ours to write."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            Problem(
                "E-NOT-DATASET",
                "目标目录已存在且不是数据集（没有 dataset.yaml），为免覆盖其中的文件，未写入",
                SourceLocation(str(folder)),
            )
        )


class DatasetExists(FolderRefused):
    """The target already holds a data set and replacing it was not asked for."""

    def __init__(self, folder: Path) -> None:
        names = "、".join(dataset_file_names())
        super().__init__(
            Problem(
                "E-DATASET-EXISTS",
                f"目标目录中已有数据集，未写入。确要用新数据替换其中的数据集文件（{names}），"
                "请加 --replace；目录中的其他文件不受影响",
                SourceLocation(str(folder)),
            )
        )


def dataset_file_names() -> tuple[str, ...]:
    """The files that make a data set: the only files jixiao writes into a data-set folder."""
    return (MANIFEST, *(f"{table.key}.csv" for table in CSV_TABLES))


def dataset_files(dataset: Dataset) -> dict[str, bytes]:
    """The content of each file of the data-set folder, by file name."""
    records = disassemble(dataset)
    files = {MANIFEST: HEADER + dump_yaml(manifest_document(dataset))}
    for table in CSV_TABLES:
        rows = [cell_strings(table, record) for record in records[table.key]]
        files[f"{table.key}.csv"] = table_text(table.columns, rows)
    return {name: text.encode("utf-8") for name, text in files.items()}


def write_dataset(dataset: Dataset, folder: Path, *, replace: bool = False) -> None:
    """Write ``dataset`` to ``folder``: its three files, and nothing else in the folder touched.

    ``folder`` may be missing or empty. A folder that holds a data set (``dataset.yaml``) is
    written only with ``replace`` — then its data-set files are replaced, each in one step, and a
    failure leaves the old ones (see :func:`jixiao.adapters.files.replace_files`); notes and
    attachments kept beside them stay. Any other folder raises :class:`NotADatasetFolder`,
    a data set without ``replace`` :class:`DatasetExists`; nothing is written then.
    """
    _check_target(folder, replace=replace)
    replace_files(folder, dataset_files(dataset))


def _check_target(folder: Path, *, replace: bool) -> None:
    if not folder.exists():
        return
    if not folder.is_dir():
        raise NotADatasetFolder(folder)
    if (folder / MANIFEST).is_file():
        if not replace:
            raise DatasetExists(folder)
        return
    if any(folder.iterdir()):
        raise NotADatasetFolder(folder)
