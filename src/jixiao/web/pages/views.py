"""Pages. Thin: check access, ask the services, render."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jixiao.adapters.accounts_workbook import template as accounts_template
from jixiao.adapters.report.charts import NoChineseFont
from jixiao.adapters.report.pdf import PdfUnavailable
from jixiao.adapters.tables import CONTROL_CHARACTERS
from jixiao.core.money import format_percent, format_score, format_wan
from jixiao.core.monitoring import GroupProgress
from jixiao.core.monitoring import Warning as MonitoringWarning
from jixiao.core.problems import Problem
from jixiao.core.result import Evaluation, NodeResult
from jixiao.core.rules import has_children
from jixiao.web.accounts_bulk import create_accounts, place
from jixiao.web.audit.display import changes_of
from jixiao.web.audit.events import SIGN_IN_ACTIONS
from jixiao.web.audit.models import AuditEvent
from jixiao.web.audit_log import PAGE_SIZE, AuditFilter, events_for, export, readable_actions
from jixiao.web.downloads import DOWNLOADS, Download, produce, record_download
from jixiao.web.editing import (
    LEDGERS,
    Ledger,
    Readable,
    delete_row,
    editable_indicators,
    fills_indicators,
    is_reconstructed,
    ledger_or_404,
    lock_of,
    may_change_now,
    readable,
    readable_ledgers,
    reconstructed_labels,
    row_cells,
    row_counts,
    row_label,
    row_or_not_found,
    rows_of,
    save_row,
    set_indicator_actual,
)
from jixiao.web.errors import Conflict, Invalid, NotFound, Refused, status_of
from jixiao.web.monitoring import DOWNLOADS as MONITORING_DOWNLOADS
from jixiao.web.monitoring import (
    MonitoringDownload,
    default_month,
    monitored,
    progress_chart,
    warnings_at,
)
from jixiao.web.monitoring import produce as produce_monitoring
from jixiao.web.organizations.models import Division, SelfEvaluation, Transition
from jixiao.web.pages.forms import RowForm
from jixiao.web.policy import Actor, actor_of
from jixiao.web.problem_places import place_of, placed, unlinked
from jixiao.web.publications.actions import places_of
from jixiao.web.records.models import Indicator
from jixiao.web.results.store import kept, table_version
from jixiao.web.results.store import stored_assessment as assess
from jixiao.web.reviews.arithmetic import shown
from jixiao.web.reviews.reading import REVIEWED_STATUSES
from jixiao.web.services import Assessed, compute
from jixiao.web.uploads import confirm, receive
from jixiao.web.users import EditUserForm, NewUserForm, UsernameTaken, change_user, create_user
from jixiao.web.visibility import (
    seen_assessed,
    seen_monitored,
    seen_problems,
    seen_warnings,
    withheld_message,
)
from jixiao.web.workflow import (
    available_steps,
    division_progress,
    is_editable,
    take_step,
)
from jixiao.web.workflow_state import workflow_state

# Stands for the user's CSRF token in a rendering kept for many users; replaced on the way out.
# Derived from the secret key, so every worker process (and a shared cache) agrees on it.
CSRF_PLACEHOLDER = "csrf-" + salted_hmac("jixiao.csrf-placeholder", "").hexdigest()[:32]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.sees_every_department:  # the bureau reviewer lands on the overview
        return redirect("bureau")
    evaluations = list(actor.visible_evaluations().order_by("department__name", "-fiscal_year"))
    if len(evaluations) == 1:
        return redirect("dashboard", pk=evaluations[0].pk)
    return render(
        request,
        "pages/home.html",
        {"evaluations": evaluations, "membership": actor.member},
    )


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    whole = assess(record)
    sight = readable(actor, record)  # the cached fragments' key names the result and the sight
    assessed = seen_assessed(whole, sight)
    state = workflow_state(record, whole.version)
    division = actor.division.pk if actor.division is not None else None
    context: dict[str, object] = {
        "record": record,
        "assessed": assessed,
        "withheld": withheld_message(len(whole.problems) - len(assessed.problems)),
        "membership": actor.member,
        "steps": available_steps(actor, record, state.submissions.keys()),
        "returned": state.open_return(division),
        "progress_of_divisions": (
            division_progress(record, state.submissions) if is_editable(record) else []
        ),
        "can_edit": fills_indicators(actor, record, whole.version),
        "can_read_data": bool(readable_ledgers(actor, record)),
        "downloads": _downloads(request, record, DOWNLOADS),
        "can_upload": actor.may_upload(record) and is_editable(record),
        "monitoring_month": default_month(record),
        **_problems(request, record, assessed.problems),
    }
    context["places"] = places_of(actor, record)  # its rank where the bureau published one
    review = state.review  # the bureau's review (复核), when it has re-scored
    context["review"] = review
    context["review_page"] = review is not None or record.status in REVIEWED_STATUSES
    if review is not None:
        context["review_figures"] = {
            "review": shown(review.review_total),
            "self": shown(review.self_total),
            "difference": shown(review.difference),
        }
    month = default_month(record)
    context["version"] = f"{whole.version}:{sight.key}:{month}"
    evaluation = assessed.evaluation
    if evaluation is not None:
        execution = evaluation.execution
        context.update(
            score=format_score(evaluation.score),
            grade=evaluation.grade,
            budget=format_wan(execution.overall.budget),
            spent=format_wan(execution.overall.spent),
            rate=format_percent(execution.overall.rate) if execution.overall.rate else "—",
            figures=DashboardFigures(record, evaluation, sight, month),
        )
    return render(request, "pages/dashboard.html", context)


class DashboardFigures:
    """The dashboard's tables of results, computed only when the page's cached fragment of them
    is rendered (once per version of the result, sight and month)."""

    def __init__(
        self, record: SelfEvaluation, evaluation: Evaluation, sight: Readable, month: int
    ) -> None:
        self.record, self.evaluation, self.sight, self.month = record, evaluation, sight, month

    @cached_property
    def warnings(self) -> tuple[MonitoringWarning, ...]:
        return seen_warnings(warnings_at(self.record, self.month), self.sight)

    @cached_property
    def progress(self) -> list[dict[str, object]]:
        average = self.evaluation.execution.annual_average
        return [
            {
                "month": month,
                "rate": format_percent(rate),
                "time": format_percent(Decimal(month) / 12),
                "width": f"{min(rate, Decimal(1)) * 100:.1f}",
                "behind": rate < Decimal(month) / 12,
            }
            for month, rate in (average.cumulative_rates if average else ())
        ]

    @cached_property
    def lagging(self) -> list[dict[str, str]]:
        return [
            {
                "name": p.name,
                "rate": format_percent(p.execution.rate),
                "unspent": format_wan(p.execution.budget - p.execution.spent),
            }
            for p in self.evaluation.execution.projects
            if p.execution.rate is not None and p.execution.rate < 1
        ]

    @cached_property
    def items(self) -> list[tuple[NodeResult, str, str]]:
        return [
            (node, format_score(node.score), format_score(node.points))
            for top in self.evaluation.root.children
            for node in (top.children if has_children(top.kind) else (top,))
        ]


@login_required
def tree(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    whole = assess(record)
    sight = readable(actor, record)
    assessed = seen_assessed(whole, sight)
    return render(
        request,
        "pages/tree.html",
        {
            "record": record,
            "assessed": assessed,
            "version": f"{whole.version}:{sight.key}",
            "membership": actor.member,
            "withheld": withheld_message(len(whole.problems) - len(assessed.problems)),
            **_problems(request, record, assessed.problems),
        },
    )


def _problems(
    request: HttpRequest, record: SelfEvaluation, problems: list[Problem]
) -> dict[str, object]:
    """The errors, for the banner a page shows above the figures computed in spite of them,
    and the other problems (warnings) as notes; each linked to the row where it is fixed."""
    shown = placed(actor_of(request), record, problems)
    return {
        "errors": [p for p in shown if p.severity == "error"],
        "notes": [p for p in shown if p.severity != "error"],
    }


def _indicator_rows(
    request: HttpRequest, record: SelfEvaluation, assessed: Assessed
) -> tuple[list[tuple[Indicator, NodeResult | None]], str | None]:
    """The indicators the user may fill with their scored node, and the total score."""
    evaluation = assessed.evaluation
    scores = evaluation.indicator_nodes() if evaluation else {}
    rows = [
        (indicator, scores.get(indicator.code))
        for indicator in editable_indicators(actor_of(request), record)
    ]
    return rows, format_score(evaluation.score) if evaluation else None


def _indicators_page(
    request: HttpRequest,
    record: SelfEvaluation,
    errors: dict[int, tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The indicators page; ``errors`` maps an indicator to (the value given, why refused)."""
    actor = actor_of(request)
    assessed = assess(record)
    editable = may_change_now(actor, record, LEDGERS["indicators"])
    seen = seen_problems(assessed.problems, readable(actor, record))
    division = actor.division.pk if actor.division is not None else "all"
    language = translation.get_language()
    key = f"indicators:{assessed.version}:{actor.role}:{division}:{editable}:{language}"

    def render_rows(given: dict[int, tuple[str, str]]) -> str:
        found, _total = _indicator_rows(request, record, assessed)
        rows = [(indicator, node, given.get(indicator.pk)) for indicator, node in found]
        context = {"record": record, "rows": rows, "editable": editable}
        return render_to_string(
            "pages/indicator_rows.html", {**context, "csrf_token": CSRF_PLACEHOLDER}
        )

    # refused values are shown once, never kept
    table_rows = render_rows(errors) if errors else kept(key, lambda: render_rows({}))
    evaluation = assessed.evaluation
    context = {
        "record": record,
        "table_rows": _with_token(request, table_rows),
        "total": format_score(evaluation.score) if evaluation else None,
        "editable": editable,
        "membership": actor_of(request).member,
        "withheld": withheld_message(len(assessed.problems) - len(seen)),
        **_problems(request, record, seen),
    }
    return render(request, "pages/indicators.html", context, status=status)


