"""Numbers as numbers: values stored as a number or a text, and sums exact in both databases."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test import Client

from jixiao.core.model import Dataset
from jixiao.web.audit.models import AuditEvent
from jixiao.web.organizations.models import Department, SelfEvaluation
from jixiao.web.records import numbers
from jixiao.web.records.mapping import load_dataset, save_dataset
from jixiao.web.records.models import Indicator, IndicatorForecast, Project, PublishedFigure
from jixiao.web.records.sums import exact_sum, exact_sums_by

pytestmark = pytest.mark.django_db

LARGE = Decimal("123456789012.34")  # 元, below the schema's bound of 1 万亿元
TENTH = Decimal("0.10")
LONG = Decimal("99999999999999.9999999999")  # 24 digits: more than SQLite's floats keep


def form_of(client: Client, url: str) -> dict[str, str]:
    """The fields of the form at ``url`` as the page fills them in."""
    form = client.get(url).context["form"]
    return {name: form[name].value() or "" for name in form.fields if not form[name].field.disabled}


def test_the_rules_of_numbers_and_texts() -> None:
    assert doctest.testmod(numbers).failed == 0


def _evaluations(count: int) -> list[SelfEvaluation]:
    return [
        SelfEvaluation.objects.create(
            department=Department.objects.create(code=f"d{n:03}", name=f"部门{n}"),
            fiscal_year=2023,
            framework="guangzhou-department-overall-2023",
        )
        for n in range(count)
    ]


def _projects(evaluations: list[SelfEvaluation], spent: list[Decimal]) -> None:
    Project.objects.bulk_create(
        Project(
            evaluation=evaluations[n % len(evaluations)],
            position=n,
            code=f"P{n}",
            name="项目",
            funding_source="city",
            adjusted_budget=amount,
            spent=amount,
        )
        for n, amount in enumerate(spent)
    )


def test_item11_amounts_of_many_departments_sum_exactly_to_the_fen() -> None:
    evaluations = _evaluations(10)
    spent = [LARGE] * 3 + [TENTH] * 1000  # in floats, in this order: 370370367136.9956
    _projects(evaluations, spent)
    floats = 0.0
    for amount in spent:
        floats += float(amount)
    assert Decimal(repr(floats)) != Decimal("370370367137.02")

    assert exact_sum(Project.objects.all(), "spent") == Decimal("370370367137.02")
    assert exact_sum(Project.objects.filter(evaluation__fiscal_year=2022), "spent") == 0
    by_department = exact_sums_by(Project.objects.all(), "spent", "evaluation__department__code")
    assert by_department == {
        "d000": LARGE + 100 * TENTH,
        "d001": LARGE + 100 * TENTH,
        "d002": LARGE + 100 * TENTH,
        **{f"d{n:03}": Decimal("10.00") for n in range(3, 10)},
    }
    assert sum(by_department.values()) == Decimal("370370367137.02")


def _indicator(evaluation: SelfEvaluation, position: int, actual: str) -> Indicator:
    return Indicator(
        evaluation=evaluation,
        position=position,
        code="I102",
        name="跨境电商进出口金额",
        subtype="quantity",
        comparison=">=",
        target="1300.0",
        actual=actual,
        points=Decimal(1),
    )


def test_item11_an_indicator_s_actual_values_sum_exactly_and_texts_count_for_nothing() -> None:
    evaluations = _evaluations(4)
    actuals = [str(LONG), str(LONG), "达到预期", ""] + ["0.1"] * 996
    Indicator.objects.bulk_create(
        _indicator(evaluations[n % 4], n, actual) for n, actual in enumerate(actuals)
    )
    expected = 2 * LONG + Decimal("99.6")
    assert exact_sum(Indicator.objects.all(), "actual") == expected
    assert exact_sum(Indicator.objects.all(), "actual_number") == expected
    assert exact_sums_by(Indicator.objects.all(), "actual", "evaluation__department__code") == {
        "d000": LONG + Decimal("24.9"),
        "d001": LONG + Decimal("24.9"),
        "d002": Decimal("24.9"),
        "d003": Decimal("24.9"),
    }
    assert exact_sum(Indicator.objects.all(), "target") == Decimal("1300.0") * 1000


def test_item11_a_value_is_a_number_or_a_text_and_reads_back_as_written() -> None:
    (evaluation,) = _evaluations(1)
    for position, actual in enumerate(["2004.7", "1300.0", "-3.25", str(LONG), "达到预期", ""]):
        _indicator(evaluation, position, actual).save()
    stored = Indicator.objects.order_by("position")
    assert [(i.actual_number, i.actual_text) for i in stored] == [
        (Decimal("2004.7"), ""),
        (Decimal("1300.0"), ""),
        (Decimal("-3.25"), ""),
        (LONG, ""),
        (None, "达到预期"),
        (None, ""),
    ]
    assert [i.actual for i in stored] == ["2004.7", "1300.0", "-3.25", str(LONG), "达到预期", ""]
    assert stored[1].actual_number.as_tuple() == Decimal("1300.0").as_tuple()  # type: ignore[union-attr]
    figure = PublishedFigure.objects.create(evaluation=evaluation, position=1, kind="grade")
    figure.value = "优"
    figure.save()
    forecast = IndicatorForecast.objects.create(
        evaluation=evaluation, position=1, indicator="I102", month=6, forecast="1900"
    )
    assert (forecast.forecast_number, forecast.to_date_number, forecast.to_date_text) == (
        Decimal(1900),
        None,
        "",
    )
    assert PublishedFigure.objects.get().value == "优"


def test_item11_a_value_is_never_both_a_number_and_a_text() -> None:
    (evaluation,) = _evaluations(1)
    indicator = _indicator(evaluation, 1, "19")
    indicator.actual_text = "达成"
    with pytest.raises(IntegrityError):
        indicator.save()


def test_item11_the_reference_data_set_stores_its_numbers_as_numbers(
    reference_dataset: Dataset,
) -> None:
    evaluation = save_dataset(reference_dataset, "guangzhou-department-overall-2023")
    i102 = Indicator.objects.get(evaluation=evaluation, code="I102")
    assert (i102.target_number, i102.target_text) == (Decimal(1300), "")
    assert (i102.actual_number, i102.actual_text) == (Decimal("2004.7"), "")
    total = PublishedFigure.objects.get(evaluation=evaluation, kind="total")
    assert (total.value_number, total.value_text) == (Decimal("93.13"), "")
    grade = PublishedFigure.objects.get(evaluation=evaluation, kind="grade")
    assert (grade.value_number, grade.value_text) == (None, "优")
    loaded, problems = load_dataset(evaluation)
    assert problems == [] and loaded == reference_dataset


def test_item11_the_number_column_keeps_every_digit_in_the_database() -> None:
    """SQLite's decimal columns would keep 15 significant digits, as floats."""
    (evaluation,) = _evaluations(1)
    _indicator(evaluation, 1, str(LONG)).save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT actual_number FROM records_indicator")
        (raw,) = cursor.fetchone()
    assert Decimal(str(raw)) == LONG


