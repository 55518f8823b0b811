"""Replacing a self-evaluation's data with a filled workbook: check everything first, show every
problem at its cell, and replace only when the user confirms a workbook without errors."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from jixiao.adapters.workbook import read_workbook
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, SourceLocation, errors_in
from jixiao.web.access import membership
from jixiao.web.audit.services import record_event
from jixiao.web.organizations.models import Role, SelfEvaluation
from jixiao.web.records.mapping import save_dataset
from jixiao.web.workflow import is_editable

MAX_BYTES = 20 * 1024 * 1024
LIFETIME_SECONDS = 3600  # an upload not confirmed within an hour is deleted


class UploadRefused(Exception):
    pass


def may_upload(user: User, record: SelfEvaluation) -> bool:
    scope = membership(user)
    return (
        scope is not None
        and scope.role == Role.FINANCE_REVIEWER
        and scope.department_id == record.department_id
    )


def _folder() -> Path:
    folder = Path(settings.HOME) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sweep(now: float | None = None) -> int:
    """Delete the uploads kept longer than ``LIFETIME_SECONDS`` without being confirmed, and
    say how many. Each upload and confirmation sweeps, and so does ``jixiao sweep-uploads``, so
    abandoned workbooks (a department's whole data) do not stay on the server."""
    cutoff = (time.time() if now is None else now) - LIFETIME_SECONDS
    swept = 0
    for path in _folder().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                swept += 1
        except FileNotFoundError:  # confirmed or swept by another request meanwhile
            continue
    return swept


def _check(
    record: SelfEvaluation, path: Path, name: str | None = None
) -> tuple[Dataset | None, list[Problem]]:
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
                SourceLocation(name or path.name, sheet="部门"),
            ),
        ]
    return dataset, problems


def receive(
    user: User, record: SelfEvaluation, upload: UploadedFile[bytes]
) -> tuple[str, Dataset | None, list[Problem]]:
    """Keep the upload under a token and check it; nothing in the data set changes yet."""
    if not may_upload(user, record):
        raise UploadRefused(_("您无权为本年度上传工作簿"))
    if not is_editable(record):
        raise UploadRefused(_("数据已锁定，退回后才能上传"))
    if upload.size is not None and upload.size > MAX_BYTES:
        raise UploadRefused(_("文件超过 20 MB"))
    sweep()
    token = secrets.token_hex(16)
    path = _folder() / f"{token}.xlsx"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    dataset, problems = _check(record, path, upload.name or "工作簿.xlsx")
    if dataset is None or errors_in(problems):
        path.unlink()
    return token, dataset, problems


@transaction.atomic
def confirm(user: User, record: SelfEvaluation, token: str) -> Dataset:
    """Replace the data set with the checked workbook under ``token``, checking it again."""
    if not may_upload(user, record) or not is_editable(record):
        raise UploadRefused(_("您无权为本年度上传工作簿，或数据已锁定"))
    if len(token) != 32 or not all(c in "0123456789abcdef" for c in token):
        raise UploadRefused(_("上传已失效，请重新上传"))
    sweep()
    path = _folder() / f"{token}.xlsx"
    if not path.exists():
        raise UploadRefused(_("上传已失效，请重新上传"))
    try:
        dataset, problems = _check(record, path)
        if dataset is None or errors_in(problems):
            raise UploadRefused(_("工作簿有错误，未导入"))
        save_dataset(dataset, record.framework)
        record_event(
            user,
            "导入工作簿",
            str(record),
            evaluation=record,
            after={"projects": len(dataset.projects), "indicators": len(dataset.indicators)},
            reason="上传工作簿并确认导入",
        )
    finally:
        path.unlink(missing_ok=True)
    return dataset
