"""A duplicate row is refused at its field through forms and the API (issue 10, item 5)."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.models import Contract

pytestmark = pytest.mark.django_db


def test_item5_a_copied_contract_is_refused_through_the_api(
    client_for: Any, demo: SelfEvaluation
) -> None:
    client = client_for("demo-finance")
    base = f"/api/evaluations/{demo.pk}/tables/contracts/"
    first = client.get(base).json()[0]
    answer = client.post(
        base, {"cells": first["cells"], "reason": "复制"}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert [(p["code"], p["message"]) for p in answer.json()["problems"]] == [
        ("E-DUPLICATE-CODE", f"合同编号“{first['cells']['code']}”重复（又见 采购合同 第 1 行）")
    ]
    assert Contract.objects.filter(evaluation=demo).count() == len(client.get(base).json())
    result = client.get(f"/api/evaluations/{demo.pk}/evaluation/").json()
    assert result["total"]["score"] == "93.13"
