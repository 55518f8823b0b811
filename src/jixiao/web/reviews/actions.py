"""The bureau's review (复核) as use cases, each in one transaction with its audit event: re-score
an item, withdraw a re-score, accept (审核通过) and return (退回).

Who: only a bureau reviewer whom :func:`~jixiao.web.policy.may_review` allows re-scores and
accepts; a department's users are answered 404 (no review is theirs to change, as a ledger
they only read), another bureau reviewer 409. When: only while the year is 已报送财政局
(409 otherwise). What: a leaf of the framework (``reviews.arithmetic``), a 复核得分 from 0 to the
item's points with at most two decimals, a reason of 1–2,000 characters, up to 20 findings of at
most 500 characters each; anything else is refused with 400, every problem at its field named
in Chinese, and nothing is written.

A re-score belongs to the current review, made on the version the department submitted; the
first re-score of a version starts it (recording the submission, the data digest, the
framework's version, the result's revision and the self-evaluation's total). A review whose
department has since been returned and changed its data is stale and stays as it was.

Worked example: demo-bureau re-scores 结转结余率 of 广州市商务局 2023 (2 points, 自评 2) to 1.5
with the reason "结转结余率测算口径有误" and the finding "年末结转未计入": the review total is
92.63, the difference 0.5, and the audit log has ``复核评分`` with before ``None`` and after
``{"自评得分": "2", "复核得分": "1.5", "发现问题": "年末结转未计入"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jixiao.adapters.tables import CONTROL_CHARACTERS
from jixiao.core.money import format_score
from jixiao.core.problems import Problem, SourceLocation
from jixiao.web.audit import events
from jixiao.web.errors import Conflict, Forbidden, Invalid, NotFound
from jixiao.web.organizations.models import Role, SelfEvaluation, Status, Transition
from jixiao.web.policy import Actor, Who, as_actor, may_review
from jixiao.web.results.models import StoredResult
from jixiao.web.reviews.arithmetic import (
    FINDING_LENGTH,
    FINDINGS,
    MORE_PLACES,
    REASON_LENGTH,
    SCORE_TEXT,
    Line,
    leaves,
)
from jixiao.web.reviews.models import Review, ReviewItem
from jixiao.web.reviews.reading import current_review, stored_lines
from jixiao.web.workflow import take_step

FORM = "复核"  # where the problems of a review's input are located
# The fields' names, in the messages (translated when shown).
SCORE, REASON, FINDINGS_FIELD = (
    gettext_noop("复核得分"),
    gettext_noop("复核理由"),
    gettext_noop("发现问题"),
)
ITEM, COMMENT, WITHDRAWAL, RETURN_REASON = (
    gettext_noop("评价项"),
    gettext_noop("审核意见"),
    gettext_noop("撤回理由"),
    gettext_noop("退回理由"),
)


@dataclass(frozen=True)
class Rescore:
    """A re-score as given (texts, not yet checked)."""

    score: object
    reason: object
    findings: object = ()


def _problem(field: str, message: str, code: str = "E-INVALID") -> Problem:
    """A problem of the field ``field`` (its Chinese name), which the message names first."""
    text = _("%(field)s：%(message)s") % {"field": _(field), "message": message}
    return Problem(code, text, SourceLocation(FORM, column=field))


def _clean(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text).strip()


def _reason_problem(
    reason: object, field: str, *, required: str | None
) -> tuple[str, Problem | None]:
    """The reason cleaned of control characters, and why it is refused (``required``: the
    message when it is missing; None when it is optional)."""
    if reason is not None and not isinstance(reason, str):
        return "", _problem(field, _("须为文字"))
    text = _clean(reason or "")
    if required is not None and not text:
        return text, _problem(field, required, "E-REQUIRED")
    if len(text) > REASON_LENGTH:
        message = _("不超过 %(limit)d 字（现为 %(length)d 字）") % {
            "limit": REASON_LENGTH,
            "length": len(text),
        }
        return text, _problem(field, message, "E-TOO-LONG")
    return text, None


def _score_problem(text: str, points: Decimal) -> Problem | None:
    """Why ``text`` is not a 复核得分 for an item of ``points``: a number from 0 to the item's
    points with at most two decimals."""
    text = text.strip()
    limit = {"points": format_score(points), "given": text[:20]}
    if not text:
        return _problem(SCORE, _("必填"), "E-REQUIRED")
    if not SCORE_TEXT.fullmatch(text):
        if MORE_PLACES.fullmatch(text):
            return _problem(SCORE, _("“%(given)s”最多保留两位小数") % limit, "E-NUMBER")
        message = _("“%(given)s”不是有效的分数（0 至 %(points)s 之间的数，最多两位小数）")
        return _problem(SCORE, message % limit, "E-NUMBER")
    if Decimal(text) > points:
        return _problem(
            SCORE, _("须在 0 至 %(points)s 分之间，“%(given)s”超出本项分值") % limit, "E-RANGE"
        )
    return None


def _findings(given: object) -> tuple[list[str], list[Problem]]:
    """The findings as a list of texts (a text: one per line); empty ones dropped."""
    if isinstance(given, str):
        given = given.splitlines()
    if not isinstance(given, (list, tuple)) or not all(isinstance(f, str) for f in given):
        return [], [_problem(FINDINGS_FIELD, _("须为文字的列表"))]
    findings = [text for text in (_clean(f) for f in given) if text]
    problems = [
        _problem(
            FINDINGS_FIELD,
            _("第 %(number)d 条不超过 %(limit)d 字（现为 %(length)d 字）")
            % {"number": number, "limit": FINDING_LENGTH, "length": len(text)},
            "E-TOO-LONG",
        )
        for number, text in enumerate(findings, start=1)
        if len(text) > FINDING_LENGTH
    ]
    if len(findings) > FINDINGS:
        problems.append(
            _problem(FINDINGS_FIELD, _("最多 %(limit)d 条") % {"limit": FINDINGS}, "E-RANGE")
        )
    return findings, problems


def _checked(given: Rescore, line: Line) -> tuple[Decimal, str, list[str]]:
    """The re-score's values, or :class:`Invalid` with every problem at its field."""
    problems: list[Problem] = []
    score_text = given.score if isinstance(given.score, str) else ""
    if isinstance(given.score, int | Decimal) and not isinstance(given.score, bool):
        score_text = str(given.score)
    elif isinstance(given.score, float):
        score_text = repr(given.score)
    score_problem = _score_problem(score_text, line.points)
    if score_problem is not None:
        problems.append(score_problem)
    reason, reason_problem = _reason_problem(
        given.reason, REASON, required=_("必填：说明为何调整本项得分")
    )
    if reason_problem is not None:
        problems.append(reason_problem)
    findings, finding_problems = _findings(given.findings)
    problems.extend(finding_problems)
    if problems:
        joined = "；".join(p.message for p in problems)
        raise Invalid(_("复核未保存：%(problems)s") % {"problems": joined}, problems)
    return Decimal(score_text.strip()), reason, findings


