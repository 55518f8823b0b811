"""``together.aggregated_together``: several tables' aggregates in one statement, on SQLite and
PostgreSQL alike (the keys the bureau's overview keeps its pages under)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from jixiao.web.organizations.models import Department, DepartmentGroup
from jixiao.web.together import aggregated_together

from .bureau_builders import department, group

pytestmark = pytest.mark.django_db


def test_each_part_answers_its_aggregates_in_one_query(django_assert_num_queries: Any) -> None:
    for code in ("A01", "A02", "A03"):
        department(code, f"局{code}")
    group("第一批")
    latest = Department.objects.order_by("-id").values_list("id", flat=True).first()
    with django_assert_num_queries(1):
        found = aggregated_together(
            [
                (Department.objects.values(unit=F("id")), ("COUNT(*)", "MAX(unit)")),
                (DepartmentGroup.objects.values(g=F("id")), ("COUNT(*)", "SUM(g % 1)")),
                (
                    Department.objects.filter(code="none").values(unit=F("id")),
                    ("COUNT(*)", "MAX(unit)"),
                ),
            ]
        )
    assert found == [(3, latest), (1, 0), (0, None)]
