"""The migrations describe the models exactly."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit.services import record_event, verify_chain
from jixiao.web.organizations.models import Department, SelfEvaluation
from jixiao.web.records.models import Indicator, IndicatorForecast, PublishedFigure


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


LEGACY_EVENTS = [("新建用户", "用户 a", ""), ("提交", "2023 年度绩效自评", "处室填报完成")]


def _legacy_hash(content: dict[str, object]) -> str:
    """How versions before the keyed chain hashed an event."""
    canonical = json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_item19_an_audit_log_of_an_earlier_version_still_verifies_and_grows() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0002_auditevent_evaluation")])
    old_events = executor.loader.project_state(
        [("audit", "0002_auditevent_evaluation")]
    ).apps.get_model("audit", "AuditEvent")
    previous = "0" * 64
    for action, target, reason in LEGACY_EVENTS:
        at = timezone.now()
        content = {
            "at": at.isoformat(),
            "actor": "",
            "action": action,
            "target": target,
            "evaluation": None,
            "before": None,
            "after": None,
            "reason": reason,
            "previous": previous,
        }
        previous = _legacy_hash(content)
        old_events.objects.create(
            at=at,
            action=action,
            target=target,
            reason=reason,
            previous_hash=content["previous"],
            hash=previous,
        )
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert [(e.sequence, e.scheme) for e in AuditEvent.objects.all()] == [(1, 1), (2, 1)]
    assert verify_chain() is None
    added = record_event(None, "修改项目", "项目 P001")
    assert (added.sequence, added.scheme, added.previous_hash) == (3, 2, previous)
    assert verify_chain() is None


# Values stored as text before numbers were numbers, and the (number, text) each becomes.
OLD_VALUES = [
    ("2004.7", Decimal("2004.7"), ""),
    ("15", Decimal(15), ""),
    ("1300.0", Decimal("1300.0"), ""),  # its decimal place kept: it reads back as 1300.0
    ("-3.25", Decimal("-3.25"), ""),
    ("0.0000000001", Decimal("0.0000000001"), ""),
    ("99999999999999.9999999999", Decimal("99999999999999.9999999999"), ""),  # 24 digits
    ("达到预期", None, "达到预期"),
    ("优", None, "优"),
    ("97.1%", None, "97.1%"),
    ("", None, ""),
    ("1e3", None, "1e3"),  # not written plainly: kept as written
    ("-0", None, "-0"),
    (" 7", None, " 7"),
    ("0.00000000001", None, "0.00000000001"),  # beyond the schema's 10 decimals
]
BEFORE_NUMBERS = ("records", "0003_pending_upload")


@pytest.mark.django_db(transaction=True)
def test_item11_values_stored_as_text_become_numbers_exactly_and_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_NUMBERS])
    old = executor.loader.project_state([BEFORE_NUMBERS]).apps
    evaluation = SelfEvaluation.objects.create(
        department=Department.objects.create(code="d", name="部门"),
        fiscal_year=2023,
        framework="guangzhou-department-overall-2023",
    )
    for position, (text, _, _) in enumerate(OLD_VALUES, start=1):
        common = {"evaluation_id": evaluation.pk, "position": position}
        old.get_model("records", "Indicator").objects.create(
            **common, code=f"I{position}", name="指标", subtype="quantity", comparison=">=",
            points=Decimal(1), target=text, actual=text,
        )  # fmt: skip
        old.get_model("records", "IndicatorForecast").objects.create(
            **common, indicator=f"I{position}", month=6, to_date=text, forecast=text
        )
        old.get_model("records", "PublishedFigure").objects.create(
            **common, kind="node", subject=f"N{position}", value=text
        )

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    stored = [
        *(
            (i.target_number, i.target_text, i.actual_number, i.actual_text)
            for i in Indicator.objects.order_by("position")
        ),
        *(
            (f.to_date_number, f.to_date_text, f.forecast_number, f.forecast_text)
            for f in IndicatorForecast.objects.order_by("position")
        ),
        *((p.value_number, p.value_text) * 2 for p in PublishedFigure.objects.order_by("position")),
    ]
    expected = [(number, text) * 2 for _, number, text in OLD_VALUES] * 3
    assert stored == expected
    exponents = [row[0].as_tuple() for row in stored if row[0] is not None]  # digits exact too
    assert exponents == [number.as_tuple() for _, number, _ in OLD_VALUES if number] * 3
    assert [i.actual for i in Indicator.objects.order_by("position")] == [
        text for text, _, _ in OLD_VALUES
    ]

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_NUMBERS])
    old = executor.loader.project_state([BEFORE_NUMBERS]).apps
    texts = [text for text, _, _ in OLD_VALUES]
    indicators = old.get_model("records", "Indicator").objects.order_by("position")
    forecasts = old.get_model("records", "IndicatorForecast").objects.order_by("position")
    published = old.get_model("records", "PublishedFigure").objects.order_by("position")
    assert [(i.target, i.actual) for i in indicators] == [(t, t) for t in texts]
    assert [(f.to_date, f.forecast) for f in forecasts] == [(t, t) for t in texts]
    assert [p.value for p in published] == texts
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
