"""Files a user downloads: the report (Word, HTML), the score table and the workbook — made by
the same adapters as the command line, from the stored data set. The PDF report takes seconds
(LibreOffice), so it is a background job with its progress on a page (``jixiao.web.jobs``),
under the same rule of who gets it.

They are the department's documents: each shows every row of the department, so they go only to
those who read every row — the finance reviewer, the unit leader, the bureau —, never to a
division filler (:func:`may_download`); the monitoring bulletin and review table likewise.

While the data have errors the report and the score table are still made, from the data as they
are, but as drafts: the 草稿 mark with the number of problems before the title, and the report
lists them first. The workbook is the data themselves, to correct and upload again, so it is
never marked. See docs/decisions/0015-evaluation-with-problems.md.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jixiao.adapters.report.build import build_report
from jixiao.adapters.report.content import Report, as_draft
from jixiao.adapters.report.html import write_html
from jixiao.adapters.report.word import write_docx
from jixiao.adapters.scoretable import write_scoretable
from jixiao.adapters.workbook import write_workbook
from jixiao.core.problems import Problem
from jixiao.web.audit import events
from jixiao.web.audit.services import in_record_language
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.policy import Who, as_actor, user_of
from jixiao.web.services import Computed, draft_mark


@dataclass(frozen=True)
class Download:
    label: str | Promise  # translated when shown; file names are always Chinese
    suffix: str
    content_type: str
    write: Callable[[Computed, Path], None]


def _report(writer: Callable[..., None]) -> Callable[[Computed, Path], None]:
    def write(computed: Computed, path: Path) -> None:
        dataset, evaluation = computed.dataset, computed.assessed.evaluation
        assert dataset is not None and evaluation is not None
        writer(drafted(build_report(dataset, evaluation), computed.assessed.errors), path)

    return write


def drafted(report: Report, errors: list[Problem]) -> Report:
    """``report`` as it is when the data have no errors, else marked as a draft listing them."""
    if not errors:
        return report
    return as_draft(report, draft_mark(len(errors)), [str(problem) for problem in errors])


def _scoretable(computed: Computed, path: Path) -> None:
    dataset, evaluation = computed.dataset, computed.assessed.evaluation
    assert dataset is not None and evaluation is not None
    errors = computed.assessed.errors
    mark = draft_mark(len(errors)) if errors else ""
    write_scoretable(dataset, evaluation, path, draft=mark)


def _workbook(computed: Computed, path: Path) -> None:
    assert computed.dataset is not None
    write_workbook(computed.dataset, path)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = {
    "report-docx": Download(
        _("自评报告（Word）"),
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _report(write_docx),
    ),
    "report-html": Download(
        _("自评报告（网页）"), ".html", "text/html; charset=utf-8", _report(write_html)
    ),
    "scoretable": Download(_("部门整体支出绩效自评表"), ".xlsx", XLSX, _scoretable),
    "workbook": Download(_("填报工作簿"), ".xlsx", XLSX, _workbook),
}


def may_download(who: Who, record: SelfEvaluation) -> bool:
    """Whether ``who`` gets ``record``'s documents (:meth:`Actor.may_download`)."""
    return as_actor(who).may_download(record)


def produce(kind: Download, computed: Computed) -> bytes:
    """The document of ``kind``, made from the data as they are now (read afresh: a document
    needs the data set itself, not only the stored result)."""
    with tempfile.TemporaryDirectory(prefix="jixiao-download-") as folder:
        path = Path(folder) / f"file{kind.suffix}"
        kind.write(computed, path)
        return path.read_bytes()


def record_download(
    who: Who, record: SelfEvaluation, label: str | Promise, period: str = ""
) -> None:
    """A department document downloaded: who took which, when (an audit event, in Chinese
    whatever the user's language)."""
    with in_record_language():
        what = f"{period}{label}"
    events.download_recorded(user_of(who), record, what)