def test_item11_a_person_sees_and_types_the_values_as_before(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    i102 = Indicator.objects.get(evaluation=demo, code="I102")
    url = f"/evaluations/{demo.pk}/data/indicators/{i102.pk}/"
    fields = form_of(client, url)
    assert (fields["target"], fields["actual"]) == ("1300", "2004.7")
    response = client.post(url, fields | {"actual": "1900.50", "reason": "更正"}, follow=True)
    assert response.status_code == 200
    i102.refresh_from_db()
    assert (i102.actual_number, i102.actual_text) == (Decimal("1900.50"), "")
    assert form_of(client, url)["actual"] == "1900.50"
    assert AuditEvent.objects.get(action="修改绩效指标").after == {"实际完成值": "1900.50"}

    i406 = Indicator.objects.get(evaluation=demo, code="I406")  # 定性
    url = f"/evaluations/{demo.pk}/data/indicators/{i406.pk}/"
    fields = form_of(client, url)
    assert (fields["target"], fields["actual"]) == ("常态化公示", "达成")
    client.post(url, fields | {"actual": "基本达成", "reason": "更正"})
    i406.refresh_from_db()
    assert (i406.actual_number, i406.actual_text) == (None, "基本达成")
    assert form_of(client, url)["actual"] == "基本达成"