def _with_token(request: HttpRequest, rendering: str) -> str:
    """A rendering kept for many users (the escaping template engine's output, with
    ``CSRF_PLACEHOLDER`` where a form's token goes) with this user's token put in: the token is
    letters and digits, so the result is as safe as the rendering."""
    return mark_safe(rendering.replace(CSRF_PLACEHOLDER, get_token(request)))


def _indicator_row(
    request: HttpRequest,
    record: SelfEvaluation,
    indicator_id: int,
    *,
    error: tuple[str, str] | None = None,
    saved: str = "",
) -> HttpResponse:
    """One row of the indicators page, for htmx to swap in place; when saved, it also carries
    the new total score (an out-of-band swap)."""
    found, total = _indicator_rows(request, record, assess(record))
    indicator, node = next((i, n) for i, n in found if i.pk == indicator_id)
    context = {
        "record": record,
        "i": indicator,
        "node": node,
        "error": error,
        "saved": saved,
        "total": total,
        "editable": may_change_now(actor_of(request), record, LEDGERS["indicators"]),
    }
    return render(
        request, "pages/indicator_row.html", context, status=400 if error is not None else 200
    )


@login_required
def indicators(request: HttpRequest, pk: int) -> HttpResponse:
    return _indicators_page(request, actor_of(request).evaluation_or_404(pk))


