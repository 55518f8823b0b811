"""Every number has a range and every text a length, checked at its cell in every format
(issue 10, items 10 and 11)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from jixiao.adapters.assemble import PUBLISHED
from jixiao.adapters.dataset_files import load_dataset, write_dataset
from jixiao.adapters.tables import ALL_TABLES, Kind
from jixiao.adapters.workbook import write_workbook
from jixiao.core.money import within_range

from .conftest import REFERENCE, digest


@pytest.fixture(scope="module")
def reference_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "reference.xlsx"
    write_workbook(load_dataset(REFERENCE), path)
    return path


def _import_edited(
    workbook: Path, tmp_path: Path, run_cli: Any, edits: dict[tuple[str, str], object]
) -> Any:
    book = openpyxl.load_workbook(workbook)
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    return run_cli("import", str(edited), "--into", str(tmp_path / "out"))


@pytest.mark.parametrize("text", ["1e999999999", "-1e999999999", "1E+400"])
def test_item10_a_huge_number_is_refused_not_overflowing(text: str) -> None:
    assert within_range(Decimal(text)) is False


def test_item10_huge_numbers_in_a_workbook_are_refused_at_their_cells(
    reference_workbook: Path, tmp_path: Path, run_cli: Any
) -> None:
    result = _import_edited(
        reference_workbook,
        tmp_path,
        run_cli,
        {
            ("项目", "H2"): "1e999999999",  # 年度预算（万元）
            ("项目", "H3"): "100000000",  # 1 万亿元: beyond every department's amounts
            ("绩效指标", "I2"): "1e999999999",  # 实际完成值
            ("绩效指标", "J2"): "0.125",  # 分值 to three decimals
            ("公布数", "C3"): "1e308",  # the published total
            ("资产配置", "B2"): 3_000_000_000,  # beyond a database integer
        },
    )
    assert result.code == 1
    lines = result.err.splitlines()
    assert (
        "[E-RANGE] 项目!H2：“年度预算（万元）”超出可处理的范围（绝对值须小于 10^15，"
        "最多 10 位小数）：“1e999999999”" in lines
    )
    assert (
        "[E-RANGE] 项目!H3：“年度预算（万元）”超出范围：绝对值须小于 100000000，"
        "最多 6 位小数，实际为 100000000" in lines
    )
    assert (
        "[E-RANGE] 绩效指标!I2：“实际完成值”超出可处理的范围（绝对值须小于 10^15，"
        "最多 10 位小数）：“1e999999999”" in lines
    )
    assert (
        "[E-RANGE] 绩效指标!J2：“分值”超出范围：绝对值须小于 10000，最多 2 位小数，实际为 0.125"
        in lines
    )
    assert (
        "[E-RANGE] 公布数!C3：“公布值”超出可处理的范围（绝对值须小于 10^15，"
        "最多 10 位小数）：“1e308”" in lines
    )
    assert (
        "[E-RANGE] 资产配置!B2：“配置标准数量”超出范围：绝对值须小于 2147483648，"
        "最多 10 位小数，实际为 3000000000" in lines
    )
    assert not (tmp_path / "out").exists()


def test_item10_a_huge_published_value_in_a_folder_is_refused(
    reference_copy: Path, run_cli: Any
) -> None:
    document = yaml.safe_load((reference_copy / "dataset.yaml").read_text(encoding="utf-8"))
    document["published"]["total"] = "1e308"
    (reference_copy / "dataset.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True), encoding="utf-8"
    )
    result = run_cli("evaluate", str(reference_copy))
    assert result.code == 1
    assert "1e308" in result.err and "[E-RANGE]" in result.err


def test_item11_too_long_texts_are_refused_at_their_cells(
    reference_workbook: Path, reference_copy: Path, tmp_path: Path, run_cli: Any
) -> None:
    before = digest(reference_copy)
    result = _import_edited(
        reference_workbook,
        tmp_path,
        run_cli,
        {("项目", "B2"): "长" * 301, ("部门", "B3"): "部" * 201, ("绩效指标", "L2"): "因" * 20_001},
    )
    assert result.code == 1
    lines = result.err.splitlines()
    assert "[E-TOO-LONG] 项目!B2：“项目名称”最多 300 个字符，实际有 301 个" in lines
    assert "[E-TOO-LONG] 部门!B3：“部门名称”最多 200 个字符，实际有 201 个" in lines
    assert "[E-TOO-LONG] 绩效指标!L2：“偏差原因”最多 20000 个字符，实际有 20001 个" in lines
    assert digest(reference_copy) == before


def test_item11_every_text_fits_its_database_column() -> None:
    """The limits in the schema are the database's: no value the checks pass can be cut or
    refused by the database."""
    from django.db import models as django_models

    from jixiao.web.records.mapping import MODELS, field_of

    for table in (*ALL_TABLES, PUBLISHED):
        model = MODELS[table.key]
        for column in table.columns:
            if column.key == "division":
                continue  # a division's name, checked against the department's divisions
            for field in _fields_of(model, field_of(column)):
                if isinstance(field, django_models.CharField) and column.kind in (
                    Kind.TEXT,
                    Kind.VALUE,
                    Kind.RECONSTRUCTED,
                ):
                    assert column.max_length <= field.max_length, (table.key, column.key)
                if isinstance(field, django_models.DecimalField):
                    bound, places = column.number_limits
                    unit_places = places if column.kind is not Kind.WAN else places - 4
                    digits = len(str(int(bound))) - 1 + (4 if column.kind is Kind.WAN else 0)
                    assert unit_places <= field.decimal_places, (table.key, column.key)
                    assert digits + field.decimal_places <= field.max_digits, (
                        table.key,
                        column.key,
                    )


def _fields_of(model: Any, name: str) -> list[Any]:
    """The model's field for a column, or the two fields of a value that may be a number or a
    text (``actual_number`` and ``actual_text``, decision 0020)."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        return [model._meta.get_field(name)]
    except FieldDoesNotExist:
        return [model._meta.get_field(f"{name}_number"), model._meta.get_field(f"{name}_text")]


def test_item11_the_reference_data_set_is_within_every_limit(tmp_path: Path) -> None:
    write_dataset(load_dataset(REFERENCE), tmp_path / "copy")
    assert load_dataset(tmp_path / "copy") == load_dataset(REFERENCE)