def _refuse_unless_reviewer(actor: Actor, record: SelfEvaluation) -> None:
    if actor.role != Role.BUREAU_REVIEWER:
        raise NotFound(_("没有这个页面，或您无权复核"))
    if not may_review(actor, record):
        raise Forbidden(_("本部门由其他复核人复核，您只能查看"))


def _locked(actor: Actor, record: SelfEvaluation) -> SelfEvaluation:
    """``record`` locked for the change, refused unless the actor may review it now (asked on
    the locked row: an assignment changed meanwhile, which locks the row too, is seen)."""
    if actor.role != Role.BUREAU_REVIEWER:
        raise NotFound(_("没有这个页面，或您无权复核"))
    rows = SelfEvaluation.objects.select_for_update(no_key=True, of=("self",))
    locked = rows.select_related("department").get(pk=record.pk)
    _refuse_unless_reviewer(actor, locked)
    if locked.status != Status.SUBMITTED_TO_BUREAU:
        raise Conflict(
            _("当前状态“%(status)s”下不能复核；报送财政局后、审核通过前才能复核")
            % {"status": locked.get_status_display()}
        )
    return locked


def _line(lines: Sequence[Line], node: str) -> Line:
    line = next((line for line in lines if line.node == node), None)
    if line is None:
        raise NotFound(_("没有这个评价项"))
    if line.node not in leaves(lines):
        message = _("“%(name)s”是其下各项之和，请复核其下的评价项") % {"name": line.name}
        raise Invalid(message, [_problem(ITEM, message)])
    return line


