"""The core's results as JSON and back, exactly (adapters/stored_json.py): what the web
application stores once per change and reads on every page."""

from __future__ import annotations

import json
from dataclasses import dataclass, make_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from jixiao.adapters.frameworks import load_framework
from jixiao.adapters.stored_json import StoredShapeChanged, decode, encode, shape_digest
from jixiao.core.evaluation import evaluate
from jixiao.core.monitoring import MonthlyMonitoring, monitor_month
from jixiao.core.result import Evaluation

FRAMEWORK = "guangzhou-department-overall-2023"


def round_trip(value: Any, hint: Any) -> Any:
    return decode(hint, json.loads(json.dumps(encode(value, hint), ensure_ascii=False)))


def test_the_reference_evaluation_and_every_month_come_back_equal(reference_dataset: Any) -> None:
    framework = load_framework(FRAMEWORK)
    evaluation = evaluate(reference_dataset, framework)
    back = round_trip(evaluation, Evaluation)
    assert back == evaluation
    assert str(back.score) == "93.13" and back.grade == "优"
    for month in range(1, 13):
        monthly = monitor_month(reference_dataset, framework, month)
        assert round_trip(monthly, MonthlyMonitoring) == monthly


class Colour(Enum):
    GREEN = ("绿", 1)  # a value that is not JSON: stored by name
    RED = ("红", 3)


@dataclass(frozen=True)
class Sample:
    amount: Decimal
    value: Decimal | str | None
    on: date | None
    colour: Colour
    pairs: tuple[tuple[int, Decimal], ...]
    by_code: dict[str, Decimal]
    by_month: dict[int, str]
    tags: frozenset[str]
    flag: bool
    count: int


def test_values_keep_their_type_and_exponent() -> None:
    sample = Sample(
        amount=Decimal("0.10"),
        value=Decimal("1300.0"),
        on=date(2023, 12, 31),
        colour=Colour.RED,
        pairs=((6, Decimal("0.5")), (12, Decimal("0.9734"))),
        by_code={"S1": Decimal("10.00")},
        by_month={3: "三月"},
        tags=frozenset({"b", "a"}),
        flag=True,
        count=1,
    )
    data = encode(sample, Sample)
    assert isinstance(data, dict)
    assert data["amount"] == "0.10"
    assert data["value"] == {"type": "Decimal", "value": "1300.0"}
    assert data["colour"] == "RED"
    assert data["by_month"] == [[3, "三月"]]
    assert data["tags"] == ["a", "b"]
    back = round_trip(sample, Sample)
    assert back == sample
    assert str(back.amount) == "0.10" and str(back.value) == "1300.0"
    text = Sample(Decimal(1), "达到预期", None, Colour.GREEN, (), {}, {}, frozenset(), False, 0)
    assert round_trip(text, Sample).value == "达到预期"


def test_a_document_of_another_shape_is_refused_not_misread() -> None:
    sample = Sample(Decimal(1), None, None, Colour.GREEN, (), {}, {}, frozenset(), True, 2)
    data = encode(sample, Sample)
    assert isinstance(data, dict)
    with pytest.raises(StoredShapeChanged, match="count"):
        decode(Sample, {k: v for k, v in data.items() if k != "count"})
    with pytest.raises(StoredShapeChanged, match="BLUE"):
        decode(Sample, {**data, "colour": "BLUE"})


def test_the_shape_digest_changes_with_a_field_and_not_otherwise() -> None:
    older = make_dataclass("Record", [("amount", Decimal)], frozen=True)
    same = make_dataclass("Record", [("amount", Decimal)], frozen=True)
    newer = make_dataclass("Record", [("amount", Decimal), ("note", str)], frozen=True)
    retyped = make_dataclass("Record", [("amount", str)], frozen=True)
    assert shape_digest(older) == shape_digest(same)
    assert len({shape_digest(older), shape_digest(newer), shape_digest(retyped)}) == 3
    assert len(shape_digest(Evaluation, MonthlyMonitoring)) == 64


def test_a_type_it_cannot_store_is_named() -> None:
    @dataclass(frozen=True)
    class Loose:
        items: list[str]

    with pytest.raises(TypeError, match="cannot store"):
        encode(Loose(["a"]), Loose)
