"""The data set in the database: saved and read back through the same schema, exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import Field

from jixiao.adapters.frameworks import load_framework
from jixiao.core.evaluation import evaluate
from jixiao.core.model import Dataset
from jixiao.web.organizations.models import Department, Membership, Role, SelfEvaluation
from jixiao.web.records import models as records
from jixiao.web.records.mapping import MODELS, TABLES, field_of, load_dataset, save_dataset
from jixiao.web.records.numbers import NumberOrText

pytestmark = pytest.mark.django_db


def test_models_have_a_field_for_every_column() -> None:
    for table in TABLES:
        model = MODELS[table.key]
        names = {f.name for f in model._meta.get_fields() if isinstance(f, Field)}
        for column in table.columns:
            name = field_of(column)
            pair = getattr(model, name, None)
            if isinstance(pair, NumberOrText):  # a number or a text: two fields
                assert {pair.number_field, pair.text_field} <= names, (table.key, column.key)
            else:
                assert name in names, (table.key, column.key)


def test_reference_data_set_round_trips_exactly(reference_dataset: Dataset) -> None:
    evaluation = save_dataset(reference_dataset, "guangzhou-department-overall-2023")
    loaded, problems = load_dataset(evaluation)
    assert problems == []
    assert loaded == reference_dataset
    assert sorted(evaluation.department.divisions.values_list("name", flat=True)) == sorted(
        [
            "对外贸易处",
            "服务贸易处",
            "消费促进处",
            "投资促进处",
            "口岸管理处",
            "会展业促进处",
            "财务处",
            "办公室",
        ]
    )
    project = records.Project.objects.get(evaluation=evaluation, code="P47")
    assert project.adjusted_budget == Decimal("39241855.82")
    assert loaded is not None
    score = evaluate(loaded, load_framework("guangzhou-department-overall-2023")).score
    assert score == Decimal("93.13")


def test_saving_again_replaces_the_records(reference_dataset: Dataset) -> None:
    save_dataset(reference_dataset, "guangzhou-department-overall-2023")
    evaluation = save_dataset(reference_dataset, "guangzhou-department-overall-2023")
    assert SelfEvaluation.objects.count() == 1
    assert records.Project.objects.filter(evaluation=evaluation).count() == 53


def test_problems_in_stored_rows_are_reported_like_file_problems(
    reference_dataset: Dataset,
) -> None:
    evaluation = save_dataset(reference_dataset, "guangzhou-department-overall-2023")
    records.Indicator.objects.filter(evaluation=evaluation, code="I101").update(
        target_number=Decimal(0), target_text=""
    )
    _, problems = load_dataset(evaluation)
    assert [(p.code, str(p.location)) for p in problems] == [("E-ZERO-TARGET", "绩效指标 第 1 行")]


def test_roles_need_their_scope(django_user_model) -> None:  # type: ignore[no-untyped-def]
    department = Department.objects.create(code="d", name="部门")
    user = django_user_model.objects.create_user("someone", password="x" * 12)
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, role=Role.DIVISION_FILLER, department=department)