@login_required
@require_POST
def update_indicator(request: HttpRequest, pk: int, indicator: int) -> HttpResponse:
    """Save one indicator's actual value and go back to the page (302). A refusal is the page
    again with the reason, so that a form never answers alike for saved and refused: a bad
    value at its field (400), a lock (409) or an indicator outside the user's scope (404) above
    the table — the statuses of the API. With htmx the row is swapped in place, and a lock
    reloads the whole page to show it."""
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    given = request.POST.get("actual", "")
    try:
        changed = set_indicator_actual(actor, record, indicator, given, _reason(request))
    except Refused as refusal:
        detail = "；".join(p.message for p in refusal.problems) or str(refusal)
        if not isinstance(refusal, Invalid):
            messages.error(request, _("未保存：%(why)s") % {"why": detail})
            if _from_htmx(request):  # the whole page must show the lock
                return HttpResponse(headers={"HX-Redirect": reverse("indicators", args=[pk])})
            return _indicators_page(request, record, status=status_of(refusal))
        if _from_htmx(request):
            return _indicator_row(request, record, indicator, error=(given, detail))
        return _indicators_page(request, record, {indicator: (given, detail)}, status=400)
    score = assess(record).evaluation
    if score is None:
        saved = _("已保存“%(name)s”的实际完成值。") % {"name": changed.name}
    else:
        saved = _("已保存“%(name)s”的实际完成值，当前总分 %(score)s。") % {
            "name": changed.name,
            "score": format_score(score.score),
        }
    if _from_htmx(request):
        return _indicator_row(request, record, indicator, saved=saved)
    messages.success(request, saved)
    return redirect("indicators", pk=record.pk)