def _shown(item: ReviewItem | None) -> dict[str, str] | None:
    """An item's re-score as the audit log records it."""
    if item is None:
        return None
    return {
        "自评得分": format_score(item.self_score),
        "复核得分": format_score(item.score),
        "发现问题": "；".join(item.findings),
    }


def _review_for(locked: SelfEvaluation, actor: Actor, result: StoredResult | None) -> Review:
    """The current review of ``locked``, or a new one of the version it is at (``result``, its
    stored result)."""
    review = current_review(locked)
    if review is not None:
        return review
    if result is None or result.total is None:  # a sent year's data are clean: not met
        raise Conflict(_("本年度暂无评分结果，不能复核"))
    submission = (
        Transition.objects.filter(evaluation=locked, to_status=Status.SUBMITTED_TO_BUREAU)
        .order_by("-at", "-id")
        .first()
    )
    if submission is None:  # a year put at 已报送财政局 by hand, not by the workflow
        raise Conflict(_("找不到本年度的报送记录，不能复核"))
    return Review.objects.create(
        evaluation=locked,
        submission=submission,
        data_digest=result.data_digest,
        framework_version=result.framework_version,
        result_revision=result.revision,
        self_total=result.total,
        created_by=actor.signed_in,
    )


@transaction.atomic
def rescore(who: Who, record: SelfEvaluation, node: str, given: Rescore) -> ReviewItem:
    """Re-score the item ``node`` of ``record`` (or change its re-score)."""
    actor = as_actor(who)
    locked = _locked(actor, record)
    result, lines = stored_lines(locked)
    line = _line(lines, node)
    score, reason, findings = _checked(given, line)
    review = _review_for(locked, actor, result)
    item = ReviewItem.objects.filter(review=review, node=node).first()
    before = _shown(item)
    if item is None:
        item = ReviewItem(review=review, node=node)
    item.path, item.name, item.points, item.self_score = (
        line.path,
        line.name,
        line.points,
        line.score,
    )
    item.score, item.reason, item.findings, item.reviewer = score, reason, findings, actor.signed_in
    item.save()
    after = _shown(item)
    assert after is not None
    events.item_rescored(
        actor.signed_in, locked, line.name, before=before, after=after, reason=reason
    )
    return item


@transaction.atomic
def withdraw(who: Who, record: SelfEvaluation, node: str, reason: object = "") -> None:
    """Withdraw the current review's re-score of ``node``: it counts with its 自评得分 again.
    The reason is optional (at most 2,000 characters)."""
    actor = as_actor(who)
    locked = _locked(actor, record)
    text, problem = _reason_problem(reason, WITHDRAWAL, required=None)
    if problem is not None:
        raise Invalid(problem.message, [problem])
    review = current_review(locked)
    item = None if review is None else next((i for i in review.items.all() if i.node == node), None)
    if item is None:
        raise NotFound(_("本项没有复核得分"))
    before = _shown(item)
    assert before is not None
    item.delete()
    events.rescore_withdrawn(actor.signed_in, locked, item.name, before=before, reason=text)


@transaction.atomic
def accept(who: Who, record: SelfEvaluation, reason: object = "") -> Transition:
    """Accept ``record`` (审核通过): it moves to 财政局审核通过 and stays locked; the current
    review, if any, is the bureau's score. The comment is optional (at most 2,000 characters)."""
    actor = as_actor(who)
    _refuse_unless_reviewer(actor, record)
    text, problem = _reason_problem(reason, COMMENT, required=None)
    if problem is not None:
        raise Invalid(problem.message, [problem])
    return take_step(actor, record, "accept", text)


@transaction.atomic
def return_to_department(who: Who, record: SelfEvaluation, reason: object) -> Transition:
    """Return ``record`` to the department (退回, to 单位已审定) with a reason (1–2,000
    characters): its review stays as made, and becomes stale once the data change."""
    actor = as_actor(who)
    if actor.role != Role.BUREAU_REVIEWER:
        raise NotFound(_("没有这个页面，或您无权退回"))
    text, problem = _reason_problem(reason, RETURN_REASON, required=_("必填"))
    if problem is not None:
        raise Invalid(problem.message, [problem])
    return take_step(actor, record, "return", text)
