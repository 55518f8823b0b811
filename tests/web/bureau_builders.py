"""Department-years with stored results written directly — as many as a test needs, cheaply:
the overview reads only the stored rows (``StoredResult``, ``NodeScore``), never the data."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from jixiao.web.organizations.models import (
    Department,
    DepartmentGroup,
    GroupKind,
    Membership,
    Role,
    SelfEvaluation,
    Status,
    Transition,
)
from jixiao.web.results.models import NodeScore, StoredResult, Subject

ITEMS = (("performance_effectiveness", "履职效能"), ("management_efficiency", "管理效率"))


def department(code: str, name: str, parent: Department | None = None) -> Department:
    found, _ = Department.objects.get_or_create(
        code=code, defaults={"name": name, "parent": parent}
    )
    return found


def group(name: str, kind: str = GroupKind.REVIEW_GROUP) -> DepartmentGroup:
    return DepartmentGroup.objects.get_or_create(kind=kind, name=name)[0]


def stored_year(
    unit: Department,
    year: int,
    items: tuple[str, str] | None,
    *,
    grade: str = "",
    execution_rate: str | None = None,
    average_rate: str | None = None,
    warnings: int | None = None,
    status: str = Status.DRAFTING,
) -> SelfEvaluation:
    """``unit``'s year with a stored result scoring ``items`` (first-level item scores as
    texts; the total is their sum), or a result without a score (None)."""
    record = SelfEvaluation.objects.create(
        department=unit,
        fiscal_year=year,
        framework="guangzhou-department-overall-2023",
        status=status,
    )
    scores = None if items is None else tuple(Decimal(s) for s in items)
    total = None if scores is None else sum(scores, Decimal(0))
    result = StoredResult.objects.create(
        evaluation=record,
        subject=Subject.DEPARTMENT,
        subject_code="",
        data_digest="0" * 64,
        framework=record.framework,
        framework_version="0" * 64,
        codec_version="0" * 64,
        total=total,
        grade=grade,
        errors=0,
        content={},
        computed_at=timezone.now(),
        revision=1,
        execution_rate=None if execution_rate is None else Decimal(execution_rate),
        average_execution_rate=None if average_rate is None else Decimal(average_rate),
        warnings=warnings,
    )
    if scores is not None and total is not None:
        NodeScore.objects.create(
            result=result,
            node="total",
            path="total",
            position=1,
            depth=0,
            name="总分",
            rule="sum",
            points=Decimal(100),
            score=total,
        )
        for position, ((node, name), score) in enumerate(zip(ITEMS, scores, strict=True), 2):
            NodeScore.objects.create(
                result=result,
                node=node,
                path=f"total/{node}",
                position=position,
                depth=1,
                name=name,
                rule="sum",
                points=Decimal(50),
                score=score,
            )
    return record


def submitted(record: SelfEvaluation, actor: User, when: str) -> None:
    """``record`` sent to the bureau on the day ``when`` (YYYY-MM-DD, at noon local time)."""
    transition = Transition.objects.create(
        evaluation=record,
        action="send",
        from_status=Status.APPROVED,
        to_status=Status.SUBMITTED_TO_BUREAU,
        actor=actor,
    )
    moment = timezone.make_aware(timezone.datetime.fromisoformat(f"{when}T12:00:00"))
    Transition.objects.filter(pk=transition.pk).update(at=moment)
    SelfEvaluation.objects.filter(pk=record.pk).update(status=Status.SUBMITTED_TO_BUREAU)


def account(username: str, role: str, unit: Department | None = None) -> User:
    user = User.objects.create_user(username, password="jixiao-demo")
    Membership.objects.create(user=user, role=role, department=unit)
    return user


__all__ = ["Role"]