def _division_id(given: str) -> int | None:
    return int(given) if given.isdigit() else None


def _step_done(done: Transition) -> str:
    if done.division is not None and done.action == "submit_division":
        return _("已提交%(division)s的数据；其他处室提交后进入“处室已提交”。") % {
            "division": done.division.name
        }
    if done.division is not None:
        return _("已退回%(division)s。") % {"division": done.division.name}
    return _("状态已变为“%(status)s”。") % {"status": done.get_to_status_display()}


def _reason(request: HttpRequest) -> str:
    """The reason typed with an action, without control characters (which the database may
    refuse to store; a reason never needs them)."""
    return CONTROL_CHARACTERS.sub("", request.POST.get("reason", ""))


def _from_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def data(request: HttpRequest, pk: int) -> HttpResponse:
    """The ledgers the user may read, with their number of rows."""
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    readable = readable_ledgers(actor, record)
    counts = row_counts(actor, record, (ledger for ledger, _scope in readable))
    ledgers = [
        (ledger, scope, counts[ledger.key], may_change_now(actor, record, ledger))
        for ledger, scope in readable
    ]
    if not ledgers:
        raise Http404("没有这个页面")
    context = {
        "record": record,
        "ledgers": ledgers,
        "editable": is_editable(record),
        "membership": actor.member,
    }
    return render(request, "pages/data.html", context)


