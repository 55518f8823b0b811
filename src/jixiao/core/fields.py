"""Reading plain mappings (parsed YAML, JSON or form data) into typed values, collecting problems.

Every reader returns ``None`` when the value is unusable and records a :class:`Problem` naming the
field's location, so one pass over a document reports all of its mistakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from jixiao.core.money import parse_decimal, parse_rate, within_range
from jixiao.core.problems import Problem, ProblemCode, SourceLocation

EnumT = TypeVar("EnumT")


class FieldReader:
    """Reads fields of mappings into typed values, recording every problem it meets."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, code: str, message: str, where: SourceLocation) -> None:
        self.problems.append(Problem(code, message, where))

    def mapping(self, value: object, where: SourceLocation) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.error(ProblemCode.E_TYPE, f"应为键值表，实际是 {_describe(value)}", where)
        return None

    def sequence(self, value: object, where: SourceLocation) -> list[Any] | None:
        if isinstance(value, list):
            return value
        self.error(ProblemCode.E_TYPE, f"应为列表，实际是 {_describe(value)}", where)
        return None

    def mappings(
        self, value: object, where: SourceLocation
    ) -> list[tuple[Mapping[str, Any], SourceLocation]]:
        """The mappings of a list, each with its location (``where[0]``, ``where[1]``, …);
        items that are not mappings are reported and left out."""
        items = self.sequence(value, where)
        found = []
        for index, item in enumerate(items or []):
            here = where.child(f"[{index}]")
            mapping = self.mapping(item, here)
            if mapping is not None:
                found.append((mapping, here))
        return found

    def only_keys(
        self, data: Mapping[str, Any], allowed: Iterable[str], where: SourceLocation
    ) -> None:
        known = set(allowed)
        for key in data:
            if key not in known:
                self.error(
                    ProblemCode.E_UNKNOWN_FIELD,
                    f"未知字段“{key}”（可用字段：{'、'.join(sorted(known))}）",
                    where.child(str(key)),
                )

    def text(
        self, data: Mapping[str, Any], key: str, where: SourceLocation, *, required: bool = True
    ) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(ProblemCode.E_REQUIRED, f"缺少必填字段“{key}”", where.child(key))
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.error(
                ProblemCode.E_TYPE, f"“{key}”应为文字，实际是 {_describe(value)}", where.child(key)
            )
            return None
        return str(value).strip()

    def decimal(
        self,
        data: Mapping[str, Any],
        key: str,
        where: SourceLocation,
        *,
        required: bool = True,
        minimum: Decimal | None = None,
    ) -> Decimal | None:
        if data.get(key) is None:
            if required:
                self.error(ProblemCode.E_REQUIRED, f"缺少必填字段“{key}”", where.child(key))
            return None
        return self.number(data[key], where.child(key), label=key, minimum=minimum)

    def number(
        self, value: object, where: SourceLocation, *, label: str, minimum: Decimal | None = None
    ) -> Decimal | None:
        parsed = _finite_decimal(value)
        if parsed is None:
            self.error(ProblemCode.E_NUMBER, f"“{label}”不是有效数字：{_describe(value)}", where)
            return None
        if not within_range(parsed):
            self.error(
                ProblemCode.E_RANGE,
                f"“{label}”超出可处理的范围（绝对值须小于 10^15，最多 10 位小数）："
                f"{_describe(value)}",
                where,
            )
            return None
        if minimum is not None and parsed < minimum:
            self.error(ProblemCode.E_RANGE, f"“{label}”不能小于 {minimum}，实际为 {parsed}", where)
            return None
        return parsed

    def rate(
        self, data: Mapping[str, Any], key: str, where: SourceLocation, *, required: bool = True
    ) -> Decimal | None:
        value = data.get(key)
        if value is None:
            if required:
                self.error(ProblemCode.E_REQUIRED, f"缺少必填字段“{key}”", where.child(key))
            return None
        parsed = to_rate(value)
        if parsed is None or parsed < 0:
            self.error(
                ProblemCode.E_RATE,
                f"“{key}”应为非负比率，如 150% 或 1.5，实际是 {_describe(value)}",
                where.child(key),
            )
            return None
        return parsed

    def integer(
        self, data: Mapping[str, Any], key: str, where: SourceLocation, *, minimum: int = 0
    ) -> int | None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(
                ProblemCode.E_INTEGER,
                f"“{key}”应为不小于 {minimum} 的整数，实际是 {_describe(value)}",
                where.child(key),
            )
            return None
        return value

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        options: Mapping[str, EnumT],
        where: SourceLocation,
        *,
        default: EnumT | None = None,
    ) -> EnumT | None:
        value = data.get(key)
        if value is None:
            if default is None:
                self.error(ProblemCode.E_REQUIRED, f"缺少必填字段“{key}”", where.child(key))
            return default
        if isinstance(value, str) and value in options:
            return options[value]
        self.error(
            ProblemCode.E_CHOICE,
            f"“{key}”的取值“{value}”无效，可选：{'、'.join(options)}",
            where.child(key),
        )
        return None


def to_decimal(value: object) -> Decimal | None:
    """A Decimal within jixiao's range (:func:`~jixiao.core.money.within_range`) from an int,
    float, Decimal or numeric string; None otherwise."""
    parsed = _finite_decimal(value)
    return parsed if parsed is not None and within_range(parsed) else None


def _finite_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = str(int(value))  # 5.0 from a spreadsheet cell is the number 5
    elif isinstance(value, int | float):
        value = str(value)
    if isinstance(value, str):
        try:
            return parse_decimal(value)
        except ValueError:
            return None
    return None


def to_rate(value: object) -> Decimal | None:
    """A rate from "150%", "1.5" or 1.5; None when unusable."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return parse_rate(value)
        except ValueError:
            return None
    return to_decimal(value)


def _describe(value: object) -> str:
    if value is None:
        return "空值"
    if isinstance(value, str):
        return f"“{value}”"
    return f"{type(value).__name__} {value!r}"
