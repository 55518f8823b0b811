"""Results computed once per change and stored; every page and API call reads them.

Every use case that changes a self-evaluation's data (a row saved or deleted, an upload or a
``jixiao load`` applied, a data set stored) calls :func:`refresh` inside its own transaction,
after its writes and before its audit event: the data set is read back once, evaluated once,
monitored month by month, and the result replaces the stored one — in the same transaction, so
no reader ever sees new data with an old result. ``refresh`` first locks the self-evaluation's
row, so two changes of one department-year compute their results one after the other, the
second from both changes (PostgreSQL reads the other's committed rows after the lock; SQLite
runs one writer at a time).

Reading (:func:`stored_assessment`, :func:`stored_month`) costs one query, and one more the
first time a process decodes a result (decoded results are kept in a small cache keyed by the
stored row's version, safe to share: they are frozen records). A result that is missing, was
scored by another version of its framework file, written in an older storage format or
computed with another cohort snapshot than the one a new cut-off set (decision 0023) is
computed again on first read — how a database written before stored results catches up, and
``jixiao recompute --all`` does the same for all at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from jixiao.adapters.frameworks import load_versioned
from jixiao.adapters.stored_json import JSON, StoredShapeChanged, decode, encode, shape_digest
from jixiao.core.monitoring import MonthlyMonitoring
from jixiao.core.problems import Problem
from jixiao.core.result import INDICATOR, KEY_TASK, Evaluation, NodeResult
from jixiao.web.cohorts.freezing import cohort_of, snapshot_for
from jixiao.web.organizations.models import SelfEvaluation
from jixiao.web.records.mapping import TableRead
from jixiao.web.results.models import NodeScore, StoredMonth, StoredResult, Subject
from jixiao.web.services import Assessed, Computed, Monitored, YearMonitored, compute

# What a stored result was computed by: the shape of its records and the source of the code that
# reads the data back, scores and monitors them. An upgrade that changes either makes every stored
# result be computed again at its next read, with no version number to remember.
RESULT_CODE = (
    "jixiao/core",
    "jixiao/adapters/tables.py",
    "jixiao/adapters/assemble.py",
    "jixiao/adapters/stored_json.py",
    "jixiao/web/records/mapping.py",
    "jixiao/web/records/numbers.py",
    "jixiao/web/services.py",
)


def _code_digest() -> str:
    root = Path(__file__).resolve().parents[3]  # the folder holding the package jixiao/
    digest = hashlib.sha256(shape_digest(Evaluation, MonthlyMonitoring, Problem).encode())
    for part in RESULT_CODE:
        path = root / part
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


CODEC_VERSION = _code_digest()
T = TypeVar("T")
# How long a page's rendering of a stored result is kept in Django's cache (per process), under a
# key naming the result's version: an hour bounds what an unused one occupies, never what a page
# shows.
CACHED_FOR = 3600


_MISSING = object()
# Threads of one process missing the same key wait for the first to make it rather than each
# making it again (after a change, every reader of a page misses at once). Keys share a few
# locks: two different renderings waiting on one lock lose little, both need the interpreter.
_making = tuple(threading.Lock() for _ in range(64))


def kept(key: str, make: Callable[[], T]) -> T:
    """``make()``, made once and kept in Django's cache under ``key`` — a key that names the
    stored result's version (or the data's), so a change is never hidden by it."""
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        with _making[hash(key) % len(_making)]:
            found = cache.get(key, _MISSING)
            if found is _MISSING:
                found = make()
                cache.set(key, found, CACHED_FOR)
    return cast(T, found)


@transaction.atomic(savepoint=False)
def refresh(
    record: SelfEvaluation, *, changed: Iterable[str] | None = None, locked: bool = False
) -> Computed:
    """Compute ``record``'s result from its data as they are now and store it, replacing the
    one before (inside the caller's transaction).

    ``changed`` names the only tables whose rows the caller changed (a row saved or deleted):
    the other tables are taken as this process last read them, if the stored result records
    the same version of them; when this process computed the result being replaced, node
    scores and months equal to that result's are left as stored too. ``locked``
    says the caller has already locked ``record``'s row in this transaction and read it (with
    its department) after its own changes to it."""
    record = record if locked else _locked(record)
    row = _row_of(record)
    previous, earlier = None, None
    if changed is not None and row is not None and not _is_stale(record, row):
        previous = _recall(_version_of(row))
        earlier = previous.tables if previous is not None else _tables_as_read(record, row)
    snapshot = snapshot_for(record, row)
    computed = compute(
        record,
        earlier=earlier,
        changed=frozenset(changed or ()),
        monitored=previous.monitored if previous is not None else None,
        cohort=None if snapshot is None else cohort_of(snapshot),
    )
    evaluation = computed.assessed.evaluation
    revision = secrets.randbits(62)
    fields = {
        "data_digest": computed.digest,
        "framework": record.framework,
        "framework_version": computed.framework_version,
        "codec_version": CODEC_VERSION,
        "total": None if evaluation is None else evaluation.score,
        "grade": "" if evaluation is None else evaluation.grade,
        "errors": len(computed.assessed.errors),
        "content": _content(computed),
        "computed_at": timezone.now(),
        "revision": revision,
        "cohort_snapshot": snapshot,
        "cohort_digest": "" if snapshot is None else snapshot.digest,
        "cohort_due": snapshot,
        **_figures(computed),
    }
    if row is None:
        row = StoredResult.objects.create(
            evaluation=record, subject=Subject.DEPARTMENT, subject_code="", **fields
        )
    else:
        StoredResult.objects.filter(pk=row.pk).update(**fields)
        row.revision = revision
    nodes = () if evaluation is None else tuple(_node_lines(evaluation.root))
    if previous is None or previous.nodes != nodes:
        NodeScore.objects.filter(result_id=row.pk).delete()
        NodeScore.objects.bulk_create(NodeScore(result_id=row.pk, **line) for line in nodes)
    _store_months(row.pk, computed, previous)
    _remember(record, _version_of(row), computed, nodes)
    return computed


def _figures(computed: Computed) -> dict[str, Any]:
    """The figures the bureau's overview sorts and filters on, as the core computed them: the
    execution rate and the annual average execution rate (ratios, to 6 places) and the number
    of warnings in December's monitoring report (None where there is none)."""
    from jixiao.core.money import round_half_up

    evaluation = computed.assessed.evaluation
    execution = None if evaluation is None else evaluation.execution
    rate = None if execution is None else execution.overall.rate
    average = (
        None
        if execution is None or execution.annual_average is None
        else execution.annual_average.rate
    )
    december = computed.months.get(12)
    monthly = None if december is None else december.monthly
    return {
        "execution_rate": None if rate is None else round_half_up(rate, 6),
        "average_execution_rate": None if average is None else round_half_up(average, 6),
        "warnings": None if monthly is None else len(monthly.report.warnings),
    }