@login_required
def ledger(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    """The rows of one table, each cell marked where its value is reconstructed."""
    actor = actor_of(request)
    record, chosen, scope = ledger_or_404(actor, pk, table)
    division = scope.division.pk if scope.division is not None else "all"
    version = table_version(record, chosen.table.key)  # not changed by other tables' changes
    key = f"ledger:{version}:{chosen.key}:{division}:{translation.get_language()}"
    table = kept(key, lambda: _ledger_table(actor, record, chosen))
    context = {
        "record": record,
        "ledger": chosen,
        "table": table,
        "writable": may_change_now(actor, record, chosen),
        "scope": scope,
        "membership": actor.member,
    }
    return render(request, "pages/ledger.html", context)


def _ledger_table(actor: Actor, record: SelfEvaluation, chosen: Ledger) -> str:
    """The ledger's table of rows as HTML: rendered once per version of the data, scope and
    language (it holds no form, nothing of the user's own)."""
    columns = chosen.summary_columns
    rows = [
        (row, [(cells[c.key], is_reconstructed(row, c)) for c in columns])
        for row in rows_of(actor, record, chosen)
        for cells in (row_cells(row, chosen),)
    ]
    context = {"record": record, "ledger": chosen, "columns": columns, "rows": rows}
    return render_to_string("pages/ledger_table.html", context)


@login_required
def row(request: HttpRequest, pk: int, table: str, row: int | None = None) -> HttpResponse:
    """GET: a row's form (read-only for readers). POST: save it; a refusal is shown at its
    fields with HTTP 400 and nothing is written."""
    actor = actor_of(request)
    record, chosen, scope = ledger_or_404(actor, pk, table)
    instance = None if row is None else row_or_not_found(actor, record, chosen, row)
    lock = lock_of(record, scope)
    writable = scope.write and lock is None
    if (row is None and not scope.whole_rows) or (request.method == "POST" and not scope.write):
        raise Http404("没有这个页面")
    if (row is None or request.method == "POST") and lock is not None:
        messages.error(request, lock)
        return redirect("ledger", pk=record.pk, table=chosen.key)
    divisions = Division.objects.filter(department=record.department).values_list("name", flat=True)
    form = RowForm(
        chosen,
        list(divisions),
        request.POST if request.method == "POST" else None,
        initial=row_cells(instance, chosen) if instance is not None else {},
        fixed_division=scope.division.name if scope.division is not None else None,
        read_only=not writable,
        owned=scope.fields,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_row(actor, record, chosen, row, form.cells(), form.cleaned_data["reason"])
        except NotFound:
            raise
        except Refused as refusal:
            form.show_problems(refusal.problems, str(refusal))
            status = status_of(refusal)
        else:
            done = {"table": chosen.title, "row": row_label(saved.row, chosen)}
            messages.success(request, _("已保存%(table)s“%(row)s”。") % done)
            _warn(request, record, saved.warnings)
            return redirect("ledger", pk=record.pk, table=chosen.key)
    context = {
        "record": record,
        "ledger": chosen,
        "instance": instance,
        "form": form,
        "writable": writable,
        "whole_rows": writable and scope.whole_rows,
        "reconstructed": [] if instance is None else reconstructed_labels(instance, chosen),
        "membership": actor.member,
    }
    if form.errors and status == 200:
        status = 400  # the form's own checks
    return render(request, "pages/row.html", context, status=status)


def _warn(request: HttpRequest, record: SelfEvaluation, problems: list[Problem]) -> None:
    """Errors a saved change left elsewhere in the data set, for the next changes to clear —
    for a division, those in its own rows, and how many more the finance reviewer will see."""
    seen = seen_problems(problems, readable(actor_of(request), record))
    for problem in seen:
        where = {"place": place_of(problem.location), "message": problem.message}
        messages.warning(request, _("尚待处理：%(place)s：%(message)s") % where)
    withheld = withheld_message(len(problems) - len(seen))
    if withheld:
        messages.warning(request, withheld)


@login_required
@require_POST
def remove_row(request: HttpRequest, pk: int, table: str, row: int) -> HttpResponse:
    actor = actor_of(request)
    record, chosen, _scope = ledger_or_404(actor, pk, table)
    try:
        label = row_label(row_or_not_found(actor, record, chosen, row), chosen)
        left = delete_row(actor, record, chosen, row, _reason(request))
    except NotFound:
        raise
    except Refused as refusal:
        messages.error(request, _("未删除：%(why)s") % {"why": refusal})
        return redirect("row", pk=record.pk, table=chosen.key, row=row)
    done = {"table": chosen.title, "row": label}
    messages.success(request, _("已删除%(table)s“%(row)s”。") % done)
    _warn(request, record, left)
    return redirect("ledger", pk=record.pk, table=chosen.key)


@login_required
@require_POST
def step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    try:
        done = take_step(
            actor,
            record,
            action,
            _reason(request),
            _division_id(request.POST.get("division", "")),
        )
    except Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _step_done(done))
    return redirect("dashboard", pk=record.pk)


@login_required
def download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    chosen = DOWNLOADS.get(kind)
    if chosen is None or not actor.may_download(record):
        raise Http404("没有这种下载")
    computed = compute(record, monitor=False)
    if computed.dataset is None:
        messages.error(request, _("数据无法汇总成数据集，暂不能生成文件；问题见本页。"))
        return redirect("dashboard", pk=record.pk)
    try:
        content = produce(chosen, computed)
    except (NoChineseFont, PdfUnavailable) as error:
        messages.error(request, str(error))
        return redirect("dashboard", pk=record.pk)
    record_download(actor, record, chosen.label)
    return _attachment(content, chosen.content_type, f"{record.fiscal_year}年度", chosen, record)


@login_required
def monitoring(request: HttpRequest, pk: int, month: int | None = None) -> HttpResponse:
    """Spending against time progress and indicators against targets at the end of a month."""
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    if month is None:
        return redirect("monitoring_month", pk=record.pk, month=default_month(record))
    if not 1 <= month <= 12:
        raise Http404("没有这个月份")
    whole = monitored(record, month)
    sight = readable(actor, record)
    result = seen_monitored(whole, sight)
    context: dict[str, object] = {
        "record": record,
        "month": month,
        "version": f"{whole.version}:{sight.key}:{month}",  # names the kept report's rendering
        "months": range(1, 13),
        "withheld": withheld_message(len(whole.problems) - len(result.problems)),
        "downloads": _downloads(request, record, MONITORING_DOWNLOADS),
        "membership": actor.member,
        **_problems(request, record, result.problems),
    }
    if result.monthly is not None:
        report = result.monthly.report
        context.update(
            report=report,
            changes=result.monthly.changes,
            behind=report.behind(),
            chart=progress_chart(result.monthly.department_by_month),
            divisions=sorted(report.divisions, key=_behind_first),
            groups=sorted(report.groups, key=_behind_first),
        )
    return render(request, "pages/monitoring.html", context)


Kind = TypeVar("Kind", Download, MonitoringDownload)


def _downloads(
    request: HttpRequest, record: SelfEvaluation, offered: dict[str, Kind]
) -> dict[str, Kind]:
    """The department's documents the page offers: all of them, or none for a division."""
    return offered if actor_of(request).may_download(record) else {}


def _behind_first(group: GroupProgress) -> Decimal:
    return -(group.progress.gap_points or Decimal(0))


@login_required
def monitoring_download(request: HttpRequest, pk: int, month: int, kind: str) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    chosen = MONITORING_DOWNLOADS.get(kind)
    if chosen is None or not 1 <= month <= 12 or not actor.may_download(record):
        raise Http404("没有这种下载")
    result = monitored(record, month)
    if result.monthly is None:
        messages.error(request, _("本月暂不能监控，不能生成文件；原因见本页。"))
        return redirect("monitoring_month", pk=record.pk, month=month)
    with translation.override("zh-hans"):
        name = (
            f"{record.department.name}{record.fiscal_year}年{month}月{chosen.label}{chosen.suffix}"
        )
    response = HttpResponse(
        produce_monitoring(chosen, result.monthly, result.errors),
        content_type=chosen.content_type,
    )
    record_download(actor, record, chosen.label, f"{month}月")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _attachment(
    content: bytes,
    content_type: str,
    period: str,
    kind: Download | MonitoringDownload,
    record: SelfEvaluation,
) -> HttpResponse:
    """A download named in Chinese whatever the interface language:
    广州市商务局2023年度自评报告（Word）.docx."""
    with translation.override("zh-hans"):
        name = f"{record.department.name}{period}{kind.label}{kind.suffix}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit events the user may read, filtered, a page at a time, newest first; each
    event's changed fields as a small table of before and after."""
    actor = actor_of(request)
    chosen = AuditFilter(request.GET or None, actions=readable_actions(actor))
    valid = not chosen.is_bound or chosen.is_valid()
    events = events_for(actor, chosen) if valid else AuditEvent.objects.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pages/audit.html",
        {
            "form": chosen,
            "page": page,
            "events": [(event, changes_of(event)) for event in page.object_list],
            "query": query.urlencode(),
            "sign_in_actions": SIGN_IN_ACTIONS,  # the actor of a failed sign-in is unknown
            "limited_to": actor.division,
            "membership": actor.member,
        },
        status=200 if valid else 400,
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit events as an Excel workbook (the export is recorded too)."""
    actor = actor_of(request)
    chosen = AuditFilter(request.GET or None, actions=readable_actions(actor))
    if chosen.is_bound and not chosen.is_valid():
        return audit_log(request)
    response = HttpResponse(
        export(actor, chosen),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"审计日志{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the upload form. POST: check the workbook and show every problem, or a summary to
    confirm."""
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    if not actor.may_upload(record):
        raise Http404("没有这个页面")
    context: dict[str, object] = {"record": record, "membership": actor.member}
    if request.method == "POST":
        file = request.FILES.get("workbook")
        if file is None:
            context["refusal"] = _("请选择要上传的 .xlsx 工作簿")
        else:
            try:
                checked = receive(actor, record, file)
            except Refused as refusal:
                context["refusal"] = str(refusal)
            else:
                context.update(checked=checked, problems=unlinked(checked.problems))
    return render(request, "pages/upload.html", context)


@login_required
@require_POST
def confirm_upload(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = actor.evaluation_or_404(pk)
    if not actor.may_upload(record):
        raise Http404("没有这个页面")
    try:
        applied = confirm(actor, record, request.POST.get("token", ""))
    except Refused as refusal:
        messages.error(request, str(refusal))
        return redirect("upload", pk=record.pk)
    counts = applied.plan.as_record()
    done = _("已导入工作簿：新增 %(added)d 条、修改 %(changed)d 条、删除 %(removed)d 条记录。") % {
        "added": counts["新增"],
        "changed": counts["修改"],
        "removed": counts["删除"],
    }
    messages.success(request, done)
    if counts["未执行"]:
        messages.warning(
            request,
            _("%(count)d 项变更未执行（处室已提交，数据锁定），详见审计日志。")
            % {"count": counts["未执行"]},
        )
    _warn(request, record, applied.problems)
    return redirect("dashboard", pk=record.pk)


@login_required
def users(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.may_manage_accounts():
        raise Http404("没有这个页面")
    form = NewUserForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            created = create_user(actor, form)
        except UsernameTaken as taken:
            form.add_error("username", taken.message)
        else:
            messages.success(request, _("已新建用户 %(name)s。") % {"name": created.username})
            return redirect("users")
    accounts = (
        actor.managed_accounts()
        .select_related("membership__department", "membership__division")
        .order_by("username")
    )
    return render(
        request,
        "pages/users.html",
        {
            "form": form,
            "accounts": accounts,
            "membership": actor.member,
        },
        status=400 if form.errors else 200,
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def users_bulk(request: HttpRequest) -> HttpResponse:
    """Accounts from a workbook (``web/accounts_bulk.py``): checked whole, created together.
    The result — with the generated passwords, and those as a workbook in a data: link — is
    this one response, never stored nor cached."""
    actor = actor_of(request)
    if not actor.is_system_admin:
        raise Http404("没有这个页面")
    refusal: Refused | None = None
    created = None
    if request.method == "POST":
        upload = request.FILES.get("accounts")
        if upload is None:
            refusal = Invalid(_("请选择账号工作簿（.xlsx）"))
        else:
            try:
                created = create_accounts(actor, upload)
            except (Invalid, Conflict) as refused:
                refusal = refused
    context: dict[str, Any] = {"membership": actor.member, "refusal": refusal}
    if refusal is not None:
        context["problems"] = [(place(p), p.code, p.message) for p in refusal.problems]
    if created is not None:
        context["created"] = created
        if created.generated:
            encoded = base64.b64encode(created.workbook()).decode("ascii")
            context["download"] = f"data:{XLSX_TYPE};base64,{encoded}"
    response = render(
        request, "pages/users_bulk.html", context, status=400 if refusal is not None else 200
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def users_bulk_template(request: HttpRequest) -> HttpResponse:
    if not actor_of(request).is_system_admin:
        raise Http404("没有这个页面")
    response = HttpResponse(accounts_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('账号模板.xlsx')}"
    return response


@login_required
def edit_user(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change an account's role and scope, deactivate it, or set a new password."""
    actor = actor_of(request)
    if not actor.may_manage_accounts():
        raise Http404("没有这个页面")
    admin = actor.signed_in
    account = actor.managed_accounts().filter(pk=user_id).first()
    if account is None:
        raise Http404("没有这个用户")
    form = EditUserForm(account, admin, request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        if change_user(actor, form):
            messages.success(request, _("已修改用户 %(name)s。") % {"name": account.username})
        else:
            messages.info(request, _("用户 %(name)s 没有变化。") % {"name": account.username})
        return redirect("users")
    return render(
        request,
        "pages/user.html",
        {"form": form, "account": account, "membership": actor.member},
        status=400 if form.errors else 200,
    )
