"""Bringing a filled workbook into a self-evaluation: check everything first and show every
problem at its cell; for a workbook without errors, show every change it makes — rows added,
changed (each cell before and after) and removed, per table and division, and the changes that
are refused with their reason — and make the allowed ones only when the uploader confirms that
very list (:mod:`jixiao.web.changes`). Rows keep their identity; nothing is replaced wholesale.

The workbook waits for confirmation in the database (:class:`~jixiao.web.records.models.
PendingUpload`), not on one server's disk, and is deleted after an hour unconfirmed."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jixiao.adapters.workbook import read_workbook
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, SourceLocation, errors_in
from jixiao.web.changes import Applied, ChangePlan, PlanChanged, apply_changes, plan_changes
from jixiao.web.errors import Conflict, Invalid, Locked, NotFound
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.policy import Who, as_actor
from jixiao.web.records.models import PendingUpload
from jixiao.web.workflow import is_editable

MAX_BYTES = 20 * 1024 * 1024
LIFETIME = timedelta(hours=1)  # an upload not confirmed within an hour is deleted


@dataclass
class Checked:
    """An upload checked: its problems, and for a clean workbook the changes it would make."""

    token: str
    name: str
    dataset: Dataset | None
    problems: list[Problem] = field(default_factory=list)
    plan: ChangePlan | None = None

    @property
    def valid(self) -> bool:
        return self.dataset is not None and not errors_in(self.problems)


def may_upload(who: Who, record: SelfEvaluation) -> bool:
    """Whether ``who`` may bring a workbook into ``record`` (:meth:`Actor.may_upload`)."""
    return as_actor(who).may_upload(record)


def sweep(now: datetime | None = None) -> int:
    """Delete the uploads kept longer than ``LIFETIME`` without being confirmed, and say how
    many. Each upload and confirmation sweeps, and so does ``jixiao sweep-uploads``, so
    abandoned workbooks (a department's whole data) do not stay on the server."""
    cutoff = (now or timezone.now()) - LIFETIME
    deleted, _counts = PendingUpload.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _check(
    record: SelfEvaluation, content: bytes, name: str
) -> tuple[Dataset | None, list[Problem]]:
    with tempfile.TemporaryDirectory(prefix="jixiao-upload-") as folder:
        path = Path(folder) / "workbook.xlsx"
        path.write_bytes(content)
        dataset, problems = read_workbook(path, name=name)
    if dataset is not None and (dataset.department.code, dataset.fiscal_year) != (
        record.department.code,
        record.fiscal_year,
    ):
        problems = [
            *problems,
            Problem(
                "E-OTHER-EVALUATION",
                f"工作簿属于“{dataset.department.name}（{dataset.department.code}）"
                f"{dataset.fiscal_year} 年度”，不是本年度绩效自评",
                SourceLocation(name, sheet="部门"),
            ),
        ]
    return dataset, problems


def receive(who: Who, record: SelfEvaluation, upload: UploadedFile[bytes]) -> Checked:
    """Check the upload and, when it is clean, keep it under a token with the changes it would
    make; nothing in the data set changes yet."""
    actor = as_actor(who)
    if not actor.may_upload(record):
        raise NotFound(_("您无权为本年度上传工作簿"))
    if not is_editable(record):
        raise Locked(_("数据已锁定，退回后才能上传"))
    if upload.size is not None and upload.size > MAX_BYTES:
        raise Invalid(_("文件超过 20 MB"))
    sweep()
    name = upload.name or "工作簿.xlsx"
    content = b"".join(upload.chunks())
    dataset, problems = _check(record, content, name)
    checked = Checked(secrets.token_hex(16), name, dataset, problems)
    if checked.valid and dataset is not None:
        checked.plan = plan_changes(record, dataset)
        PendingUpload.objects.create(
            token=checked.token,
            evaluation=record,
            user=actor.signed_in,
            name=name[:255],
            content=content,
            plan=checked.plan.digest(),
            created_at=timezone.now(),
        )
    return checked


def confirm(who: Who, record: SelfEvaluation, token: str) -> Applied:
    """Make the changes the uploader saw for the workbook under ``token``, checking the
    workbook and the plan again: if the data changed meanwhile, nothing is done. An upload is
    confirmed once: its token is used up whatever the outcome."""
    actor = as_actor(who)
    if not actor.may_upload(record):
        raise NotFound(_("您无权为本年度上传工作簿，或数据已锁定"))
    if not is_editable(record):
        raise Locked(_("您无权为本年度上传工作簿，或数据已锁定"))
    sweep()
    with transaction.atomic():
        pending = (
            PendingUpload.objects.select_for_update()
            .filter(token=token, evaluation=record, user=actor.signed_in)
            .first()
        )
        if pending is None:
            raise Conflict(_("上传已失效，请重新上传"))
        content, name, expected = bytes(pending.content), pending.name, pending.plan
        pending.delete()
    dataset, problems = _check(record, content, name)
    if dataset is None or errors_in(problems):
        raise Invalid(_("工作簿有错误，未导入"), problems)
    try:
        return apply_changes(
            actor.signed_in,
            record,
            dataset,
            expected=expected,
            reason=f"上传工作簿“{name}”并确认导入",
        )
    except PlanChanged as changed:
        raise Conflict(str(changed)) from changed