@dataclass(frozen=True)
class _Previous:
    """What this process computed for a stored version: its tables as read, its node lines,
    its months and the year's monitoring with what it was computed from — what the next change
    of one table starts from."""

    tables: Mapping[str, TableRead]
    nodes: tuple[dict[str, Any], ...]
    months: Mapping[int, Monitored]
    monitored: YearMonitored | None


_previous: OrderedDict[str, _Previous] = OrderedDict()
PREVIOUS_KEPT = 32  # department-years being edited at once in one process


def _recall(version: str) -> _Previous | None:
    with _cache_lock:
        return _previous.get(version)


# Each table as this process last read it, by self-evaluation, table and the table's version
# (its cells and row ids): what a change of another table reuses, even when another process
# computed the stored result since (the result records the version of each table it read).
_tables_read: OrderedDict[tuple[int, str, str], TableRead] = OrderedDict()
TABLES_KEPT = PREVIOUS_KEPT * 15


def _tables_as_read(record: SelfEvaluation, row: StoredResult) -> dict[str, TableRead]:
    """The tables of the stored result that this process has read in the same version."""
    versions = StoredResult.objects.filter(pk=row.pk).values_list("content__tables", flat=True)
    found = versions.first()
    if not isinstance(found, dict):
        return {}
    with _cache_lock:
        kept = {key: _tables_read.get((record.pk, key, str(v))) for key, v in found.items()}
    return {key: read for key, read in kept.items() if read is not None}


def _remember(
    record: SelfEvaluation, version: str, computed: Computed, nodes: tuple[dict[str, Any], ...]
) -> None:
    """Keep what was computed for ``version``: for the next change of one table, and decoded
    for every reader in this process (they would decode the same from the stored content). A
    version whose transaction rolls back is never read: its revision is never stored."""
    with _cache_lock:
        _previous[version] = _Previous(computed.tables, nodes, computed.months, computed.monitored)
        while len(_previous) > PREVIOUS_KEPT:
            _previous.popitem(last=False)
        for key, read in computed.tables.items():
            _tables_read[(record.pk, key, read.version)] = read
            _tables_read.move_to_end((record.pk, key, read.version))
        while len(_tables_read) > TABLES_KEPT:
            _tables_read.popitem(last=False)
    _keep((version, 0), _Decoded(computed.assessed, computed.data_problems, _tables(computed)))
    for month, monitored in computed.months.items():
        _keep((version, month), monitored)


