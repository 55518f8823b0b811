"""Every kind of audit event, one factory each: the use cases call these, never
:func:`~jixiao.web.audit.services.record_event` with an action of their own.

The action an event stores is an :class:`AuditAction` (or, for a ledger row, a
:class:`RowAction` followed by the table's name: ``修改项目``). The stored strings are those
earlier versions wrote — the chain's HMAC covers them, so they never change; a new kind of
event is a new member. Everything an event records is Chinese, whatever the user's language.

Worked example: the finance reviewer changes project P18's budget with the reason "调整预算";
``row_changed(user, record, "项目", "P18 商务经济…", before={"调整后预算（万元）": "100"},
after={"调整后预算（万元）": "120"}, reason="调整预算", division=…)`` appends the event
``修改项目`` on ``广州市商务局 2023 年度 项目 P18 商务经济…``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User

from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit.services import record_event
from jixiao.web.organizations.models import Division, SelfEvaluation


class AuditAction(StrEnum):
    """What happened (the stored action). The values are stored and hashed: never change
    one."""

    # data sets and workbooks
    DATASET_LOADED = "载入数据集"
    DATASET_UPDATED = "更新数据集"
    DEMO_LOADED = "载入演示数据"
    WORKBOOK_IMPORTED = "导入工作簿"
    INDICATOR_ACTUAL_CHANGED = "修改指标实际完成值"
    # the workflow
    DIVISION_SUBMITTED = "处室提交"
    DIVISION_RETURNED = "退回处室"
    SUBMITTED = "提交"
    SUBMITTED_FOR_ALL = "汇总提交"
    REVIEWED = "审核通过"
    APPROVED = "审定"
    SENT_TO_BUREAU = "报送财政局"
    RETURNED = "退回"
    BUREAU_ACCEPTED = "财政局审核通过"
    # the finance bureau's review (复核)
    ITEM_RESCORED = "复核评分"
    RESCORE_WITHDRAWN = "撤回复核评分"
    COHORT_FROZEN = "设定同批部门截止"
    # documents and the log
    DOWNLOADED = "下载"
    AUDIT_LOG_EXPORTED = "导出审计日志"
    # background jobs
    JOB_REQUESTED = "提交后台任务"
    # accounts
    USER_CREATED = "新建用户"
    USER_CHANGED = "修改用户"
    SIGNED_IN = "登录"
    SIGN_IN_FAILED = "登录失败"
    LOCKED_OUT = "登录锁定"
    REFUSED_WHILE_LOCKED = "登录被拒（已锁定）"
    # the bureau's organization
    DEPARTMENT_CREATED = "新建部门"
    DEPARTMENT_CHANGED = "修改部门"
    GROUP_CREATED = "新建部门分组"
    GROUP_CHANGED = "修改部门分组"
    DEPARTMENTS_IMPORTED = "导入部门名册"
    REVIEWER_ASSIGNED = "指派复核人"
    RANKING_PUBLISHED = "公布排名"
    RANKING_WITHDRAWN = "撤回公布的排名"
    OVERVIEW_EXPORTED = "导出部门总览"
    # the bureau's frameworks (decision 0030)
    FRAMEWORK_INSTALLED = "安装评价体系"
    FRAMEWORK_ASSIGNED = "设置评价体系适用范围"
    FRAMEWORK_CHANGED = "更换评价体系"


class RowAction(StrEnum):
    """A ledger row added, changed or deleted; the stored action is this and the table's
    name (``新增指标``, ``删除资金来源``)."""

    ADDED = "新增"
    CHANGED = "修改"
    DELETED = "删除"

    def on(self, table: str) -> str:
        """The stored action for a row of ``table`` (its sheet name)."""
        return f"{self.value}{table}"


SIGN_IN_ACTIONS = (
    AuditAction.SIGNED_IN,
    AuditAction.SIGN_IN_FAILED,
    AuditAction.LOCKED_OUT,
    AuditAction.REFUSED_WHILE_LOCKED,
)


# --- ledger rows ------------------------------------------------------------------------------


def row_saved(
    actor: User,
    record: SelfEvaluation,
    table: str,
    label: str,
    *,
    before: dict[str, str] | None,
    after: dict[str, str],
    reason: str,
    division: Division | None,
    action: AuditAction | None = None,
) -> AuditEvent:
    """A row of ``table`` added (``before`` None) or changed: its changed cells before and
    after, by their column labels. ``action`` names a narrower change (an indicator's actual
    value from its own form)."""
    verb = RowAction.ADDED if before is None else RowAction.CHANGED
    return record_event(
        actor,
        action or verb.on(table),
        f"{record} {table} {label}",
        evaluation=record,
        before=before,
        after=after,
        reason=reason,
        division=division,
    )


def row_deleted(
    actor: User,
    record: SelfEvaluation,
    table: str,
    label: str,
    *,
    before: dict[str, str],
    reason: str,
    division: Division | None,
) -> AuditEvent:
    return record_event(
        actor,
        RowAction.DELETED.on(table),
        f"{record} {table} {label}",
        evaluation=record,
        before=before,
        reason=reason,
        division=division,
    )


# --- data sets --------------------------------------------------------------------------------


def dataset_loaded(
    record: SelfEvaluation,
    counts: dict[str, int],
    reason: str,
    *,
    demo: bool = False,
    actor: User | None = None,
) -> AuditEvent:
    """A data set stored for a new department-year (``jixiao load``, the demo, or the bureau's
    zip of workbooks — then ``actor`` is who uploaded it)."""
    action = AuditAction.DEMO_LOADED if demo else AuditAction.DATASET_LOADED
    return record_event(actor, action, str(record), evaluation=record, after=counts, reason=reason)


def changes_applied(
    actor: User | None,
    record: SelfEvaluation,
    changes: dict[str, Any],
    reason: str,
    *,
    action: AuditAction = AuditAction.WORKBOOK_IMPORTED,
) -> AuditEvent:
    """The changes a workbook (or ``jixiao load --replace``) made, row by row."""
    return record_event(actor, action, str(record), evaluation=record, after=changes, reason=reason)


# --- the workflow -----------------------------------------------------------------------------


def step_taken(
    actor: User,
    record: SelfEvaluation,
    action: AuditAction,
    *,
    before: str,
    after: str,
    reason: str,
) -> AuditEvent:
    """The whole year moved a step: its status before and after."""
    return record_event(
        actor,
        action,
        str(record),
        evaluation=record,
        before={"状态": before},
        after={"状态": after},
        reason=reason,
    )


def division_submitted(
    actor: User,
    record: SelfEvaluation,
    division: Division,
    *,
    submitted: int,
    expected: int,
    reason: str,
) -> AuditEvent:
    return record_event(
        actor,
        AuditAction.DIVISION_SUBMITTED,
        f"{record} {division.name}",
        evaluation=record,
        after={"处室": division.name, "已提交处室": f"{submitted}/{expected}"},
        reason=reason,
        division=division,
    )


def division_returned(
    actor: User, record: SelfEvaluation, division: Division, reason: str
) -> AuditEvent:
    return record_event(
        actor,
        AuditAction.DIVISION_RETURNED,
        f"{record} {division.name}",
        evaluation=record,
        before={"处室": division.name, "状态": "已提交"},
        after={"处室": division.name, "状态": "填报中"},
        reason=reason,
        division=division,
    )


# --- the finance bureau's review ---------------------------------------------------------------


def item_rescored(
    actor: User,
    record: SelfEvaluation,
    item: str,
    *,
    before: dict[str, str] | None,
    after: dict[str, str],
    reason: str,
) -> AuditEvent:
    """A framework item of ``record`` re-scored by the bureau (``before`` None: its first
    re-score in this review; else the re-score it replaced): the 自评得分, the 复核得分 and the
    findings, by their Chinese labels."""
    return record_event(
        actor,
        AuditAction.ITEM_RESCORED,
        f"{record} 复核 {item}",
        evaluation=record,
        before=before,
        after=after,
        reason=reason,
    )


def rescore_withdrawn(
    actor: User, record: SelfEvaluation, item: str, *, before: dict[str, str], reason: str
) -> AuditEvent:
    """A re-score withdrawn: the item counts with its 自评得分 again."""
    return record_event(
        actor,
        AuditAction.RESCORE_WITHDRAWN,
        f"{record} 复核 {item}",
        evaluation=record,
        before=before,
        reason=reason,
    )


# --- documents and the log --------------------------------------------------------------------


def download_recorded(actor: User, record: SelfEvaluation, what: str) -> AuditEvent:
    """A department document downloaded (``what``: its name, e.g. ``3月监控简报``)."""
    return record_event(actor, AuditAction.DOWNLOADED, f"{record} {what}", evaluation=record)


def audit_log_exported(actor: User, count: int, chosen: str) -> AuditEvent:
    return record_event(
        actor, AuditAction.AUDIT_LOG_EXPORTED, f"{count} 条审计事件", after={"筛选条件": chosen}
    )


# --- background jobs --------------------------------------------------------------------------


def job_requested(
    actor: User | None, what: str, *, record: SelfEvaluation | None = None, after: dict[str, Any]
) -> AuditEvent:
    """A background job asked for (``what``: its kind and number, e.g. ``自评报告（PDF） #3``),
    in the transaction that queues it; about ``record`` when it concerns one self-evaluation;
    ``actor`` None from the command line."""
    target = f"{record} {what}" if record is not None else what
    return record_event(actor, AuditAction.JOB_REQUESTED, target, evaluation=record, after=after)


# --- accounts ---------------------------------------------------------------------------------


def _account(username: object) -> str:
    return f"用户 {str(username or '')[:150]}"


def user_created(
    admin: User, username: str, after: dict[str, Any], *, reason: str = ""
) -> AuditEvent:
    """An account created (``reason``: the accounts workbook, when created in bulk)."""
    return record_event(
        admin, AuditAction.USER_CREATED, _account(username), after=after, reason=reason
    )


def user_changed(
    admin: User, username: str, before: dict[str, Any], after: dict[str, Any]
) -> AuditEvent:
    return record_event(
        admin, AuditAction.USER_CHANGED, _account(username), before=before, after=after
    )


def signed_in(user: User, attempt: dict[str, Any]) -> AuditEvent:
    return record_event(user, AuditAction.SIGNED_IN, _account(user.get_username()), after=attempt)


def sign_in_failed(username: object, attempt: dict[str, Any], *, while_locked: bool) -> AuditEvent:
    """A failed sign-in (the account is unknown: no actor), or one refused while locked."""
    action = AuditAction.REFUSED_WHILE_LOCKED if while_locked else AuditAction.SIGN_IN_FAILED
    return record_event(None, action, _account(username), after=attempt)


def locked_out(username: object, lockout: dict[str, Any]) -> AuditEvent:
    return record_event(None, AuditAction.LOCKED_OUT, _account(username), after=lockout)


# --- the bureau's organization ----------------------------------------------------------------


def department_saved(
    admin: User, label: str, *, before: dict[str, Any] | None, after: dict[str, Any]
) -> AuditEvent:
    """A department added (``before`` None) or changed: its code, name, parent and groups."""
    action = AuditAction.DEPARTMENT_CREATED if before is None else AuditAction.DEPARTMENT_CHANGED
    return record_event(admin, action, f"部门 {label}", before=before, after=after)


def group_saved(
    admin: User, label: str, *, before: dict[str, Any] | None, after: dict[str, Any]
) -> AuditEvent:
    action = AuditAction.GROUP_CREATED if before is None else AuditAction.GROUP_CHANGED
    return record_event(admin, action, f"部门分组 {label}", before=before, after=after)


def departments_imported(admin: User, file: str, counts: dict[str, Any]) -> AuditEvent:
    """A workbook of departments applied: how many added and changed, and the groups made."""
    return record_event(admin, AuditAction.DEPARTMENTS_IMPORTED, f"部门名册 {file}", after=counts)


def reviewer_assigned(
    admin: User, record: SelfEvaluation, *, before: str, after: str, reason: str
) -> AuditEvent:
    """The bureau reviewer who may re-score or accept ``record`` named (or the naming
    withdrawn: ``after`` empty)."""
    return record_event(
        admin,
        AuditAction.REVIEWER_ASSIGNED,
        str(record),
        evaluation=record,
        before={"复核人": before},
        after={"复核人": after},
        reason=reason,
    )


def overview_exported(actor: User, count: int, chosen: str) -> AuditEvent:
    """The bureau's overview of every department exported (``chosen``: its filter in words)."""
    return record_event(
        actor, AuditAction.OVERVIEW_EXPORTED, f"{count} 个部门年度", after={"筛选条件": chosen}
    )


def ranking_published(actor: User, what: str, count: int, digest: str, note: str) -> AuditEvent:
    """A ranking published to the departments it lists (``what``: its year and group)."""
    return record_event(
        actor,
        AuditAction.RANKING_PUBLISHED,
        what,
        after={"部门数": count, "摘要": digest},
        reason=note,
    )


def ranking_withdrawn(actor: User, what: str, reason: str) -> AuditEvent:
    """A published ranking withdrawn: its departments no longer read it."""
    return record_event(actor, AuditAction.RANKING_WITHDRAWN, what, reason=reason)


# --- frameworks -------------------------------------------------------------------------------


def framework_installed(actor: User, name: str, after: dict[str, Any]) -> AuditEvent:
    """A framework file installed as a new version of ``name`` (its version, title, size)."""
    return record_event(actor, AuditAction.FRAMEWORK_INSTALLED, f"评价体系 {name}", after=after)


def framework_assigned(
    actor: User, scope: str, *, before: dict[str, Any], after: dict[str, Any], reason: str
) -> AuditEvent:
    """The framework of a year (or of one group's departments that year) set: the framework
    before and after, and how many department-years changed to it or kept theirs."""
    return record_event(
        actor,
        AuditAction.FRAMEWORK_ASSIGNED,
        scope,
        before=before,
        after=after,
        reason=reason,
    )


def framework_changed(
    actor: User, record: SelfEvaluation, *, before: str, after: str, reason: str
) -> AuditEvent:
    """One department-year moved to another framework by an assignment: in its own audit log,
    so that its users see why its score changed."""
    return record_event(
        actor,
        AuditAction.FRAMEWORK_CHANGED,
        str(record),
        evaluation=record,
        before={"评价体系": before},
        after={"评价体系": after},
        reason=reason,
    )


# --- cohorts ----------------------------------------------------------------------------------


def cohort_frozen(
    actor: User, cohort: str, *, counts: dict[str, int], digest: str, left_out: list[str]
) -> AuditEvent:
    """The bureau set the cut-off of ``cohort`` (``2024 年 批次：第一批``): how many departments
    are in it and how many left out (not sent to the bureau, or their data unreadable), the
    results it moved, the digest of its stored figures and the departments left out."""
    after: dict[str, Any] = {**counts, "数据摘要": digest}
    if left_out:
        after["未纳入的部门"] = "、".join(left_out)
    return record_event(actor, AuditAction.COHORT_FROZEN, cohort, after=after)
