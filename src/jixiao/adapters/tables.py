"""One definition per kind of record, shared by every file format.

A :class:`Table` names its columns once — the key used in CSV and YAML, the Chinese header used
in workbooks, the kind of value, whether it is required, its choices and a note for the template —
and knows how to build a core record from a row (:class:`RowReader`) and how to lay a record out
as cells (:meth:`Table.cells`). The data-set folder (CSV and YAML), the workbook import and
export, and the blank template all go through these definitions, so a column is described in
one place and every format reports the same problems in the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar, cast

from jixiao.core.fields import FieldReader
from jixiao.core.model import (
    NARRATIVE_SECTIONS,
    Assessment,
    AssetHolding,
    AuditFinding,
    BudgetLine,
    Comparison,
    Disclosure,
    DisclosureKind,
    ExAnteEvaluation,
    FundKind,
    Indicator,
    IndicatorForecast,
    IndicatorSubtype,
    KeyTask,
    Origin,
    ProcurementContract,
    Project,
    ProjectFunds,
    SpendingPlan,
)
from jixiao.core.money import (
    LARGEST,
    SMALLEST_EXPONENT,
    NotWholeCents,
    exact_cents,
    parse_decimal,
    wan_to_yuan,
    within_range,
)
from jixiao.core.problems import Problem, SourceLocation

RecordT = TypeVar("RecordT")
# Text lengths, in characters, the same in every format and in the database's columns.
CODE_TEXT = 64  # codes other tables refer to
SHORT_TEXT = 200  # names of divisions, groups, sources; values; the default
TITLE_TEXT = 300  # names of tasks, projects, indicators; titles
LONG_TEXT = 20_000  # narrative, reasons, descriptions
NUMBER_LIMITS = {
    "wan": (Decimal(10) ** 8, 6),  # 万元: below 1 万亿元, to the 分
    "yuan": (Decimal(10) ** 12, 2),  # 元: below 1 万亿元, to the 分
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not tab or newlines


class Kind(Enum):
    TEXT = "text"
    WAN = "wan"  # an amount in 万元 (up to six decimals)
    YUAN = "yuan"  # an amount in 元 (up to two decimals)
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    FLAG = "flag"  # 是 / 否
    CHOICE = "choice"
    VALUE = "value"  # a number, or text for a qualitative indicator
    RECONSTRUCTED = "reconstructed"


@dataclass(frozen=True)
class Choice:
    code: str  # written in CSV and YAML
    label: str  # shown in workbooks
    value: Any  # what the record holds


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = False
    help: str = ""
    choices: tuple[Choice, ...] = ()
    field: str | None = None  # the name used in the reconstructed-fields list; default: key
    width: int = 14
    max_length: int = SHORT_TEXT  # characters of text (a number or choice is far shorter)
    bound: Decimal | None = None  # numbers: |value| < bound in the column's unit; default by kind
    places: int | None = None  # numbers: decimals allowed; default by kind

    @property
    def field_name(self) -> str:
        return self.field or self.key

    @property
    def number_limits(self) -> tuple[Decimal, int]:
        """The column's range: |value| < bound, with at most ``places`` decimals.

        Amounts stay below 1 万亿元 (10^12 元, 14 digits with the 分) so that every sum of a
        department's amounts is exact in every database; other numbers below 10^15 with at
        most 10 decimals (the core's range), unless the column says less."""
        default_bound, default_places = NUMBER_LIMITS.get(
            self.kind.value, (LARGEST, -SMALLEST_EXPONENT)
        )
        return (
            self.bound if self.bound is not None else default_bound,
            self.places if self.places is not None else default_places,
        )

    def choice_for(self, raw: str) -> Choice | None:
        return next((c for c in self.choices if raw in (c.code, c.label)), None)

    def choice_of(self, value: Any) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


def _choices(pairs: Sequence[tuple[str, str, Any]]) -> tuple[Choice, ...]:
    return tuple(Choice(code, label, value) for code, label, value in pairs)


FLAG_TRUE = ("是", "yes", "true", "1")
FLAG_FALSE = ("否", "no", "false", "0")


def cell_text(value: object) -> str:
    """A raw cell as text: numbers without a spurious ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _plain_decimal(value: object, minimum: Decimal | None) -> bool:
    """Whether ``value`` is a finite Decimal that ``FieldReader.number`` would take as it is
    (read back from the database, say)."""
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and within_range(value)
        and (minimum is None or value >= minimum)
    )


class RowReader:
    """Typed access to one row's cells; every problem is recorded at the cell it concerns."""

    def __init__(
        self,
        table: Table[Any],
        cells: Mapping[str, object],
        location: SourceLocation,
        read: FieldReader,
    ) -> None:
        self.table = table
        self.cells = cells
        self.location = location
        self.read = read
        self.columns = {column.key: column for column in table.columns}
        self.unreadable: set[str] = set()  # cells refused for control characters

    def where(self, key: str) -> SourceLocation:
        return self.location.at(key)

    def raw(self, key: str) -> object:
        """The cell as given; None when it is blank or holds control characters (NUL and the
        like, which no field means and PostgreSQL cannot store), the latter reported once."""
        value = self.cells.get(key)
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                if key not in self.unreadable:
                    self.unreadable.add(key)
                    label = self.columns[key].label if key in self.columns else key
                    self.read.error(
                        "E-CONTROL-CHARACTER",
                        f"“{label}”含有不可见的控制字符，请删除后重新填写",
                        self.where(key),
                    )
                return None
            if not value.strip():
                return None
        return value

    def _missing(self, key: str) -> bool:
        if self.raw(key) is not None:
            return False
        if self.columns[key].required and key not in self.unreadable:
            self.read.error(
                "E-REQUIRED", f"“{self.columns[key].label}”为必填项，不能为空", self.where(key)
            )
        return True

    def text(self, key: str) -> str | None:
        """The cell's text; refused above the column's length, the limit named."""
        if self._missing(key):
            return None
        text = cell_text(self.raw(key))
        column = self.columns[key]
        if len(text) > column.max_length:
            self.read.error(
                "E-TOO-LONG",
                f"“{column.label}”最多 {column.max_length} 个字符，实际有 {len(text)} 个",
                self.where(key),
            )
            return None
        return text

    def number(self, key: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal | None:
        """The cell's number, within the column's range (see :attr:`Column.number_limits`)."""
        if self._missing(key):
            return None
        column = self.columns[key]
        raw = self.raw(key)
        if _plain_decimal(raw, minimum):  # a stored number: nothing to report, no location made
            value: Decimal | None = cast(Decimal, raw)
        else:
            value = self.read.number(raw, self.where(key), label=column.label, minimum=minimum)
        if value is None:
            return None
        bound, places = column.number_limits
        exponent = value.as_tuple().exponent
        too_precise = (  # amounts say so with E-CENTS when they are converted
            column.kind not in (Kind.WAN, Kind.YUAN)
            and isinstance(exponent, int)
            and exponent < -places
            and not value.is_zero()
        )
        if not within_range(value) or abs(value) >= bound or too_precise:
            self.read.error(
                "E-RANGE",
                f"“{column.label}”超出范围：绝对值须小于 {bound:f}，最多 {places} 位小数，"
                f"实际为 {value}",
                self.where(key),
            )
            return None
        return value

    def _amount(
        self, key: str, convert: Callable[[Decimal], Decimal], unit: str, places: int
    ) -> Decimal | None:
        value = self.number(key)
        if value is None:
            return None
        try:
            return convert(value)
        except NotWholeCents:
            self.read.error(
                "E-CENTS",
                f"“{self.columns[key].label}”金额 {value} {unit}不是整分"
                f"（{unit}最多 {places} 位小数）",
                self.where(key),
            )
            return None

    def wan(self, key: str) -> Decimal | None:
        """An amount given in 万元, as 元."""
        return self._amount(key, wan_to_yuan, "万元", 6)

    def yuan(self, key: str) -> Decimal | None:
        return self._amount(key, exact_cents, "元", 2)

    def integer(self, key: str) -> int | None:
        value = self.number(key)
        if value is None:
            return None
        if value != value.to_integral_value():
            self.read.error(
                "E-INTEGER", f"“{self.columns[key].label}”应为整数，实际是 {value}", self.where(key)
            )
            return None
        return int(value)

    def date(self, key: str) -> date | None:
        if self._missing(key):
            return None
        value = self.raw(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(cell_text(value))
        except ValueError:
            self.read.error(
                "E-DATE",
                f"“{self.columns[key].label}”应为日期（如 2023-05-06），实际是“{cell_text(value)}”",
                self.where(key),
            )
            return None

    def flag(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        text = cell_text(value).lower()
        if text in FLAG_TRUE:
            return True
        if text in FLAG_FALSE:
            return False
        self.read.error(
            "E-FLAG", f"“{self.columns[key].label}”应填“是”或“否”，实际是“{text}”", self.where(key)
        )
        return None

    def choice(self, key: str) -> Any:
        if self._missing(key):
            return None
        column = self.columns[key]
        text = cell_text(self.raw(key))
        choice = column.choice_for(text)
        if choice is None:
            options = "、".join(c.label for c in column.choices)
            self.read.error(
                "E-CHOICE", f"“{column.label}”的取值“{text}”无效，可选：{options}", self.where(key)
            )
            return None
        return choice.value

    def value(self, key: str, *, numeric: bool) -> Decimal | str | None:
        """A number, or (when ``numeric`` is false) the text as given."""
        if not numeric:
            return self.text(key)
        return self.number(key)

    def origin(self) -> Origin:
        fields = self.reconstructed()
        note = cell_text(self.raw("note")) if "note" in self.columns else ""
        return Origin(self.location, fields, note)

    def reconstructed(self) -> frozenset[str]:
        value = self.raw("reconstructed")
        if value is None:
            return frozenset()
        if isinstance(value, list | tuple):
            names = [cell_text(item) for item in value]
        else:
            names = [part.strip() for part in cell_text(value).replace("；", ";").split(";")]
        known = {column.field_name for column in self.table.columns} | {"*"}
        result = set()
        for name in filter(None, names):
            if name not in known:
                self.read.error(
                    "E-RECONSTRUCTED",
                    f"重构字段“{name}”不是本表的字段（可用：{'、'.join(sorted(known))}）",
                    self.where("reconstructed"),
                )
            else:
                result.add(name)
        return frozenset(result)


@dataclass(frozen=True)
class Table(Generic[RecordT]):
    """A kind of record and its columns."""

    key: str
    sheet: str
    description: str
    columns: tuple[Column, ...]
    build: Callable[[RowReader], RecordT | None]
    lay_out: Callable[[RecordT], dict[str, Any]]
    natural_key: tuple[str, ...] = ()  # the columns no two rows may share

    def key_of(self, cells: Mapping[str, object]) -> tuple[str, ...] | None:
        """A row's natural key as text, choices by their code (``年度`` and ``annual`` are
        one key); None when its first column is blank (reported as a missing value)."""
        values = []
        for key in self.natural_key:
            column = next(c for c in self.columns if c.key == key)
            text = cell_text(cells.get(key))
            choice = column.choice_for(text) if column.choices else None
            values.append(choice.code if choice is not None else text)
        return tuple(values) if values and values[0] else None

    def duplicates(
        self, rows: Sequence[tuple[Mapping[str, object], SourceLocation]]
    ) -> list[Problem]:
        """Every row sharing its natural key with another, each reported at its key's first
        cell and naming the others, whether or not the rows could otherwise be read.

        Two rows of 采购合同 with the code ``HT-001`` give two problems, ``采购合同!A5：合同编号
        “HT-001”重复（又见 采购合同!A9）`` and the same at A9."""
        where_of: dict[tuple[str, ...], list[SourceLocation]] = {}
        for cells, where in rows:
            key = self.key_of(cells)
            if key is not None:
                where_of.setdefault(key, []).append(where.at(self.natural_key[0]))
        columns = [next(c for c in self.columns if c.key == key) for key in self.natural_key]
        problems = []
        for key, places in where_of.items():
            if len(places) < 2:
                continue
            labels = "、".join(
                column.label for column, value in zip(columns, key, strict=True) if value
            )
            values = "、".join(
                _shown(column, value) for column, value in zip(columns, key, strict=True) if value
            )
            for place in places:
                others = "、".join(str(other) for other in places if other is not place)
                problems.append(
                    Problem("E-DUPLICATE-CODE", f"{labels}“{values}”重复（又见 {others}）", place)
                )
        return problems

    def cells(self, record: RecordT) -> dict[str, Any]:
        """The record as typed cell values by column key: amounts in the column's unit,
        choices as :class:`Choice`, reconstructed fields as a sorted list."""
        values = self.lay_out(record)
        origin: Origin = record.origin  # type: ignore[attr-defined]
        if any(column.key == "reconstructed" for column in self.columns):
            values["reconstructed"] = sorted(origin.reconstructed)
        if any(column.key == "note" for column in self.columns):
            values.setdefault("note", origin.note)
        for column in self.columns:
            value = values.get(column.key)
            if column.kind is Kind.WAN and isinstance(value, Decimal):
                values[column.key] = (value / 10_000).normalize() if value else Decimal(0)
            elif column.kind is Kind.CHOICE and value is not None:
                values[column.key] = column.choice_of(value)
        return values


def _shown(column: Column, code: str) -> str:
    """A key's value as a person reads it: a choice by its label."""
    choice = column.choice_for(code) if column.choices else None
    return choice.label if choice is not None else code


RECONSTRUCTED = Column(
    "reconstructed",
    "重构字段",
    Kind.RECONSTRUCTED,
    max_length=500,
    help="报告未公布、为与公布数一致而推算的字段，用分号分隔；* 表示整行。留空表示均为公布值。",
    width=22,
)
NOTE = Column("note", "来源说明", help="数据来源或推算方法", width=30, max_length=LONG_TEXT)


# --- 预算 -----------------------------------------------------------------------------------


def _budget_line(row: RowReader) -> BudgetLine | None:
    code, name = row.text("funding_source"), row.text("name")
    initial, adjusted = row.wan("initial_wan"), row.wan("adjusted_wan")
    if code is None or name is None or initial is None or adjusted is None:
        return None
    return BudgetLine(code, name, initial, adjusted, row.origin())


BUDGET_LINES: Table[BudgetLine] = Table(
    "budget_lines",
    "预算",
    "按资金来源的年初预算和年度（调整后）预算",
    (
        Column(
            "funding_source",
            "资金来源编码",
            required=True,
            help="如 city；项目表引用此编码",
            max_length=CODE_TEXT,
        ),
        Column("name", "资金来源", required=True, help="如 市本级、转移支付"),
        Column("initial_wan", "年初预算（万元）", Kind.WAN, required=True),
        Column(
            "adjusted_wan",
            "年度预算（万元）",
            Kind.WAN,
            required=True,
            help="调整后预算，须等于该资金来源各项目年度预算之和",
        ),
        RECONSTRUCTED,
        NOTE,
    ),
    _budget_line,
    lambda line: {
        "funding_source": line.funding_source,
        "name": line.name,
        "initial_wan": line.initial_budget,
        "adjusted_wan": line.adjusted_budget,
    },
    natural_key=("funding_source",),
)


# --- 重点任务 --------------------------------------------------------------------------------


def _key_task(row: RowReader) -> KeyTask | None:
    code, name = row.text("code"), row.text("name")
    if code is None or name is None:
        return None
    return KeyTask(
        code,
        name,
        row.text("content") or "",
        row.text("completion") or "",
        row.text("division"),
        row.origin(),
    )


KEY_TASKS: Table[KeyTask] = Table(
    "key_tasks",
    "重点任务",
    "年度重点工作任务（表 1-3）",
    (
        Column(
            "code", "任务编码", required=True, help="项目表和指标表引用此编码", max_length=CODE_TEXT
        ),
        Column("name", "重点工作任务名称", required=True, width=28, max_length=TITLE_TEXT),
        Column("division", "责任处室"),
        Column("content", "主要实施内容", width=40, max_length=LONG_TEXT),
        Column("completion", "任务完成情况", width=40, max_length=LONG_TEXT),
        RECONSTRUCTED,
        NOTE,
    ),
    _key_task,
    lambda task: {
        "code": task.code,
        "name": task.name,
        "division": task.division,
        "content": task.content,
        "completion": task.completion,
    },
    natural_key=("code",),
)


# --- 项目 ------------------------------------------------------------------------------------

MONTH_KEYS = tuple(f"m{month:02d}_yuan" for month in range(1, 13))


def _monthly(row: RowReader) -> tuple[Decimal, ...] | bool | None:
    """The 12 monthly amounts; None when none is given; False when the row is unusable."""
    blank = [key for key in MONTH_KEYS if row.raw(key) is None]
    if len(blank) == 12:
        return None
    if blank:
        months = "、".join(f"{MONTH_KEYS.index(key) + 1}月" for key in blank)
        row.read.error(
            "E-MONTHS",
            f"月度支出须 12 个月全部填写（无支出填 0），缺：{months}",
            row.where(blank[0]),
        )
        return False
    amounts = [row.yuan(key) for key in MONTH_KEYS]
    complete = tuple(amount for amount in amounts if amount is not None)
    return complete if len(complete) == 12 else False


def _project(row: RowReader) -> Project | None:
    code, name = row.text("code"), row.text("name")
    source = row.text("funding_source")
    budget = row.wan("adjusted_budget_wan")
    spent = Decimal("0.00") if row.raw("spent_wan") is None else row.wan("spent_wan")
    special = row.flag("special_fund")
    monthly = _monthly(row)
    initial = row.wan("initial_budget_wan") if row.raw("initial_budget_wan") is not None else None
    if code is None or name is None or source is None or budget is None or spent is None:
        return None
    if special is None or monthly is False:
        return None
    if initial is None and row.raw("initial_budget_wan") is not None:
        return None
    return Project(
        code=code,
        name=name,
        funding_source=source,
        adjusted_budget=budget,
        spent=spent,
        monthly_spent=monthly if isinstance(monthly, tuple) else None,
        spending_group=row.text("spending_group"),
        key_task=row.text("key_task"),
        special_fund=special,
        division=row.text("division"),
        initial_budget=initial,
        implementing_unit=row.text("implementing_unit") or "",
        goal=row.text("goal") or "",
        goal_achieved=row.text("goal_achieved") or "",
        origin=row.origin(),
    )


def _project_cells(project: Project) -> dict[str, Any]:
    cells: dict[str, Any] = {
        "code": project.code,
        "name": project.name,
        "spending_group": project.spending_group,
        "funding_source": project.funding_source,
        "key_task": project.key_task,
        "special_fund": project.special_fund,
        "division": project.division,
        "initial_budget_wan": project.initial_budget,
        "adjusted_budget_wan": project.adjusted_budget,
        "spent_wan": project.spent,
        "implementing_unit": project.implementing_unit,
        "goal": project.goal,
        "goal_achieved": project.goal_achieved,
    }
    for key, amount in zip(MONTH_KEYS, project.monthly_spent or (None,) * 12, strict=True):
        cells[key] = amount
    return cells


PROJECTS: Table[Project] = Table(
    "projects",
    "项目",
    "项目（预算支出）及月度支出",
    (
        Column("code", "项目编码", required=True, max_length=CODE_TEXT),
        Column("name", "项目名称", required=True, width=40, max_length=TITLE_TEXT),
        Column("spending_group", "支出分组", help="表 2-1 中的“重点任务”分组；不列入表 2-1 的留空"),
        Column(
            "funding_source",
            "资金来源编码",
            required=True,
            help="“预算”表中的资金来源编码",
            max_length=CODE_TEXT,
        ),
        Column("key_task", "重点任务编码", help="“重点任务”表中的任务编码", max_length=CODE_TEXT),
        Column("special_fund", "专项资金", Kind.FLAG, help="是/否"),
        Column("division", "责任处室"),
        Column("adjusted_budget_wan", "年度预算（万元）", Kind.WAN, required=True),
        Column(
            "spent_wan", "支出金额（万元）", Kind.WAN, help="留空表示未支出；须等于 1–12 月支出之和"
        ),
        *(
            Column(
                key,
                f"{month}月支出（元）",
                Kind.YUAN,
                field="monthly_spent",
                help="当月支出，单位元；12 个月须全部填写或全部留空",
            )
            for month, key in enumerate(MONTH_KEYS, start=1)
        ),
        Column(
            "initial_budget_wan",
            "年初预算（万元）",
            Kind.WAN,
            help="项目自评表的年初预算数；留空表示未填报",
        ),
        Column("implementing_unit", "实施单位", width=24, help="项目自评表的实施单位"),
        Column(
            "goal",
            "年度总体目标",
            width=40,
            max_length=LONG_TEXT,
            help="项目自评表的年度总体目标（预期目标）；填写者或有本项目指标的项目单独自评",
        ),
        Column(
            "goal_achieved",
            "目标实际完成情况",
            width=40,
            max_length=LONG_TEXT,
            help="年度总体目标的实际完成情况",
        ),
        RECONSTRUCTED,
        NOTE,
    ),
    _project,
    _project_cells,
    natural_key=("code",),
)


# --- 项目资金 ---------------------------------------------------------------------------------

FUND_KIND_CHOICES = _choices([(k.value, k.label, k) for k in FundKind])


def _project_funds(row: RowReader) -> ProjectFunds | None:
    project, kind = row.text("project"), row.choice("kind")
    initial, adjusted = row.wan("initial_wan"), row.wan("adjusted_wan")
    spent = Decimal("0.00") if row.raw("spent_wan") is None else row.wan("spent_wan")
    if project is None or kind is None or initial is None or adjusted is None or spent is None:
        return None
    return ProjectFunds(project, kind, initial, adjusted, spent, row.origin())


PROJECT_FUNDS: Table[ProjectFunds] = Table(
    "project_funds",
    "项目资金",
    "项目自评表的项目资金：按资金类型的年初预算数、全年预算数和全年执行数",
    (
        Column("project", "项目编码", required=True, max_length=CODE_TEXT),
        Column(
            "kind",
            "资金类型",
            Kind.CHOICE,
            required=True,
            choices=FUND_KIND_CHOICES,
            help="本年财政拨款、上年结转资金或其他资金（不同于资金来源）",
        ),
        Column("initial_wan", "年初预算数（万元）", Kind.WAN, required=True),
        Column("adjusted_wan", "全年预算数（万元）", Kind.WAN, required=True),
        Column("spent_wan", "全年执行数（万元）", Kind.WAN, help="留空表示未支出"),
        RECONSTRUCTED,
        NOTE,
    ),
    _project_funds,
    lambda f: {
        "project": f.project,
        "kind": f.kind,
        "initial_wan": f.initial_budget,
        "adjusted_wan": f.adjusted_budget,
        "spent_wan": f.spent,
    },
    natural_key=("project", "kind"),
)


# --- 绩效指标 ---------------------------------------------------------------------------------

SUBTYPE_CHOICES = _choices([(s.value, s.label, s) for s in IndicatorSubtype])
COMPARISON_CHOICES = _choices([(c.value, c.value, c) for c in Comparison]) + _choices(
    [(">=", "≥", Comparison.AT_LEAST), ("<=", "≤", Comparison.AT_MOST)]
)


def _indicator(row: RowReader) -> Indicator | None:
    code, name = row.text("code"), row.text("name")
    subtype = row.choice("subtype")
    comparison = row.choice("comparison")
    points = row.number("points")
    special = row.flag("special_fund")
    numeric = comparison is not Comparison.QUALITATIVE
    target = row.value("target", numeric=numeric)
    actual = row.value("actual", numeric=numeric)
    if code is None or name is None or subtype is None or comparison is None:
        return None
    if points is None or special is None or target is None:
        return None
    if actual is None and row.raw("actual") is not None:
        return None
    return Indicator(
        code=code,
        name=name,
        subtype=subtype,
        comparison=comparison,
        target=target,
        actual=actual,
        points=points,
        unit=row.text("unit") or "",
        key_task=row.text("key_task"),
        special_fund=special,
        deviation_reason=row.text("deviation_reason") or "",
        division=row.text("division"),
        project=row.text("project"),
        origin=row.origin(),
    )


INDICATORS: Table[Indicator] = Table(
    "indicators",
    "绩效指标",
    "重点任务、专项资金和项目的绩效指标",
    (
        Column("code", "指标编码", required=True, max_length=CODE_TEXT),
        Column("key_task", "重点任务编码", help="专项资金指标和项目指标留空", max_length=CODE_TEXT),
        Column("special_fund", "专项资金", Kind.FLAG, help="是/否"),
        Column("name", "指标名称", required=True, width=32, max_length=TITLE_TEXT),
        Column(
            "subtype",
            "指标类型",
            Kind.CHOICE,
            required=True,
            choices=SUBTYPE_CHOICES,
            help="产出：数量/质量/时效/成本；效益：经济/社会/生态/可持续影响；满意度",
        ),
        Column("unit", "计量单位", max_length=32),
        Column(
            "comparison",
            "比较方式",
            Kind.CHOICE,
            required=True,
            choices=COMPARISON_CHOICES,
            help="≥ 越大越好；≤ 越小越好；= 等于；定性",
        ),
        Column(
            "target",
            "年度指标值",
            Kind.VALUE,
            required=True,
            help="定量指标填数（“≤”“=”指标可填 0，即零目标）；定性指标填目标描述",
        ),
        Column(
            "actual",
            "实际完成值",
            Kind.VALUE,
            help="定量指标填数；定性指标填档次（达成、基本达成、部分达成、未达成）；未填报留空",
        ),
        Column(
            "points",
            "分值",
            Kind.NUMBER,
            required=True,
            bound=Decimal(10_000),
            places=2,
            help="0–9999.99，最多 2 位小数",
        ),
        Column("division", "责任处室"),
        Column("deviation_reason", "偏差原因", width=30, max_length=LONG_TEXT),
        Column(
            "project",
            "项目编码",
            help="项目自评的指标填所属项目的编码；部门整体的指标留空",
            max_length=CODE_TEXT,
        ),
        RECONSTRUCTED,
        NOTE,
    ),
    _indicator,
    lambda i: {
        "code": i.code,
        "key_task": i.key_task,
        "special_fund": i.special_fund,
        "project": i.project,
        "name": i.name,
        "subtype": i.subtype,
        "unit": i.unit,
        "comparison": i.comparison,
        "target": i.target,
        "actual": i.actual,
        "points": i.points,
        "division": i.division,
        "deviation_reason": i.deviation_reason,
    },
    natural_key=("code",),
)


# --- 管理事实 ---------------------------------------------------------------------------------


def _ex_ante(row: RowReader) -> ExAnteEvaluation | None:
    project = row.text("project")
    completed = row.date("completed_on")
    if project is None or (completed is None and row.raw("completed_on") is not None):
        return None
    return ExAnteEvaluation(project, completed, row.origin())


EX_ANTE: Table[ExAnteEvaluation] = Table(
    "ex_ante_evaluations",
    "事前评估",
    "新增项目的事前绩效评估",
    (
        Column("project", "项目编码", required=True, max_length=CODE_TEXT),
        Column("completed_on", "评估完成日期", Kind.DATE, help="未开展评估的留空"),
        RECONSTRUCTED,
        NOTE,
    ),
    _ex_ante,
    lambda e: {"project": e.project, "completed_on": e.completed_on},
    natural_key=("project",),
)


def _audit_finding(row: RowReader) -> AuditFinding | None:
    code, report, description = row.text("code"), row.text("report"), row.text("description")
    rectified = row.flag("rectified")
    if code is None or report is None or description is None or rectified is None:
        return None
    return AuditFinding(code, report, description, rectified, row.origin())


AUDIT_FINDINGS: Table[AuditFinding] = Table(
    "audit_findings",
    "审计问题",
    "审计报告指出的问题",
    (
        Column("code", "问题编码", required=True, max_length=CODE_TEXT),
        Column("report", "审计报告", required=True, width=30, max_length=TITLE_TEXT),
        Column("description", "问题描述", required=True, width=40, max_length=LONG_TEXT),
        Column("rectified", "已整改", Kind.FLAG, help="是/否"),
        RECONSTRUCTED,
        NOTE,
    ),
    _audit_finding,
    lambda f: {
        "code": f.code,
        "report": f.report,
        "description": f.description,
        "rectified": f.rectified,
    },
    natural_key=("code",),
)

DISCLOSURE_CHOICES = _choices([(k.value, k.label, k) for k in DisclosureKind])


def _disclosure(row: RowReader) -> Disclosure | None:
    kind, title = row.choice("kind"), row.text("title")
    due, published = row.date("due_on"), row.date("published_on")
    if kind is None or title is None or due is None:
        return None
    if published is None and row.raw("published_on") is not None:
        return None
    return Disclosure(kind, title, due, published, row.origin())


DISCLOSURES: Table[Disclosure] = Table(
    "disclosures",
    "信息公开",
    "预算、决算和绩效信息公开",
    (
        Column("kind", "公开类型", Kind.CHOICE, required=True, choices=DISCLOSURE_CHOICES),
        Column("title", "公开事项", required=True, width=30, max_length=TITLE_TEXT),
        Column("due_on", "规定公开日期", Kind.DATE, required=True),
        Column("published_on", "实际公开日期", Kind.DATE, help="未公开的留空"),
        RECONSTRUCTED,
        NOTE,
    ),
    _disclosure,
    lambda d: {
        "kind": d.kind,
        "title": d.title,
        "due_on": d.due_on,
        "published_on": d.published_on,
    },
    natural_key=("kind", "title"),
)


def _contract(row: RowReader) -> ProcurementContract | None:
    code, title = row.text("code"), row.text("title")
    signed, filed = row.date("signed_on"), row.date("filed_on")
    if code is None or title is None or signed is None:
        return None
    if filed is None and row.raw("filed_on") is not None:
        return None
    return ProcurementContract(code, title, signed, filed, row.text("channel") or "", row.origin())


CONTRACTS: Table[ProcurementContract] = Table(
    "contracts",
    "采购合同",
    "政府采购合同的签订与备案",
    (
        Column("code", "合同编号", required=True, max_length=CODE_TEXT),
        Column("title", "合同名称", required=True, width=30, max_length=TITLE_TEXT),
        Column("channel", "采购方式", help="如 公开招标、电子卖场", max_length=100),
        Column("signed_on", "签订日期", Kind.DATE, required=True),
        Column("filed_on", "备案公开日期", Kind.DATE, help="未备案的留空"),
        RECONSTRUCTED,
        NOTE,
    ),
    _contract,
    lambda c: {
        "code": c.code,
        "title": c.title,
        "channel": c.channel,
        "signed_on": c.signed_on,
        "filed_on": c.filed_on,
    },
    natural_key=("code",),
)


def _asset(row: RowReader) -> AssetHolding | None:
    category = row.text("category")
    standard, held = row.integer("standard_count"), row.integer("held_count")
    if category is None or standard is None or held is None:
        return None
    return AssetHolding(category, standard, held, row.text("reason") or "", row.origin())


ASSETS: Table[AssetHolding] = Table(
    "assets",
    "资产配置",
    "通用资产的配置标准与在用数量",
    (
        Column("category", "资产类别", required=True, max_length=100),
        Column("standard_count", "配置标准数量", Kind.INTEGER, required=True, bound=Decimal(2**31)),
        Column("held_count", "在用数量", Kind.INTEGER, required=True, bound=Decimal(2**31)),
        Column("reason", "超配原因", width=30, max_length=LONG_TEXT),
        RECONSTRUCTED,
        NOTE,
    ),
    _asset,
    lambda a: {
        "category": a.category,
        "standard_count": a.standard_count,
        "held_count": a.held_count,
        "reason": a.reason,
    },
    natural_key=("category",),
)


class ExpenseItem(Enum):
    CARRYOVER = "carryover"
    THREE_PUBLIC_EXPENSES = "three_public_expenses"
    PUBLIC_EXPENSES = "public_expenses"


@dataclass(frozen=True)
class ExpenseRow:
    """A row of 结转与经费: the carry-over amount, or an expense's budget and spending."""

    item: ExpenseItem
    budget: Decimal | None
    amount: Decimal
    origin: Origin


def _expense(row: RowReader) -> ExpenseRow | None:
    item = row.choice("item")
    amount = row.wan("amount_wan")
    budget = row.wan("budget_wan") if row.raw("budget_wan") is not None else None
    if item is None or amount is None:
        return None
    if item is not ExpenseItem.CARRYOVER and budget is None:
        row.read.error("E-REQUIRED", "“预算（万元）”为必填项，不能为空", row.where("budget_wan"))
        return None
    return ExpenseRow(item, budget, amount, row.origin())


EXPENSES: Table[ExpenseRow] = Table(
    "expenses",
    "结转与经费",
    "结转结余金额，“三公”经费和公用经费的预算与支出",
    (
        Column(
            "item",
            "事项",
            Kind.CHOICE,
            required=True,
            choices=_choices(
                [
                    ("carryover", "结转结余", ExpenseItem.CARRYOVER),
                    ("three_public_expenses", "“三公”经费", ExpenseItem.THREE_PUBLIC_EXPENSES),
                    ("public_expenses", "公用经费", ExpenseItem.PUBLIC_EXPENSES),
                ]
            ),
        ),
        Column("budget_wan", "预算（万元）", Kind.WAN, help="结转结余留空"),
        Column(
            "amount_wan",
            "金额（万元）",
            Kind.WAN,
            required=True,
            help="结转结余金额，或经费的实际支出",
        ),
        RECONSTRUCTED,
        NOTE,
    ),
    _expense,
    lambda e: {"item": e.item, "budget_wan": e.budget, "amount_wan": e.amount},
    natural_key=("item",),
)


def _assessment(row: RowReader) -> Assessment | None:
    node, reason = row.text("node"), row.text("reason")
    score = row.number("score") if row.raw("score") is not None else None
    tier = row.text("tier")
    if node is None or reason is None:
        return None
    if score is None and tier is None:
        row.read.error("E-REQUIRED", "须填写“人工评分”或“评定档次”", row.where("score"))
        return None
    return Assessment(node, reason, score, tier, row.text("project"), row.origin())


ASSESSMENTS: Table[Assessment] = Table(
    "assessments",
    "评分",
    "需要人工评分或评定档次的评价项",
    (
        Column(
            "node",
            "评价项编号",
            required=True,
            help="评价体系中节点的 id，如 performance_management",
            max_length=100,
        ),
        Column(
            "project",
            "项目编码",
            help="项目自评的评分填所属项目的编码；部门整体的评分留空",
            max_length=CODE_TEXT,
        ),
        Column(
            "score",
            "人工评分",
            Kind.NUMBER,
            bound=Decimal(10_000),
            places=2,
            help="0–9999.99，最多 2 位小数",
        ),
        Column("tier", "评定档次", max_length=32),
        Column("reason", "评分理由", required=True, width=40, max_length=LONG_TEXT),
        RECONSTRUCTED,
        NOTE,
    ),
    _assessment,
    lambda a: {
        "node": a.node,
        "project": a.project,
        "score": a.score,
        "tier": a.tier,
        "reason": a.reason,
    },
    natural_key=("node", "project"),
)


@dataclass(frozen=True)
class NarrativeRow:
    section: str
    text: str
    origin: Origin


def _narrative(row: RowReader) -> NarrativeRow | None:
    section = row.choice("section")
    if section is None:
        return None
    return NarrativeRow(section, row.text("text") or "", row.origin())


NARRATIVE: Table[NarrativeRow] = Table(
    "narrative",
    "文字说明",
    "报告中数据无法生成、需要人撰写的文字",
    (
        Column(
            "section",
            "部分",
            Kind.CHOICE,
            required=True,
            choices=_choices([(k, v, k) for k, v in NARRATIVE_SECTIONS.items()]),
        ),
        Column("text", "内容", width=80, max_length=LONG_TEXT),
    ),
    _narrative,
    lambda n: {"section": n.section, "text": n.text},
    natural_key=("section",),
)


# --- 监控 ------------------------------------------------------------------------------------

PLAN_KEYS = tuple(f"p{month:02d}_yuan" for month in range(1, 13))


def _spending_plan(row: RowReader) -> SpendingPlan | None:
    project = row.text("project")
    amounts = [row.yuan(key) for key in PLAN_KEYS]
    monthly = tuple(amount for amount in amounts if amount is not None)
    if project is None or len(monthly) != 12:
        return None
    return SpendingPlan(project, monthly, row.text("division"), row.origin())


SPENDING_PLANS: Table[SpendingPlan] = Table(
    "spending_plans",
    "用款计划",
    "项目的月度用款计划（可选；监控可按计划计算序时进度）",
    (
        Column(
            "project",
            "项目编码",
            required=True,
            help="“项目”表中的项目编码",
            max_length=CODE_TEXT,
        ),
        Column("division", "责任处室"),
        *(
            Column(
                key,
                f"{month}月计划（元）",
                Kind.YUAN,
                required=True,
                field="monthly",
                help="当月计划用款，单位元；无计划填 0",
            )
            for month, key in enumerate(PLAN_KEYS, start=1)
        ),
        RECONSTRUCTED,
        NOTE,
    ),
    _spending_plan,
    lambda plan: (
        {"project": plan.project, "division": plan.division}
        | dict(zip(PLAN_KEYS, plan.monthly, strict=True))
    ),
    natural_key=("project",),
)


def _number_or_text(row: RowReader, key: str) -> Decimal | str | None:
    """A number where the cell holds one, else its text (a qualitative indicator's tier)."""
    text = row.text(key)
    if text is None:
        return None
    try:
        parse_decimal(text)
    except ValueError:
        return text
    return row.number(key, minimum=None)


def _forecast(row: RowReader) -> IndicatorForecast | None:
    indicator = row.text("indicator")
    month = row.integer("month")
    to_date = _number_or_text(row, "to_date")
    forecast = _number_or_text(row, "forecast")
    if indicator is None or month is None or forecast is None:
        return None
    if not 1 <= month <= 12:
        row.read.error("E-RANGE", f"“监控月份”应为 1–12，实际是 {month}", row.where("month"))
        return None
    return IndicatorForecast(
        indicator,
        month,
        to_date,
        forecast,
        row.text("reason") or "",
        row.text("action") or "",
        row.text("division"),
        row.origin(),
    )


FORECASTS: Table[IndicatorForecast] = Table(
    "forecasts",
    "指标监控",
    "年中（或月度）绩效监控：各指标截至当月完成值、全年预计完成值、偏差原因和纠偏措施",
    (
        Column(
            "indicator",
            "指标编码",
            required=True,
            help="“绩效指标”表中的指标编码",
            max_length=CODE_TEXT,
        ),
        Column("month", "监控月份", Kind.INTEGER, required=True, help="1–12；年中监控填 6"),
        Column("to_date", "截至当月完成值", Kind.VALUE, help="定量指标填数；定性指标填档次"),
        Column(
            "forecast",
            "全年预计完成值",
            Kind.VALUE,
            required=True,
            help="定量指标填数；定性指标填档次（达成、基本达成、部分达成、未达成）",
        ),
        Column("division", "责任处室"),
        Column("reason", "偏差原因", width=40, help="预计完不成目标时必填", max_length=LONG_TEXT),
        Column("action", "纠偏措施", width=40, help="预计完不成目标时必填", max_length=LONG_TEXT),
        RECONSTRUCTED,
        NOTE,
    ),
    _forecast,
    lambda f: {
        "indicator": f.indicator,
        "month": f.month,
        "to_date": f.to_date,
        "forecast": f.forecast,
        "division": f.division,
        "reason": f.reason,
        "action": f.action,
    },
    natural_key=("indicator", "month"),
)
MONITORING_TABLES: tuple[Table[Any], ...] = (SPENDING_PLANS, FORECASTS)


MANAGEMENT_TABLES: tuple[Table[Any], ...] = (
    EX_ANTE,
    AUDIT_FINDINGS,
    DISCLOSURES,
    CONTRACTS,
    ASSETS,
    EXPENSES,
)
ALL_TABLES: tuple[Table[Any], ...] = (
    BUDGET_LINES,
    KEY_TASKS,
    PROJECTS,
    PROJECT_FUNDS,
    INDICATORS,
    *MANAGEMENT_TABLES,
    ASSESSMENTS,
    NARRATIVE,
    *MONITORING_TABLES,
)