def _locked(record: SelfEvaluation) -> SelfEvaluation:
    """``record`` read again under its row's lock (``FOR NO KEY UPDATE``: an audit event citing
    it may still be inserted meanwhile): its department's name and special fund's name as the
    caller's transaction has just made them."""
    rows = SelfEvaluation.objects.select_for_update(no_key=True, of=("self",))
    return rows.select_related("department").get(pk=record.pk)


def forget_department(record: SelfEvaluation) -> None:
    """The stored results of ``record``'s department's other years, dropped when its name
    changes (they print it): each is computed again at its next read."""
    others = StoredResult.objects.filter(evaluation__department_id=record.department_id)
    others.exclude(evaluation_id=record.pk).delete()


def _store_months(result_id: int, computed: Computed, previous: _Previous | None) -> None:
    """Each month's report, written only where it differs from the one stored (a change of
    an indicator's actual value leaves spending, and so every month, as it was): compared with
    what this process computed for the stored version when it has it, else by digest."""
    rows = {
        month: _month_row(result_id, month, monitored, computed)
        for month, monitored in computed.months.items()
        if previous is None or previous.months.get(month) != monitored
    }
    if previous is None:
        stored = dict(
            StoredMonth.objects.filter(result_id=result_id).values_list("month", "digest")
        )
        rows = {month: row for month, row in rows.items() if stored.get(month) != row.digest}
        gone = set(stored) - set(computed.months)
    else:
        gone = set(previous.months) - set(computed.months)
    if rows or gone:
        StoredMonth.objects.filter(result_id=result_id, month__in=[*rows, *gone]).delete()
        StoredMonth.objects.bulk_create(rows.values())


def _month_row(result_id: int, month: int, monitored: Monitored, computed: Computed) -> StoredMonth:
    content = _month_content(monitored, computed)
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return StoredMonth(result_id=result_id, month=month, content=content, digest=digest)


def _content(computed: Computed) -> JSON:
    evaluation = computed.assessed.evaluation
    return {
        "evaluation": None if evaluation is None else encode(evaluation, Evaluation),
        "data_problems": encode(tuple(computed.data_problems), tuple[Problem, ...]),
        "tables": cast(JSON, _tables(computed)),
    }


def _tables(computed: Computed) -> dict[str, str]:
    return {key: read.version for key, read in computed.tables.items()}


def _month_content(monitored: Monitored, computed: Computed) -> JSON:
    own = monitored.problems[len(computed.data_problems) :]
    return {
        "monthly": (
            None if monitored.monthly is None else encode(monitored.monthly, MonthlyMonitoring)
        ),
        "problems": encode(tuple(own), tuple[Problem, ...]),
    }


# Lines of the tree made from the data (a key task's indicators) rather than from the framework:
# the JSON keeps them; ``NodeScore`` holds the framework's items, the same in every department
# scored by one framework, and as many per change whatever the number of indicators.
DATA_LINES = frozenset({INDICATOR, KEY_TASK})


def _node_lines(root: NodeResult) -> Iterator[dict[str, Any]]:
    """The framework's items of an evaluation as :class:`NodeScore` fields, root first."""

    def walk(node: NodeResult, path: str, depth: int) -> Iterator[tuple[NodeResult, str, int]]:
        yield node, path, depth
        for child in node.children:
            if child.kind not in DATA_LINES:
                yield from walk(child, f"{path}/{child.id}", depth + 1)

    for position, (node, path, depth) in enumerate(walk(root, root.id, 0), start=1):
        yield {
            "node": node.id,
            "path": path,
            "position": position,
            "depth": depth,
            "name": node.name,
            "rule": node.kind,
            "points": node.points,
            "score": node.score,
        }


# --- reading ---------------------------------------------------------------------------------


def stored_assessment(record: SelfEvaluation) -> Assessed:
    """The stored result of ``record`` (computed now if it has none that is current)."""
    return _read(record, lambda row: replace(_assessment(row).assessed, version=_version_of(row)))


def _version_of(row: StoredResult) -> str:
    """Which stored result and which computation of it: a new one at every refresh."""
    return f"{row.pk}-{row.revision}"


def stored_data_problems(record: SelfEvaluation) -> list[Problem]:
    """The problems found reading ``record``'s stored data, before evaluating them."""
    return _read(record, lambda row: _assessment(row).data_problems)


