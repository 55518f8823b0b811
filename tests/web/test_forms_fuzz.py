"""Any input to any ledger form is answered with a saved row (302) or a refusal at its fields
(400) — never a server error — and a refused row leaves the data as they were."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.web.editing import LEDGERS
from jixiao.web.records.mapping import MODELS

pytestmark = pytest.mark.django_db

cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=14
) | st.sampled_from(
    ["0", "-1", "1e400", "NaN", "Infinity", "0.001", "１２", "2023-02-30", "9999-12-31", "是",
     "否", "定性", "≥", "quantity", " ", "\x00", "对外贸易处", "P01", "T1", "I101", "13"]
)  # fmt: skip


@st.composite
def ledger_row(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A table and any cells for some of its columns."""
    key = draw(st.sampled_from(sorted(LEDGERS)))
    columns = [c.key for c in LEDGERS[key].columns]
    return key, draw(st.dictionaries(st.sampled_from(columns), cell, max_size=len(columns)))


def fingerprint(evaluation_id: int) -> tuple[object, ...]:
    return tuple(
        tuple(model._default_manager.filter(evaluation_id=evaluation_id).values_list())
        for model in MODELS.values()
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_input_to_a_new_row(client_for, demo, data) -> None:  # type: ignore[no-untyped-def]
    client: Client = client_for("demo-finance")
    key, given_cells = data.draw(ledger_row())
    before = fingerprint(demo.pk)
    response = client.post(f"/evaluations/{demo.pk}/data/{key}/new/", given_cells)
    assert response.status_code in (302, 400), (key, given_cells)
    if response.status_code == 400:
        assert response.context["form"].errors
        assert fingerprint(demo.pk) == before


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_input_to_the_api(client_for, demo, data) -> None:  # type: ignore[no-untyped-def]
    client: Client = client_for("demo-finance")
    key, given_cells = data.draw(ledger_row())
    before = fingerprint(demo.pk)
    response = client.post(
        f"/api/evaluations/{demo.pk}/tables/{key}/",
        {"cells": given_cells, "reason": "fuzz"},
        content_type="application/json",
    )
    assert response.status_code in (201, 400), (key, given_cells, response.content[:300])
    if response.status_code == 400:
        assert fingerprint(demo.pk) == before


def test_control_characters_are_refused_or_removed(client_for, demo) -> None:  # type: ignore[no-untyped-def]
    """NUL and the like are no part of any value, and PostgreSQL cannot store them."""
    client: Client = client_for("demo-division")
    indicator = demo.indicator_records.get(code="I102")
    url = f"/evaluations/{demo.pk}/indicators/{indicator.pk}/"
    refused = client.post(url, {"actual": "19\x0000", "reason": "x"})
    assert refused.status_code == 400
    assert "“实际完成值”含有不可见的控制字符，请删除后重新填写" in refused.content.decode()
    saved = client.post(url, {"actual": "1900", "reason": "海关\x00年报"})
    assert saved.status_code == 302
    new = client_for("demo-finance").post(
        f"/evaluations/{demo.pk}/data/key_tasks/new/", {"code": "T9\x00", "name": "新任务"}
    )
    assert new.status_code == 400 and new.context["form"].errors["code"]
    step = client.post(f"/evaluations/{demo.pk}/steps/submit/", {"reason": "\x00"})
    assert step.status_code == 302