def stored_month(record: SelfEvaluation, month: int) -> Monitored:
    """The stored monitoring report at the end of ``month`` (1–12)."""

    def read(row: StoredResult) -> Monitored:
        data_problems = _assessment(row).data_problems

        def load() -> Any:
            months = StoredMonth.objects.filter(result_id=row.pk, month=month)
            return months.values_list("content", flat=True).first()

        version = _version_of(row)
        found = _decoded((version, month), load, lambda c: _monitored_of(c, data_problems))
        return replace(found, version=version)

    return _read(record, read)


def _read(record: SelfEvaluation, read: Callable[[StoredResult], T]) -> T:
    """``read`` of the current stored result; one that cannot be read (written by other code,
    cut short) is computed again once."""
    try:
        return read(_current_row(record))
    except (StoredShapeChanged, StoredResult.DoesNotExist):
        refresh_now(record)
        return read(_current_row(record))


def table_version(record: SelfEvaluation, table: str) -> str:
    """A key that changes whenever ``record``'s rows of ``table`` (or their ids) change, and
    only then: a ledger's rendering kept under it outlives changes of other tables."""
    return _read(record, lambda row: f"{row.pk}:{_assessment(row).tables.get(table, '')}")


@dataclass(frozen=True)
class _Decoded:
    """A stored result as read back: the assessment, the problems found reading the data, and
    each table's version."""

    assessed: Assessed
    data_problems: list[Problem]
    tables: Mapping[str, str]


def _assessment(row: StoredResult) -> _Decoded:
    def load() -> Any:
        return StoredResult.objects.filter(pk=row.pk).values_list("content", flat=True).first()

    return _decoded((_version_of(row), 0), load, _assessment_of)


def refresh_now(record: SelfEvaluation, *, if_stale: bool = False) -> None:
    """:func:`refresh` in a transaction of its own (``jixiao recompute``, a first read); with
    ``if_stale``, only if the result is still stale once the row is locked (the readers who
    found it stale together compute it once)."""
    with transaction.atomic():
        locked = _locked(record)
        if if_stale and not _is_stale(locked, _row_of(locked)):
            return
        refresh(locked)


def needs_refresh(record: SelfEvaluation) -> bool:
    """Whether ``record`` has no current stored result: none yet, or one scored by another
    framework or version of its file, stored in another shape, or moved by a new cut-off to
    another cohort snapshot."""
    return _is_stale(record, _row_of(record))


def _current_row(record: SelfEvaluation) -> StoredResult:
    """The stored result's row (without its content), computed first when it is stale."""
    row = _row_of(record)
    if row is None or _is_stale(record, row):
        refresh_now(record, if_stale=True)
        row = _row_of(record)
        assert row is not None
    return row


def _row_of(record: SelfEvaluation) -> StoredResult | None:
    rows = StoredResult.objects.defer("content").filter(
        evaluation=record, subject=Subject.DEPARTMENT, subject_code=""
    )
    return rows.first()


def _is_stale(record: SelfEvaluation, row: StoredResult | None) -> bool:
    return (
        row is None
        or row.framework != record.framework
        or row.framework_version != load_versioned(record.framework).version
        or row.codec_version != CODEC_VERSION
        or row.cohort_due_id != row.cohort_snapshot_id  # a new cut-off moved it
    )


_cache: OrderedDict[tuple[str, int], Any] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 512


def _decoded(key: tuple[str, int], load: Callable[[], Any], build: Callable[[Any], T]) -> T:
    """``build(load())``, once per process and stored version of the result."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return cast(T, _cache[key])
    content = load()
    if content is None:
        raise StoredResult.DoesNotExist(f"结果 {key} 不完整")
    value = build(content)
    _keep(key, value)
    return value


def _keep(key: tuple[str, int], value: object) -> None:
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _assessment_of(content: Any) -> _Decoded:
    data_problems = list(decode(tuple[Problem, ...], content["data_problems"]))
    tables = content.get("tables")
    if not isinstance(tables, dict):
        raise StoredShapeChanged("结果没有各表的版本")
    if content["evaluation"] is None:
        return _Decoded(Assessed(None, data_problems), data_problems, tables)
    evaluation = decode(Evaluation, content["evaluation"])
    assessed = Assessed(evaluation, [*data_problems, *evaluation.problems])
    return _Decoded(assessed, data_problems, tables)


def _monitored_of(content: Any, data_problems: list[Problem]) -> Monitored:
    own = list(decode(tuple[Problem, ...], content["problems"]))
    monthly = None if content["monthly"] is None else decode(MonthlyMonitoring, content["monthly"])
    return Monitored(monthly, [*data_problems, *own])
